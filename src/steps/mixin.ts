import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readExampleRecords, withLabelled, writeJson, writeLines } from '../bfcl/example-files.js';
import { chooseMixin, type MixinSpec } from '../bfcl/mixin.js';
import type { StepKind } from '../graph/step.js';
import { categoryTable } from './category-table.js';

/**
 * mixin: input `split` -> `train.jsonl` (the split's training lines, each with
 * `"labelled": true|false` appended) and `mixin.json` (MixinReport plus the dataset it came
 * from). See src/bfcl/mixin.ts for the choice.
 */
export const mixinStep: StepKind = {
  kind: 'mixin',
  version: 1,
  description: 'mark a seeded share of training prompts to carry the ground-truth answer',
  async run(ctx) {
    const input = ctx.inputs.split;
    if (!input) throw new Error('mixin needs an input artifact with role "split"');
    const records = await readExampleRecords(join(input.dir, 'train.jsonl'));
    const { dataset } = JSON.parse(await readFile(join(input.dir, 'split.json'), 'utf8')) as { dataset: unknown };
    const { labelled, report } = chooseMixin(records, ctx.params as unknown as MixinSpec);
    await writeLines(
      join(ctx.outDir, 'train.jsonl'),
      records.map((r) => withLabelled(r.line, labelled.has(r))),
    );
    await writeJson(join(ctx.outDir, 'mixin.json'), { dataset, ...report });
    const columns = {
      examples: Object.fromEntries(Object.entries(report.countsByCategory).map(([c, v]) => [c, v.examples])),
      labelled: Object.fromEntries(Object.entries(report.countsByCategory).map(([c, v]) => [c, v.labelled])),
    };
    return {
      summary: { labelled: report.labelled, trainExamples: report.trainExamples, notLabellable: report.notLabellable.count },
      display: [
        `${report.labelled} of ${report.trainExamples} training prompts carry the ground truth (fraction ${report.fraction}, seed ${report.seed})`,
        ...categoryTable(columns),
        ...(report.notLabellable.count > 0
          ? [`  ${report.notLabellable.count} relevance example(s) cannot be labelled: no ground truth`]
          : []),
      ],
    };
  },
};
