import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { BfclExample, BfclFunctionDoc } from '../../src/bfcl/records.js';
import { parameterStats, reportStep, type DatasetReport } from '../../src/steps/report.js';
import { jsonl, StepFixture } from './step-fixture.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const shared = process.env.FC_DISTILL_SHARED ?? path.resolve(repo, '../shared');
const v4 = path.join(shared, 'conformance', 'bfcl-data-v4');

function doc(name: string, params: Record<string, string | [string, string]>): BfclFunctionDoc {
  const properties: BfclFunctionDoc['parameters']['properties'] = {};
  for (const [p, t] of Object.entries(params)) {
    properties[p] = Array.isArray(t) ? { type: t[0], items: { type: t[1] } } : { type: t };
  }
  return { name, description: name, parameters: { type: 'dict', required: [], properties } };
}
const f1 = doc('f1', { a: 'string', b: 'integer' });
const f2 = doc('f2', { a: 'string', b: 'float', c: ['array', 'string'], d: 'dict', e: 'boolean', f: 'string' });
const ex = (id: string, category: BfclExample['category'], functions: BfclFunctionDoc[], labelled?: boolean) => ({
  id,
  category,
  question: [[{ role: 'user', content: id }]],
  functions,
  answerJson: category.includes('irrelevance') ? null : '[{"f1": {"a": ["x"]}}]',
  ...(labelled === undefined ? {} : { labelled }),
});

describe('report step', () => {
  let fixture: StepFixture;
  afterEach(() => fixture?.cleanup());

  it('counts per category per split, parameter statistics, mix-in and export figures', async () => {
    fixture = new StepFixture();
    const all = [
      ex('s1', 'live_simple', [f1]),
      ex('s2', 'live_simple', [f1]),
      ex('m1', 'live_multiple', [f1, f2]),
      ex('m2', 'live_multiple', [f2, f1]),
      ex('i1', 'live_irrelevance', []),
    ];
    const dataset = fixture.input('load', 'load', {
      'examples.jsonl': jsonl(all),
      'dataset.json': JSON.stringify({ version: 'v4', source: 'local', contentHash: 'abc', counts: {}, total: 5 }),
    });
    const split = fixture.input('split', 'split', {
      'train.jsonl': jsonl([all[0], all[2], all[4]]),
      'eval.jsonl': jsonl([all[1], all[3]]),
      'split.json': JSON.stringify({
        overlap: {
          functionSets: { train: 2, eval: 2, shared: 2 },
          evalExamplesWithTrainFunctionSet: 2,
          evalExamplesWithTrainFunctionSetByCategory: {},
          functionDocs: { train: 2, eval: 2, shared: 2 },
          evalExamplesWithTrainFunctionDoc: 2,
        },
      }),
    });
    const mixin = fixture.input('mixin', 'mixin', {
      'train.jsonl': jsonl([{ ...all[0], labelled: true }, { ...all[2], labelled: false }, { ...all[4], labelled: true }]),
      'mixin.json': JSON.stringify({ fraction: 0.5, seed: 7, eligible: 3, labelled: 2 }),
    });
    const exported = fixture.input('export', 'export', {
      'validation.json': JSON.stringify({ records: 3, accepted: 2, labelled: 2, rejected: [{ id: 'm1', rule: 'content', reason: 'x' }], rejectedByRule: { content: 1 }, bytes: 1234 }),
    });
    const ctx = fixture.context('report', {}, { dataset, split, mixin, export: exported });
    const result = await reportStep.run(ctx);
    const report = JSON.parse(readFileSync(path.join(ctx.outDir, 'dataset-report.json'), 'utf8')) as DatasetReport;

    expect(report.counts).toEqual({
      live_simple: { all: 2, train: 1, eval: 1, labelled: 1 },
      live_multiple: { all: 2, train: 1, eval: 1, labelled: 0 },
      live_irrelevance: { all: 1, train: 1, eval: 0, labelled: 1 },
    });
    expect(report.totals).toEqual({ all: 5, train: 3, eval: 2, labelled: 2 });
    // docs as offered: f1 x4 (2 params), f2 x2 (6 params) -> mean 20/6 = 3.33, max 6; distinct: (2+6)/2 = 4
    expect(report.paramsPerFunction).toEqual({ functions: 6, mean: 3.33, max: 6, distinct: { functions: 2, mean: 4, max: 6 } });
    expect(report.paramsPerFunctionByCategory).toEqual({
      live_simple: { functions: 2, mean: 2, max: 2 },
      live_multiple: { functions: 4, mean: 4, max: 6 },
    });
    expect(report.functionsPerExample).toEqual({ mean: 1.2, max: 2 });
    expect(report.parameterTypes).toEqual({ string: 8, integer: 4, array: 2, boolean: 2, dict: 2, float: 2 });
    expect(report.arrayItemTypes).toEqual({ string: 2 });
    expect(report.mixin).toEqual({ fraction: 0.5, seed: 7, trainExamples: 3, labelled: 2, eligible: 3 });
    expect(report.overlap?.functionSets.shared).toBe(2);
    expect(report.export).toEqual({ records: 3, accepted: 2, rejected: 1, rejectedByRule: { content: 1 }, labelled: 2, bytes: 1234 });
    expect(report.dataset).toEqual({ version: 'v4', source: 'local', contentHash: 'abc', total: 5 });

    const display = (result as { display: string[] }).display;
    expect(display).toContain('  category             all   train    eval  labelled');
    expect(display).toContain('  live_simple            2       1       1         1');
    expect(display).toContain('  total                  5       3       2         2');
    expect(display.join('\n')).toMatch(/parameters per function: mean 3\.33, max 6 \(6 function docs as offered; 2 distinct: mean 4, max 6\)/);
    expect(display.join('\n')).toMatch(/mix-in: 2 of 3 training examples labelled/);
    expect(display.join('\n')).toMatch(/export: 2 of 3 records accepted \(2 labelled\), 1 rejected \(content 1\)/);
  });

  it('works with only some inputs', async () => {
    fixture = new StepFixture();
    const split = fixture.input('split', 'split', { 'train.jsonl': jsonl([ex('s1', 'simple', [f1])]), 'eval.jsonl': '' });
    const ctx = fixture.context('report', {}, { split });
    await reportStep.run(ctx);
    const report = JSON.parse(readFileSync(path.join(ctx.outDir, 'dataset-report.json'), 'utf8')) as DatasetReport;
    expect(report.counts).toEqual({ simple: { train: 1, eval: 0 } });
    expect(report.mixin).toBeNull();
    expect(report.export).toBeNull();
  });
});

describe.skipIf(!existsSync(v4))('real data: BFCL v4 live', () => {
  it('parameters per function (the seed reports avg 4, max 28 for v3 live)', () => {
    const examples: BfclExample[] = [];
    for (const category of ['live_simple', 'live_multiple', 'live_parallel', 'live_parallel_multiple', 'live_irrelevance', 'live_relevance'] as const) {
      for (const line of readFileSync(path.join(v4, `BFCL_v4_${category}.json`), 'utf8').split('\n')) {
        if (!line.trim()) continue;
        const e = JSON.parse(line) as { id: string; question: BfclExample['question']; function: BfclFunctionDoc[] };
        examples.push({ id: e.id, category, question: e.question, functions: e.function, answerJson: null });
      }
    }
    expect(examples).toHaveLength(2251);
    const stats = parameterStats(examples);
    expect(stats.overall).toEqual({ functions: 6659, mean: 3.79, max: 28, distinct: { functions: 1752, mean: 3.5, max: 28 } });
    expect(Math.round(stats.overall!.mean)).toBe(4);
    expect(stats.parameterTypes.string).toBeGreaterThan(stats.parameterTypes.integer ?? 0);
  });
});
