import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import type { Manifest, StepContext, StepInput } from '../../src/graph/step.js';
import { resultsStep, type ResultsParams } from '../../src/steps/results.js';
import type { Outcome } from '../../src/results/summary.js';

const key = (seed: string) => createHash('sha256').update(seed).digest('hex');

/**
 * `n` outcomes per category for model x approach, valid by a fixed pattern (about 70% right),
 * so two calls give identical runs.
 */
export function outcomes(model: string, approach: string, categories: Record<string, number>): Outcome[] {
  const out: Outcome[] = [];
  for (const [category, n] of Object.entries(categories)) {
    for (let i = 0; i < n; i++) {
      const valid = (i * 7) % 10 < 7;
      out.push({ id: `${category}_${i}-0-0`, category, model, approach, valid, errorType: valid ? null : 'simple_function_checker:wrong_count' });
    }
  }
  return out;
}

/** Flips the first `count` right answers of `category` (of `model`, else the first model's) to wrong: a planted degradation. */
export function degrade(list: Outcome[], category: string, count: number, model = list[0]?.model): Outcome[] {
  let left = count;
  return list.map((o) => {
    if (left > 0 && o.model === model && o.category === category && o.valid) {
      left--;
      return { ...o, valid: false, errorType: 'value_error:string' };
    }
    return o;
  });
}

export const CONFIG = {
  name: 'exp',
  region: 'us-east-1',
  dataset: { source: 'local', version: 'v4', categories: ['live_multiple', 'live_simple'], path: 'data' },
  split: { train: 0.5, eval: 0.5, seed: 42, stratify: 'category', by: 'example' },
  evaluate: { models: ['teacher', 'student-base'], approaches: ['prompt'], inference: { temperature: 0, maxTokens: 1024 } },
};

/**
 * Writes results/<variant>/ in `projectDir` through the real results step, from score artifacts
 * made of `list` (grouped by model x approach). Returns the folder.
 */
export async function writeResults(projectDir: string, variant: string, list: Outcome[], config: Record<string, unknown> = CONFIG, seed = 'a'): Promise<string> {
  const groups = new Map<string, Outcome[]>();
  for (const o of list) {
    const k = `${o.model}.${o.approach}`;
    groups.set(k, [...(groups.get(k) ?? []), o]);
  }
  const inputs: Record<string, StepInput> = {};
  for (const [k, os] of groups) {
    const dir = mkdtempSync(join(tmpdir(), 'fc-score-'));
    const [model, approach] = k.split('.') as [string, string];
    writeFileSync(join(dir, 'outcomes.jsonl'), os.map((o) => `${JSON.stringify(o)}\n`).join(''));
    const errorTypes: Record<string, number> = {};
    for (const o of os) if (!o.valid) errorTypes[o.errorType!] = (errorTypes[o.errorType!] ?? 0) + 1;
    writeFileSync(join(dir, 'score.json'), JSON.stringify({ model, approach, answerFormat: 'json-list', errorTypes, latencyMs: { p50: 420, p95: 900 }, tokens: { input: 1000, output: 100 }, costUsd: 0.01 }));
    const manifest = { inputs: { responses: key(`infer.${k}.${seed}`), examples: key(`split.${seed}`) } } as unknown as Manifest;
    inputs[`score.${k}`] = { stepId: `score.${k}`, kind: 'score', key: key(`score.${k}.${seed}`), dir, manifest };
  }
  const dsDir = mkdtempSync(join(tmpdir(), 'fc-dataset-'));
  writeFileSync(join(dsDir, 'dataset.json'), JSON.stringify({ source: 'local', version: 'v4', categories: ['live_simple', 'live_multiple'], contentHash: key('data') }));
  inputs.dataset = { stepId: 'load', kind: 'load', key: key('load'), dir: dsDir, manifest: {} as Manifest };
  const outDir = mkdtempSync(join(tmpdir(), 'fc-results-out-'));
  mkdirSync(join(projectDir, 'results'), { recursive: true });
  const ctx: StepContext<ResultsParams> = {
    stepId: 'results',
    key: key(`results.${seed}`),
    params: { experiment: variant, name: String(config.name), matrix: null, config: config as never },
    inputs,
    outDir,
    stateDir: mkdtempSync(join(tmpdir(), 'fc-state-')),
    projectDir,
    log: () => undefined,
    progress: () => undefined,
    signal: new AbortController().signal,
  };
  await resultsStep.run(ctx);
  return join(projectDir, 'results', variant);
}
