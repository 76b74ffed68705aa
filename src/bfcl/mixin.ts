import { InputError } from '../errors.js';
import type { BfclExample } from './records.js';
import { roundShare } from './split.js';
import { sha256Hex } from './sources/source.js';

/**
 * Mix-in: a seeded share of the training prompts carry the ground-truth answer as the
 * assistant turn (the renderer writes it; irrelevance entries get the "no call" answer).
 *
 * k = round(fraction × number of training examples) (half up, as in the split), capped
 * at the number of examples that can carry an answer. Eligible: every example with a
 * ground truth, plus irrelevance and live_irrelevance (their answer is "no call").
 * Relevance entries have no ground truth (the right answer is "some call", arguments
 * unknown), so they are never labelled; mixin.json says so. The k eligible examples first
 * in sha256(`${seed}:${id}`) order are labelled: deterministic across machines.
 */

export interface MixinSpec {
  fraction?: number;
  seed?: number | string;
}

export function canBeLabelled(example: BfclExample): boolean {
  return example.answerJson !== null || example.category === 'irrelevance' || example.category === 'live_irrelevance';
}

export interface MixinReport {
  fraction: number;
  seed: number | string;
  rounding: string;
  trainExamples: number;
  eligible: number;
  labelled: number;
  /** In training-file order. */
  labelledIds: string[];
  countsByCategory: Record<string, { examples: number; eligible: number; labelled: number }>;
  notLabellable: { reason: string; count: number; ids: string[] };
}

export function chooseMixin<T extends { example: BfclExample }>(
  items: readonly T[],
  spec: MixinSpec,
): { labelled: Set<T>; report: MixinReport } {
  const fraction = spec.fraction ?? 0.1;
  if (typeof fraction !== 'number' || !Number.isFinite(fraction) || fraction < 0 || fraction > 1) {
    throw new InputError(`mixin.fraction must be a share between 0 and 1, not ${JSON.stringify(fraction)}.`);
  }
  const seed = spec.seed ?? 7;
  if (!(typeof seed === 'string' || Number.isInteger(seed))) {
    throw new InputError(`mixin.seed must be a whole number or a string, not ${JSON.stringify(seed)}.`);
  }
  const eligible = items.filter((i) => canBeLabelled(i.example));
  const k = Math.min(roundShare(fraction, items.length), eligible.length);
  const chosen = new Set(
    eligible
      .map((item) => ({ item, key: sha256Hex(`${seed}:${item.example.id}`) }))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      .slice(0, k)
      .map((x) => x.item),
  );
  const countsByCategory: MixinReport['countsByCategory'] = {};
  for (const { example } of items) {
    const c = (countsByCategory[example.category] ??= { examples: 0, eligible: 0, labelled: 0 });
    c.examples++;
  }
  for (const item of eligible) (countsByCategory[item.example.category] as { eligible: number }).eligible++;
  for (const item of chosen) (countsByCategory[item.example.category] as { labelled: number }).labelled++;
  const excluded = items.filter((i) => !canBeLabelled(i.example)).map((i) => i.example.id);
  return {
    labelled: chosen,
    report: {
      fraction,
      seed,
      rounding: 'labelled = min(round(fraction × training examples), eligible), round = half up; the first in sha256(`${seed}:${id}`) order among eligible examples',
      trainExamples: items.length,
      eligible: eligible.length,
      labelled: chosen.size,
      labelledIds: items.filter((i) => chosen.has(i)).map((i) => i.example.id),
      countsByCategory,
      notLabellable: {
        reason:
          excluded.length > 0
            ? 'relevance entries have no ground truth (any call counts as correct), so no true answer can be mixed in'
            : 'none',
        count: excluded.length,
        ids: excluded,
      },
    },
  };
}
