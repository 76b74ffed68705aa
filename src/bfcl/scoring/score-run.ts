/**
 * Scoring a folder of result files against a data set: discover the files, read the data each
 * category needs once, pair results with entries, check every entry, count.
 * Writing files (score files, CSVs, outcomes) is score-files.ts and csv.ts.
 */
import { InputError } from '../../errors.js';
import type { BfclVersion } from '../records.js';
import { singleTurnCategories, type CostLatencyInput } from './aggregate.js';
import type { CategoryData, DataSet } from './data-files.js';
import { CHECKER_CRASH, UNSUPPORTED_CATEGORY, scoreEntry } from './entry.js';
import { pairResults } from './pairing.js';
import {
  discoverResultFiles,
  readResultFile,
  type ProblemKind,
  type ResultFile,
  type ResultLine,
  type ResultProblem,
  type SkippedFile,
} from './results-files.js';
import type { DecoderKind, PyValue } from './types.js';

export type NamesMode = 'auto' | 'dotted' | 'underscored';
export type DecoderMode = 'auto' | DecoderKind;

/** One entry's verdict. */
export interface EntryScore {
  index: number;
  id: string;
  valid: boolean;
  errorType?: string;
  error?: PyValue[];
  /** The decoded calls of a failed entry, when decoding succeeded. */
  decoded?: PyValue;
  line?: ResultLine;
  /** Set when the entry failed because of the result file (missing, unreadable line). */
  problem?: ResultProblem;
}

export interface CategoryRun {
  model: string;
  category: string;
  resultPath: string;
  data: CategoryData;
  entries: EntryScore[];
  correct: number;
  total: number;
  /** correct / total, as BFCL computes it (0 when there is nothing to score). */
  accuracy: number;
  /** Lines that answer no entry. */
  ignored: ResultProblem[];
  bfclNote?: string;
}

export interface ModelRun {
  model: string;
  decoder: DecoderKind;
  underscoreToDot: boolean;
  categories: CategoryRun[];
  /** Result files that could not be scored (no data for the category). */
  unscored: SkippedFile[];
  /** Token counts and latencies of the result lines, as BFCL collects them for the cost columns. */
  costLatency: CostLatencyInput;
}

export interface ScoreRun {
  version: BfclVersion;
  resultRoot: string;
  dataOrigin: string;
  models: ModelRun[];
  /** Result files not scored at all (multi-turn, unknown categories). */
  skipped: SkippedFile[];
}

export interface ScoreOptions {
  resultDir: string;
  /** Loads the data of the given categories (called once per run). */
  loadData: (version: BfclVersion, categories: string[]) => Promise<DataSet>;
  names?: NamesMode;
  decoder?: DecoderMode;
  models?: readonly string[];
  /** BFCL's --partial-eval: entries absent from a result file are left out instead of failing. */
  partial?: boolean;
}

/** error_types of entries the checker could not judge (BFCL itself would have stopped). */
export const CHECKER_FAILURES: readonly string[] = ['fc_distill:checker_error', 'data_file:invalid_line', CHECKER_CRASH];

/** error_type given to entries that fail because of the result file. */
export function problemErrorType(kind: ProblemKind): string {
  switch (kind) {
    case 'missing':
      return 'result_file:missing_entry';
    case 'truncated':
      return 'result_file:truncated_line';
    case 'no-result':
      return 'result_file:no_result_field';
    default:
      return 'result_file:invalid_line';
  }
}

function stripText(s: string): string {
  let t = s.replace(/<thinking>[\s\S]*?<\/thinking>/g, '').trim();
  t = t.replace(/^```[a-zA-Z]*\s*/, '').replace(/```$/, '').trim();
  return t;
}

/**
 * Which decoder a model's results need: function-calling results are lists of `{name: args}`;
 * text results are either BFCL's Python-call syntax or our JSON prompt format.
 */
export function detectDecoder(results: Iterable<PyValue | undefined>): DecoderKind {
  let json = 0;
  let python = 0;
  for (const r of results) {
    if (Array.isArray(r) && r.length > 0 && r.every((x) => x instanceof Map)) return 'fc';
    if (r instanceof Map) return 'fc';
    if (typeof r === 'string') {
      const t = stripText(r);
      if (t.startsWith('{') || t.startsWith('[{') || /^\[\s*\{/.test(t)) json++;
      else if (/^\[?\s*[A-Za-z_][\w.]*\(/.test(t)) python++;
    }
  }
  return json > python ? 'json-text' : 'python';
}

function keepNumber(x: PyValue | undefined, out: number[]): void {
  if (typeof x === 'number') {
    if (x !== 0) out.push(x);
  } else if (typeof x === 'bigint') {
    if (x !== 0n) out.push(Number(x));
  } else if (x === true) {
    out.push(1);
  }
}

/** BFCL's process_data: a number (not 0), or a list of lists of numbers (multi-turn). */
function numbersOf(v: PyValue | undefined, out: number[]): void {
  if (Array.isArray(v)) {
    if (!v.every((x) => Array.isArray(x))) return;
    for (const inner of v as PyValue[][]) for (const x of inner) keepNumber(x, out);
  } else {
    keepNumber(v, out);
  }
}

/** BFCL's record_cost_latency over a file's lines. */
function collectCostLatency(lines: readonly ResultLine[], into: CostLatencyInput): void {
  for (const l of lines) {
    numbersOf(l.record.get('latency'), into.latency);
    numbersOf(l.record.get('input_token_count'), into.inputTokens);
    numbersOf(l.record.get('output_token_count'), into.outputTokens);
  }
}

/** Scores one category's result file against its data. Never throws for bad content. */
export function scoreCategory(
  model: string,
  data: CategoryData,
  file: ResultFile,
  settings: {
    decoder: DecoderKind;
    underscoreToDot: boolean;
    partial?: boolean;
    /** False when this is the only model scored against `data`: its parsed questions are not cached (see CategoryData.functions). */
    keepParsed?: boolean;
  },
): CategoryRun {
  const keep = settings.keepParsed ?? true;
  const pairing = pairResults(data, file, { partial: settings.partial ?? false });
  const entries: EntryScore[] = [];
  let correct = 0;
  for (const p of pairing.entries) {
    if (p.problem) {
      entries.push({
        index: p.index,
        id: p.id,
        valid: false,
        errorType: problemErrorType(p.problem.kind),
        error: [p.problem.message],
        problem: p.problem,
        ...(p.line ? { line: p.line } : {}),
      });
      continue;
    }
    const line = p.line!;
    const dataEntry = data.entries[p.index]!;
    try {
      const outcome = scoreEntry({
        id: dataEntry.id,
        category: data.category,
        result: line.result as PyValue,
        functions: data.category.includes('relevance') ? [] : data.functions(p.index, keep),
        groundTruth: data.groundTruth(p.index, keep),
        underscoreToDot: settings.underscoreToDot,
        decoder: settings.decoder,
      });
      if (outcome.valid) correct++;
      entries.push({
        index: p.index,
        id: p.id,
        valid: outcome.valid,
        line,
        ...(outcome.errorType === undefined ? {} : { errorType: outcome.errorType }),
        ...(outcome.error === undefined ? {} : { error: outcome.error }),
        ...(outcome.decoded === undefined ? {} : { decoded: outcome.decoded }),
      });
    } catch (error) {
      if (error instanceof InputError) {
        // A damaged data line: this entry cannot be judged.
        entries.push({
          index: p.index,
          id: p.id,
          valid: false,
          line,
          errorType: 'data_file:invalid_line',
          error: [`the dataset entry cannot be read: ${error.describe()}`],
        });
        continue;
      }
      // The checker must not crash on any input; if it does, the entry fails and says why.
      entries.push({
        index: p.index,
        id: p.id,
        valid: false,
        line,
        errorType: 'fc_distill:checker_error',
        error: [`fc-distill's checker failed on this entry: ${(error as Error)?.message ?? String(error)}`],
      });
    }
  }
  const total = entries.length;
  return {
    model,
    category: data.category,
    resultPath: file.path,
    data,
    entries,
    correct,
    total,
    accuracy: total === 0 ? 0 : correct / total,
    ignored: pairing.ignored,
    ...(pairing.bfclNote === undefined ? {} : { bfclNote: pairing.bfclNote }),
  };
}

/**
 * Scores every single-turn result file under `resultDir`.
 * @throws InputError for a missing folder, no result files, mixed BFCL versions, or bad data files.
 */
export async function scoreResultDir(options: ScoreOptions): Promise<ScoreRun> {
  const found = await discoverResultFiles(options.resultDir, options.models ? { models: options.models } : {});
  const versions = [...new Set(found.files.map((f) => f.version))];
  if (versions.length > 1) {
    throw new InputError(
      `${options.resultDir} mixes BFCL ${versions.join(' and ')} result files; score one version at a time (use --model or separate folders)`,
      { file: options.resultDir },
    );
  }
  const version = versions[0]!;
  const categories = [...new Set(found.files.map((f) => f.category))];
  const [data, files] = await Promise.all([
    options.loadData(version, categories),
    Promise.all(found.files.map(async (ref) => ({ ref, file: await readResultFile(ref.path) }))),
  ]);

  // How many models score each category: only then is a parsed question worth keeping.
  const readers = new Map<string, number>();
  for (const f of found.files) readers.set(f.category, (readers.get(f.category) ?? 0) + 1);

  const models: ModelRun[] = [];
  for (const model of found.models) {
    const mine = files.filter((f) => f.ref.model === model);
    const decoder: DecoderKind =
      options.decoder && options.decoder !== 'auto'
        ? options.decoder
        : detectDecoder((function* () {
            for (const f of mine) for (const l of f.file.lines) yield l.result;
          })());
    const names = options.names ?? 'auto';
    const underscoreToDot = names === 'underscored' || (names === 'auto' && decoder === 'fc');
    const run: ModelRun = {
      model,
      decoder,
      underscoreToDot,
      categories: [],
      unscored: [],
      costLatency: { latency: [], inputTokens: [], outputTokens: [] },
    };
    for (const { ref, file } of mine) {
      const categoryData = data.categories.get(ref.category);
      if (!categoryData) {
        const where = data.missing.find((m) => m.category === ref.category)?.file ?? `BFCL_${version}_${ref.category}.json`;
        run.unscored.push({ path: ref.path, reason: `no data for ${ref.category} (${where} not found in ${data.origin})` });
        continue;
      }
      const scored = scoreCategory(model, categoryData, file, {
        decoder,
        underscoreToDot,
        partial: options.partial ?? false,
        keepParsed: (readers.get(ref.category) ?? 0) > 1,
      });
      const unsupported = scored.entries.find((e) => e.errorType === UNSUPPORTED_CATEGORY);
      if (unsupported) {
        // The checker does not score this category (Java, JavaScript): no score rather than 0%.
        run.unscored.push({ path: ref.path, reason: String(unsupported.error?.[0] ?? `${ref.category} is not supported`) });
        continue;
      }
      collectCostLatency(file.lines, run.costLatency);
      run.categories.push(scored);
    }
    const order = singleTurnCategories(version);
    run.categories.sort((a, b) => order.indexOf(a.category) - order.indexOf(b.category));
    models.push(run);
  }
  if (models.every((m) => m.categories.length === 0)) {
    const reasons = models.flatMap((m) => m.unscored.map((u) => u.reason));
    throw new InputError(`nothing could be scored: ${[...new Set(reasons)].join('; ')}`, { file: options.resultDir });
  }
  return { version, resultRoot: found.root, dataOrigin: data.origin, models, skipped: found.skipped };
}
