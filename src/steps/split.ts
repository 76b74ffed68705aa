import { join } from 'node:path';
import { readDatasetInfo, readExampleRecords, writeJson, writeLines } from '../bfcl/example-files.js';
import { splitExamples, type SplitSpec } from '../bfcl/split.js';
import { InputError } from '../errors.js';
import type { StepKind } from '../graph/step.js';
import { categoryTable } from './category-table.js';

/**
 * split: input `dataset` -> `train.jsonl`, `eval.jsonl` (lines unchanged, in dataset
 * order) and `split.json`: the dataset it came from ({version, source, contentHash,
 * categories}), the resolved params, the rounding rule, totals, per-category counts and
 * targets per side, the groups (by: function-set) and the function-set / function-doc
 * overlap between train and eval. See src/bfcl/split.ts for the algorithm.
 */
export const splitStep: StepKind = {
  kind: 'split',
  version: 1,
  description: 'seeded, stratified train/eval split (by example or by function set)',
  async run(ctx) {
    const input = ctx.inputs.dataset;
    if (!input) throw new Error('split needs an input artifact with role "dataset"');
    const [records, info] = await Promise.all([
      readExampleRecords(join(input.dir, 'examples.jsonl')),
      readDatasetInfo(join(input.dir, 'dataset.json')),
    ]);
    const { train, eval: evalSide, report } = splitExamples(records, ctx.params as unknown as SplitSpec);
    if (train.length === 0 || evalSide.length === 0) {
      throw new InputError(
        `the split leaves ${train.length === 0 ? 'train' : 'eval'} empty (${records.length} examples, train ${report.params.train}, eval ${report.params.eval ?? 'rest'}): use more data or other shares.`,
      );
    }
    await writeLines(join(ctx.outDir, 'train.jsonl'), train.map((r) => r.line));
    await writeLines(join(ctx.outDir, 'eval.jsonl'), evalSide.map((r) => r.line));
    const dataset = { version: info.version, source: info.source, contentHash: info.contentHash, categories: info.categories };
    await writeJson(join(ctx.outDir, 'split.json'), { dataset, ...report });
    const o = report.overlap;
    const columns: Record<string, Record<string, number>> = { train: report.counts.train, eval: report.counts.eval };
    if (report.totals.unused > 0) columns.unused = report.counts.unused;
    return {
      summary: { totals: report.totals, counts: report.counts, evalExamplesWithTrainFunctionSet: o.evalExamplesWithTrainFunctionSet },
      display: [
        `split by ${report.params.by}, stratify ${report.params.stratify}, seed ${report.params.seed}: ${report.totals.train} train, ${report.totals.eval} eval`,
        ...categoryTable(columns, Object.keys(report.counts.train)),
        `  overlap: ${o.evalExamplesWithTrainFunctionSet} of ${report.totals.eval} eval examples have a function set seen in train; ` +
          `${o.evalExamplesWithTrainFunctionDoc} share at least one function doc with train`,
      ],
    };
  },
};
