/**
 * BFCL single-turn data as it is in the question and possible-answer files.
 * Numbers in ground truth matter to the letter (5 vs 5.0), so wherever ground truth is
 * stored or passed on, it is kept as its original JSON text (`answerJson`) and parsed with
 * a number-preserving parser by whoever needs values.
 */

export const BFCL_VERSIONS = ['v3', 'v4'] as const;
export type BfclVersion = (typeof BFCL_VERSIONS)[number];

/** Category names as used in experiment files (v4's `simple_python` is accepted as an alias of `simple`). */
export const LIVE_CATEGORIES = [
  'live_simple',
  'live_multiple',
  'live_parallel',
  'live_parallel_multiple',
  'live_irrelevance',
  'live_relevance',
] as const;
export const NON_LIVE_CATEGORIES = ['simple', 'multiple', 'parallel', 'parallel_multiple', 'irrelevance'] as const;
export const CATEGORIES = [...LIVE_CATEGORIES, ...NON_LIVE_CATEGORIES] as const;
export type Category = (typeof CATEGORIES)[number];

/** The category's name in BFCL's own files for a version (`simple` is `simple_python` from v4 on). */
export function bfclFileCategory(category: Category, version: BfclVersion): string {
  return category === 'simple' && version === 'v4' ? 'simple_python' : category;
}

export interface BfclParameterSchema {
  type: string;
  description?: string;
  properties?: Record<string, BfclParameterSchema>;
  items?: BfclParameterSchema;
  required?: string[];
  enum?: unknown[];
  default?: unknown;
  [extra: string]: unknown;
}

export interface BfclFunctionDoc {
  name: string;
  description: string;
  parameters: BfclParameterSchema & { type: string; properties: Record<string, BfclParameterSchema> };
}

export interface BfclMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** One test entry of a single-turn category, joined with its possible answer. */
export interface BfclExample {
  id: string;
  category: Category;
  /** Turns; single-turn entries have exactly one turn (which may hold a system message). */
  question: BfclMessage[][];
  /** Function docs offered (four live_irrelevance entries have none). */
  functions: BfclFunctionDoc[];
  /**
   * The possible answer's `ground_truth` as its original JSON text, e.g.
   * `[{"calc_area": {"base": [10], "height": [5.0]}}]`; null for relevance/irrelevance.
   */
  answerJson: string | null;
}
