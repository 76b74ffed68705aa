import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** ../shared/conformance beside the package (CI has shared/ beside the project). */
export const PACKAGE_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const CONFORMANCE = join(PACKAGE_ROOT, '..', 'shared', 'conformance');
export const DATA_V4 = join(CONFORMANCE, 'bfcl-data-v4');
export const RUNS = ['v0.10.2', '2025-11-12-main'] as const;
export const HAVE_CONFORMANCE = existsSync(DATA_V4);
