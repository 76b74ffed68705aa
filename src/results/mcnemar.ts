/**
 * Paired and unpaired accuracy statistics for results and diffs.
 *
 * - `mcnemarExact(b, c)`: the exact two-sided McNemar test, i.e. a two-sided binomial test of
 *   the discordant pairs: under "no change" each of the n = b + c examples that flipped is
 *   equally likely to have flipped either way, so min(b, c) ~ Binomial(n, 1/2) and
 *   p = min(1, 2 * P(X <= min(b, c))). Computed in log space with an incremental binomial
 *   coefficient, so it is exact (to double precision) for n in the many thousands without
 *   overflow or underflow.
 * - `wilsonInterval(correct, n)`: the Wilson score interval (95% by default), which behaves at
 *   accuracies of 0 and 1 and at small n, unlike the normal approximation.
 */

const LN2 = Math.LN2;

/** log(sum(exp(x_i))) without overflow. */
function logSumExp(values: readonly number[]): number {
  let max = -Infinity;
  for (const v of values) if (v > max) max = v;
  if (max === -Infinity) return -Infinity;
  let sum = 0;
  for (const v of values) sum += Math.exp(v - max);
  return max + Math.log(sum);
}

/** P(X <= k) for X ~ Binomial(n, 1/2), computed in log space. */
export function binomialHalfCdf(k: number, n: number): number {
  if (!Number.isInteger(k) || !Number.isInteger(n) || n < 0) throw new RangeError(`binomialHalfCdf(${k}, ${n}): whole numbers expected`);
  if (k < 0) return 0;
  if (k >= n) return 1;
  const terms: number[] = [];
  let logC = 0; // log C(n, 0)
  for (let i = 0; i <= k; i++) {
    if (i > 0) logC += Math.log(n - i + 1) - Math.log(i);
    terms.push(logC - n * LN2);
  }
  return Math.min(1, Math.exp(logSumExp(terms)));
}

/**
 * Exact two-sided McNemar p-value for `b` pairs that went one way (e.g. right -> wrong) and `c`
 * that went the other. No discordant pairs: p = 1.
 */
export function mcnemarExact(b: number, c: number): number {
  if (!Number.isInteger(b) || !Number.isInteger(c) || b < 0 || c < 0) throw new RangeError(`mcnemarExact(${b}, ${c}): counts expected`);
  const n = b + c;
  if (n === 0) return 1;
  return Math.min(1, 2 * binomialHalfCdf(Math.min(b, c), n));
}

/** Wilson score interval for `correct` of `n` at the normal quantile `z` (1.959963984540054: 95%). */
export function wilsonInterval(correct: number, n: number, z = 1.959963984540054): [number, number] {
  if (n === 0) return [0, 1];
  const p = correct / n;
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denom;
  // Exact at the ends (no 1e-18 from rounding), and 6 decimals: stable, readable diffs.
  const round = (x: number) => Math.round(x * 1e6) / 1e6;
  return [correct === 0 ? 0 : round(Math.max(0, centre - half)), correct === n ? 1 : round(Math.min(1, centre + half))];
}
