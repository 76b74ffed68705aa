/**
 * BFCL's AST checker for Python-language entries (bfcl_eval/eval_checker/ast_eval/ast_checker.py:
 * `ast_checker`, `simple_function_checker`, `parallel_function_checker_no_order`,
 * `multiple_function_checker`, `type_checker`, `string_checker`, `list_checker`,
 * `dict_checker`, `list_dict_checker`), ported statement by statement: error types and error
 * texts are BFCL's, including its quirks (a nested type failure that falls through to a second
 * message, a dict check whose last failure wins, greedy parallel matching, ...).
 *
 * Where BFCL would crash the whole evaluation (a function doc without the named ground-truth
 * function, a parameter type it does not know, a ground truth of the wrong shape) the check
 * throws a {@link CheckerCrash}, which `scoreEntry` reports as a failed entry with error type
 * `ast_checker:crash`. Two lenient defaults where BFCL would raise KeyError: a doc without
 * `required` requires nothing, an array/tuple parameter without `items` is checked without an
 * inner type.
 */
import type { BfclFunctionDoc, BfclParameterSchema } from '../records.js';
import { dictGet, dictHas, pyEquals, pyIn, pyRepr, pyStr, pyTypeName } from './pyvalue.js';
import { PyException } from './py-exception.js';
import { MIN_VIEW_LENGTH, safeIntToBigInt, skipJsonWhitespace } from './pyjson.js';
import { PyTuple, type PyDict, type PyKey, type PyValue } from './types.js';

/** A Python exception BFCL's checker would raise (crashing its run). */
export class CheckerCrash extends PyException {
  constructor(pyType: string, message: string) {
    super(pyType, message);
    this.name = 'CheckerCrash';
  }
}

export interface CheckResult {
  valid: boolean;
  /** BFCL's error list (strings, and dicts for the parallel checker). */
  error: PyValue[];
  errorType: string;
}

interface TypeCheckResult extends CheckResult {
  isVariable: boolean;
}

const VALID: CheckResult = Object.freeze({ valid: true, error: [], errorType: '' }) as CheckResult;

/** PYTHON_TYPE_MAPPING, as Python type names. */
const PYTHON_TYPE: Record<string, string> = {
  string: 'str',
  integer: 'int',
  float: 'float',
  boolean: 'bool',
  array: 'list',
  tuple: 'list',
  dict: 'dict',
  any: 'str',
};

function hasOwn(o: object, k: string): boolean {
  return Object.hasOwn(o, k);
}

function pythonType(desc: unknown): string {
  const t = typeof desc === 'string' && hasOwn(PYTHON_TYPE, desc) ? PYTHON_TYPE[desc] : undefined;
  if (t === undefined) throw new CheckerCrash('KeyError', pyRepr(typeof desc === 'string' ? desc : String(desc)));
  return t;
}

// ---------------------------------------------------------------------------------------------
// Python container protocol on PyValues (what `for x in v`, `len(v)`, `v[i]`, `x in v` do)

function iterPy(v: PyValue): readonly PyValue[] {
  if (Array.isArray(v)) return v;
  if (typeof v === 'string') return [...v];
  if (v instanceof Map) return [...v.keys()] as PyValue[];
  if (v instanceof PyTuple && pyTypeName(v) === 'tuple') return v.items;
  throw new CheckerCrash('TypeError', `'${pyTypeName(v)}' object is not iterable`);
}

function lenPy(v: PyValue): number {
  if (Array.isArray(v)) return v.length;
  if (typeof v === 'string') return [...v].length;
  if (v instanceof Map) return v.size;
  if (v instanceof PyTuple && pyTypeName(v) === 'tuple') return v.items.length;
  throw new CheckerCrash('TypeError', `object of type '${pyTypeName(v)}' has no len()`);
}

/** `container[key]` for the shapes ground truth can have. */
function getItem(container: PyValue, key: PyValue, index?: number): PyValue {
  if (container instanceof Map) {
    const v = dictGet(container, key as PyKey);
    if (v === undefined) throw new CheckerCrash('KeyError', pyRepr(key));
    return v;
  }
  if (index !== undefined) {
    if (Array.isArray(container)) return container[index]!;
    if (typeof container === 'string') return [...container][index]!;
    if (container instanceof PyTuple) return container.items[index]!;
  }
  throw new CheckerCrash('TypeError', `'${pyTypeName(container)}' object is not subscriptable`);
}

/** Python's `x in container`. */
function containsPy(container: PyValue, x: PyValue): boolean {
  if (typeof container === 'string') {
    if (typeof x !== 'string') {
      throw new CheckerCrash('TypeError', `'in <string>' requires string as left operand, not ${pyTypeName(x)}`);
    }
    return container.includes(x);
  }
  if (container instanceof Map) return dictHas(container, x as PyKey);
  if (Array.isArray(container)) return pyIn(x, container);
  if (container instanceof PyTuple && pyTypeName(container) === 'tuple') return pyIn(x, container.items);
  throw new CheckerCrash('TypeError', `argument of type '${pyTypeName(container)}' is not iterable`);
}

function itemsPy(v: PyValue): [PyKey, PyValue][] {
  if (!(v instanceof Map)) throw new CheckerCrash('AttributeError', `'${pyTypeName(v)}' object has no attribute 'items'`);
  return [...v];
}

function firstKey(v: PyValue): PyKey {
  if (!(v instanceof Map)) throw new CheckerCrash('AttributeError', `'${pyTypeName(v)}' object has no attribute 'keys'`);
  const k = v.keys().next();
  if (k.done) throw new CheckerCrash('IndexError', 'list index out of range');
  return k.value;
}

// ---------------------------------------------------------------------------------------------

/**
 * BFCL's `standardize_string`: drop spaces and `,./-_*^`, lower-case, `'` -> `"`.
 * (Tabs and newlines are kept.)
 */
export function standardizeString(s: string): string {
  // One pass over the chars; lower-casing (Python's full Unicode mapping and JS's agree) only
  // when needed. Same order as BFCL: remove, lower, then replace quotes.
  let out = '';
  let start = 0;
  let needsLower = false;
  let hasQuote = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 32 || c === 44 || c === 46 || c === 47 || c === 45 || c === 95 || c === 42 || c === 94) {
      out += s.slice(start, i);
      start = i + 1;
    } else if ((c >= 65 && c <= 90) || c >= 128) needsLower = true;
    else if (c === 39) hasQuote = true;
  }
  out = start === 0 ? s : out + s.slice(start);
  if (needsLower) out = out.toLowerCase();
  return hasQuote ? out.replace(/'/g, '"') : out;
}

// ---------------------------------------------------------------------------------------------
// Facts derived from docs and ground truth, computed once per object. One parsed question serves
// every model's entry for it (and many generated mutations in the tests), so what depends only on
// the question is worked out the first time and kept in a WeakMap keyed by the (read-only) object.
// Only successful computations are cached: one that raises does so again, at the same point, for
// every entry, exactly as BFCL's checker would.

/** Facts about one list of acceptable values (a ground-truth parameter's `[v1, v2, ...]`). */
interface AnswerFacts {
  /** `possibleAnswerType`: the type of the first non-"" answer, null when all are "". */
  answerType: string | null;
  /** `"" in answers`: the parameter is optional. */
  optional: boolean;
  /** The standardised string answers (stringChecker). */
  strings?: string[];
  /** Each answer through `standardizeAll` (listChecker). */
  lists?: PyValue[][];
  /** `str(answers)`, for error texts (see answersText). */
  text?: string;
}

const answerFactsCache = new WeakMap<PyValue[], AnswerFacts>();

/** Facts about a list of answers; only ground truth in its usual shape (a list) has any. */
function answerFacts(answers: PyValue): AnswerFacts | undefined {
  if (!Array.isArray(answers)) return undefined;
  let facts = answerFactsCache.get(answers);
  if (facts === undefined) {
    facts = { answerType: possibleAnswerType(answers), optional: answers.includes(''), strings: undefined, lists: undefined, text: undefined };
    answerFactsCache.set(answers, facts);
  }
  return facts;
}

/**
 * `str(answers)` for an error text: worked out once per list of answers, as the same wrong
 * answer to a question recurs across a run's entries (a question's lists are never modified).
 */
function answersText(answers: PyValue, facts: AnswerFacts | undefined): string {
  return facts !== undefined ? (facts.text ??= pyStr(answers)) : pyStr(answers);
}

function possibleAnswerType(possibleAnswer: PyValue): string | null {
  for (const answer of iterPy(possibleAnswer)) {
    if (!pyEquals(answer, '')) return pyTypeName(answer);
  }
  return null;
}

/** `"" in answers` (BFCL's mark of an optional parameter or dict key). */
function isOptional(answers: PyValue): boolean {
  const facts = answerFacts(answers);
  return facts !== undefined ? facts.optional : containsPy(answers, '');
}

/** A parameter's doc entry with its Python types worked out. */
interface ParamTypes {
  typeDescription: unknown;
  /** `str(type_description)`, for messages. */
  typeDescriptionText: string;
  expectedType: string;
  nestedType: string | null;
}

/** The Python types of a parameter of the doc (`pythonType` raises on a type BFCL does not know). */
function paramTypes(properties: Record<string, BfclParameterSchema>, param: string): ParamTypes {
  const details = properties[param]!;
  const typeDescription = details.type;
  const expectedType = pythonType(typeDescription);
  let nestedType: string | null = null;
  if (typeDescription === 'array' || typeDescription === 'tuple') {
    const items = details.items;
    if (items && typeof items === 'object') nestedType = pythonType(items.type);
  }
  return { typeDescription, typeDescriptionText: String(typeDescription), expectedType, nestedType };
}

/** A function doc with what the checker reads from it. */
interface DocFacts {
  required: readonly unknown[];
  /** The name as the model must write it, without and with the underscore-to-dot convention. */
  plainName: string;
  underscoredName: string;
  properties: Record<string, BfclParameterSchema>;
  /** `properties` has this own property: Python's `param in properties` (no Set of them built per doc, most are never asked). */
  hasProperty(name: string): boolean;
  /** The wrong_func_name error texts for each name, once asked for (the parallel checker meets them on most failed pairings). */
  plainNameMissing: string | undefined;
  underscoredNameMissing: string | undefined;
}

const docFactsCache = new WeakMap<object, DocFacts>();

function docFacts(doc: BfclFunctionDoc | undefined): DocFacts {
  const cacheable = typeof doc === 'object' && doc !== null;
  let facts = cacheable ? docFactsCache.get(doc) : undefined;
  if (facts === undefined) {
    const { name, properties, required } = docParameters(doc);
    facts = {
      required,
      plainName: expectedFunctionName(name, false),
      underscoredName: expectedFunctionName(name, true),
      properties,
      hasProperty: (param) => Object.hasOwn(properties, param),
      plainNameMissing: undefined,
      underscoredNameMissing: undefined,
    };
    if (cacheable) docFactsCache.set(doc, facts);
  }
  return facts;
}

/** A parameter the model may give: a property of the doc with acceptable values in the ground truth. */
interface KnownParam {
  /** `answers[param]`. */
  values: PyValue;
  facts: AnswerFacts | undefined;
  /** Worked out when the model first gives the parameter (only then may BFCL raise on its type). */
  types: ParamTypes | null;
  /** Set with `types`: which values pass without the general checks (see passesAtOnce). */
  quick: Quick;
  /** The str answers recognisable in argument text as written (see fcCertainlyPasses), once asked for. */
  plainAnswers: string[] | undefined;
  /** `repr(param)` for error texts, once asked for (a question's wrong answers recur across a run). */
  nameText: string | undefined;
}

/**
 * Values of a parameter that certainly pass its checks, recognised without running them: where
 * the type check can only pass for a value of the expected type and nothing is nested, a str
 * found among the answers (as written or standardised), or an int, float or bool identical to one
 * of them (`===` implies Python's `==` for these). Anything else goes the general way, which
 * alone writes errors.
 */
const enum Quick {
  NONE,
  STR,
  INT,
  FLOAT,
  BOOL,
  /**
   * A list of str, int, float or bool answered with lists: only recognised in argument text
   * (see passingListEnd), passesAtOnce never takes it.
   */
  LIST,
}

/** Item types of a list parameter that argument text can show plainly (see passingListEnd). */
const PLAIN_ITEM_TYPES: ReadonlySet<string> = new Set(['str', 'int', 'float', 'bool']);

function quickKind(types: ParamTypes, facts: AnswerFacts | undefined): Quick {
  if (facts === undefined) return Quick.NONE;
  const { expectedType, nestedType } = types;
  if (nestedType !== null) {
    return expectedType === 'list' && facts.answerType === 'list' && PLAIN_ITEM_TYPES.has(nestedType) ? Quick.LIST : Quick.NONE;
  }
  // isVariable (the answers are of another type) leads to other checks.
  if (facts.answerType !== null && facts.answerType !== expectedType) return Quick.NONE;
  switch (expectedType) {
    case 'str':
      return Quick.STR;
    case 'int':
      return Quick.INT;
    case 'float':
      return Quick.FLOAT;
    case 'bool':
      return Quick.BOOL;
    default:
      return Quick.NONE;
  }
}

function passesAtOnce(known: KnownParam, value: PyValue): boolean {
  const values = known.values as PyValue[]; // facts exist (quick is not NONE), so a list
  switch (known.quick) {
    case Quick.STR:
      if (typeof value !== 'string') return false;
      if (includesString(values, value)) return true;
      return matchesStandardized(value, (known.facts!.strings ??= standardizedStrings(values)));
    case Quick.INT:
      return typeof value === 'bigint' && includesIdentical(values, value);
    case Quick.FLOAT:
      return typeof value === 'number' && includesIdentical(values, value);
    case Quick.BOOL:
      return typeof value === 'boolean' && includesIdentical(values, value);
    default:
      return false;
  }
}

function includesIdentical(list: readonly PyValue[], v: PyValue): boolean {
  for (let i = 0; i < list.length; i++) if (list[i] === v) return true;
  return false;
}

/** A ground-truth call `{name: {param: [values]}}` with the doc it is checked against. */
interface PreparedCall {
  doc: BfclFunctionDoc | undefined;
  docFacts: DocFacts;
  /** `list(possible_answer.values())[0]`, the parameters' acceptable values. */
  answers: PyValue;
  /** When `answers` is a dict (the usual shape): the parameters the model may give, by name. */
  known: Map<string, KnownParam> | undefined;
  /**
   * When every value of `answers` is a list (so `"" in values` cannot raise): the parameters that
   * are not optional, in order. Only these can fail the last check (must be given).
   */
  mandatory: PyKey[] | undefined;
  /** The presence checks as bit masks, when the call's names allow it (see {@link compileSlots}). */
  slots: CallSlots | undefined;
}

/**
 * Every name the checker looks up in the model's parameters (the doc's required names, the known
 * parameters, the mandatory ones) numbered, so that one lookup per given parameter answers all
 * of "is it known", "which required ones are there" and "which mandatory ones are there", instead
 * of one dict lookup per name and check. Only for string names (a str key is looked up in a dict
 * by plain equality) and at most 31 of them (a bit each in a small integer).
 */
interface CallSlots {
  slotOf: Map<string, number>;
  /** By slot: the known parameter, undefined for a name that is only required or mandatory. */
  known: (KnownParam | undefined)[];
  /** By slot: the name. */
  names: string[];
  /** By slot: the name's length when it can be recognised in JSON text as written (see isPlainJsonText), else -1. */
  plainNameLengths: number[];
  /** Slots of `required`, in the doc's order, and their mask. */
  required: number[];
  requiredMask: number;
  /** Slots of `mandatory`, in the ground truth's order, and their mask. */
  mandatory: number[];
  mandatoryMask: number;
}

const MAX_SLOTS = 31;

function compileSlots(required: readonly unknown[], known: Map<string, KnownParam>, mandatory: readonly PyKey[]): CallSlots | undefined {
  const slotOf = new Map<string, number>();
  const names: string[] = [];
  const slot = (name: unknown): number => {
    if (typeof name !== 'string') return -1;
    let i = slotOf.get(name);
    if (i === undefined) {
      i = names.length;
      names.push(name);
      slotOf.set(name, i);
    }
    return i;
  };
  const toSlots = (list: readonly unknown[]): number[] | undefined => {
    const out: number[] = [];
    for (const name of list) {
      const i = slot(name);
      if (i < 0) return undefined;
      out.push(i);
    }
    return out;
  };
  const requiredSlots = toSlots(required);
  for (const name of known.keys()) slot(name);
  const mandatorySlots = toSlots(mandatory);
  if (requiredSlots === undefined || mandatorySlots === undefined || names.length > MAX_SLOTS) return undefined;
  const mask = (list: number[]) => list.reduce((m, i) => m | (1 << i), 0);
  return {
    slotOf,
    known: names.map((n) => known.get(n)),
    names,
    plainNameLengths: names.map((n) => (isPlainJsonText(n) ? n.length : -1)),
    required: requiredSlots,
    requiredMask: mask(requiredSlots),
    mandatory: mandatorySlots,
    mandatoryMask: mask(mandatorySlots),
  };
}

const preparedCalls = new WeakMap<PyDict, PreparedCall>();

/** The start of simple_function_checker (which raises on an empty call or a bad doc), prepared once per call and doc. */
function prepareCall(possibleAnswer: PyDict, doc: BfclFunctionDoc | undefined): PreparedCall {
  let prepared = preparedCalls.get(possibleAnswer);
  if (prepared !== undefined && prepared.doc === doc) return prepared;
  const answers = firstValue(possibleAnswer);
  if (answers === undefined) throw new CheckerCrash('IndexError', 'list index out of range');
  const facts = docFacts(doc);
  let known: Map<string, KnownParam> | undefined;
  let mandatory: PyKey[] | undefined;
  if (answers instanceof Map) {
    known = new Map();
    mandatory = [];
    for (const [param, values] of answers) {
      const valuesFacts = answerFacts(values);
      if (typeof param === 'string' && facts.hasProperty(param)) known.set(param, { values, facts: valuesFacts, types: null, quick: Quick.NONE, plainAnswers: undefined, nameText: undefined });
      if (valuesFacts === undefined) mandatory = undefined;
      else if (mandatory !== undefined && !valuesFacts.optional) mandatory.push(param);
    }
  }
  const slots = known !== undefined && mandatory !== undefined ? compileSlots(facts.required, known, mandatory) : undefined;
  prepared = { doc, docFacts: facts, answers, known, mandatory, slots };
  preparedCalls.set(possibleAnswer, prepared);
  return prepared;
}

/** Results of a passing type check (read-only: callers only look at `valid` and `isVariable`). */
const TYPE_OK: TypeCheckResult = Object.freeze({ valid: true, error: [], isVariable: false, errorType: '' }) as TypeCheckResult;
const TYPE_OK_VARIABLE: TypeCheckResult = Object.freeze({ valid: true, error: [], isVariable: true, errorType: '' }) as TypeCheckResult;

function typeOk(isVariable: boolean): TypeCheckResult {
  return isVariable ? TYPE_OK_VARIABLE : TYPE_OK;
}

function typeChecker(
  /** `repr(param)`, for error texts. */
  paramText: string,
  value: PyValue,
  possibleAnswer: PyValue,
  expectedTypeDescription: string,
  expectedType: string,
  nestedType: string | null,
  facts: AnswerFacts | undefined = answerFacts(possibleAnswer),
): TypeCheckResult {
  const answerType = facts !== undefined ? facts.answerType : possibleAnswerType(possibleAnswer);
  const isVariable = answerType !== null && answerType !== expectedType;
  const valueType = pyTypeName(value);
  let nestedError: string | undefined;

  if (valueType === expectedType) {
    if (nestedType === null) return typeOk(isVariable);
    for (const item of iterPy(possibleAnswer)) {
      let flag = true;
      if (pyTypeName(item) === 'list') {
        for (const valueItem of iterPy(value)) {
          const r = typeChecker(paramText, valueItem, item, `<class '${nestedType}'>`, nestedType, null);
          if (!r.valid) {
            flag = false;
            break;
          }
        }
      }
      if (flag) return typeOk(isVariable);
    }
    nestedError = `Nested type checking failed for parameter ${paramText}. Expected outer type ${expectedTypeDescription} with inner type <class '${nestedType}'>. Parameter value: ${pyRepr(value)}.`;
    // BFCL falls through to the checks below.
  }

  if (answerType !== null && valueType === answerType) {
    // Valid unless the nested check above failed (BFCL returns its result as it stands).
    if (nestedError === undefined) return TYPE_OK_VARIABLE;
    return { valid: false, error: [nestedError], isVariable: true, errorType: 'type_error:nested' };
  }
  const error: PyValue[] = nestedError === undefined ? [] : [nestedError];
  error.push(
    `Incorrect type for parameter ${paramText}. Expected type ${expectedTypeDescription}, got ${valueType}. Parameter value: ${pyRepr(value)}.`,
  );
  return { valid: false, error, isVariable: false, errorType: 'type_error:simple' };
}

function standardizeAll(list: PyValue): PyValue[] {
  const out: PyValue[] = [];
  const n = lenPy(list);
  for (let i = 0; i < n; i++) {
    const x = getItem(list, BigInt(i), i);
    out.push(typeof x === 'string' ? standardizeString(x) : x);
  }
  return out;
}

const standardizedCache = new WeakMap<PyValue[], PyValue[]>();

/** `standardizeAll` of a ground-truth list, once per list (the result is never modified). */
function standardizedAnswers(list: PyValue): PyValue[] {
  if (!Array.isArray(list)) return standardizeAll(list);
  let out = standardizedCache.get(list);
  if (out === undefined) {
    out = standardizeAll(list);
    standardizedCache.set(list, out);
  }
  return out;
}

function stringChecker(paramText: string, modelOutput: string, possibleAnswer: PyValue, facts = answerFacts(possibleAnswer)): CheckResult {
  let found = false;
  if (facts !== undefined) {
    facts.strings ??= standardizedStrings(possibleAnswer);
    // The answer as written (the common case for a right answer) standardises to the same text.
    found = includesString(possibleAnswer as PyValue[], modelOutput) || matchesStandardized(modelOutput, facts.strings);
  } else {
    const std = standardizeString(modelOutput);
    for (const a of iterPy(possibleAnswer)) {
      if (typeof a === 'string' && standardizeString(a) === std) {
        found = true;
        break;
      }
    }
  }
  return found ? VALID : stringValueError(paramText, modelOutput, possibleAnswer, facts);
}

/** stringChecker's failure. */
function stringValueError(paramText: string, modelOutput: string, possibleAnswer: PyValue, facts: AnswerFacts | undefined): CheckResult {
  return {
    valid: false,
    error: [`Invalid value for parameter ${paramText}: ${pyRepr(modelOutput)}. Expected one of ${answersText(possibleAnswer, facts)}. Case insensitive.`],
    errorType: 'value_error:string',
  };
}

/** `list.includes(s)` for a str (see sameText). */
function includesString(list: readonly PyValue[], s: string): boolean {
  for (let i = 0; i < list.length; i++) {
    const x = list[i];
    if (typeof x === 'string' && sameText(x, s)) return true;
  }
  return false;
}

/**
 * `a === b` for strings read from texts. A long parsed string is a view of the text it was read
 * from (V8's SlicedString), and `===` compares equal-length views in the engine's runtime,
 * several times slower than `startsWith`; short ones are copies, which `===` compares fastest.
 */
function sameText(a: string, b: string): boolean {
  const length = a.length;
  return length === b.length && (length < MIN_VIEW_LENGTH ? a === b : a.startsWith(b));
}

function standardizedStrings(answers: PyValue): string[] {
  const out: string[] = [];
  for (const a of iterPy(answers)) if (typeof a === 'string') out.push(standardizeString(a));
  return out;
}

/** Is `standardizeString(s)` one of `candidates` (standardised already)? */
function matchesStandardized(s: string, candidates: readonly string[]): boolean {
  for (const c of candidates) {
    const same = asciiStandardizesTo(s, c);
    if (same === undefined) return candidates.includes(standardizeString(s));
    if (same) return true;
  }
  return false;
}

/**
 * `standardizeString(s) === std`, comparing as it goes instead of building the standardised
 * text; undefined when that takes a non-ASCII character of `s` (only for ASCII is each character
 * standardised on its own, so a difference found before one is final).
 */
function asciiStandardizesTo(s: string, std: string): boolean | undefined {
  let j = 0;
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c === 32 || c === 44 || c === 46 || c === 47 || c === 45 || c === 95 || c === 42 || c === 94) continue;
    if (c >= 65 && c <= 90) c += 32;
    else if (c === 39) c = 34;
    else if (c >= 128) return undefined;
    if (std.charCodeAt(j) !== c) return false; // NaN past the end of std
    j++;
  }
  return j === std.length;
}

function listChecker(paramText: string, modelOutput: PyValue[], possibleAnswer: PyValue, facts = answerFacts(possibleAnswer)): CheckResult {
  const stdModel = modelOutput.map((x) => (typeof x === 'string' ? standardizeString(x) : x));
  let candidates: PyValue[][];
  if (facts !== undefined) candidates = facts.lists ??= iterPy(possibleAnswer).map(standardizeAll);
  else candidates = iterPy(possibleAnswer).map(standardizeAll);
  if (!candidates.some((c) => pyEquals(stdModel, c))) {
    return {
      valid: false,
      error: [`Invalid value for parameter ${paramText}: ${pyRepr(modelOutput)}. Expected one of ${answersText(possibleAnswer, facts)}.`],
      errorType: 'value_error:list/tuple',
    };
  }
  return VALID;
}

function dictChecker(modelOutput: PyValue, possibleAnswers: PyValue): CheckResult {
  let result: CheckResult = { valid: false, error: [], errorType: 'dict_checker:unclear' };
  for (const candidate of iterPy(possibleAnswers)) {
    if (pyEquals(candidate, '')) continue;
    result = { valid: false, error: [], errorType: 'dict_checker:unclear' };
    let flag = true;
    for (const [key, value] of itemsPy(modelOutput)) {
      if (!containsPy(candidate, key)) {
        result.error.push(`Unexpected dict key parameter: '${pyStr(key)}'.`);
        result.errorType = 'value_error:dict_key';
        flag = false;
        break;
      }
      const stdValue = typeof value === 'string' ? standardizeString(value) : value;
      const stdAnswers = standardizedAnswers(getItem(candidate, key));
      if (!pyIn(stdValue, stdAnswers)) {
        result.error.push(`Invalid value for parameter ${pyRepr(key)}: ${pyRepr(value)}. Expected one of ${pyRepr(stdAnswers)}.`);
        result.errorType = 'value_error:dict_value';
        flag = false;
        break;
      }
    }
    for (const [key, value] of itemsPy(candidate)) {
      if (!containsPy(modelOutput, key) && !isOptional(value)) {
        result.error.push(`Missing dict key parameter: '${pyStr(key)}'.`);
        result.errorType = 'value_error:dict_key';
        flag = false;
        break;
      }
    }
    if (flag) return VALID;
  }
  return result;
}

function listDictChecker(modelOutput: PyValue[], possibleAnswers: PyValue): CheckResult {
  let result: CheckResult = { valid: false, error: [], errorType: 'list_dict_checker:unclear' };
  for (const answer of iterPy(possibleAnswers)) {
    let flag = true;
    if (modelOutput.length !== lenPy(answer)) {
      result = { valid: false, error: ['Wrong number of dictionaries in the list.'], errorType: 'value_error:list_dict_count' };
      continue;
    }
    for (let i = 0; i < modelOutput.length; i++) {
      result = dictChecker(modelOutput[i]!, [getItem(answer, BigInt(i), i)]);
      if (!result.valid) {
        flag = false;
        break;
      }
    }
    if (flag) return VALID;
  }
  return result;
}

/** `convert_func_name`: with the underscore-to-dot flag, a dotted doc name is expected with `_`. */
export function expectedFunctionName(name: string, underscoreToDot: boolean): string {
  return underscoreToDot && name.includes('.') ? name.replace(/\./g, '_') : name;
}

function docParameters(doc: BfclFunctionDoc | undefined): {
  name: string;
  properties: Record<string, BfclParameterSchema>;
  required: readonly unknown[];
} {
  if (doc === undefined || doc === null) {
    throw new CheckerCrash('TypeError', "'NoneType' object is not subscriptable");
  }
  const params = doc.parameters as BfclFunctionDoc['parameters'] | undefined;
  if (!params || typeof params !== 'object') throw new CheckerCrash('KeyError', "'parameters'");
  const properties = params.properties && typeof params.properties === 'object' ? params.properties : {};
  const required = Array.isArray(params.required) ? params.required : [];
  return { name: String(doc.name), properties, required };
}

/** The first value of a dict (`list(d.values())[0]`); undefined when it is empty. */
function firstValue(d: PyDict): PyValue | undefined {
  for (const v of d.values()) return v;
  return undefined;
}

/** BFCL's `simple_function_checker` for one model call `{name: {params}}` against one ground-truth call. */
export function simpleFunctionChecker(
  doc: BfclFunctionDoc | undefined,
  modelOutput: PyDict,
  possibleAnswer: PyValue,
  underscoreToDot: boolean,
  prepared?: PreparedCall,
): CheckResult {
  if (!(possibleAnswer instanceof Map)) {
    throw new CheckerCrash('AttributeError', `'${pyTypeName(possibleAnswer)}' object has no attribute 'values'`);
  }
  const call = prepared ?? prepareCall(possibleAnswer, doc);
  const { answers, docFacts: facts } = call;
  const funcName = underscoreToDot ? facts.underscoredName : facts.plainName;

  const modelParams = lookupName(modelOutput, funcName);
  if (modelParams === undefined) {
    const text = underscoreToDot ? (facts.underscoredNameMissing ??= nameMissingText(funcName)) : (facts.plainNameMissing ??= nameMissingText(funcName));
    return { valid: false, error: [text], errorType: 'simple_function_checker:wrong_func_name' };
  }
  if (!(modelParams instanceof Map)) {
    throw new CheckerCrash('AttributeError', `'${pyTypeName(modelParams)}' object has no attribute 'items'`);
  }

  if (call.slots !== undefined && modelParams.size <= MAX_GIVEN) return checkParamsBySlot(call, call.slots, modelParams);

  for (const param of facts.required) {
    if (!dictHas(modelParams, param as PyKey)) return missingRequired(param as PyValue);
  }

  for (const [param, rawValue] of modelParams) {
    // `if param not in properties or param not in answers` (then `answers[param]` is read).
    let known: KnownParam | undefined;
    let isKnown: boolean;
    if (call.known !== undefined) {
      known = typeof param === 'string' ? call.known.get(param) : undefined;
      isKnown = known !== undefined;
    } else {
      isKnown = typeof param === 'string' && facts.hasProperty(param) && containsPy(answers, param);
    }
    if (!isKnown) return unexpectedParam(param);
    const r = checkParam(call, param as string, rawValue, known);
    if (r !== undefined) return r;
  }

  if (call.mandatory !== undefined) {
    for (const param of call.mandatory) if (!dictHas(modelParams, param)) return missingOptional(param);
  } else if (answers instanceof Map) {
    for (const [param, values] of answers) {
      if (!dictHas(modelParams, param) && !isOptional(values)) return missingOptional(param);
    }
  } else {
    for (const param of iterPy(answers)) {
      if (!dictHas(modelParams, param as PyKey) && !containsPy(getItem(answers, param), '')) return missingOptional(param);
    }
  }
  return VALID;
}

function nameMissingText(funcName: string): string {
  return `Function name ${pyRepr(funcName)} not found in model output.`;
}

/** `dictGet(call, name)` for a str name; a decoded call has one key, compared with `===` (see checkParamsBySlot). */
function lookupName(call: PyDict, name: string): PyValue | undefined {
  if (call.size !== 1) return call.get(name);
  // Iterators, not `for (const [key, value] of call)`, whose entry arrays are allocated.
  const key = call.keys().next().value;
  return typeof key === 'string' && sameText(key, name) ? call.values().next().value : undefined;
}

/** Up to this many names, a given parameter is found by scanning them (see checkParamsBySlot). */
const MAX_SCANNED_NAMES = 12;
/** Given parameters beyond this go the general way (the slot path keeps their slots in a fixed buffer). */
const MAX_GIVEN = 64;
const givenSlots = new Int32Array(MAX_GIVEN);

/**
 * The rest of simple_function_checker with the call's names numbered (see {@link CallSlots}):
 * one pass over the given parameters finds each one's slot, then the checks run in BFCL's
 * order (required, each parameter in the model's order, mandatory) on those slots.
 */
function checkParamsBySlot(call: PreparedCall, slots: CallSlots, modelParams: PyDict): CheckResult {
  const { names } = slots;
  const count = names.length;
  let seen = 0;
  let n = 0;
  for (const param of modelParams.keys()) {
    let i = -1;
    if (typeof param === 'string') {
      // A scan rather than a Map lookup: the parsed key is a new string, which a Map first
      // hashes and then compares by its content anyway (several times slower for a few names).
      if (count <= MAX_SCANNED_NAMES) {
        for (let j = 0; j < count; j++) {
          if (sameText(names[j]!, param)) {
            i = j;
            break;
          }
        }
      } else i = slots.slotOf.get(param) ?? -1;
    }
    givenSlots[n++] = i;
    if (i >= 0) seen |= 1 << i;
  }
  if ((seen & slots.requiredMask) !== slots.requiredMask) {
    for (const i of slots.required) if ((seen & (1 << i)) === 0) return missingRequired(slots.names[i]!);
  }
  n = 0;
  // Keys and values side by side: `for (const [param, rawValue] of modelParams)` allocates an entry array each.
  const values = modelParams.values();
  for (const param of modelParams.keys()) {
    const rawValue = values.next().value as PyValue;
    const i = givenSlots[n++]!;
    const known = i < 0 ? undefined : slots.known[i];
    if (known === undefined) return unexpectedParam(param);
    if (known.quick !== Quick.NONE) {
      if (passesAtOnce(known, rawValue)) continue;
      // For a Quick.STR parameter the type check passes a str and stringChecker decides, by the
      // same comparisons passesAtOnce has just made: what is left of checkParam is the error.
      if (known.quick === Quick.STR && typeof rawValue === 'string') {
        return stringValueError((known.nameText ??= pyRepr(param)), rawValue, known.values, known.facts);
      }
    }
    const r = checkParam(call, param as string, rawValue, known);
    if (r !== undefined) return r;
  }
  if ((seen & slots.mandatoryMask) !== slots.mandatoryMask) {
    for (const i of slots.mandatory) if ((seen & (1 << i)) === 0) return missingOptional(slots.names[i]!);
  }
  return VALID;
}

/** The checks of one given, known parameter; undefined when it passes. */
function checkParam(call: PreparedCall, param: string, rawValue: PyValue, known: KnownParam | undefined): CheckResult | undefined {
  const facts = call.docFacts;
  let types: ParamTypes;
  if (known !== undefined) {
    if (known.types === null) {
      known.types = paramTypes(facts.properties, param);
      known.quick = quickKind(known.types, known.facts);
    }
    types = known.types;
  } else types = paramTypes(facts.properties, param);
  const { typeDescription, typeDescriptionText, expectedType, nestedType } = types;
  let value = rawValue;
  if (typeDescription === 'tuple' && pyTypeName(value) === 'tuple') value = [...(value as PyTuple).items];
  if (typeDescription === 'float' && typeof value === 'bigint') {
    const f = Number(value);
    if (!Number.isFinite(f)) throw new CheckerCrash('OverflowError', 'int too large to convert to float');
    value = f;
  }
  const values = known !== undefined ? known.values : getItem(call.answers, param);
  const valuesFacts = known !== undefined ? known.facts : answerFacts(values);
  const paramText = known !== undefined ? (known.nameText ??= pyRepr(param)) : pyRepr(param);
  const typeCheck = typeChecker(paramText, value, values, typeDescriptionText, expectedType, nestedType, valuesFacts);
  if (!typeCheck.valid) return { valid: false, error: typeCheck.error, errorType: typeCheck.errorType };

  if (!typeCheck.isVariable) {
    let r: CheckResult | undefined;
    if (expectedType === 'dict') r = dictChecker(value, values);
    else if (expectedType === 'list' && nestedType === 'dict') r = listDictChecker(value as PyValue[], values);
    else if (expectedType === 'str') r = stringChecker(paramText, value as string, values, valuesFacts);
    else if (expectedType === 'list') r = listChecker(paramText, value as PyValue[], values, valuesFacts);
    if (r !== undefined) return r.valid ? undefined : r;
  }

  if (!containsPy(values, value)) {
    return {
      valid: false,
      error: [`Invalid value for parameter ${paramText}: ${pyRepr(value)}. Expected one of ${answersText(values, valuesFacts)}.`],
      errorType: 'value_error:others',
    };
  }
  return undefined;
}

function missingRequired(param: PyValue): CheckResult {
  return {
    valid: false,
    error: [`Missing required parameter: ${pyRepr(param)}.`],
    errorType: 'simple_function_checker:missing_required',
  };
}

function unexpectedParam(param: PyValue): CheckResult {
  return {
    valid: false,
    error: [`Unexpected parameter: ${pyRepr(param)}.`],
    errorType: 'simple_function_checker:unexpected_param',
  };
}

function missingOptional(param: PyValue): CheckResult {
  return {
    valid: false,
    error: [`Optional parameter ${pyRepr(param)} not provided and not marked as optional.`],
    errorType: 'simple_function_checker:missing_optional',
  };
}

/**
 * The first doc with this name. A plain scan: the compiled question keeps what it finds, so
 * each docs list is searched about once per ground-truth call, and an index of it would cost
 * more to build than the scans it saves.
 */
function findDescription(docs: readonly BfclFunctionDoc[], name: PyKey): BfclFunctionDoc | undefined {
  if (typeof name === 'string') {
    // `pyEquals(d.name, name)` for a str name is plain equality of the strings.
    for (const d of docs) if (d.name === name) return d;
    return undefined;
  }
  for (const d of docs) if (pyEquals(d.name, name as PyValue)) return d;
  return undefined;
}

function parallelFunctionCheckerNoOrder(
  docs: readonly BfclFunctionDoc[],
  modelOutput: readonly PyDict[],
  possibleAnswers: readonly PyValue[],
  underscoreToDot: boolean,
  question?: CompiledQuestion,
): CheckResult {
  if (modelOutput.length !== possibleAnswers.length) {
    return { valid: false, error: ['Wrong number of functions.'], errorType: 'parallel_function_checker_no_order:wrong_count' };
  }
  const matched: number[] = [];
  let result: CheckResult | undefined;
  for (let i = 0; i < possibleAnswers.length; i++) {
    const prepared = question?.calls[i];
    const doc = prepared !== undefined ? prepared.doc : findDescription(docs, firstKey(possibleAnswers[i]!));
    // The failed pairings' results; their error entries are only built when none matches (a
    // passing entry usually fails a few pairings first).
    const failures: CheckResult[] = [];
    for (let index = 0; index < modelOutput.length; index++) {
      if (matched.includes(index)) continue;
      result = simpleFunctionChecker(doc, modelOutput[index]!, possibleAnswers[i]!, underscoreToDot, prepared);
      if (result.valid) {
        matched.push(index);
        break;
      }
      failures.push(result);
    }
    if (result === undefined) throw new CheckerCrash('UnboundLocalError', "local variable 'result' referenced before assignment");
    if (!result.valid) {
      // No match: every index not matched before was tried, in order.
      const considered: number[] = [];
      for (let k = 0; k < modelOutput.length; k++) if (!matched.includes(k)) considered.push(k);
      const allErrors: PyValue[] = [
        `Could not find a matching function among index [${considered.join(', ')}] of model output for index ${i} of possible answers.`,
      ];
      for (let k = 0; k < considered.length; k++) {
        const index = considered[k]!;
        allErrors.push(pairingError(index, failures[k]!, modelOutput[index]!, possibleAnswers[i]!));
      }
      return { valid: false, error: allErrors, errorType: 'parallel_function_checker_no_order:cannot_find_match' };
    }
  }
  return VALID;
}

/** The parallel checker's entry for one failed pairing: `{"Model Result Index k": {sub_error, ...}}`. */
function pairingError(index: number, result: CheckResult, modelOutputItem: PyDict, possibleAnswerItem: PyValue): PyDict {
  const details: PyDict = new Map();
  details.set('sub_error', result.error);
  details.set('sub_error_type', result.errorType);
  details.set('model_output_item', modelOutputItem);
  details.set('possible_answer_item', possibleAnswerItem);
  const entry: PyDict = new Map();
  entry.set(`Model Result Index ${index}`, details);
  return entry;
}

function multipleFunctionChecker(
  docs: readonly BfclFunctionDoc[],
  modelOutput: readonly PyDict[],
  possibleAnswers: readonly PyValue[],
  underscoreToDot: boolean,
  question?: CompiledQuestion,
): CheckResult {
  if (modelOutput.length !== possibleAnswers.length) {
    return { valid: false, error: ['Wrong number of functions.'], errorType: 'multiple_function_checker:wrong_count' };
  }
  if (possibleAnswers.length === 0) throw new CheckerCrash('IndexError', 'list index out of range');
  const prepared = question?.calls[0];
  const doc = prepared !== undefined ? prepared.doc : findDescription(docs, firstKey(possibleAnswers[0]!));
  return simpleFunctionChecker(doc, modelOutput[0]!, possibleAnswers[0]!, underscoreToDot, prepared);
}

const enum Checker {
  SIMPLE,
  MULTIPLE,
  PARALLEL,
}

/** The checker by category name (a handful of names, each tested on every entry, so remembered). */
const checkerByCategory = new Map<string, Checker>();
const MAX_REMEMBERED_CATEGORIES = 256;

function checkerOf(category: string): Checker {
  let checker = checkerByCategory.get(category);
  if (checker === undefined) {
    checker = category.includes('parallel') ? Checker.PARALLEL : category.includes('multiple') ? Checker.MULTIPLE : Checker.SIMPLE;
    if (checkerByCategory.size < MAX_REMEMBERED_CATEGORIES) checkerByCategory.set(category, checker);
  }
  return checker;
}

/**
 * BFCL's `ast_checker` for Python entries: dispatch on the category name (`parallel` ->
 * unordered parallel matching, `multiple` -> one call against the doc the ground truth names,
 * else simple: one call against the first doc).
 * @param calls decoded calls already in function-calling format
 * @param groundTruth the possible answer's `ground_truth` (a list of `{name: {param: [values]}}`)
 * @throws CheckerCrash where BFCL's checker would raise
 */
export function astCheck(
  docs: readonly BfclFunctionDoc[],
  calls: readonly PyDict[],
  groundTruth: PyValue,
  category: string,
  underscoreToDot: boolean,
): CheckResult {
  const question = compiledQuestion(docs, groundTruth, category, underscoreToDot);
  const answers = question !== undefined ? question.answers : iterPy(groundTruth);
  const checker = question !== undefined ? question.checker : checkerOf(category);
  if (checker === Checker.PARALLEL) return parallelFunctionCheckerNoOrder(docs, calls, answers, underscoreToDot, question);
  if (checker === Checker.MULTIPLE) return multipleFunctionChecker(docs, calls, answers, underscoreToDot, question);
  if (calls.length !== 1) {
    return { valid: false, error: ['Wrong number of functions.'], errorType: 'simple_function_checker:wrong_count' };
  }
  if (docs.length === 0 || answers.length === 0) throw new CheckerCrash('IndexError', 'list index out of range');
  return simpleFunctionChecker(docs[0], calls[0]!, answers[0]!, underscoreToDot, question?.calls[0]);
}

// ---------------------------------------------------------------------------------------------
// Per question: everything astCheck works out from the docs, the ground truth, the category and
// the name convention, kept on the ground truth object itself. A scoring run checks thousands of
// entries against thousands of questions; looking each fact up in its own WeakMap and Map took
// a cache miss per lookup, one property read on an object the checker reads anyway does not.

const COMPILED = Symbol('fc-distill: astCheck facts of this ground truth');

interface CompiledQuestion {
  docs: readonly BfclFunctionDoc[];
  category: string;
  underscoreToDot: boolean;
  checker: Checker;
  /** `iterPy(groundTruth)`. */
  answers: readonly PyValue[];
  /**
   * By ground-truth call: the call prepared against the doc its checker picks (the first doc for
   * simple, the one the call names otherwise); undefined where working that out raises (the
   * checker then goes the general way and raises at the same point BFCL does).
   */
  calls: (PreparedCall | undefined)[];
}

function compiledQuestion(
  docs: readonly BfclFunctionDoc[],
  groundTruth: PyValue,
  category: string,
  underscoreToDot: boolean,
): CompiledQuestion | undefined {
  if (!Array.isArray(groundTruth) || !Array.isArray(docs)) return undefined;
  const held = (groundTruth as { [COMPILED]?: CompiledQuestion })[COMPILED];
  if (held !== undefined && held.docs === docs && held.category === category && held.underscoreToDot === underscoreToDot) return held;
  const checker = checkerOf(category);
  const calls: (PreparedCall | undefined)[] = [];
  for (let i = 0; i < groundTruth.length; i++) {
    const answer = groundTruth[i]!;
    try {
      if (!(answer instanceof Map) || (checker === Checker.SIMPLE && (i > 0 || docs.length === 0))) calls.push(undefined);
      else calls.push(prepareCall(answer, checker === Checker.SIMPLE ? docs[0] : findDescription(docs, firstKey(answer))));
    } catch (e) {
      if (!(e instanceof CheckerCrash)) throw e;
      calls.push(undefined);
    }
  }
  const question: CompiledQuestion = { docs, category, underscoreToDot, checker, answers: groundTruth, calls };
  if (Object.isExtensible(groundTruth)) {
    Object.defineProperty(groundTruth, COMPILED, { value: question, writable: true, configurable: true, enumerable: false });
  }
  return question;
}

// ---------------------------------------------------------------------------------------------
// Function-calling output checked straight from its argument text. Most entries of a run are
// one call `[{name: "<JSON object>"}]` whose arguments all pass at once (see passesAtOnce):
// for those, building the decoded dicts and running the checker only to learn `valid` costs
// more than reading the text against the prepared call. This reads a strict subset of JSON
// (an object of plain strings, short ints, plain decimals, true/false, and lists of those; no
// escapes, repeated keys or deeper nesting) and says true only when the full way (decodeFc, the format check, astCheck) would
// certainly find the entry valid without raising; anything else is false, and the caller goes
// the full way, which alone writes errors.

/**
 * True when BFCL would score this function-calling `result` valid against a simple or multiple
 * question; false means "not known": decode and check the usual way.
 */
export function fcCertainlyPasses(
  docs: readonly BfclFunctionDoc[],
  result: PyValue,
  groundTruth: PyValue,
  category: string,
  underscoreToDot: boolean,
): boolean {
  if (!Array.isArray(result) || result.length !== 1) return false;
  const item = result[0];
  if (!(item instanceof Map) || item.size === 0) return false;
  const args = item.values().next().value as PyValue;
  if (typeof args !== 'string') return false;
  try {
    const question = compiledQuestion(docs, groundTruth, category, underscoreToDot);
    if (question === undefined || question.checker === Checker.PARALLEL) return false;
    // multiple: as many answers as calls; simple: answers[0] against docs[0] (compiledQuestion prepared it only when docs exist).
    if (question.checker === Checker.MULTIPLE && question.answers.length !== 1) return false;
    const prepared = question.calls[0];
    if (prepared === undefined || prepared.slots === undefined) return false;
    const facts = prepared.docFacts;
    const name = item.keys().next().value;
    if (typeof name !== 'string' || !sameText(name, underscoreToDot ? facts.underscoredName : facts.plainName)) return false;
    return argumentsPass(args, prepared, prepared.slots);
  } catch {
    // Whatever raised is raised again, at BFCL's point, on the full way.
    return false;
  }
}

/** Index of the closing quote of a string body starting at `i`; -1 at an escape, a control character or the end. */
function plainStringEnd(s: string, i: number): number {
  const n = s.length;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === 34) return i;
    if (c === 92 || c <= 0x1f) return -1;
  }
  return -1;
}

/**
 * Can `name` be recognised in JSON text by its characters alone? A JSON string whose text is
 * exactly these characters between quotes decodes to them only when none is a quote, a backslash
 * or a control character.
 */
function isPlainJsonText(name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c === 34 || c === 92 || c <= 0x1f) return false;
  }
  return true;
}

/** Is the JSON string whose body starts at `i` exactly `text` (a plain text, see isPlainJsonText)? */
function stringIsAt(s: string, i: number, text: string): boolean {
  // The closing quote first: it rules out almost every other candidate without a call.
  const close = i + text.length;
  return close < s.length && s.charCodeAt(close) === 34 && s.startsWith(text, i);
}

/**
 * The slot of the key whose body starts at `i`, or -1 (not a parameter name, or not written
 * plainly: the full way decides). Names are tried against the text in place: reading the key
 * up to its closing quote and slicing it would cost more than the few comparisons.
 */
function keySlotAt(s: string, i: number, slots: CallSlots): number {
  const lengths = slots.plainNameLengths;
  const n = s.length;
  for (let j = 0; j < lengths.length; j++) {
    // Lengths from one small array: reading each name's own length would touch every name.
    const length = lengths[j]!;
    const close = i + length;
    if (length >= 0 && close < n && s.charCodeAt(close) === 34 && s.startsWith(slots.names[j]!, i)) return j;
  }
  return -1;
}

/** Set by `numberAt`: the index just after the number read. */
let numberEnd = 0;

/**
 * The number at `i` as Python's json reads it, for `-?(0|[1-9][0-9]*)(.[0-9]+)?` with at most 15
 * digits before any point (exact in a double); undefined for anything else.
 */
function numberAt(s: string, i: number): bigint | number | undefined {
  const start = i;
  if (s.charCodeAt(i) === 45) i++;
  const first = i;
  let c = s.charCodeAt(i);
  if (c === 48) i++;
  else if (c >= 49 && c <= 57) {
    i++;
    while ((c = s.charCodeAt(i)) >= 48 && c <= 57) i++;
  } else return undefined;
  if (i - first > 15) return undefined;
  if (s.charCodeAt(i) !== 46) {
    numberEnd = i;
    let v = 0;
    for (let k = first; k < i; k++) v = v * 10 + (s.charCodeAt(k) - 48);
    return safeIntToBigInt(s.charCodeAt(start) === 45 ? -v : v);
  }
  i++;
  const fraction = i;
  while ((c = s.charCodeAt(i)) >= 48 && c <= 57) i++;
  if (i === fraction) return undefined;
  numberEnd = i;
  return Number(s.slice(start, i));
}

function argumentsPass(s: string, call: PreparedCall, slots: CallSlots): boolean {
  let i = skipJsonWhitespace(s, 0);
  if (s.charCodeAt(i) !== 123) return false;
  i = skipJsonWhitespace(s, i + 1);
  let seen = 0;
  if (s.charCodeAt(i) !== 125) {
    for (;;) {
      if (s.charCodeAt(i) !== 34) return false;
      const slot = keySlotAt(s, i + 1, slots);
      // An unknown parameter or a repeated key: the full way says what happens.
      if (slot < 0 || (seen & (1 << slot)) !== 0) return false;
      seen |= 1 << slot;
      const known = slots.known[slot];
      if (known === undefined) return false;
      if (known.types === null) {
        // What checkParam works out when the model first gives this parameter (raises the same way).
        known.types = paramTypes(call.docFacts.properties, slots.names[slot]!);
        known.quick = quickKind(known.types, known.facts);
      }
      if (known.quick === Quick.NONE) return false;
      i = skipJsonWhitespace(s, i + 2 + slots.names[slot]!.length);
      if (s.charCodeAt(i) !== 58) return false;
      i = passingValueEnd(s, skipJsonWhitespace(s, i + 1), known);
      if (i < 0) return false;
      i = skipJsonWhitespace(s, i);
      const d = s.charCodeAt(i);
      if (d === 125) break;
      if (d !== 44) return false;
      i = skipJsonWhitespace(s, i + 1);
    }
  }
  if (skipJsonWhitespace(s, i + 1) !== s.length) return false;
  return (seen & slots.requiredMask) === slots.requiredMask && (seen & slots.mandatoryMask) === slots.mandatoryMask;
}

/** The index just after the JSON value at `i` when it certainly passes the parameter's checks (see passesAtOnce), else -1. */
function passingValueEnd(s: string, i: number, known: KnownParam): number {
  const c = s.charCodeAt(i);
  if (c === 34) {
    if (known.quick !== Quick.STR) return -1;
    // Usually one of the answers as written, recognised in place.
    const answers = (known.plainAnswers ??= plainStrings(known.values as PyValue[]));
    for (let k = 0; k < answers.length; k++) if (stringIsAt(s, i + 1, answers[k]!)) return i + 2 + answers[k]!.length;
  } else if (c === 91) {
    return known.quick === Quick.LIST ? passingListEnd(s, i, known) : -1;
  }
  let value = plainScalarAt(s, i);
  if (value === undefined) return -1;
  // An int for a float parameter is checked as a float (exact: plainScalarAt reads at most 15 digits).
  if (known.quick === Quick.FLOAT && typeof value === 'bigint') value = Number(value);
  return passesAtOnce(known, value) ? scalarEnd : -1;
}

/** Set by `plainScalarAt`: the index just after the value read. */
let scalarEnd = 0;

/** The str (without escapes), number (see numberAt), true or false at `i`; undefined for anything else. */
function plainScalarAt(s: string, i: number): PyValue | undefined {
  const c = s.charCodeAt(i);
  if (c === 34) {
    const close = plainStringEnd(s, i + 1);
    if (close < 0) return undefined;
    scalarEnd = close + 1;
    return s.slice(i + 1, close);
  }
  if (c === 116 && s.startsWith('true', i)) {
    scalarEnd = i + 4;
    return true;
  }
  if (c === 102 && s.startsWith('false', i)) {
    scalarEnd = i + 5;
    return false;
  }
  const value = numberAt(s, i);
  scalarEnd = numberEnd;
  return value;
}

/**
 * The index just after the JSON list at `i` (a `[`) when it certainly passes a Quick.LIST
 * parameter's checks, else -1. With every item of the nested type, BFCL's nested type check
 * passes on the first answer and listChecker decides: the standardised items must equal a
 * standardised answer (the same comparison, on the same cached candidates).
 */
function passingListEnd(s: string, i: number, known: KnownParam): number {
  const nestedType = known.types!.nestedType;
  const items: PyValue[] = [];
  i = skipJsonWhitespace(s, i + 1);
  if (s.charCodeAt(i) !== 93) {
    for (;;) {
      const item = plainScalarAt(s, i);
      if (item === undefined || pyTypeName(item) !== nestedType) return -1;
      items.push(typeof item === 'string' ? standardizeString(item) : item);
      i = skipJsonWhitespace(s, scalarEnd);
      const d = s.charCodeAt(i);
      if (d === 93) break;
      if (d !== 44) return -1;
      i = skipJsonWhitespace(s, i + 1);
    }
  }
  const candidates = (known.facts!.lists ??= iterPy(known.values).map(standardizeAll));
  for (const candidate of candidates) if (pyEquals(items, candidate)) return i + 1;
  return -1;
}

/** The str answers that can be recognised in JSON text as written (see isPlainJsonText). */
function plainStrings(answers: readonly PyValue[]): string[] {
  const out: string[] = [];
  for (const a of answers) if (typeof a === 'string' && isPlainJsonText(a)) out.push(a);
  return out;
}
