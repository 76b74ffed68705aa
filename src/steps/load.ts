import { join } from 'node:path';
import { loadBfclDataset, type DatasetSpec } from '../bfcl/datasets.js';
import { writeJson, writeLines, type DatasetInfo } from '../bfcl/example-files.js';
import type { StepContext, StepKind } from '../graph/step.js';
import type { JsonObject } from '../json.js';
import { categoryTable } from './category-table.js';

/**
 * load: BFCL data -> `examples.jsonl` (one BfclExample per line, BFCL's JSON text kept;
 * see src/bfcl/example-files.ts) and `dataset.json` (DatasetInfo: version, source, files
 * with sums and line counts, contentHash, counts, renamed ids).
 * Params: what `datasetPlanInfo` returns (source, version, categories, path | url,
 * expectedCounts, sums). Source gorilla caches downloads in `cacheDir(ctx)`.
 */
export const loadStep: StepKind = {
  kind: 'load',
  version: 1,
  description: 'load BFCL data (bfcl-eval package, gorilla download or local folder), check sums and counts',
  async run(ctx) {
    const spec = ctx.params as unknown as DatasetSpec;
    const dataset = await loadBfclDataset(spec, {
      cacheDir: downloadCacheDir(ctx),
      projectDir: ctx.projectDir,
      signal: ctx.signal,
      log: (m) => ctx.log(m),
    });
    const { examples, jsonl, ...info } = dataset;
    const datasetInfo: DatasetInfo = info;
    await writeLines(join(ctx.outDir, 'examples.jsonl'), jsonl);
    await writeJson(join(ctx.outDir, 'dataset.json'), datasetInfo);
    const origin = info.pinned
      ? `gorilla ${info.pinned.commit.slice(0, 8)} = bfcl-eval ${info.pinned.bfclEval}`
      : 'not a pinned release';
    return {
      summary: { version: info.version, source: info.source, contentHash: info.contentHash, counts: info.counts, total: info.total },
      display: [
        `BFCL ${info.version} via ${info.source} (${origin}), content ${info.contentHash.slice(0, 12)}`,
        ...categoryTable({ examples: info.counts }, info.categories),
        ...info.renamedIds.map((r) => `  note: ${r.file}:${r.line} repeats id ${r.originalId}; kept as ${r.id}`),
      ],
    };
  },
};

/** Where downloads are cached: ctx.cacheDir when the executor provides one, else FC_DISTILL_CACHE, else the store's cache/. */
export function downloadCacheDir(ctx: StepContext<JsonObject>): string {
  const provided = (ctx as { cacheDir?: unknown }).cacheDir;
  if (typeof provided === 'string') return provided;
  return process.env.FC_DISTILL_CACHE ?? join(process.env.FC_DISTILL_STORE ?? join(ctx.projectDir, '.fc-distill'), 'cache');
}
