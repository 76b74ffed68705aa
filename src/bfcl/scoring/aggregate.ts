/**
 * BFCL's aggregation: per-category accuracy and the summary figures of its leaderboard tables
 * (eval_runner_helper.py), with the same floating-point operations in the same order, so that
 * every figure is the same double as BFCL's and prints the same.
 *
 * A figure carries BFCL's `display_accuracy` rule (a category that was not run shows "N/A" but
 * counts as 0) and, for our own use, whether every category it depends on was actually scored
 * (`complete`): a figure that is not complete cannot be compared with a table made from more
 * results than we have.
 */
import { LIVE_CATEGORIES, type BfclVersion } from '../records.js';
import { floatRepr } from './pyvalue.js';

/** Single-turn categories as named in BFCL's files, per data version. */
export const LIVE_FILE_CATEGORIES = LIVE_CATEGORIES;

export const NON_LIVE_FILE_CATEGORIES: Record<BfclVersion, readonly string[]> = {
  v3: ['simple', 'java', 'javascript', 'multiple', 'parallel', 'parallel_multiple', 'irrelevance'],
  v4: ['simple_python', 'simple_java', 'simple_javascript', 'multiple', 'parallel', 'parallel_multiple', 'irrelevance'],
};

export const MULTI_TURN_FILE_CATEGORIES = [
  'multi_turn_base',
  'multi_turn_miss_func',
  'multi_turn_miss_param',
  'multi_turn_long_context',
] as const;
export const WEB_SEARCH_FILE_CATEGORIES = ['web_search_base', 'web_search_no_snippet'] as const;
export const MEMORY_FILE_CATEGORIES = ['memory_kv', 'memory_vector', 'memory_rec_sum'] as const;

/** The single-turn categories this scorer handles, in BFCL's display order (non-live first). */
export function singleTurnCategories(version: BfclVersion): string[] {
  return [...NON_LIVE_FILE_CATEGORIES[version], ...LIVE_FILE_CATEGORIES];
}

/** Every category that enters BFCL's overall score for a version. */
export function scoringCategories(version: BfclVersion): string[] {
  const agentic = version === 'v4' ? [...MEMORY_FILE_CATEGORIES, ...WEB_SEARCH_FILE_CATEGORIES] : [];
  return [...singleTurnCategories(version), ...MULTI_TURN_FILE_CATEGORIES, ...agentic];
}

/** Dataset sizes of the pinned BFCL data (v3: gorilla c15b2a15, v4: e5148abe), for categories not run. */
export const KNOWN_DATASET_SIZES: Record<BfclVersion, Readonly<Record<string, number>>> = {
  v3: {
    simple: 400, java: 100, javascript: 50, multiple: 200, parallel: 200, parallel_multiple: 200, irrelevance: 240,
    live_simple: 258, live_multiple: 1053, live_parallel: 16, live_parallel_multiple: 24,
    live_irrelevance: 882, live_relevance: 18,
    multi_turn_base: 200, multi_turn_miss_func: 200, multi_turn_miss_param: 200, multi_turn_long_context: 200,
  },
  v4: {
    simple_python: 400, simple_java: 100, simple_javascript: 50, multiple: 200, parallel: 200,
    parallel_multiple: 200, irrelevance: 240,
    live_simple: 258, live_multiple: 1053, live_parallel: 16, live_parallel_multiple: 24,
    live_irrelevance: 884, live_relevance: 16,
    multi_turn_base: 200, multi_turn_miss_func: 200, multi_turn_miss_param: 200, multi_turn_long_context: 200,
    web_search_base: 100, web_search_no_snippet: 100,
    memory_kv: 155, memory_vector: 155, memory_rec_sum: 155,
  },
};

/** `live` or `non_live`: the folder BFCL v4 keeps a single-turn category's result and score files in. */
export function categoryGroup(category: string): 'live' | 'non_live' | 'multi_turn' | 'agentic' | 'format_sensitivity' {
  if (category.includes('format_sensitivity')) return 'format_sensitivity';
  if (category.includes('multi_turn')) return 'multi_turn';
  if (category.includes('web_search') || category.includes('memory')) return 'agentic';
  if (category.includes('live')) return 'live';
  return 'non_live';
}

/** One category's result, as BFCL's score-file header has it. */
export interface CategoryScore {
  accuracy: number;
  correctCount?: number;
  totalCount: number;
}

export type Display = number | 'N/A';

/** A BFCL summary figure: `accuracy` always counts (0 for a category not run); `display` is what the table shows. */
export interface Figure {
  accuracy: number;
  totalCount: number;
  display: Display;
  /** Every category this figure depends on was scored. */
  complete: boolean;
}

/** BFCL's get_category_score: a category not run counts as 0 of the dataset's size and displays "N/A". */
export function categoryFigure(score: CategoryScore | undefined, datasetSize: number): Figure {
  if (score) return { accuracy: score.accuracy, totalCount: score.totalCount, display: score.accuracy, complete: true };
  return { accuracy: 0, totalCount: datasetSize, display: 'N/A', complete: false };
}

/** BFCL's calculate_weighted_accuracy: sum(accuracy x count) / sum(count). */
export function weightedFigure(parts: Figure[], naIfMissing = true): Figure {
  let totalCount = 0;
  let total = 0;
  let hasNa = false;
  for (const p of parts) {
    if (p.display === 'N/A') hasNa = true;
    totalCount += p.totalCount;
    total += p.accuracy * p.totalCount;
  }
  const accuracy = total / totalCount;
  return finish(accuracy, totalCount, hasNa && naIfMissing, parts);
}

/** BFCL's calculate_unweighted_accuracy: the plain mean of the accuracies. */
export function unweightedFigure(parts: Figure[], naIfMissing = true): Figure {
  let totalCount = 0;
  let total = 0;
  let hasNa = false;
  for (const p of parts) {
    if (p.display === 'N/A') hasNa = true;
    totalCount += p.totalCount;
    total += p.accuracy;
  }
  return finish(total / parts.length, totalCount, hasNa && naIfMissing, parts);
}

/** BFCL's calculate_percentage_weighted_accuracy: weights normalised to sum 1, then sum(accuracy x weight). */
export function percentageWeightedFigure(parts: Figure[], weights: number[], naIfMissing = true): Figure {
  if (parts.length !== weights.length) throw new Error('weights length must match the figures');
  const weightSum = weights.reduce((a, b) => a + b, 0);
  if (weightSum === 0) throw new Error('sum of weights must be greater than 0');
  let totalCount = 0;
  let total = 0;
  let hasNa = false;
  parts.forEach((p, i) => {
    if (p.display === 'N/A') hasNa = true;
    totalCount += p.totalCount;
    total += p.accuracy * (weights[i]! / weightSum);
  });
  return finish(total, totalCount, hasNa && naIfMissing, parts);
}

function finish(accuracy: number, totalCount: number, na: boolean, parts: Figure[]): Figure {
  return { accuracy, totalCount, display: na ? 'N/A' : accuracy, complete: parts.every((p) => p.complete) };
}

/** The figures of BFCL's tables for one model. Names follow the CSV columns. */
export interface ModelFigures {
  version: BfclVersion;
  categories: Record<string, Figure>;
  nonLive: {
    overall: Figure;
    astSummary: Figure;
    simpleAst: Figure;
    pythonSimple: Figure;
    javaSimple: Figure;
    javascriptSimple: Figure;
    multiple: Figure;
    parallel: Figure;
    parallelMultiple: Figure;
    irrelevance: Figure;
  };
  live: {
    overall: Figure;
    astSummary: Figure;
    simple: Figure;
    multiple: Figure;
    parallel: Figure;
    parallelMultiple: Figure;
    irrelevance: Figure;
    relevance: Figure;
  };
  multiTurn: { overall: Figure; base: Figure; missFunc: Figure; missParam: Figure; longContext: Figure };
  /** v4 only (v3 has no agentic categories; these are then all-N/A zeros). */
  agentic: {
    overall: Figure;
    webSearch: Figure;
    webSearchBase: Figure;
    webSearchNoSnippet: Figure;
    memory: Figure;
    memoryKv: Figure;
    memoryVector: Figure;
    memoryRecSum: Figure;
  };
  /** Unweighted mean of irrelevance and live_irrelevance (the overall table's Irrelevance Detection). */
  totalIrrelevance: Figure;
  totalRelevance: Figure;
  overall: Figure;
}

/**
 * All summary figures of one model, exactly as BFCL's generate_leaderboard_csv computes them.
 * `scores` holds the categories that were scored (BFCL file names); `datasetSize` gives the
 * size of a category that was not.
 */
export function modelFigures(
  version: BfclVersion,
  scores: ReadonlyMap<string, CategoryScore>,
  datasetSize: (category: string) => number,
): ModelFigures {
  const cats: Record<string, Figure> = {};
  const get = (c: string): Figure => (cats[c] ??= categoryFigure(scores.get(c), datasetSize(c)));
  const v4 = version === 'v4';

  const pythonSimple = get(v4 ? 'simple_python' : 'simple');
  const javaSimple = get(v4 ? 'simple_java' : 'java');
  const javascriptSimple = get(v4 ? 'simple_javascript' : 'javascript');
  const multiple = get('multiple');
  const parallel = get('parallel');
  const parallelMultiple = get('parallel_multiple');
  const irrelevance = get('irrelevance');
  const simpleAst = unweightedFigure([pythonSimple, javaSimple, javascriptSimple]);
  const astParts = [simpleAst, multiple, parallel, parallelMultiple];
  const nonLiveAst = unweightedFigure(astParts);
  const nonLiveOverall = unweightedFigure(v4 ? astParts : [...astParts, irrelevance], false);

  const liveSimple = get('live_simple');
  const liveMultiple = get('live_multiple');
  const liveParallel = get('live_parallel');
  const liveParallelMultiple = get('live_parallel_multiple');
  const liveIrrelevance = get('live_irrelevance');
  const liveRelevance = get('live_relevance');
  const liveAstParts = [liveSimple, liveMultiple, liveParallel, liveParallelMultiple];
  const liveAst = weightedFigure(liveAstParts);
  const liveOverall = weightedFigure(v4 ? liveAstParts : [...liveAstParts, liveIrrelevance, liveRelevance], false);

  const mtBase = get('multi_turn_base');
  const mtMissFunc = get('multi_turn_miss_func');
  const mtMissParam = get('multi_turn_miss_param');
  const mtLong = get('multi_turn_long_context');
  const multiTurnOverall = unweightedFigure([mtBase, mtMissFunc, mtMissParam, mtLong], false);

  const wsBase = get('web_search_base');
  const wsNoSnippet = get('web_search_no_snippet');
  const webSearch = unweightedFigure([wsBase, wsNoSnippet]);
  const memKv = get('memory_kv');
  const memVector = get('memory_vector');
  const memRecSum = get('memory_rec_sum');
  const memory = unweightedFigure([memKv, memVector, memRecSum]);
  const agenticOverall = unweightedFigure([webSearch, memory], false);

  const totalIrrelevance = unweightedFigure([irrelevance, liveIrrelevance]);
  const overall = v4
    ? percentageWeightedFigure(
        [nonLiveOverall, liveOverall, totalIrrelevance, multiTurnOverall, agenticOverall],
        [10, 10, 10, 30, 40],
        false,
      )
    : unweightedFigure([liveOverall, nonLiveOverall, multiTurnOverall], false);

  return {
    version,
    categories: cats,
    nonLive: {
      overall: nonLiveOverall,
      astSummary: nonLiveAst,
      simpleAst,
      pythonSimple,
      javaSimple,
      javascriptSimple,
      multiple,
      parallel,
      parallelMultiple,
      irrelevance,
    },
    live: {
      overall: liveOverall,
      astSummary: liveAst,
      simple: liveSimple,
      multiple: liveMultiple,
      parallel: liveParallel,
      parallelMultiple: liveParallelMultiple,
      irrelevance: liveIrrelevance,
      relevance: liveRelevance,
    },
    multiTurn: { overall: multiTurnOverall, base: mtBase, missFunc: mtMissFunc, missParam: mtMissParam, longContext: mtLong },
    agentic: {
      overall: agenticOverall,
      webSearch,
      webSearchBase: wsBase,
      webSearchNoSnippet: wsNoSnippet,
      memory,
      memoryKv: memKv,
      memoryVector: memVector,
      memoryRecSum: memRecSum,
    },
    totalIrrelevance,
    totalRelevance: liveRelevance,
    overall,
  };
}

// ---------------------------------------------------------------------------------------------
// Number formatting with Python's rules.

const F64 = new DataView(new ArrayBuffer(8));

/** A finite double as `sign * mantissa * 2^exponent` with an integer mantissa (exact). */
export function decomposeDouble(x: number): { negative: boolean; mantissa: bigint; exponent: number } {
  F64.setFloat64(0, x);
  const hi = F64.getUint32(0);
  const lo = F64.getUint32(4);
  const negative = hi >>> 31 === 1;
  const biased = (hi >>> 20) & 0x7ff;
  let mantissa = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let exponent: number;
  if (biased === 0) {
    exponent = -1074; // subnormal (or zero)
  } else {
    mantissa |= 1n << 52n;
    exponent = biased - 1075;
  }
  return { negative, mantissa, exponent };
}

/**
 * Python's `format(x, '.<digits>f')`: the exact binary value of `x`, rounded half to even to
 * `digits` decimals (JavaScript's toFixed rounds ties away from zero instead).
 */
export function formatFixed(x: number, digits: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  const { negative, mantissa, exponent } = decomposeDouble(x);
  const scale = 10n ** BigInt(digits);
  let q: bigint;
  if (exponent >= 0) {
    q = (mantissa << BigInt(exponent)) * scale;
  } else {
    const num = mantissa * scale;
    const den = 1n << BigInt(-exponent);
    q = num / den;
    const twice = (num % den) * 2n;
    if (twice > den || (twice === den && q % 2n === 1n)) q += 1n;
  }
  let s = q.toString();
  if (digits > 0) {
    s = s.padStart(digits + 1, '0');
    s = `${s.slice(0, -digits)}.${s.slice(-digits)}`;
  }
  return negative ? `-${s}` : s;
}

/** `"{:.2f}%".format(accuracy * 100)`, BFCL's table cell. */
export function formatPercent(accuracy: number): string {
  return `${formatFixed(accuracy * 100, 2)}%`;
}

/** A table cell: "N/A" or the percentage. */
export function formatDisplay(display: Display): string {
  return display === 'N/A' ? 'N/A' : formatPercent(display);
}

/**
 * `str(round(x, digits))` for a float: Python rounds the exact value half to even, then prints
 * the shortest repr of the nearest double (so `2.10` prints `2.1`, `3` prints `3.0`).
 */
export function pyRoundRepr(x: number, digits: number): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf';
  const fixed = formatFixed(x, digits);
  const rounded = Number(fixed);
  return floatRepr(rounded);
}

// ---------------------------------------------------------------------------------------------
// Cost and latency, as BFCL's get_cost_latency_info computes them.

/** Exact sum of doubles as a rational `num / 2^shift`. */
function exactSum(values: readonly number[]): { num: bigint; shift: number } {
  let minExp = 0;
  const parts = values.map((v) => {
    const d = decomposeDouble(v);
    if (d.mantissa !== 0n) minExp = Math.min(minExp, d.exponent);
    return d;
  });
  let num = 0n;
  for (const d of parts) {
    const m = d.mantissa << BigInt(d.exponent - minExp);
    num += d.negative ? -m : m;
  }
  return { num, shift: -minExp };
}

/** The double nearest to num / den (round half to even), for normal-range results. */
export function rationalToDouble(num: bigint, den: bigint): number {
  if (den < 0n) {
    num = -num;
    den = -den;
  }
  if (num === 0n) return 0;
  const negative = num < 0n;
  if (negative) num = -num;
  const bits = (n: bigint): number => n.toString(2).length;
  // Scale so that the integer quotient has at least 54 significant bits.
  let shift = 55 - (bits(num) - bits(den));
  let q: bigint;
  let r: bigint;
  if (shift >= 0) {
    q = (num << BigInt(shift)) / den;
    r = (num << BigInt(shift)) % den;
  } else {
    q = num / (den << BigInt(-shift));
    r = num % (den << BigInt(-shift));
  }
  // Reduce q to 53 bits, with round half to even (remainder r acts as a sticky bit).
  const excess = bits(q) - 53;
  if (excess > 0) {
    const mask = (1n << BigInt(excess)) - 1n;
    const low = q & mask;
    q >>= BigInt(excess);
    shift -= excess;
    const half = 1n << BigInt(excess - 1);
    if (low > half || (low === half && (r !== 0n || (q & 1n) === 1n))) q += 1n;
  }
  let value = Number(q);
  // value * 2^-shift, in steps that stay exact.
  let e = -shift;
  while (e > 0) {
    const step = Math.min(e, 1000);
    value *= 2 ** step;
    e -= step;
  }
  while (e < 0) {
    const step = Math.max(e, -1000);
    value *= 2 ** step;
    e -= step;
  }
  return negative ? -value : value;
}

/** Python's statistics.mean of floats/ints: exact mean, rounded once. */
export function pyMean(values: readonly number[]): number {
  if (values.length === 0) throw new Error('mean requires at least one data point');
  const { num, shift } = exactSum(values);
  return rationalToDouble(num, BigInt(values.length) << BigInt(shift));
}

/** Python's statistics.stdev (sample standard deviation), from the exact variance. */
export function pyStdev(values: readonly number[]): number {
  const n = values.length;
  if (n < 2) throw new Error('variance requires at least two data points');
  // Exact: var = (n * sum(x^2) - (sum x)^2) / (n (n-1)), every x = m_i / 2^s.
  let minExp = 0;
  const ds = values.map((v) => {
    const d = decomposeDouble(v);
    if (d.mantissa !== 0n) minExp = Math.min(minExp, d.exponent);
    return d;
  });
  let s1 = 0n;
  let s2 = 0n;
  for (const d of ds) {
    const m = (d.negative ? -d.mantissa : d.mantissa) << BigInt(d.exponent - minExp);
    s1 += m;
    s2 += m * m;
  }
  const N = BigInt(n);
  const num = N * s2 - s1 * s1;
  const den = N * (N - 1n) << BigInt(-2 * minExp);
  return Math.sqrt(rationalToDouble(num, den));
}

/** numpy.percentile(values, q) with the default linear method. */
export function npPercentile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  const virtual = (n - 1) * (q / 100);
  const prev = Math.floor(virtual);
  const gamma = virtual - prev;
  const a = sorted[Math.min(Math.max(prev, 0), n - 1)]!;
  const b = sorted[Math.min(prev + 1, n - 1)]!;
  const diff = b - a;
  return gamma >= 0.5 ? b - diff * (1 - gamma) : a + diff * gamma;
}

/** Python's sum() of floats (3.12+: Neumaier-compensated). */
export function pySum(values: readonly number[]): number {
  let sum = 0;
  let c = 0;
  for (const x of values) {
    const t = sum + x;
    if (Math.abs(sum) >= Math.abs(x)) c += sum - t + x;
    else c += x - t + sum;
    sum = t;
  }
  return sum + c;
}

export interface CostLatencyInput {
  /** Non-zero latencies (seconds) of the entries scored. */
  latency: number[];
  inputTokens: number[];
  outputTokens: number[];
}

export interface ModelPricing {
  /** USD per million tokens; null for locally hosted models. */
  inputPrice: number | null;
  outputPrice: number | null;
}

/** Cost, mean, standard deviation and 95th percentile of latency, as BFCL prints them (strings or "N/A"). */
export function costLatencyCells(
  version: BfclVersion,
  data: CostLatencyInput,
  pricing: ModelPricing,
): { cost: string; mean: string; std: string; p95: string } {
  let cost = 'N/A';
  let mean = 'N/A';
  let std = 'N/A';
  let p95 = 'N/A';
  const priced = pricing.inputPrice !== null && pricing.outputPrice !== null;
  if (version === 'v3') {
    if (!priced) return { cost, mean, std, p95 };
    if (data.inputTokens.length > 0 && data.outputTokens.length > 0) {
      const c = (pyMean(data.inputTokens) * pricing.inputPrice! + pyMean(data.outputTokens) * pricing.outputPrice!) / 1000;
      cost = pyRoundRepr(c, 2);
    }
  } else if (priced) {
    if (data.inputTokens.length > 0 && data.outputTokens.length > 0) {
      const totalIn = data.inputTokens.reduce((a, b) => a + b, 0);
      const totalOut = data.outputTokens.reduce((a, b) => a + b, 0);
      const c = (totalIn * pricing.inputPrice!) / 1000000 + (totalOut * pricing.outputPrice!) / 1000000;
      cost = pyRoundRepr(c, 2);
    }
  } else if (data.latency.length > 0) {
    const hours = pySum(data.latency) / 3600;
    cost = pyRoundRepr((hours * 23.92) / 100, 2);
  }
  if (data.latency.length > 0) {
    mean = pyRoundRepr(pyMean(data.latency), 2);
    std = data.latency.length > 1 ? pyRoundRepr(pyStdev(data.latency), 2) : 'N/A';
    p95 = pyRoundRepr(npPercentile(data.latency, 95), 2);
  }
  return { cost, mean, std, p95 };
}
