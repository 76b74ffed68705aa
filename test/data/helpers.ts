import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Manifest, StepContext, StepInput, StepKind, StepResult } from '../../src/graph/step.js';
import type { JsonObject } from '../../src/json.js';
import { LIVE_CATEGORIES } from '../../src/bfcl/records.js';

export const repoDir = resolve(fileURLToPath(import.meta.url), '../../..');
export const sharedDir = process.env.FC_DISTILL_SHARED ?? resolve(repoDir, '../shared');

export async function tempDir(prefix = 'fc-distill-data-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** Runs a step kind outside the executor: fresh outDir, inputs given as role -> artifact dir. */
export async function runStep(
  step: StepKind,
  params: JsonObject,
  inputs: Record<string, string> = {},
  options: { projectDir?: string; cacheDir?: string } = {},
): Promise<{ outDir: string; result: StepResult | void; logs: string[] }> {
  const outDir = await tempDir('fc-distill-out-');
  const logs: string[] = [];
  const stepInputs: Record<string, StepInput> = {};
  for (const [role, dir] of Object.entries(inputs)) {
    stepInputs[role] = { stepId: role, kind: role, key: 'k'.repeat(64), dir, manifest: {} as Manifest };
  }
  const ctx: StepContext & { cacheDir?: string } = {
    stepId: step.kind,
    key: '0'.repeat(64),
    params,
    inputs: stepInputs,
    outDir,
    stateDir: await tempDir('fc-distill-state-'),
    projectDir: options.projectDir ?? repoDir,
    log: (m) => logs.push(m),
    progress: () => undefined,
    signal: new AbortController().signal,
    ...(options.cacheDir ? { cacheDir: options.cacheDir } : {}),
  };
  const result = await step.run(ctx);
  return { outDir, result, logs };
}

export const LIVE = [...LIVE_CATEGORIES];
