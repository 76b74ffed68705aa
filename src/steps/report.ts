import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { BfclExample, BfclFunctionDoc } from '../bfcl/records.js';
import { readDatasetInfo, readExamples, writeJson } from '../bfcl/example-files.js';
import type { SplitReport } from '../bfcl/split.js';
import type { MixinReport } from '../bfcl/mixin.js';
import type { StepContext, StepInput, StepKind } from '../graph/step.js';
import type { Json } from '../json.js';
import { categoryTable } from './category-table.js';

/**
 * report: the dataset report, from whichever of its inputs are present:
 * `dataset` (load or filter: examples.jsonl, dataset.json), `split` (train.jsonl, eval.jsonl,
 * split.json), `mixin` (train.jsonl with `labelled`, mixin.json), `export` (validation.json).
 *
 * Writes `dataset-report.json` (DatasetReport below) and prints it as tables.
 *
 * "Parameters per function" counts the top-level parameters of each function doc as offered
 * to the model, i.e. once per example that offers it (BFCL v4 live: mean 3.79, max 28 over
 * 6,659 docs; the seed write-up's "avg 4, max 28" for v3 live is this figure); the same
 * figure over distinct docs is given too.
 */

export interface ParamStats {
  /** Function docs counted (once per example offering them). */
  functions: number;
  mean: number;
  max: number;
  /** Over distinct docs (same JSON = same doc). */
  distinct: { functions: number; mean: number; max: number };
}

export interface DatasetReport {
  dataset: { version?: string; source?: string; contentHash?: string; total: number } | null;
  /** category -> column -> count; columns: all, train, eval, labelled (those present). */
  counts: Record<string, Record<string, number>>;
  totals: Record<string, number>;
  paramsPerFunction: ParamStats | null;
  paramsPerFunctionByCategory: Record<string, { functions: number; mean: number; max: number }>;
  /** Functions offered per example. */
  functionsPerExample: { mean: number; max: number } | null;
  /** Top-level parameter `type`s over the docs counted, and item types of array parameters. */
  parameterTypes: Record<string, number>;
  arrayItemTypes: Record<string, number>;
  mixin: { fraction: number; seed: Json; trainExamples: number; labelled: number; eligible: number } | null;
  overlap: SplitReport['overlap'] | null;
  export: {
    records: number;
    accepted: number;
    rejected: number;
    rejectedByRule: Record<string, number>;
    labelled: number;
    bytes: number;
  } | null;
}

async function readJsonFile<T>(input: StepInput, name: string): Promise<T | null> {
  try {
    return JSON.parse(await readFile(path.join(input.dir, name), 'utf8')) as T;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

const round2 = (x: number) => Math.round(x * 100) / 100;

/** Parameter statistics over the function docs of some examples. */
export function parameterStats(examples: readonly BfclExample[]): {
  overall: ParamStats | null;
  byCategory: DatasetReport['paramsPerFunctionByCategory'];
  functionsPerExample: DatasetReport['functionsPerExample'];
  parameterTypes: Record<string, number>;
  arrayItemTypes: Record<string, number>;
} {
  const counts: number[] = [];
  const distinct = new Map<string, number>();
  const byCategory: Record<string, number[]> = {};
  const parameterTypes: Record<string, number> = {};
  const arrayItemTypes: Record<string, number> = {};
  let functionTotal = 0;
  let functionMax = 0;
  for (const example of examples) {
    functionTotal += example.functions.length;
    functionMax = Math.max(functionMax, example.functions.length);
    for (const doc of example.functions) {
      const properties = propertiesOf(doc);
      const n = Object.keys(properties).length;
      counts.push(n);
      (byCategory[example.category] ??= []).push(n);
      distinct.set(JSON.stringify(doc), n);
      for (const schema of Object.values(properties)) {
        const type = typeof schema?.type === 'string' ? schema.type : '(none)';
        parameterTypes[type] = (parameterTypes[type] ?? 0) + 1;
        if ((type === 'array' || type === 'tuple') && schema.items) {
          const item = typeof schema.items.type === 'string' ? schema.items.type : '(none)';
          arrayItemTypes[item] = (arrayItemTypes[item] ?? 0) + 1;
        }
      }
    }
  }
  const stats = (xs: number[]) => ({
    functions: xs.length,
    mean: xs.length ? round2(xs.reduce((a, b) => a + b, 0) / xs.length) : 0,
    max: xs.length ? Math.max(...xs) : 0,
  });
  return {
    overall: counts.length ? { ...stats(counts), distinct: stats([...distinct.values()]) } : null,
    byCategory: Object.fromEntries(Object.entries(byCategory).map(([c, xs]) => [c, stats(xs)])),
    functionsPerExample: examples.length ? { mean: round2(functionTotal / examples.length), max: functionMax } : null,
    parameterTypes: sortByCount(parameterTypes),
    arrayItemTypes: sortByCount(arrayItemTypes),
  };
}

function propertiesOf(doc: BfclFunctionDoc): Record<string, BfclFunctionDoc['parameters']['properties'][string]> {
  const properties = doc?.parameters?.properties;
  return properties && typeof properties === 'object' ? properties : {};
}

function sortByCount(counts: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])));
}

function countCategories(examples: readonly { category: string }[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const e of examples) out[e.category] = (out[e.category] ?? 0) + 1;
  return out;
}

/** Build the report from what the inputs hold (any may be missing). */
export async function buildReport(inputs: Record<string, StepInput>): Promise<DatasetReport> {
  const columns: Record<string, Record<string, number>> = {};
  let dataset: DatasetReport['dataset'] = null;
  let all: BfclExample[] | null = null;
  if (inputs.dataset) {
    all = await readExamples(path.join(inputs.dataset.dir, 'examples.jsonl'));
    const info = await readDatasetInfo(path.join(inputs.dataset.dir, 'dataset.json')).catch(() => null);
    dataset = { version: info?.version, source: info?.source, contentHash: info?.contentHash, total: all.length };
    columns.all = countCategories(all);
  }
  let overlap: DatasetReport['overlap'] = null;
  let train: BfclExample[] | null = null;
  if (inputs.split) {
    train = await readExamples(path.join(inputs.split.dir, 'train.jsonl'));
    const evalExamples = await readExamples(path.join(inputs.split.dir, 'eval.jsonl'));
    columns.train = countCategories(train);
    columns.eval = countCategories(evalExamples);
    all ??= [...train, ...evalExamples];
    overlap = (await readJsonFile<SplitReport>(inputs.split, 'split.json'))?.overlap ?? null;
  }
  let mixin: DatasetReport['mixin'] = null;
  if (inputs.mixin) {
    const mixed = (await readExamples(path.join(inputs.mixin.dir, 'train.jsonl'))) as (BfclExample & { labelled?: boolean })[];
    columns.labelled = countCategories(mixed.filter((e) => e.labelled === true));
    const info = await readJsonFile<MixinReport>(inputs.mixin, 'mixin.json');
    mixin = {
      fraction: info?.fraction ?? 0,
      seed: (info?.seed ?? null) as Json,
      trainExamples: mixed.length,
      labelled: mixed.filter((e) => e.labelled === true).length,
      eligible: info?.eligible ?? 0,
    };
  }
  let exported: DatasetReport['export'] = null;
  if (inputs.export) {
    const v = await readJsonFile<{
      records: number;
      accepted: number;
      rejected: unknown[];
      rejectedByRule: Record<string, number>;
      labelled: number;
      bytes: number;
    }>(inputs.export, 'validation.json');
    if (v) {
      exported = {
        records: v.records,
        accepted: v.accepted,
        rejected: v.rejected.length,
        rejectedByRule: v.rejectedByRule ?? {},
        labelled: v.labelled ?? 0,
        bytes: v.bytes,
      };
    }
  }

  const categories = [...new Set(Object.values(columns).flatMap((c) => Object.keys(c)))];
  const order = Object.keys(columns.all ?? columns.train ?? {});
  categories.sort((a, b) => indexOr(order, a) - indexOr(order, b));
  const counts: DatasetReport['counts'] = {};
  for (const c of categories) {
    counts[c] = {};
    for (const [col, values] of Object.entries(columns)) counts[c]![col] = values[c] ?? 0;
  }
  const totals = Object.fromEntries(Object.entries(columns).map(([col, v]) => [col, Object.values(v).reduce((a, b) => a + b, 0)]));
  const stats = parameterStats(all ?? []);
  return {
    dataset,
    counts,
    totals,
    paramsPerFunction: stats.overall,
    paramsPerFunctionByCategory: stats.byCategory,
    functionsPerExample: stats.functionsPerExample,
    parameterTypes: stats.parameterTypes,
    arrayItemTypes: stats.arrayItemTypes,
    mixin,
    overlap,
    export: exported,
  };
}

function indexOr(list: string[], item: string): number {
  const i = list.indexOf(item);
  return i === -1 ? list.length : i;
}

/** The report as lines for the terminal. */
export function reportLines(report: DatasetReport): string[] {
  const lines: string[] = [];
  const columns: Record<string, Record<string, number>> = {};
  for (const [category, row] of Object.entries(report.counts)) {
    for (const [col, n] of Object.entries(row)) (columns[col] ??= {})[category] = n;
  }
  if (Object.keys(columns).length > 0) lines.push('examples per category', ...categoryTable(columns, Object.keys(report.counts)));
  const p = report.paramsPerFunction;
  if (p) {
    lines.push(
      `parameters per function: mean ${p.mean}, max ${p.max} (${p.functions} function docs as offered; ${p.distinct.functions} distinct: mean ${p.distinct.mean}, max ${p.distinct.max})`,
    );
    const byCat = Object.entries(report.paramsPerFunctionByCategory);
    if (byCat.length > 1) {
      const width = Math.max('category'.length, ...byCat.map(([c]) => c.length));
      lines.push(`  ${'category'.padEnd(width)}  ${'docs'.padStart(6)}  ${'mean'.padStart(6)}  ${'max'.padStart(4)}`);
      for (const [c, s] of byCat) {
        lines.push(`  ${c.padEnd(width)}  ${String(s.functions).padStart(6)}  ${s.mean.toFixed(2).padStart(6)}  ${String(s.max).padStart(4)}`);
      }
    }
  }
  if (report.functionsPerExample) {
    lines.push(`functions per example: mean ${report.functionsPerExample.mean}, max ${report.functionsPerExample.max}`);
  }
  const types = Object.entries(report.parameterTypes);
  if (types.length) lines.push(`parameter types: ${types.map(([t, n]) => `${t} ${n}`).join(', ')}`);
  const items = Object.entries(report.arrayItemTypes);
  if (items.length) lines.push(`array item types: ${items.map(([t, n]) => `${t} ${n}`).join(', ')}`);
  if (report.mixin) {
    const m = report.mixin;
    lines.push(`mix-in: ${m.labelled} of ${m.trainExamples} training examples labelled (fraction ${m.fraction}, seed ${String(m.seed)}; ${m.eligible} eligible)`);
  }
  if (report.overlap) {
    const o = report.overlap;
    lines.push(
      `function-set overlap: ${o.functionSets.shared} function sets in both train and eval (train ${o.functionSets.train}, eval ${o.functionSets.eval}); ${o.evalExamplesWithTrainFunctionSet} eval examples have a function set seen in train`,
    );
  }
  if (report.export) {
    const e = report.export;
    const byRule = Object.entries(e.rejectedByRule)
      .map(([r, n]) => `${r} ${n}`)
      .join(', ');
    lines.push(
      `export: ${e.accepted} of ${e.records} records accepted (${e.labelled} labelled), ${e.rejected} rejected${byRule ? ` (${byRule})` : ''}, ${e.bytes} bytes`,
    );
  }
  return lines;
}

export const reportStep: StepKind = {
  kind: 'report',
  version: 1,
  description: 'dataset report: examples per category per split, parameters per function, parameter types, mix-in and export counts',
  async run(ctx: StepContext) {
    const report = await buildReport(ctx.inputs);
    await writeJson(path.join(ctx.outDir, 'dataset-report.json'), report);
    const summary: Json = {
      totals: report.totals,
      paramsPerFunction: report.paramsPerFunction ? { mean: report.paramsPerFunction.mean, max: report.paramsPerFunction.max } : null,
      labelled: report.mixin?.labelled ?? null,
      exported: report.export ? { accepted: report.export.accepted, rejected: report.export.rejected } : null,
    };
    return { summary, display: reportLines(report) };
  },
};
