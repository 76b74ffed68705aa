import { fixed, percent } from './charts.js';
import { reportAxes, type DatasetReportLike, type ReportData, type ReportOverall, type ReportRow } from './report-data.js';

/**
 * The report's tables and facts as plain strings, shared by the Markdown and the HTML renderers
 * so both say the same thing. Number formatting is fixed (no locale), so output is deterministic.
 */

export interface Table {
  headers: string[];
  /** Right-aligned columns (numbers). */
  numeric: boolean[];
  rows: string[][];
  /** Index of rows to emphasise (totals). */
  strong?: number[];
}

export const DASH = '–';

/** An integer with thin grouping commas: 12,345. */
export function int(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) return DASH;
  const s = String(Math.round(Math.abs(n))).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return n < 0 ? `-${s}` : s;
}

export function seconds(ms: number | undefined): string {
  return ms === undefined ? DASH : `${fixed(ms / 1000, 2)} s`;
}

export function usd(x: number | undefined, digits = 4): string {
  return x === undefined ? DASH : `$${fixed(x, digits)}`;
}

export function interval(entry: { ciLow?: number; ciHigh?: number }): string {
  return entry.ciLow !== undefined && entry.ciHigh !== undefined ? `${percent(entry.ciLow)}${DASH}${percent(entry.ciHigh)}` : DASH;
}

/** Overall per model x approach: accuracy, interval, n, latency, tokens, cost. */
export function overallTable(data: ReportData): Table {
  return {
    headers: ['model', 'approach', 'accuracy', '95% CI', 'correct / n', 'latency p50', 'latency p95', 'input tokens', 'output tokens', 'cost', 'cost / 1M tokens'],
    numeric: [false, false, true, true, true, true, true, true, true, true, true],
    rows: data.overall.map((o: ReportOverall) => [
      o.model,
      o.approach,
      percent(o.accuracy),
      interval(o),
      `${o.correct === undefined ? DASH : int(o.correct)} / ${int(o.n)}`,
      seconds(o.latencyP50Ms),
      seconds(o.latencyP95Ms),
      int(o.inputTokens),
      int(o.outputTokens),
      usd(o.costUsd),
      usd(o.costPer1MTokens, 3),
    ]),
  };
}

/** Per-category accuracy for one approach: a row per category (then overall), a column per model. */
export function categoryTable(data: ReportData, approach: string): Table {
  const axes = reportAxes(data);
  const rows = data.rows.filter((r) => r.approach === approach);
  const overall = data.overall.filter((o) => o.approach === approach);
  const models = axes.models.filter((m) => rows.some((r) => r.model === m) || overall.some((o) => o.model === m));
  const categories = axes.categories.filter((c) => rows.some((r) => r.category === c));
  const cell = (v: ReportRow | ReportOverall | undefined) =>
    v === undefined ? DASH : `${percent(v.accuracy)}${v.ciLow !== undefined && v.ciHigh !== undefined ? ` (${interval(v)})` : ''}`;
  const out: string[][] = categories.map((c) => {
    const n = Math.max(0, ...rows.filter((r) => r.category === c).map((r) => r.n));
    return [c, int(n), ...models.map((m) => cell(rows.find((r) => r.model === m && r.category === c)))];
  });
  const strong: number[] = [];
  if (overall.length) {
    strong.push(out.length);
    out.push(['overall', int(Math.max(0, ...overall.map((o) => o.n))), ...models.map((m) => cell(overall.find((o) => o.model === m)))]);
  }
  return { headers: ['category', 'n', ...models], numeric: [false, true, ...models.map(() => true)], rows: out, strong };
}

/** Examples per category per column (all, train, eval, labelled), with a total row. */
export function datasetCountsTable(dataset: DatasetReportLike): Table | undefined {
  const counts = dataset.counts;
  if (!counts || Object.keys(counts).length === 0) return undefined;
  const columns: string[] = [];
  for (const row of Object.values(counts)) for (const col of Object.keys(row ?? {})) if (!columns.includes(col)) columns.push(col);
  const rows = Object.entries(counts).map(([category, row]) => [category, ...columns.map((c) => int(row?.[c]))]);
  const totals = dataset.totals ?? {};
  rows.push(['total', ...columns.map((c) => int(totals[c] ?? Object.values(counts).reduce((a, r) => a + (r?.[c] ?? 0), 0)))]);
  return { headers: ['category', ...columns], numeric: [false, ...columns.map(() => true)], rows, strong: [rows.length - 1] };
}

/** Parameters per function by category, when there is more than one category. */
export function datasetParamsTable(dataset: DatasetReportLike): Table | undefined {
  const byCategory = Object.entries(dataset.paramsPerFunctionByCategory ?? {});
  if (byCategory.length < 2) return undefined;
  return {
    headers: ['category', 'function docs', 'mean parameters', 'max parameters'],
    numeric: [false, true, true, true],
    rows: byCategory.map(([c, s]) => [c, int(s?.functions), s?.mean === undefined ? DASH : fixed(s.mean, 2), int(s?.max)]),
  };
}

/** One-line facts of the dataset report: [label, text]. */
export function datasetFacts(dataset: DatasetReportLike): [string, string][] {
  const facts: [string, string][] = [];
  const d = dataset.dataset;
  if (d) {
    const parts = [d.version && `BFCL ${d.version}`, d.source && `source ${d.source}`, d.total !== undefined && `${int(d.total)} examples`, d.contentHash && `content ${d.contentHash.replace(/^sha256:/, '').slice(0, 12)}`];
    facts.push(['dataset', parts.filter(Boolean).join(', ') || DASH]);
  }
  const p = dataset.paramsPerFunction;
  if (p) {
    let text = `mean ${p.mean === undefined ? DASH : fixed(p.mean, 2)}, max ${int(p.max)} over ${int(p.functions)} function docs as offered`;
    if (p.distinct) text += ` (${int(p.distinct.functions)} distinct: mean ${p.distinct.mean === undefined ? DASH : fixed(p.distinct.mean, 2)}, max ${int(p.distinct.max)})`;
    facts.push(['parameters per function', text]);
  }
  const f = dataset.functionsPerExample;
  if (f) facts.push(['functions per example', `mean ${f.mean === undefined ? DASH : fixed(f.mean, 2)}, max ${int(f.max)}`]);
  const list = (r: Record<string, number> | undefined) =>
    Object.entries(r ?? {})
      .map(([k, n]) => `${k} ${int(n)}`)
      .join(', ');
  if (list(dataset.parameterTypes)) facts.push(['parameter types', list(dataset.parameterTypes)]);
  if (list(dataset.arrayItemTypes)) facts.push(['array item types', list(dataset.arrayItemTypes)]);
  const m = dataset.mixin;
  if (m) {
    facts.push([
      'mix-in',
      `${int(m.labelled)} of ${int(m.trainExamples)} training examples labelled (fraction ${m.fraction ?? DASH}, seed ${m.seed === undefined ? DASH : JSON.stringify(m.seed)}; ${int(m.eligible)} eligible)`,
    ]);
  }
  const o = dataset.overlap;
  if (o) {
    const s = o.functionSets ?? {};
    facts.push([
      'function-set overlap',
      `${int(s.shared)} function sets in both train and eval (train ${int(s.train)}, eval ${int(s.eval)}); ${int(o.evalExamplesWithTrainFunctionSet)} eval examples have a function set seen in train`,
    ]);
  }
  const e = dataset.export;
  if (e) {
    const byRule = list(e.rejectedByRule);
    facts.push([
      'export',
      `${int(e.accepted)} of ${int(e.records)} records accepted (${int(e.labelled)} labelled), ${int(e.rejected)} rejected${byRule ? ` (${byRule})` : ''}, ${int(e.bytes)} bytes`,
    ]);
  }
  return facts;
}

/** The header facts of the experiment: [label, text]. */
export function experimentFacts(data: ReportData): [string, string][] {
  const axes = reportAxes(data);
  const facts: [string, string][] = [];
  if (data.experiment.datasetVersion) facts.push(['dataset version', data.experiment.datasetVersion]);
  if (data.experiment.gitCommit) facts.push(['git commit', data.experiment.gitCommit]);
  facts.push(['models', axes.models.join(', ') || DASH]);
  facts.push(['approaches', axes.approaches.join(', ') || DASH]);
  facts.push(['categories', axes.categories.join(', ') || DASH]);
  return facts;
}
