/**
 * Scoring one BFCL single-turn entry: decode the model's result, then check it the way BFCL's
 * `eval_runner` does for the entry's category (`_evaluate_single_ast_entry`,
 * `_evaluate_single_relevance_entry`). Never throws: decode failures, wrong formats and the
 * cases where BFCL's own checker would crash are all outcomes.
 */
import { CheckerCrash, astCheck, fcCertainlyPasses } from './check.js';
import { decodeCalls, isEmptyOutput, isFunctionCallingFormat } from './decode.js';
import type { EntryInput, EntryOutcome, PyValue } from './types.js';

export const DECODER_FAILED_PREFIX = 'Invalid syntax. Failed to decode AST. ';
export const WRONG_FORMAT_ERROR =
  'Did not output in the specified format. Note: the model_result is wrapped in a string to ensure json serializability.';
export const IRRELEVANCE_ERROR = 'Valid syntax. Successfully decode AST when it should not.';
export const RELEVANCE_ERROR_PREFIX = 'Invalid syntax. Failed to decode AST when it should have. ';
/** Not a BFCL error type: BFCL's checker would have raised (and aborted its run) on this entry. */
export const CHECKER_CRASH = 'ast_checker:crash';
/** Not a BFCL error type: a category this scorer does not check (Java, JavaScript, multi-turn...). */
export const UNSUPPORTED_CATEGORY = 'fc_distill:unsupported_category';

/** BFCL's `is_relevance_or_irrelevance`. */
export function isRelevanceCategory(category: string): boolean {
  return category.includes('relevance');
}

/** How an entry of a category is scored. */
const enum Scoring {
  AST,
  RELEVANCE,
  IRRELEVANCE,
  UNSUPPORTED,
}

/** Scoring by category name: a handful of names, each tested with several substring checks, so remembered. */
const scoringByCategory = new Map<string, Scoring>();
const MAX_REMEMBERED_CATEGORIES = 256;

/** The last category asked about: entries come file by file, sharing one category string. */
let lastCategory: string | undefined;
let lastScoring = Scoring.AST;

function scoringOf(category: string): Scoring {
  // `===` on the same string object is a pointer comparison; a Map lookup would compare content.
  if (category === lastCategory) return lastScoring;
  let scoring = scoringByCategory.get(category);
  if (scoring === undefined) {
    if (isRelevanceCategory(category)) scoring = category.includes('irrelevance') ? Scoring.IRRELEVANCE : Scoring.RELEVANCE;
    else if (category.includes('java') || category.includes('multi_turn') || category.includes('memory') || category.includes('web_search')) {
      scoring = Scoring.UNSUPPORTED;
    } else scoring = Scoring.AST;
    if (scoringByCategory.size < MAX_REMEMBERED_CATEGORIES) scoringByCategory.set(category, scoring);
  }
  lastCategory = category;
  lastScoring = scoring;
  return scoring;
}

function scoreRelevance(input: EntryInput, irrelevance: boolean): EntryOutcome {
  const { id } = input;
  const decoded = decodeCalls(input.result, input.decoder);
  const containsCall = decoded.ok && !isEmptyOutput(decoded.calls);
  const success = irrelevance ? !containsCall : containsCall;
  const out: EntryOutcome = { id, valid: success };
  if (success) return out;
  if (decoded.ok) out.decoded = decoded.calls;
  if (irrelevance) {
    out.errorType = 'irrelevance_error:decoder_success';
    out.error = [IRRELEVANCE_ERROR];
  } else {
    out.errorType = 'relevance_error:decoder_failed';
    out.error = [RELEVANCE_ERROR_PREFIX + (decoded.ok ? 'None' : decoded.error)];
  }
  return out;
}

function scoreAst(input: EntryInput): EntryOutcome {
  const { id } = input;
  if (
    input.decoder === 'fc' &&
    input.groundTruth !== null &&
    input.groundTruth !== undefined &&
    fcCertainlyPasses(input.functions ?? [], input.result, input.groundTruth, input.category, input.underscoreToDot)
  ) {
    return { id, valid: true };
  }
  const decoded = decodeCalls(input.result, input.decoder);
  if (!decoded.ok) {
    return { id, valid: false, errorType: 'ast_decoder:decoder_failed', error: [DECODER_FAILED_PREFIX + decoded.error] };
  }
  const calls = decoded.calls;
  if (!isFunctionCallingFormat(calls)) {
    return { id, valid: false, errorType: 'ast_decoder:decoder_wrong_output_format', error: [WRONG_FORMAT_ERROR], decoded: calls };
  }
  if (input.groundTruth === null || input.groundTruth === undefined) {
    return crash(id, new CheckerCrash('TypeError', "'NoneType' object is not subscriptable"), calls);
  }
  try {
    const r = astCheck(input.functions ?? [], calls, input.groundTruth, input.category, input.underscoreToDot);
    // A passing entry's calls are not kept: only failures show them (score files), and an outcome
    // holding its decoded values alive for the whole run made them survive collections.
    if (r.valid) return { id, valid: true };
    return { id, valid: false, errorType: r.errorType, error: r.error, decoded: calls };
  } catch (e) {
    if (e instanceof CheckerCrash) return crash(id, e, calls);
    throw e;
  }
}

function crash(id: string, e: { name?: string; pyType?: string; message: string }, decoded?: PyValue): EntryOutcome {
  const out: EntryOutcome = { id, valid: false, errorType: CHECKER_CRASH, error: [`${e.pyType ?? e.name}: ${e.message}`] };
  if (decoded !== undefined) out.decoded = decoded;
  return out;
}

/**
 * Score one entry as BFCL does: relevance/irrelevance categories by whether a call was decoded;
 * AST categories by decoding, the format check and the AST checker (Python language rules).
 */
export function scoreEntry(input: EntryInput): EntryOutcome {
  const { id, category } = input;
  try {
    const scoring = scoringOf(category);
    if (scoring === Scoring.RELEVANCE || scoring === Scoring.IRRELEVANCE) return scoreRelevance(input, scoring === Scoring.IRRELEVANCE);
    if (scoring === Scoring.UNSUPPORTED) {
      return {
        id,
        valid: false,
        errorType: UNSUPPORTED_CATEGORY,
        error: [`fc-distill does not score the ${category} category (Python AST categories only)`],
      };
    }
    return scoreAst(input);
  } catch (e) {
    // Defensive: nothing above is expected to throw (stack overflow on absurd nesting, ...).
    const err = e instanceof Error ? e : new Error(String(e));
    return crash(id, { name: err.name, message: err.message });
  }
}
