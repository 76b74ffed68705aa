import { InputError } from '../errors.js';
import { canonicalJson } from '../graph/keys.js';
import type { BfclExample, BfclFunctionDoc } from './records.js';
import { sha256Hex } from './sources/source.js';

/**
 * Seeded, stratified train/eval split that is the same on every machine and Node version:
 * no PRNG, only SHA-256 orderings.
 *
 * by: example (default). Within each stratum (a category, or everything with
 *   stratify: none) examples are ordered by sha256(`${seed}:${id}`) (hex, ascending); the
 *   first round(train × n) go to train, the next round(eval × n) to eval (all the rest when
 *   eval is not given), any remainder is unused. Rounding is half up after removing float
 *   noise (`roundShare`): 0.5 × 25 = 12.5 gives 13 to train, 12 to eval.
 *
 * by: function-set. Examples that share any function doc (same canonical JSON) are
 *   grouped (connected components; examples with identical function sets always share a
 *   group, and BFCL live's `-<group>-` id part coincides with these groups for most ids), and
 *   whole groups are assigned, so no function documentation appears on both sides.
 *   Examples without functions are groups of their own. Groups are taken largest first
 *   (ties in sha256(`${seed}:${group key}`) order) and each goes to the side where it
 *   best reduces the distance to the per-stratum targets (the same rounded targets as
 *   above); the achieved counts are reported next to the targets.
 *
 * Both modes report the overlap: eval examples whose function set (and whose any single
 * function doc) also occurs in train.
 */

export interface SplitSpec {
  train?: number;
  eval?: number;
  seed?: number | string;
  stratify?: 'category' | 'none';
  by?: 'example' | 'function-set';
}

export interface ResolvedSplitSpec {
  train: number;
  /** null: everything not in train goes to eval. */
  eval: number | null;
  seed: number | string;
  stratify: 'category' | 'none';
  by: 'example' | 'function-set';
}

export const SPLIT_ROUNDING =
  'per stratum of n examples: train gets round(train × n), eval gets round(eval × n) (all the rest when eval is not set); round = half up after rounding the product to 9 decimals';

export function resolveSplitSpec(spec: SplitSpec): ResolvedSplitSpec {
  const train = spec.train ?? 0.5;
  const share = (value: unknown, name: string): number => {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) {
      throw new InputError(`split.${name} must be a share between 0 and 1, not ${JSON.stringify(value)}.`);
    }
    return value;
  };
  share(train, 'train');
  const evalShare = spec.eval === undefined || spec.eval === null ? null : share(spec.eval, 'eval');
  if (evalShare !== null && train + evalShare > 1 + 1e-9) {
    throw new InputError(`split.train + split.eval is ${train + evalShare}, more than 1: lower one of them.`);
  }
  const seed = spec.seed ?? 42;
  if (!(typeof seed === 'string' || Number.isInteger(seed))) {
    throw new InputError(`split.seed must be a whole number or a string, not ${JSON.stringify(seed)}.`);
  }
  const stratify = spec.stratify ?? 'category';
  if (stratify !== 'category' && stratify !== 'none') {
    throw new InputError(`split.stratify must be 'category' or 'none', not ${JSON.stringify(stratify)}.`);
  }
  const by = spec.by ?? 'example';
  if (by !== 'example' && by !== 'function-set') {
    throw new InputError(`split.by must be 'example' or 'function-set', not ${JSON.stringify(by)}.`);
  }
  return { train, eval: evalShare, seed, stratify, by };
}

/** round(share × n), half up, robust to float noise (0.1 × 30 = 3.0000000000000004 -> 3). */
export function roundShare(share: number, n: number): number {
  return Math.floor(Math.round(share * n * 1e9) / 1e9 + 0.5);
}

/** sha256 of a function doc's canonical JSON (RFC 8785). */
export function functionDocHash(doc: BfclFunctionDoc): string {
  return sha256Hex(canonicalJson(doc));
}

/** sha256 over the sorted doc hashes: the same set of docs in any order gives the same hash. */
export function functionSetHash(functions: readonly BfclFunctionDoc[]): string {
  return sha256Hex(functions.map(functionDocHash).sort().join('\n'));
}

type Side = 'train' | 'eval' | 'unused';
const SIDES: readonly Side[] = ['train', 'eval', 'unused'];

export interface SplitReport {
  params: ResolvedSplitSpec;
  rounding: string;
  totals: Record<Side, number>;
  /** Examples per category per side (categories in input order). */
  counts: Record<Side, Record<string, number>>;
  /** The per-stratum targets (equal to the achieved counts when by: example). */
  targets: Record<Side, Record<string, number>>;
  /** by: function-set: the groups that were assigned whole. */
  groups?: { count: number; largest: number; singletons: number };
  overlap: {
    /** Distinct non-empty function sets per side and on both sides. */
    functionSets: { train: number; eval: number; shared: number };
    /** Eval examples whose (non-empty) function set also occurs in train. */
    evalExamplesWithTrainFunctionSet: number;
    evalExamplesWithTrainFunctionSetByCategory: Record<string, number>;
    /** Distinct function docs per side and on both sides. */
    functionDocs: { train: number; eval: number; shared: number };
    /** Eval examples with at least one function doc that also occurs in train. */
    evalExamplesWithTrainFunctionDoc: number;
  };
}

export interface SplitResult<T> {
  train: T[];
  eval: T[];
  unused: T[];
  report: SplitReport;
}

interface Item<T> {
  item: T;
  index: number;
  example: BfclExample;
  stratum: string;
  docs: string[];
  set: string;
}

export function splitExamples<T extends { example: BfclExample }>(items: readonly T[], spec: SplitSpec): SplitResult<T> {
  const params = resolveSplitSpec(spec);
  const all: Item<T>[] = items.map((item, index) => {
    const docs = item.example.functions.map(functionDocHash);
    return {
      item,
      index,
      example: item.example,
      stratum: params.stratify === 'category' ? item.example.category : 'all',
      docs,
      set: sha256Hex([...docs].sort().join('\n')),
    };
  });
  // eval unset, or train + eval = 1: eval takes everything not in train.
  const evalTakesRest = params.eval === null || params.train + params.eval >= 1 - 1e-9;
  const strata = new Map<string, number>();
  for (const x of all) strata.set(x.stratum, (strata.get(x.stratum) ?? 0) + 1);
  const targets = new Map<string, Record<Side, number>>();
  for (const [stratum, n] of strata) {
    const train = roundShare(params.train, n);
    const evalCount = evalTakesRest ? n - train : Math.min(roundShare(params.eval as number, n), n - train);
    targets.set(stratum, { train, eval: evalCount, unused: n - train - evalCount });
  }

  const side = new Map<Item<T>, Side>();
  let groupsInfo: SplitReport['groups'];
  if (params.by === 'example') {
    const byStratum = new Map<string, { x: Item<T>; key: string }[]>();
    for (const x of all) {
      const list = byStratum.get(x.stratum) ?? [];
      list.push({ x, key: sha256Hex(`${params.seed}:${x.example.id}`) });
      byStratum.set(x.stratum, list);
    }
    for (const [stratum, list] of byStratum) {
      list.sort((a, b) => compare(a.key, b.key));
      const t = targets.get(stratum) as Record<Side, number>;
      list.forEach(({ x }, i) => side.set(x, i < t.train ? 'train' : i < t.train + t.eval ? 'eval' : 'unused'));
    }
  } else {
    const groups = functionGroups(all);
    groupsInfo = {
      count: groups.length,
      largest: Math.max(0, ...groups.map((g) => g.members.length)),
      singletons: groups.filter((g) => g.members.length === 1).length,
    };
    const order = groups
      .map((g) => ({ g, key: sha256Hex(`${params.seed}:${g.key}`) }))
      .sort((a, b) => b.g.members.length - a.g.members.length || compare(a.key, b.key));
    const remaining = new Map<string, Record<Side, number>>();
    for (const [stratum, t] of targets) remaining.set(stratum, { ...t });
    const sides: Side[] = evalTakesRest ? ['train', 'eval'] : [...SIDES];
    for (const { g, key } of order) {
      const counts = new Map<string, number>();
      for (const x of g.members) counts.set(x.stratum, (counts.get(x.stratum) ?? 0) + 1);
      let best: { side: Side; delta: number; need: number; tie: number } | undefined;
      sides.forEach((s, i) => {
        let delta = 0;
        let need = 0;
        for (const [stratum, c] of counts) {
          const r = (remaining.get(stratum) as Record<Side, number>)[s];
          const t = (targets.get(stratum) as Record<Side, number>)[s];
          delta += Math.abs(r - c) - Math.abs(r);
          need += t > 0 ? (c * r) / t : -c;
        }
        // Exact ties are broken by the group's seeded hash, so that the seed matters.
        const tie = (parseInt(key.slice(0, 8), 16) + i) % sides.length;
        if (!best || delta < best.delta || (delta === best.delta && (need > best.need + 1e-12 || (Math.abs(need - best.need) <= 1e-12 && tie < best.tie)))) {
          best = { side: s, delta, need, tie };
        }
      });
      const chosen = (best as { side: Side }).side;
      for (const [stratum, c] of counts) (remaining.get(stratum) as Record<Side, number>)[chosen] -= c;
      for (const x of g.members) side.set(x, chosen);
    }
  }

  const out: Record<Side, Item<T>[]> = { train: [], eval: [], unused: [] };
  for (const x of all) out[side.get(x) as Side].push(x);
  const categories = [...new Set(all.map((x) => x.example.category))];
  const countSide = (list: Item<T>[]): Record<string, number> => {
    const c: Record<string, number> = Object.fromEntries(categories.map((k) => [k, 0]));
    for (const x of list) c[x.example.category] = (c[x.example.category] ?? 0) + 1;
    return c;
  };
  const targetRecord = (s: Side): Record<string, number> => Object.fromEntries([...targets].map(([k, t]) => [k, t[s]]));

  const report: SplitReport = {
    params,
    rounding: SPLIT_ROUNDING,
    totals: { train: out.train.length, eval: out.eval.length, unused: out.unused.length },
    counts: { train: countSide(out.train), eval: countSide(out.eval), unused: countSide(out.unused) },
    targets: { train: targetRecord('train'), eval: targetRecord('eval'), unused: targetRecord('unused') },
    ...(groupsInfo ? { groups: groupsInfo } : {}),
    overlap: overlap(out.train, out.eval, categories),
  };
  return {
    train: out.train.map((x) => x.item),
    eval: out.eval.map((x) => x.item),
    unused: out.unused.map((x) => x.item),
    report,
  };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Connected components of examples linked by shared function docs. */
function functionGroups<T>(all: Item<T>[]): { key: string; members: Item<T>[] }[] {
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let root = x;
    while (parent.get(root) !== root) root = parent.get(root) as string;
    while (x !== root) {
      const next = parent.get(x) as string;
      parent.set(x, root);
      x = next;
    }
    return root;
  };
  for (const x of all) {
    for (const d of x.docs) if (!parent.has(d)) parent.set(d, d);
    for (let i = 1; i < x.docs.length; i++) {
      const a = find(x.docs[0] as string);
      const b = find(x.docs[i] as string);
      // The smaller hash becomes the root, so roots do not depend on input order.
      if (a !== b) (a < b ? parent.set(b, a) : parent.set(a, b));
    }
  }
  const groups = new Map<string, Item<T>[]>();
  for (const x of all) {
    const key = x.docs.length === 0 ? `id:${x.example.id}` : find(x.docs[0] as string);
    const list = groups.get(key) ?? [];
    list.push(x);
    groups.set(key, list);
  }
  return [...groups].map(([key, members]) => ({ key, members }));
}

function overlap<T>(train: Item<T>[], evalItems: Item<T>[], categories: string[]): SplitReport['overlap'] {
  const trainSets = new Set(train.filter((x) => x.docs.length > 0).map((x) => x.set));
  const evalSets = new Set(evalItems.filter((x) => x.docs.length > 0).map((x) => x.set));
  const trainDocs = new Set(train.flatMap((x) => x.docs));
  const evalDocs = new Set(evalItems.flatMap((x) => x.docs));
  const byCategory: Record<string, number> = Object.fromEntries(categories.map((c) => [c, 0]));
  let withSet = 0;
  let withDoc = 0;
  for (const x of evalItems) {
    if (x.docs.length > 0 && trainSets.has(x.set)) {
      withSet++;
      byCategory[x.example.category] = (byCategory[x.example.category] ?? 0) + 1;
    }
    if (x.docs.some((d) => trainDocs.has(d))) withDoc++;
  }
  return {
    functionSets: { train: trainSets.size, eval: evalSets.size, shared: [...evalSets].filter((s) => trainSets.has(s)).length },
    evalExamplesWithTrainFunctionSet: withSet,
    evalExamplesWithTrainFunctionSetByCategory: byCategory,
    functionDocs: { train: trainDocs.size, eval: evalDocs.size, shared: [...evalDocs].filter((d) => trainDocs.has(d)).length },
    evalExamplesWithTrainFunctionDoc: withDoc,
  };
}
