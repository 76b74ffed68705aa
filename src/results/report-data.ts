import path from 'node:path';
import { InputError } from '../errors.js';
import { readJsonIfPresent } from '../files.js';

/**
 * What `fc-distill report` renders, independent of the committed results format: the report
 * modules (charts, Markdown, HTML) read only this. `reportDataFromResults` is the one adapter
 * from results/<experiment>/summary.json (as src/steps/results.ts writes it) to it; a change of
 * the results format touches only the adapter.
 *
 * Ordering is part of the contract (committed reports must diff cleanly): models in
 * MODEL_ORDER then by name, approaches by name, categories by name.
 */

export interface ReportExperiment {
  name: string;
  description?: string;
  datasetVersion?: string;
  gitCommit?: string;
}

export interface ReportRow {
  model: string;
  approach: string;
  category: string;
  n: number;
  correct: number;
  /** 0..1 */
  accuracy: number;
  /** 95% interval of the accuracy, 0..1. */
  ciLow?: number;
  ciHigh?: number;
}

export interface ReportOverall {
  model: string;
  approach: string;
  /** 0..1 */
  accuracy: number;
  n: number;
  correct?: number;
  ciLow?: number;
  ciHigh?: number;
  latencyP50Ms?: number;
  latencyP95Ms?: number;
  inputTokens?: number;
  outputTokens?: number;
  costUsd?: number;
  /** Cost in USD per million tokens (input + output) of this run. */
  costPer1MTokens?: number;
}

/** The dataset report (dataset-report.json written by the `report` step), typed loosely: every part optional. */
export interface DatasetReportLike {
  dataset?: { version?: string; source?: string; contentHash?: string; total?: number } | null;
  /** category -> column (all, train, eval, labelled) -> count */
  counts?: Record<string, Record<string, number>>;
  totals?: Record<string, number>;
  paramsPerFunction?: { functions?: number; mean?: number; max?: number; distinct?: { functions?: number; mean?: number; max?: number } } | null;
  paramsPerFunctionByCategory?: Record<string, { functions?: number; mean?: number; max?: number }>;
  functionsPerExample?: { mean?: number; max?: number } | null;
  parameterTypes?: Record<string, number>;
  arrayItemTypes?: Record<string, number>;
  mixin?: { fraction?: number; seed?: unknown; trainExamples?: number; labelled?: number; eligible?: number } | null;
  overlap?: { functionSets?: { train?: number; eval?: number; shared?: number }; evalExamplesWithTrainFunctionSet?: number } | null;
  export?: { records?: number; accepted?: number; rejected?: number; rejectedByRule?: Record<string, number>; labelled?: number; bytes?: number } | null;
  [key: string]: unknown;
}

export interface ReportData {
  experiment: ReportExperiment;
  rows: ReportRow[];
  overall: ReportOverall[];
  dataset?: DatasetReportLike;
}

/** The evaluation models of a distillation experiment, in the order they are shown. */
export const MODEL_ORDER = ['teacher', 'student-base', 'student'] as const;

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export function compareModels(a: string, b: string): number {
  const rank = (m: string) => {
    const i = (MODEL_ORDER as readonly string[]).indexOf(m);
    return i === -1 ? MODEL_ORDER.length : i;
  };
  return rank(a) - rank(b) || cmp(a, b);
}

/** Models, approaches and categories of the data, each in display order. */
export function reportAxes(data: Pick<ReportData, 'rows' | 'overall'>): { models: string[]; approaches: string[]; categories: string[] } {
  const models = new Set<string>();
  const approaches = new Set<string>();
  const categories = new Set<string>();
  for (const r of data.rows) {
    models.add(r.model);
    approaches.add(r.approach);
    categories.add(r.category);
  }
  for (const o of data.overall) {
    models.add(o.model);
    approaches.add(o.approach);
  }
  return { models: [...models].sort(compareModels), approaches: [...approaches].sort(cmp), categories: [...categories].sort(cmp) };
}

/** Rows and overall entries sorted into display order (a copy). */
export function normalizeReportData(data: ReportData): ReportData {
  const key = (x: { model: string; approach: string }, y: { model: string; approach: string }) => compareModels(x.model, y.model) || cmp(x.approach, y.approach);
  return {
    ...data,
    rows: [...data.rows].sort((a, b) => key(a, b) || cmp(a.category, b.category)),
    overall: [...data.overall].sort(key),
  };
}

/** Wilson score interval (95%) of `correct` out of `n`; undefined for n = 0. */
export function wilsonInterval(correct: number, n: number, z = 1.959963984540054): { low: number; high: number } | undefined {
  if (!(n > 0)) return undefined;
  const p = correct / n;
  const z2 = z * z;
  const denominator = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denominator;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denominator;
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

// ---------------------------------------------------------------------------------------------
// Adapter: results/<experiment>/summary.json -> ReportData.

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const obj = (v: unknown): Record<string, unknown> | undefined => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);

/** Interval fields of a score entry, whichever spelling it uses: ciLow/ciHigh, ci95: [l, h] or ci: {low, high}. */
function intervalOf(entry: Record<string, unknown>): { low: number; high: number } | undefined {
  const low = num(entry.ciLow);
  const high = num(entry.ciHigh);
  if (low !== undefined && high !== undefined) return { low, high };
  for (const k of ['ci95', 'ci']) {
    const v = entry[k];
    if (Array.isArray(v) && num(v[0]) !== undefined && num(v[1]) !== undefined) return { low: v[0] as number, high: v[1] as number };
    const o = obj(v);
    if (o && num(o.low) !== undefined && num(o.high) !== undefined) return { low: o.low as number, high: o.high as number };
  }
  return undefined;
}

function counts(entry: Record<string, unknown>): { n: number; correct: number; accuracy: number; ci?: { low: number; high: number } } {
  const n = num(entry.n) ?? num(entry.total) ?? 0;
  const accuracy = num(entry.accuracy) ?? (n > 0 && num(entry.correct) !== undefined ? (entry.correct as number) / n : 0);
  const correct = num(entry.correct) ?? Math.round(accuracy * n);
  const ci = intervalOf(entry) ?? wilsonInterval(correct, n);
  return { n, correct, accuracy, ...(ci ? { ci } : {}) };
}

/** One entry of summary.json's `models` (a score step's score.json) -> rows and its overall line. */
export function reportPartsFromScore(score: Record<string, unknown>): { rows: ReportRow[]; overall: ReportOverall } | undefined {
  const model = str(score.model);
  const approach = str(score.approach);
  if (!model || !approach) return undefined;
  const rows: ReportRow[] = [];
  const perCategory = obj(score.perCategory) ?? {};
  for (const [category, value] of Object.entries(perCategory)) {
    const entry = obj(value);
    if (!entry) continue;
    const c = counts(entry);
    rows.push({ model, approach, category, n: c.n, correct: c.correct, accuracy: c.accuracy, ...(c.ci ? { ciLow: c.ci.low, ciHigh: c.ci.high } : {}) });
  }
  let overallEntry = obj(score.overall);
  if (!overallEntry) {
    // No overall block: sum the categories.
    const n = rows.reduce((a, r) => a + r.n, 0);
    const correct = rows.reduce((a, r) => a + r.correct, 0);
    overallEntry = { n, correct, accuracy: n ? correct / n : 0 };
  }
  const c = counts(overallEntry);
  const latency = obj(score.latencyMs) ?? obj(score.latency);
  const tokens = obj(score.tokens);
  const inputTokens = num(tokens?.input) ?? num(tokens?.inputTokens);
  const outputTokens = num(tokens?.output) ?? num(tokens?.outputTokens);
  const cost = obj(score.cost);
  const costUsd = num(score.costUsd) ?? num(cost?.usd) ?? num(cost?.costUsd);
  const totalTokens = (inputTokens ?? 0) + (outputTokens ?? 0);
  const costPer1MTokens = num(score.costPer1MTokens) ?? num(cost?.per1MTokens) ?? (costUsd !== undefined && totalTokens > 0 ? (costUsd / totalTokens) * 1e6 : undefined);
  const overall: ReportOverall = { model, approach, accuracy: c.accuracy, n: c.n, correct: c.correct };
  if (c.ci) Object.assign(overall, { ciLow: c.ci.low, ciHigh: c.ci.high });
  const optional: Partial<ReportOverall> = {
    latencyP50Ms: num(latency?.p50),
    latencyP95Ms: num(latency?.p95),
    inputTokens,
    outputTokens,
    costUsd,
    costPer1MTokens,
  };
  for (const [k, v] of Object.entries(optional)) if (v !== undefined) (overall as unknown as Record<string, unknown>)[k] = v;
  return { rows, overall };
}

/** summary.json's parsed content -> ReportData (tolerant: unknown or missing fields are skipped). */
export function reportDataFromSummary(summary: unknown, fallbackName: string, dataset?: DatasetReportLike): ReportData {
  const s = obj(summary) ?? {};
  const rows: ReportRow[] = [];
  const overall: ReportOverall[] = [];
  const entries = Array.isArray(s.models) ? s.models : Array.isArray(s.results) ? s.results : [];
  for (const entry of entries) {
    const o = obj(entry);
    const parts = o && reportPartsFromScore(o);
    if (!parts) continue;
    rows.push(...parts.rows);
    overall.push(parts.overall);
  }
  const experimentBlock = obj(s.experiment);
  // A sweep variant is reported under its variant name (the results folder's name).
  const experiment: ReportExperiment = { name: str(s.experiment) ?? str(experimentBlock?.variant) ?? str(experimentBlock?.name) ?? fallbackName };
  const description = str(s.description) ?? str(experimentBlock?.description) ?? str(obj(s.config)?.description);
  const datasetVersion = str(s.datasetVersion) ?? str(experimentBlock?.datasetVersion) ?? str(obj(s.dataset)?.version) ?? str(dataset?.dataset?.version ?? undefined);
  const gitCommit = str(s.gitCommit) ?? str(experimentBlock?.gitCommit) ?? str(obj(s.git)?.commit);
  if (description) experiment.description = description;
  if (datasetVersion) experiment.datasetVersion = datasetVersion;
  if (gitCommit) experiment.gitCommit = gitCommit;
  return normalizeReportData({ experiment, rows, overall, ...(dataset ? { dataset } : {}) });
}

export interface ReportDataOptions {
  /** The dataset report; default: <dir>/dataset-report.json when present. */
  dataset?: DatasetReportLike;
  /** Experiment description (summary.json has none today). */
  description?: string;
}

/**
 * Read a results folder (results/<experiment>/: summary.json, optionally dataset-report.json)
 * into ReportData. Throws an InputError when summary.json is missing or not JSON.
 */
export async function reportDataFromResults(dir: string, options: ReportDataOptions = {}): Promise<ReportData> {
  const summaryFile = path.join(dir, 'summary.json');
  const summary = await readJsonIfPresent(summaryFile);
  if (summary === undefined) {
    throw new InputError(`no results in ${dir}: summary.json is missing (run the experiment's evaluation first: fc-distill run <experiment.yaml>)`, { file: summaryFile });
  }
  const dataset = options.dataset ?? (obj(await readJsonIfPresent(path.join(dir, 'dataset-report.json'))) as DatasetReportLike | undefined);
  const data = reportDataFromSummary(summary, path.basename(path.resolve(dir)), dataset);
  if (options.description && !data.experiment.description) data.experiment.description = options.description;
  return data;
}
