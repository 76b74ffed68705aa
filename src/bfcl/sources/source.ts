import { createHash } from 'node:crypto';
import { InputError } from '../../errors.js';
import type { PinnedDataFile } from '../data-sums.js';

/**
 * What every BFCL data source hands to the loader: the bytes of the requested files.
 * Names are paths relative to BFCL's `bfcl_eval/data/` folder, e.g. `BFCL_v3_live_simple.json`
 * or `possible_answer/BFCL_v3_live_simple.json`.
 */
export interface DataFile {
  name: string;
  bytes: Buffer;
  /** Where the bytes came from, as shown in error messages (an absolute path or a URL). */
  origin: string;
  sha256: string;
  /** Number of lines (a last line without a newline counts; an empty file has 0). */
  lines: number;
}

export function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

export function countLines(bytes: Buffer): number {
  if (bytes.length === 0) return 0;
  let n = 0;
  let at = bytes.indexOf(10);
  while (at !== -1) {
    n++;
    at = bytes.indexOf(10, at + 1);
  }
  return bytes[bytes.length - 1] === 10 ? n : n + 1;
}

export function dataFile(name: string, bytes: Buffer, origin: string): DataFile {
  return { name, bytes, origin, sha256: sha256Hex(bytes), lines: countLines(bytes) };
}

/** The error for a file whose sum or line count is not the pinned one (null when it matches). */
export function pinnedMismatch(
  file: DataFile,
  expected: PinnedDataFile,
  what: string,
  todo: string,
): InputError | null {
  if (file.sha256 === expected.sha256 && file.lines === expected.lines) return null;
  const detail =
    file.sha256 !== expected.sha256
      ? `sha256 ${file.sha256}, expected ${expected.sha256}`
      : `${file.lines} lines, expected ${expected.lines}`;
  return new InputError(`${file.name} (${file.origin}) is not the pinned ${what}: got ${detail}. ${todo}`, {
    file: file.origin,
  });
}

/** Runs `fn` over `items` with at most `limit` calls in flight; results in input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const i = next++;
      try {
        results[i] = await fn(items[i] as T);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
