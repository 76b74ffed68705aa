/**
 * Turning a result entry's `result` into calls `[{name: {param: value}}]` (as `PyValue`s:
 * a list of single-key Maps), the way BFCL's model handlers do in `decode_ast`.
 *
 * A decoder never throws: a failure is `{ ok: false, error }` with the text of the exception
 * Python would raise (BFCL writes it after "Invalid syntax. Failed to decode AST. ").
 * The decoded value is NOT validated here: BFCL checks the format afterwards
 * (`isFunctionCallingFormat`), so e.g. `[{"f": "[1]"}]` decodes to `[{f: [1]}]` and then fails
 * the format check, as it does in BFCL.
 */
import { parsePyJson, parsePyJsonPrefix } from './pyjson.js';
import { decodePython, type DecodeOutcome } from './decode-python.js';
import { pyTypeName } from './pyvalue.js';
import { PyTuple, type DecoderKind, type PyDict, type PyKey, type PyValue } from './types.js';

export type { DecodeOutcome };
export { decodePython };

function fail(error: string): DecodeOutcome {
  return { ok: false, error };
}

/**
 * Function-calling output, as BFCL's OpenAI-style handlers decode it:
 *
 * ```python
 * for invoked_function in result:
 *     name = list(invoked_function.keys())[0]
 *     params = json.loads(invoked_function[name])
 *     decoded_output.append({name: params})
 * ```
 *
 * so `[]` and `""` give `[]`; any other string (e.g. "Error during inference: ..."), null, a
 * number, a non-dict item, an empty dict, invalid JSON are errors with Python's message; only the
 * first key of each item counts. One extension: an argument value that is already a dict is taken
 * as is (what the Nova/Gemini/Claude-style handlers return); the OpenAI handler would reject it
 * ("the JSON object must be str, bytes or bytearray, not dict").
 */
export function decodeFc(result: PyValue): DecodeOutcome {
  let items: readonly PyValue[];
  if (Array.isArray(result)) items = result;
  else if (typeof result === 'string') {
    // Iterating a str yields its characters; `'x'.keys()` fails.
    return result === '' ? { ok: true, calls: [] } : fail("'str' object has no attribute 'keys'");
  } else if (result instanceof Map) {
    // Iterating a dict yields its keys.
    if (result.size === 0) return { ok: true, calls: [] };
    const firstKey = result.keys().next().value as PyValue;
    return fail(`'${pyTypeName(firstKey)}' object has no attribute 'keys'`);
  } else if (result instanceof PyTuple && pyTypeName(result) === 'tuple') items = result.items;
  else return fail(`'${pyTypeName(result)}' object is not iterable`);

  // Sized up front: a pushed-to list keeps room for 16 (see exactSize).
  const calls: PyValue[] = new Array<PyValue>(items.length);
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    if (!(item instanceof Map)) return fail(`'${pyTypeName(item)}' object has no attribute 'keys'`);
    if (item.size === 0) return fail('list index out of range');
    const name = item.keys().next().value as PyKey;
    const value = firstValue(item);
    let params: PyValue;
    if (typeof value === 'string') {
      try {
        params = parsePyJson(value);
      } catch (e) {
        return fail((e as Error).message);
      }
    } else if (value instanceof Map) {
      params = value;
    } else {
      return fail(`the JSON object must be str, bytes or bytearray, not ${pyTypeName(value)}`);
    }
    calls[i] = singleEntryDict(name, params);
  }
  return { ok: true, calls };
}

/**
 * The first value of a non-empty dict. (Through `values()`: a `for (const [k, v] of d)` entry is
 * a new array each time, this allocates nothing once optimised.)
 */
function firstValue(d: PyDict): PyValue {
  return d.values().next().value as PyValue;
}

/** `{name: value}` (cheaper than `new Map([[name, value]])`, which goes through the iterator protocol). */
function singleEntryDict(name: PyKey, value: PyValue): PyDict {
  const d: PyDict = new Map();
  d.set(name, value);
  return d;
}

// ---------------------------------------------------------------------------------------------
// json-text: fc-distill's own prompt output format

const THINKING_TAGS = ['thinking', 'think', 'reasoning'];
const MAX_PROSE_ATTEMPTS = 64;

/** Remove `<thinking>...</thinking>` (also `<think>`, `<reasoning>`; any case) blocks; an unclosed one swallows the rest. */
function stripThinking(text: string): string {
  let lower = text.toLowerCase();
  if (!lower.includes('<think') && !lower.includes('<reasoning')) return text;
  for (const tag of THINKING_TAGS) {
    const open = `<${tag}>`;
    const close = `</${tag}>`;
    for (let a = lower.indexOf(open); a >= 0; a = lower.indexOf(open, a)) {
      const b = lower.indexOf(close, a + open.length);
      const end = b < 0 ? text.length : b + close.length;
      text = text.slice(0, a) + text.slice(end);
      lower = lower.slice(0, a) + lower.slice(end);
    }
  }
  return text;
}

interface Fence {
  lang: string;
  body: string;
}

/** Markdown code fences (```lang ... ```), in order; an unclosed last fence runs to the end. */
function fences(text: string): Fence[] {
  const out: Fence[] = [];
  let i = text.indexOf('```');
  while (i >= 0) {
    let j = i + 3;
    while (text[j] === '`') j++;
    const eol = text.indexOf('\n', j);
    const infoEnd = eol < 0 ? text.length : eol;
    const lang = text.slice(j, infoEnd).trim().toLowerCase();
    const bodyStart = eol < 0 ? text.length : eol + 1;
    const close = text.indexOf('```', bodyStart);
    out.push({ lang, body: text.slice(bodyStart, close < 0 ? text.length : close) });
    if (close < 0) break;
    i = text.indexOf('```', close + 3);
  }
  return out;
}

function isCallObject(v: PyValue): boolean {
  return v instanceof Map && typeof v.get('name') === 'string';
}

function looksLikeCalls(v: PyValue): boolean {
  return isCallObject(v) || (Array.isArray(v) && v.length > 0 && v.every(isCallObject));
}

/** `[{"name", "arguments"|"parameters"}]` or one such object -> `[{name: args}]`. */
function toCalls(v: PyValue): DecodeOutcome {
  const items = Array.isArray(v) ? v : v instanceof Map ? [v] : undefined;
  if (!items) return fail(`expected a JSON list of {"name", "arguments"} objects, got ${pyTypeName(v)}`);
  const calls: PyValue[] = [];
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    if (!(item instanceof Map)) return fail(`call ${i} is a ${pyTypeName(item)}, not an object`);
    const name = item.get('name');
    if (typeof name !== 'string') return fail(`call ${i} has no string "name"`);
    let args: PyValue | undefined = item.has('arguments') ? item.get('arguments') : item.get('parameters');
    if (args === undefined) args = new Map() as PyDict;
    if (typeof args === 'string') {
      try {
        args = parsePyJson(args);
      } catch (e) {
        return fail(`call ${i} "arguments": ${(e as Error).message}`);
      }
    }
    if (!(args instanceof Map)) return fail(`call ${i} "arguments" is a ${pyTypeName(args)}, not an object`);
    calls.push(new Map([[name, args]]));
  }
  return { ok: true, calls };
}

function parseWhole(text: string): DecodeOutcome {
  try {
    return toCalls(parsePyJson(text));
  } catch (e) {
    return fail((e as Error).message);
  }
}

/**
 * fc-distill's prompt format (not BFCL's): the model answers with a JSON list of
 * `{"name": ..., "arguments": {...}}` objects (`"parameters"` is accepted for `"arguments"`, a
 * single object for a one-element list, arguments given as a JSON string are parsed).
 *
 * Rules, in order:
 *  1. non-text results are a decode error;
 *  2. `<thinking>...</thinking>` blocks (also `<think>`, `<reasoning>`) are removed;
 *  3. empty text -> `[]` (no call);
 *  4. if there is a ```` ``` ```` / ```` ```json ```` fence, its content must be valid JSON of
 *     the shape above (else decode error; an empty fence is no call);
 *  5. else, if the text starts with `[` or `{`, the JSON value there must parse and have the
 *     shape above; text after it is ignored (else decode error);
 *  6. else the text is prose: the first `[{` / `{"` (whitespace allowed inside) that starts a
 *     call-shaped JSON value is used (at most 64 candidates are tried); when there is none the
 *     answer is `[]` (no call: the model declined in words).
 * So `[]` means "no call" (passes irrelevance), while malformed JSON that was meant as the
 * answer is a decode error (fails AST entries as `ast_decoder:decoder_failed`; irrelevance
 * entries pass either way, as in BFCL).
 */
export function decodeJsonText(result: PyValue): DecodeOutcome {
  if (typeof result !== 'string') {
    return fail(`the json-text decoder expects the model's text output, got ${pyTypeName(result)}`);
  }
  const text = stripThinking(result).trim();
  if (text === '') return { ok: true, calls: [] };
  for (const f of fences(text)) {
    if (f.lang !== '' && f.lang !== 'json' && f.lang !== 'jsonc' && f.lang !== 'json5') continue;
    const body = f.body.trim();
    return body === '' ? { ok: true, calls: [] } : parseWhole(body);
  }
  const c0 = text.charCodeAt(0);
  if (c0 === 0x5b || c0 === 0x7b) {
    try {
      return toCalls(parsePyJsonPrefix(text, 0).value);
    } catch (e) {
      return fail((e as Error).message);
    }
  }
  // Only where a call-shaped value can start (`{"` or `[{`, whitespace allowed), and a bounded
  // number of attempts: prose full of brackets must not make this quadratic.
  let attempts = 0;
  for (let i = 0; i < text.length && attempts < MAX_PROSE_ATTEMPTS; i++) {
    const c = text.charCodeAt(i);
    if (c !== 0x5b && c !== 0x7b) continue;
    let k = i + 1;
    while (k < text.length && /\s/.test(text[k]!)) k++;
    if (text.charCodeAt(k) !== (c === 0x5b ? 0x7b : 0x22)) continue;
    attempts++;
    let value: PyValue;
    try {
      value = parsePyJsonPrefix(text, i).value;
    } catch {
      continue;
    }
    if (looksLikeCalls(value)) return toCalls(value);
  }
  return { ok: true, calls: [] };
}

/**
 * Decode a result entry's `result` with the decoder for how the model was asked to answer.
 * (The underscore-to-dot name convention does not affect decoding: BFCL applies it when
 * checking names.)
 */
export function decodeCalls(result: PyValue, kind: DecoderKind): DecodeOutcome {
  switch (kind) {
    case 'fc':
      return decodeFc(result);
    case 'python':
      return decodePython(result);
    case 'json-text':
      return decodeJsonText(result);
    default:
      return fail(`unknown decoder ${String(kind)}`);
  }
}

/**
 * BFCL's `is_function_calling_format_output`: a list whose every item is a dict with exactly one
 * key whose value is a dict (`[]` passes).
 */
export function isFunctionCallingFormat(decoded: PyValue): decoded is PyDict[] {
  if (!Array.isArray(decoded)) return false;
  for (const item of decoded) {
    if (!(item instanceof Map) || item.size !== 1) return false;
    if (!(firstValue(item) instanceof Map)) return false;
  }
  return true;
}

/** BFCL's `is_empty_output`: not in function-calling format, `[]`, or `[{}]`. */
export function isEmptyOutput(decoded: PyValue): boolean {
  if (!isFunctionCallingFormat(decoded)) return true;
  if (decoded.length === 0) return true;
  return decoded.length === 1 && decoded[0]!.size === 0;
}
