import { join } from 'node:path';
import { filterExamples, type FilterSpec } from '../bfcl/filter.js';
import { countByCategory, readDatasetInfo, readExampleRecords, writeJson, writeLines, type DatasetInfo } from '../bfcl/example-files.js';
import { InputError } from '../errors.js';
import type { StepKind } from '../graph/step.js';
import { categoryTable } from './category-table.js';

/**
 * filter: input `dataset` (load or filter) -> the same two files, `examples.jsonl` with
 * the kept lines unchanged and `dataset.json` with the new counts and the filter appended
 * to `filters`. Params: the experiment's `filter` (categories, ids, excludeIds, match).
 * Keeping nothing is an error.
 */
export const filterStep: StepKind = {
  kind: 'filter',
  version: 1,
  description: 'keep the examples matching categories, ids and a regular expression',
  async run(ctx) {
    const input = ctx.inputs.dataset;
    if (!input) throw new Error('filter needs an input artifact with role "dataset"');
    const [records, info] = await Promise.all([
      readExampleRecords(join(input.dir, 'examples.jsonl')),
      readDatasetInfo(join(input.dir, 'dataset.json')),
    ]);
    const spec = ctx.params as unknown as FilterSpec;
    const { kept, removedByCategory } = filterExamples(records, spec);
    if (kept.length === 0) {
      throw new InputError(
        `the filter keeps none of the ${records.length} examples: loosen filter (categories, ids, excludeIds, match.pattern/flags/in). Filter: ${JSON.stringify(ctx.params)}`,
      );
    }
    const counts = countByCategory(kept.map((r) => r.example), info.categories);
    const out: DatasetInfo = {
      ...info,
      counts,
      total: kept.length,
      filters: [...(info.filters ?? []), { params: ctx.params, before: records.length, after: kept.length, removedByCategory }],
    };
    await writeLines(join(ctx.outDir, 'examples.jsonl'), kept.map((r) => r.line));
    await writeJson(join(ctx.outDir, 'dataset.json'), out);
    return {
      summary: { before: records.length, after: kept.length, counts },
      display: [
        `kept ${kept.length} of ${records.length} examples`,
        ...categoryTable({ before: info.counts, kept: counts }, info.categories),
      ],
    };
  },
};
