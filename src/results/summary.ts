import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ValidateFunction } from 'ajv/dist/2020.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { KNOWN_DATASET_SIZES, modelFigures, type CategoryScore, type Figure as BfclFigure } from '../bfcl/scoring/aggregate.js';
import { BFCL_VERSIONS, bfclFileCategory, type BfclVersion, type Category } from '../bfcl/records.js';
import { wilsonInterval } from './mcnemar.js';
import type { Count, Figure, ResultsSummary } from './summary.types.js';

/**
 * results/<experiment>/summary.json: building its parts and checking it against
 * schemas/results.schema.json (the contract; src/results/summary.types.ts is generated from it).
 * Also the per-example outcome line of outcomes.jsonl.
 */

export type { ResultsSummary, ModelResult, Count, Figure } from './summary.types.js';

/** One line of outcomes.jsonl. */
export interface Outcome {
  id: string;
  category: string;
  model: string;
  approach: string;
  valid: boolean;
  errorType: string | null;
}

export const SUMMARY_FILE = 'summary.json';
export const OUTCOMES_FILE = 'outcomes.jsonl';

export const resultsSchemaPath = fileURLToPath(new URL('../../schemas/results.schema.json', import.meta.url));

let validator: ValidateFunction | undefined;

/** Problems with `value` as a summary.json (`/path: message` each); empty when it is valid. */
export function summaryProblems(value: unknown): string[] {
  if (!validator) {
    const ajv = new Ajv2020({ allErrors: true, strict: true });
    validator = ajv.compile(JSON.parse(readFileSync(resultsSchemaPath, 'utf8')) as object);
  }
  if (validator(value)) return [];
  return (validator.errors ?? []).map((e) => `${e.instancePath || '/'}: ${e.message ?? 'invalid'}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : ''}`);
}

/** n, correct, accuracy and its Wilson 95% interval. */
export function countOf(correct: number, n: number): Count {
  const [low, high] = wilsonInterval(correct, n);
  return { n, correct, accuracy: n ? correct / n : 0, ci95: { low, high } };
}

/** A record with its keys sorted (code-unit order, as git and `sort` see them). */
export function sortedRecord<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * BFCL's summary figures for one model x approach, from its per-category counts: only those
 * whose every category was scored (BFCL would count the others as 0 of the full data set).
 */
export function bfclSummaryFigures(version: string, perCategory: Record<string, { n: number; correct: number }>): Record<string, Figure> {
  if (!(BFCL_VERSIONS as readonly string[]).includes(version)) return {};
  const v = version as BfclVersion;
  const scores = new Map<string, CategoryScore>();
  for (const [category, c] of Object.entries(perCategory)) {
    let file: string;
    try {
      file = bfclFileCategory(category as Category, v);
    } catch {
      file = category;
    }
    scores.set(file, { accuracy: c.n ? c.correct / c.n : 0, correctCount: c.correct, totalCount: c.n });
  }
  const f = modelFigures(v, scores, (c) => KNOWN_DATASET_SIZES[v][c] ?? 0);
  const named: Record<string, BfclFigure> = {
    overall: f.overall,
    'live.overall': f.live.overall,
    'live.astSummary': f.live.astSummary,
    'nonLive.overall': f.nonLive.overall,
    'nonLive.astSummary': f.nonLive.astSummary,
    'nonLive.simpleAst': f.nonLive.simpleAst,
    totalIrrelevance: f.totalIrrelevance,
    'multiTurn.overall': f.multiTurn.overall,
    'agentic.overall': f.agentic.overall,
  };
  const out: Record<string, Figure> = {};
  for (const [name, figure] of Object.entries(named)) {
    if (figure.complete && figure.totalCount > 0 && Number.isFinite(figure.accuracy)) out[name] = { accuracy: figure.accuracy, n: figure.totalCount };
  }
  return sortedRecord(out);
}

/** The summary's text: two-space JSON, keys in the order the object was built, a final newline. */
export function summaryText(summary: ResultsSummary): string {
  return `${JSON.stringify(summary, null, 2)}\n`;
}

/** outcomes.jsonl's text: sorted by model, approach, id; one compact JSON object per line, fields in a fixed order. */
export function outcomesText(outcomes: readonly Outcome[]): string {
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  const sorted = [...outcomes].sort((a, b) => cmp(a.model, b.model) || cmp(a.approach, b.approach) || cmp(a.id, b.id));
  return sorted
    .map((o) => `${JSON.stringify({ id: o.id, category: o.category, model: o.model, approach: o.approach, valid: o.valid, errorType: o.errorType })}\n`)
    .join('');
}

/** Parses outcomes.jsonl. */
export function parseOutcomes(text: string, where = OUTCOMES_FILE): Outcome[] {
  const out: Outcome[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    let o: Outcome;
    try {
      o = JSON.parse(line) as Outcome;
    } catch (error) {
      throw new Error(`${where}:${i + 1}: not JSON (${(error as Error).message})`);
    }
    if (typeof o.id !== 'string' || typeof o.model !== 'string' || typeof o.valid !== 'boolean') throw new Error(`${where}:${i + 1}: not an outcome {id, category, model, approach, valid, errorType}`);
    out.push({ id: o.id, category: String(o.category), model: o.model, approach: String(o.approach ?? ''), valid: o.valid, errorType: o.errorType ?? null });
  });
  return out;
}
