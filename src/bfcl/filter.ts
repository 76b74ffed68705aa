import { InputError } from '../errors.js';
import { toCategory } from './datasets.js';
import type { BfclExample, Category } from './records.js';

/**
 * Selecting a subset of a dataset: by category, by id (keep or exclude), and by a regular
 * expression over the question text, the function names and/or the function descriptions.
 * All given criteria must hold (AND). Ids that are not in the dataset and categories it
 * does not have are errors (a typo would otherwise silently select nothing).
 */

export const MATCH_FIELDS = ['question', 'function-names', 'function-descriptions'] as const;
export type MatchField = (typeof MATCH_FIELDS)[number];

export interface FilterSpec {
  categories?: string[];
  ids?: string[];
  excludeIds?: string[];
  match?: {
    /** A JavaScript regular expression, e.g. `\b(movies?|music|songs?)\b`. */
    pattern: string;
    /** Regex flags among i, m, s, u (default none; `g` and `y` are refused: they make test() stateful). */
    flags?: string;
    /** Where to look (default: all three). An example matches if any of the texts matches. */
    in?: MatchField[];
  };
}

export interface FilterResult<T> {
  kept: T[];
  /** Removed examples per category (categories of the input, in input order). */
  removedByCategory: Record<string, number>;
}

export function compileMatch(match: NonNullable<FilterSpec['match']>): { regex: RegExp; fields: MatchField[] } {
  if (typeof match.pattern !== 'string' || match.pattern === '') {
    throw new InputError('filter.match.pattern must be a non-empty regular expression.');
  }
  const flags = match.flags ?? '';
  const bad = [...flags].filter((f) => !'imsu'.includes(f));
  if (bad.length > 0) {
    throw new InputError(`filter.match.flags '${flags}' has ${bad.map((f) => `'${f}'`).join(', ')}: use only i (ignore case), m, s, u.`);
  }
  let regex: RegExp;
  try {
    regex = new RegExp(match.pattern, flags);
  } catch (error) {
    throw new InputError(`filter.match.pattern is not a valid regular expression: ${(error as Error).message}.`);
  }
  const fields = match.in ?? [...MATCH_FIELDS];
  if (!Array.isArray(fields) || fields.length === 0) {
    throw new InputError(`filter.match.in must list at least one of ${MATCH_FIELDS.join(', ')}.`);
  }
  for (const f of fields) {
    if (!MATCH_FIELDS.includes(f)) throw new InputError(`filter.match.in has '${String(f)}': use ${MATCH_FIELDS.join(', ')}.`);
  }
  return { regex, fields };
}

/** The texts of an example the match looks at. */
export function matchTexts(example: BfclExample, fields: readonly MatchField[]): string[] {
  const texts: string[] = [];
  if (fields.includes('question')) {
    for (const turn of example.question) for (const m of turn) texts.push(m.content);
  }
  if (fields.includes('function-names')) for (const f of example.functions) texts.push(f.name);
  if (fields.includes('function-descriptions')) {
    for (const f of example.functions) if (typeof f.description === 'string') texts.push(f.description);
  }
  return texts;
}

export function filterExamples<T extends { example: BfclExample }>(items: readonly T[], spec: FilterSpec): FilterResult<T> {
  const present = new Set(items.map((i) => i.example.category));
  let categories: Set<Category> | undefined;
  if (spec.categories !== undefined) {
    if (!Array.isArray(spec.categories) || spec.categories.length === 0) {
      throw new InputError('filter.categories is empty: list the categories to keep, or leave it out.');
    }
    categories = new Set(spec.categories.map((c) => toCategory(c, 'filter.categories')));
    const missing = [...categories].filter((c) => !present.has(c));
    if (missing.length > 0) {
      throw new InputError(
        `filter.categories has ${missing.join(', ')}, which the dataset does not have (it has ${[...present].join(', ')}): add ${missing.length > 1 ? 'them' : 'it'} to dataset.categories or remove ${missing.length > 1 ? 'them' : 'it'} from the filter.`,
      );
    }
  }
  const ids = new Set(items.map((i) => i.example.id));
  const checkIds = (list: string[] | undefined, where: string): Set<string> | undefined => {
    if (list === undefined) return undefined;
    const unknown = list.filter((id) => !ids.has(id));
    if (unknown.length > 0) {
      throw new InputError(
        `${where} has ${unknown.length} id(s) not in the dataset: ${unknown.slice(0, 10).join(', ')}${unknown.length > 10 ? ', ...' : ''}. ` +
          `Check the spelling and dataset.categories (ids look like live_simple_0-0-0 or simple_12).`,
      );
    }
    return new Set(list);
  };
  const keepIds = checkIds(spec.ids, 'filter.ids');
  const dropIds = checkIds(spec.excludeIds, 'filter.excludeIds');
  const match = spec.match ? compileMatch(spec.match) : undefined;

  const kept: T[] = [];
  const removedByCategory: Record<string, number> = {};
  for (const c of present) removedByCategory[c] = 0;
  for (const item of items) {
    const e = item.example;
    const keep =
      (!categories || categories.has(e.category)) &&
      (!keepIds || keepIds.has(e.id)) &&
      (!dropIds || !dropIds.has(e.id)) &&
      (!match || matchTexts(e, match.fields).some((t) => match.regex.test(t)));
    if (keep) kept.push(item);
    else removedByCategory[e.category] = (removedByCategory[e.category] ?? 0) + 1;
  }
  return { kept, removedByCategory };
}
