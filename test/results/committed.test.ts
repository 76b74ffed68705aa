import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bfclFileCategory, type BfclVersion, type Category } from '../../src/bfcl/records.js';
import { parseCsv } from '../../src/bfcl/scoring/csv.js';
import { readScoreHeaders } from '../../src/bfcl/scoring/score-files.js';
import { summaryProblems, type ResultsSummary } from '../../src/results/summary.js';

const root = join(import.meta.dirname, '../../results');
const folders = readdirSync(root, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(root, d.name, 'summary.json')))
  .map((d) => d.name);

/** The committed results/ stay what the code writes: rerun scripts/run-sweep-example.ts when this fails. */
describe('committed results folders', () => {
  it('there are some', () => {
    expect(folders.length).toBeGreaterThan(0);
  });

  for (const folder of folders) {
    it(`${folder}: summary.json is valid, and bfcl/ has a score file per model x approach x category agreeing with it`, async () => {
      const dir = join(root, folder);
      const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as ResultsSummary;
      expect(summaryProblems(summary)).toEqual([]);
      const version = summary.dataset.version as BfclVersion;
      const { headers, unreadable } = await readScoreHeaders(join(dir, 'bfcl'), version);
      expect(unreadable).toEqual([]);
      const expected = summary.models.flatMap((m) =>
        Object.entries(m.perCategory).map(([c, count]) => ({
          model: `${m.model}.${m.approach}`,
          category: bfclFileCategory(c as Category, version),
          score: { accuracy: count.accuracy, totalCount: count.n, correctCount: count.correct },
        })),
      );
      const got = headers.map((h) => ({ model: h.model, category: h.category, score: h.score }));
      const order = (a: { model: string; category: string }, b: { model: string; category: string }) => `${a.model} ${a.category}`.localeCompare(`${b.model} ${b.category}`);
      expect(got.sort(order)).toEqual(expected.sort(order));
      // One line per failure after the header.
      for (const h of headers) {
        const failures = readFileSync(h.path, 'utf8').trimEnd().split('\n').length - 1;
        expect(failures, h.path).toBe(h.score.totalCount - h.score.correctCount!);
      }
      const live = parseCsv(readFileSync(join(dir, 'bfcl/data_live.csv'), 'utf8'));
      expect(live.rows.map((r) => r[1]).sort()).toEqual(summary.models.map((m) => `${m.model}.${m.approach}`).sort());
      expect(existsSync(join(dir, 'bfcl/data_non_live.csv'))).toBe(true);
    });
  }
});
