import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import {
  KNOWN_DATASET_SIZES,
  costLatencyCells,
  formatFixed,
  formatPercent,
  modelFigures,
  npPercentile,
  pyMean,
  pyRoundRepr,
  pyStdev,
  rationalToDouble,
  weightedFigure,
  categoryFigure,
} from '../../../src/bfcl/scoring/aggregate.js';
import { leaderboardTables, parseCsv, renderCsv } from '../../../src/bfcl/scoring/csv.js';
import { readScoreHeaders } from '../../../src/bfcl/scoring/score-files.js';
import { CONFORMANCE, RUNS } from './paths.js';

describe('Python number formatting', () => {
  it('rounds ties half to even on the exact binary value', () => {
    expect(formatFixed(0.125, 2)).toBe('0.12'); // exact tie -> even
    expect(formatFixed(0.375, 2)).toBe('0.38');
    expect((0.125).toFixed(2)).toBe('0.13'); // what JS would print
    expect(formatFixed(2.675, 2)).toBe('2.67'); // 2.67499999... in binary
    expect(formatFixed(1.005, 2)).toBe('1.00');
    expect(formatFixed(0, 2)).toBe('0.00');
    expect(formatFixed(-0.125, 2)).toBe('-0.12');
    expect(formatFixed(100, 2)).toBe('100.00');
    expect(formatFixed(12.5, 0)).toBe('12');
    expect(formatFixed(13.5, 0)).toBe('14');
    expect(formatFixed(NaN, 2)).toBe('nan');
  });

  it('prints BFCL percentages', () => {
    expect(formatPercent(995 / 1351)).toBe('73.65%');
    expect(formatPercent(0)).toBe('0.00%');
    expect(formatPercent(1)).toBe('100.00%');
    // 0.0005625 * 100 = 0.05625 -> binary slightly above/below; Python: '0.06%'
    expect(formatPercent(0.0005625)).toBe('0.06%');
  });

  it('round() then repr', () => {
    expect(pyRoundRepr(2.0700001, 2)).toBe('2.07');
    expect(pyRoundRepr(2.1, 2)).toBe('2.1');
    expect(pyRoundRepr(3, 2)).toBe('3.0');
    expect(pyRoundRepr(0.125, 2)).toBe('0.12');
    expect(pyRoundRepr(13.215, 2)).toBe('13.21'); // 13.2149999...
  });

  it('exact statistics', () => {
    expect(rationalToDouble(1n, 3n)).toBe(1 / 3);
    expect(rationalToDouble(2n, 3n)).toBe(2 / 3);
    expect(rationalToDouble(-7n, 10n)).toBe(-0.7);
    expect(pyMean([0.1, 0.2, 0.3])).toBe(0.2); // exact mean: Python gives 0.2, naive sum/3 gives 0.20000000000000004
    expect(pyMean([1, 2, 3, 4])).toBe(2.5);
    expect(pyStdev([2, 4, 4, 4, 5, 5, 7, 9])).toBeCloseTo(2.138089935299395, 15);
    expect(npPercentile([1, 2, 3, 4, 5], 95)).toBeCloseTo(4.8, 12);
    expect(npPercentile([10], 95)).toBe(10);
  });

  it('cost for a locally hosted model comes from latency (v4), N/A in v3', () => {
    const data = { latency: [3600, 3600], inputTokens: [10], outputTokens: [5] };
    const local = { inputPrice: null, outputPrice: null };
    expect(costLatencyCells('v4', data, local)).toEqual({ cost: '0.48', mean: '3600.0', std: '0.0', p95: '3600.0' });
    expect(costLatencyCells('v3', data, local)).toEqual({ cost: 'N/A', mean: 'N/A', std: 'N/A', p95: 'N/A' });
    const priced = { inputPrice: 1, outputPrice: 2 };
    expect(costLatencyCells('v4', { latency: [1, 2], inputTokens: [1_000_000], outputTokens: [500_000] }, priced).cost).toBe('2.0');
  });
});

describe('aggregation', () => {
  it('Live Overall (v4) is count-weighted over the four AST categories', () => {
    const scores = new Map([
      ['live_simple', { accuracy: 211 / 258, totalCount: 258 }],
      ['live_multiple', { accuracy: 784 / 1053, totalCount: 1053 }],
      ['live_parallel', { accuracy: 0, totalCount: 16 }],
      ['live_parallel_multiple', { accuracy: 0, totalCount: 24 }],
    ]);
    const f = modelFigures('v4', scores, (c) => KNOWN_DATASET_SIZES.v4[c] ?? 0);
    expect(formatPercent(f.live.overall.accuracy)).toBe('73.65%');
    expect(f.live.astSummary.display).toBe(f.live.overall.accuracy);
    expect(f.live.irrelevance.display).toBe('N/A');
    // Non-live not run: the summary shows N/A, the overall counts it as 0 and shows a number.
    expect(f.nonLive.astSummary.display).toBe('N/A');
    expect(f.nonLive.overall.display).toBe(0);
    expect(f.nonLive.overall.complete).toBe(false);
    expect(f.live.overall.complete).toBe(true);
  });

  it('v3 Live Overall includes irrelevance and relevance (all 2,251 entries)', () => {
    const scores = new Map([
      ['live_simple', { accuracy: 200 / 258, totalCount: 258 }],
      ['live_multiple', { accuracy: 700 / 1053, totalCount: 1053 }],
      ['live_parallel', { accuracy: 8 / 16, totalCount: 16 }],
      ['live_parallel_multiple', { accuracy: 12 / 24, totalCount: 24 }],
      ['live_irrelevance', { accuracy: 700 / 882, totalCount: 882 }],
      ['live_relevance', { accuracy: 15 / 18, totalCount: 18 }],
    ]);
    const f = modelFigures('v3', scores, (c) => KNOWN_DATASET_SIZES.v3[c] ?? 0);
    expect(f.live.overall.totalCount).toBe(2251);
    expect(f.live.overall.accuracy).toBeCloseTo((200 + 700 + 8 + 12 + 700 + 15) / 2251, 12);
    expect(f.live.astSummary.totalCount).toBe(1351);
  });

  it('a category not run shows N/A but weighs with its dataset size', () => {
    const f = weightedFigure([categoryFigure({ accuracy: 1, totalCount: 10 }, 10), categoryFigure(undefined, 30)]);
    expect(f.display).toBe('N/A');
    expect(f.accuracy).toBe(0.25);
  });
});

describe('leaderboard tables reproduce the official CSVs from the official score headers', () => {
  for (const run of RUNS) {
    it(run, async () => {
      const scoreDir = join(CONFORMANCE, 'gpt-oss', run, 'score');
      const { headers, unreadable } = await readScoreHeaders(scoreDir, 'v4');
      expect(unreadable).toEqual([]);
      const models = new Map<string, Map<string, { accuracy: number; totalCount: number }>>();
      for (const h of headers) {
        if (!models.has(h.model)) models.set(h.model, new Map());
        models.get(h.model)!.set(h.category, h.score);
      }
      const tables = leaderboardTables(
        'v4',
        [...models].map(([model, scores]) => ({ model, scores })),
        (c) => KNOWN_DATASET_SIZES.v4[c] ?? 0,
      );
      for (const t of tables) {
        const official = await readFile(join(scoreDir, t.file), 'utf8');
        if (t.file !== 'data_overall.csv') {
          // Every cell of the live and non-live tables depends on single-turn categories only.
          expect(renderCsv(t)).toBe(official);
          continue;
        }
        const theirs = parseCsv(official);
        let compared = 0;
        for (const row of t.rows) {
          const o = theirs.rows.find((r) => r[2] === row.cells[2]!.text)!;
          expect(o).toBeDefined();
          row.cells.forEach((cell, i) => {
            if (!cell.comparable) return;
            compared++;
            expect(`${t.header[i]}=${cell.text}`).toBe(`${t.header[i]}=${o[i]}`);
          });
        }
        expect(compared).toBeGreaterThan(15 * t.rows.length);
        expect(t.header).toEqual(theirs.header);
      }
    });
  }
});
