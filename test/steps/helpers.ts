import { mkdtemp, writeFile } from 'node:fs/promises';
import type { JsonObject } from '../../src/json.js';
import type { Manifest, StepContext, StepInput, StepKind } from '../../src/graph/step.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXAMPLES } from '../models/fixtures.js';

/** An infer artifact with these responses and a split artifact holding the fixture examples. */
export async function artifacts(responses: string[], version: 'v3' | 'v4' = 'v3') {
  const r = await mkdtemp(join(tmpdir(), 'fc-resp-'));
  const s = await mkdtemp(join(tmpdir(), 'fc-split-'));
  await writeFile(join(r, 'responses.jsonl'), responses.map((l) => `${l}\n`).join(''));
  await writeFile(join(r, 'infer.json'), JSON.stringify({ tokens: { input: 40, output: 20 }, costUsd: 0.004 }));
  await writeFile(join(s, 'eval.jsonl'), EXAMPLES.map((e) => `${JSON.stringify(e)}\n`).join(''));
  await writeFile(join(s, 'split.json'), JSON.stringify({ dataset: { version, source: 'local', contentHash: 'x', categories: [] } }));
  return { responses: r, examples: s };
}


/** Runs a step kind directly, its inputs given as artifact folders (keys are hex, as summary.json requires). */
export async function runKind(step: StepKind<any>, params: JsonObject, inputs: Record<string, string>, projectDir: string): Promise<{ outDir: string; logs: string[] }> {
  const outDir = await mkdtemp(join(tmpdir(), 'fc-out-'));
  const logs: string[] = [];
  const stepInputs: Record<string, StepInput> = {};
  Object.entries(inputs).forEach(([role, dir], i) => {
    stepInputs[role] = { stepId: role, kind: role.split('.')[0]!, key: String(i + 1).repeat(64).slice(0, 64), dir, manifest: {} as Manifest };
  });
  const ctx: StepContext = {
    stepId: step.kind,
    key: 'a'.repeat(64),
    params,
    inputs: stepInputs,
    outDir,
    stateDir: await mkdtemp(join(tmpdir(), 'fc-state-')),
    projectDir,
    log: (m) => logs.push(m),
    progress: () => undefined,
    signal: new AbortController().signal,
  };
  await step.run(ctx);
  return { outDir, logs };
}
