import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { datasetPlanInfo } from '../../src/bfcl/datasets.js';
import { functionDocHash, roundShare, splitExamples } from '../../src/bfcl/split.js';
import type { BfclExample } from '../../src/bfcl/records.js';
import { InputError } from '../../src/errors.js';
import type { JsonObject } from '../../src/json.js';
import { filterStep } from '../../src/steps/filter.js';
import { loadStep } from '../../src/steps/load.js';
import { mixinStep } from '../../src/steps/mixin.js';
import { splitStep } from '../../src/steps/split.js';
import { LIVE, repoDir, runStep, tempDir } from './helpers.js';

/** The Llama experiment's "entertainment domain": a pattern over function descriptions. */
export const ENTERTAINMENT = {
  pattern: '\\b(movies?|films?|cinemas?|music|songs?|albums?|artists?|playlists?|concerts?|theat(er|re)s?|games?|entertainment)\\b',
  flags: 'i',
  in: ['function-descriptions'],
};

const lines = async (path: string): Promise<string[]> => (await readFile(path, 'utf8')).trimEnd().split('\n');
const ids = async (path: string): Promise<string[]> => (await lines(path)).map((l) => (JSON.parse(l) as BfclExample).id);
const json = async (path: string): Promise<any> => JSON.parse(await readFile(path, 'utf8'));

async function load(categories: string[]): Promise<string> {
  const { params } = datasetPlanInfo({ source: 'bfcl-eval', version: 'v3', categories }, repoDir);
  return (await runStep(loadStep, params, {}, { cacheDir: await tempDir() })).outDir;
}

let live: string; // v3 live, 2,251 examples
let liveSm: string; // v3 live_simple + live_multiple

beforeAll(async () => {
  [live, liveSm] = await Promise.all([load(LIVE), load(['live_simple', 'live_multiple'])]);
});

describe('load step', () => {
  it('writes examples.jsonl and dataset.json with counts, files and content hash', async () => {
    const info = await json(join(live, 'dataset.json'));
    expect(info.total).toBe(2251);
    expect(info.counts.live_irrelevance).toBe(882);
    expect(info.files).toHaveLength(10);
    expect(info.contentHash).toMatch(/^[0-9a-f]{64}$/);
    expect(info.renamedIds[0].id).toBe('live_relevance_3-3-0#2');
    expect(await lines(join(live, 'examples.jsonl'))).toHaveLength(2251);
  });

  it('fails on expectedCounts that differ, before writing anything', async () => {
    const { params } = datasetPlanInfo({ version: 'v3', categories: ['live_relevance'], expectedCounts: { live_relevance: 16 } }, repoDir);
    await expect(runStep(loadStep, params)).rejects.toThrow(/live_relevance has 18 examples, expected 16/);
  });
});

describe('filter', () => {
  it('selects the entertainment domain by a regex over function descriptions', async () => {
    const { outDir, result } = await runStep(filterStep, { match: ENTERTAINMENT } as JsonObject, { dataset: liveSm });
    const info = await json(join(outDir, 'dataset.json'));
    expect(info.counts).toEqual({ live_simple: 31, live_multiple: 392 });
    expect(info.total).toBe(423);
    expect(info.filters[0]).toMatchObject({ before: 1311, after: 423, removedByCategory: { live_simple: 227, live_multiple: 661 } });
    // kept lines are passed through unchanged, in dataset order
    const all = await lines(join(liveSm, 'examples.jsonl'));
    const kept = await lines(join(outDir, 'examples.jsonl'));
    expect(kept).toEqual(all.filter((l) => kept.includes(l)));
    expect(result && result.display?.[0]).toBe('kept 423 of 1311 examples');
  });

  it('filters by category, ids and excluded ids, and matches question text', async () => {
    const byIds = await runStep(filterStep, { categories: ['live_simple'], excludeIds: ['live_simple_1-1-0'], ids: ['live_simple_0-0-0', 'live_simple_1-1-0', 'live_multiple_0-0-0'] }, { dataset: liveSm });
    expect(await ids(join(byIds.outDir, 'examples.jsonl'))).toEqual(['live_simple_0-0-0']);
    const byQuestion = await runStep(filterStep, { match: { pattern: 'star history', in: ['question'] } }, { dataset: liveSm });
    expect(await ids(join(byQuestion.outDir, 'examples.jsonl'))).toContain('live_simple_1-1-0');
    const byName = await runStep(filterStep, { match: { pattern: '^Movies_', in: ['function-names'] } }, { dataset: liveSm });
    expect((await json(join(byName.outDir, 'dataset.json'))).total).toBeGreaterThan(50);
  });

  it('refuses a filter that keeps nothing, a bad regex, unknown ids and categories', async () => {
    const cases: [JsonObject, RegExp][] = [
      [{ match: { pattern: 'zzz-no-such-thing' } }, /keeps none of the 1311 examples/],
      [{ match: { pattern: '(unclosed' } }, /not a valid regular expression/],
      [{ match: { pattern: 'x', flags: 'g' } }, /use only i/],
      [{ ids: ['live_simple_99999-0-0'] }, /filter.ids has 1 id\(s\) not in the dataset: live_simple_99999-0-0/],
      [{ categories: ['live_parallel'] }, /filter.categories has live_parallel, which the dataset does not have/],
      [{ categories: ['live_simpel'] }, /did you mean 'live_simple'/],
    ];
    for (const [params, message] of cases) {
      const error = await runStep(filterStep, params, { dataset: liveSm }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InputError);
      expect((error as Error).message).toMatch(message);
    }
  });
});

describe('split', () => {
  it('is deterministic, stratified exactly per category, and seed-dependent', async () => {
    const a = await runStep(splitStep, { train: 0.5, seed: 42, stratify: 'category', by: 'example' }, { dataset: live });
    const b = await runStep(splitStep, { train: 0.5, seed: 42, stratify: 'category', by: 'example' }, { dataset: live });
    const c = await runStep(splitStep, { train: 0.5, seed: 43, stratify: 'category', by: 'example' }, { dataset: live });
    for (const f of ['train.jsonl', 'eval.jsonl', 'split.json']) {
      expect(await readFile(join(a.outDir, f), 'utf8')).toBe(await readFile(join(b.outDir, f), 'utf8'));
    }
    const report = await json(join(a.outDir, 'split.json'));
    const counts = (await json(join(live, 'dataset.json'))).counts as Record<string, number>;
    for (const [category, n] of Object.entries(counts)) {
      expect(report.counts.train[category]).toBe(roundShare(0.5, n));
      expect(report.counts.eval[category]).toBe(n - roundShare(0.5, n));
    }
    expect(report.totals).toEqual({ train: 1126, eval: 1125, unused: 0 });
    expect(report.dataset.contentHash).toBe((await json(join(live, 'dataset.json'))).contentHash);
    // a random split leaks function sets: the report says how much
    expect(report.overlap.evalExamplesWithTrainFunctionSet).toBeGreaterThan(500);
    const trainA = await ids(join(a.outDir, 'train.jsonl'));
    const trainC = await ids(join(c.outDir, 'train.jsonl'));
    expect(trainC).not.toEqual(trainA);
    expect(new Set([...trainA, ...(await ids(join(a.outDir, 'eval.jsonl')))]).size).toBe(2251);
    // the same ids whatever the input order (order comes from sha256(seed:id) only)
    const examples = (await lines(join(live, 'examples.jsonl'))).map((line) => ({ example: JSON.parse(line) as BfclExample, line }));
    const reversed = splitExamples([...examples].reverse(), { seed: 42 });
    expect(new Set(reversed.train.map((x) => x.example.id))).toEqual(new Set(trainA));
  });

  it('by function set: no function doc on both sides, stratified as well as possible', async () => {
    const { outDir, result } = await runStep(splitStep, { train: 0.5, seed: 42, stratify: 'category', by: 'function-set' }, { dataset: live });
    const report = await json(join(outDir, 'split.json'));
    expect(report.overlap.evalExamplesWithTrainFunctionSet).toBe(0);
    expect(report.overlap.evalExamplesWithTrainFunctionDoc).toBe(0);
    expect(report.overlap.functionDocs.shared).toBe(0);
    const docs = async (f: string) =>
      new Set((await lines(join(outDir, f))).flatMap((l) => (JSON.parse(l) as BfclExample).functions.map(functionDocHash)));
    const train = await docs('train.jsonl');
    for (const d of await docs('eval.jsonl')) expect(train.has(d)).toBe(false);
    for (const category of LIVE) {
      expect(Math.abs(report.counts.train[category] - report.targets.train[category])).toBeLessThanOrEqual(
        Math.ceil(report.targets.train[category] * 0.1),
      );
    }
    expect(report.totals.train + report.totals.eval).toBe(2251);
    expect(report.groups.count).toBeGreaterThan(600);
    expect(result && result.display?.at(-1)).toContain('overlap: 0 of');
    const other = await runStep(splitStep, { train: 0.5, seed: 7, by: 'function-set' }, { dataset: live });
    expect(await ids(join(other.outDir, 'train.jsonl'))).not.toEqual(await ids(join(outDir, 'train.jsonl')));
  });

  it('leaves a remainder unused when train + eval < 1, and checks its params', async () => {
    const { outDir } = await runStep(splitStep, { train: 0.3, eval: 0.2, seed: 1 }, { dataset: liveSm });
    const report = await json(join(outDir, 'split.json'));
    expect(report.counts.train).toEqual({ live_simple: roundShare(0.3, 258), live_multiple: roundShare(0.3, 1053) });
    expect(report.counts.eval).toEqual({ live_simple: roundShare(0.2, 258), live_multiple: roundShare(0.2, 1053) });
    expect(report.totals.unused).toBe(1311 - report.totals.train - report.totals.eval);
    await expect(runStep(splitStep, { train: 0.7, eval: 0.4 }, { dataset: liveSm })).rejects.toThrow(/more than 1/);
    const none = await runStep(splitStep, { train: 0.5, stratify: 'none' }, { dataset: liveSm });
    expect((await json(join(none.outDir, 'split.json'))).totals.train).toBe(656);
  });

  it('rounds half up, without float noise', () => {
    expect(roundShare(0.5, 25)).toBe(13);
    expect(roundShare(0.1, 30)).toBe(3);
    expect(roundShare(0.15, 10)).toBe(2);
    expect(roundShare(0.35, 10)).toBe(4);
    expect(roundShare(0.5, 1053)).toBe(527);
  });
});

describe('mixin', () => {
  let split: string;
  beforeAll(async () => {
    split = (await runStep(splitStep, { train: 0.5, seed: 42 }, { dataset: live })).outDir;
  });

  it('labels round(fraction × n) training prompts by seeded order, never relevance', async () => {
    const a = await runStep(mixinStep, { fraction: 0.1, seed: 7 }, { split });
    const b = await runStep(mixinStep, { fraction: 0.1, seed: 7 }, { split });
    const c = await runStep(mixinStep, { fraction: 0.1, seed: 8 }, { split });
    expect(await readFile(join(a.outDir, 'train.jsonl'), 'utf8')).toBe(await readFile(join(b.outDir, 'train.jsonl'), 'utf8'));
    const report = await json(join(a.outDir, 'mixin.json'));
    expect(report.trainExamples).toBe(1126);
    expect(report.labelled).toBe(113);
    expect(report.labelledIds).toHaveLength(113);
    expect(report.notLabellable.count).toBe(9);
    expect(report.countsByCategory.live_relevance).toEqual({ examples: 9, eligible: 0, labelled: 0 });
    expect(report.countsByCategory.live_irrelevance.eligible).toBe(441);
    expect(report.countsByCategory.live_irrelevance.labelled).toBeGreaterThan(0);
    expect(report.dataset.version).toBe('v3');
    const out = await lines(join(a.outDir, 'train.jsonl'));
    const original = await lines(join(split, 'train.jsonl'));
    expect(out).toHaveLength(original.length);
    out.forEach((line, i) => {
      const e = JSON.parse(line);
      expect(e.labelled).toBe(report.labelledIds.includes(e.id));
      expect(line.startsWith((original[i] as string).slice(0, -1))).toBe(true);
    });
    expect((await json(join(c.outDir, 'mixin.json'))).labelledIds).not.toEqual(report.labelledIds);
    const none = await runStep(mixinStep, { fraction: 0, seed: 7 }, { split });
    expect((await json(join(none.outDir, 'mixin.json'))).labelled).toBe(0);
    await expect(runStep(mixinStep, { fraction: 1.5 }, { split })).rejects.toThrow(/between 0 and 1/);
  });
});

describe('entertainment pipeline (Llama experiment)', () => {
  it('splits the entertainment subset of live_simple + live_multiple 50/50', async () => {
    const filtered = (await runStep(filterStep, { match: ENTERTAINMENT } as JsonObject, { dataset: liveSm })).outDir;
    const { outDir } = await runStep(splitStep, { train: 0.5, seed: 42 }, { dataset: filtered });
    const report = await json(join(outDir, 'split.json'));
    expect(report.totals).toEqual({ train: 212, eval: 211, unused: 0 });
    expect(report.counts.train).toEqual({ live_simple: 16, live_multiple: 196 });
  });
});
