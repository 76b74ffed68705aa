import { isLosslessNumber, parse, type LosslessNumber } from 'lossless-json';
import { formatJson } from './json-text.js';

/**
 * Ground-truth answers as training labels: BFCL's possible answer -> one concrete set of calls
 * -> text in the output format the prompt asks for. The same functions give the shape shown in
 * templates (`answerExample`), so a prompt and its labels cannot disagree (AWS's sample asks
 * for `{"name", "parameters"}` but labels with BFCL's `{func: {param: [values]}}`).
 *
 * Formats:
 * - `json-list` (ours, decoded by the scorer's `json-text` decoder):
 *   `[{"name": "f", "arguments": {"a": 1}}, {"name": "g", "arguments": {}}]`; no call: `[]`.
 * - `llama-json` (Llama 3.x JSON tool calling): `{"name": "f", "parameters": {"a": 1}}` per call,
 *   several joined with `; ` (BFCL's Llama 3.1 FC decoder splits on `;`); no call: `[]`.
 * - `python` (BFCL's default prompting format): `[f(a=1, b='x'), g()]` with Python literals
 *   (True/False/None, floats as Python prints them, strings with Python's quoting); no call: `[]`.
 *
 * Numbers keep their ground-truth text in the JSON formats (`5.0` stays `5.0`). Function names
 * are kept as in the docs, dots included (the prompt shows them dotted).
 */

export const ANSWER_FORMATS = ['json-list', 'llama-json', 'python'] as const;
export type AnswerFormat = (typeof ANSWER_FORMATS)[number];

export function isAnswerFormat(value: unknown): value is AnswerFormat {
  return typeof value === 'string' && (ANSWER_FORMATS as readonly string[]).includes(value);
}

/** A JSON value as lossless-json parses it: numbers are `LosslessNumber`s holding their source text. */
export type AnswerValue = null | boolean | string | LosslessNumber | AnswerValue[] | AnswerObject;
export interface AnswerObject {
  [key: string]: AnswerValue;
}

/** One concrete call: arguments in ground-truth order. */
export interface AnswerCall {
  name: string;
  arguments: AnswerObject;
}

/** One element of BFCL's `ground_truth`: `{func_name: {param: [acceptable values...]}}`. */
export interface GroundTruthCall {
  name: string;
  params: Record<string, AnswerValue[]>;
}

/** The ground truth cannot be turned into a label (an unpassable entry, a malformed answer). */
export class GroundTruthError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GroundTruthError';
  }
}

/** Parse an example's `answerJson` with lossless numbers. */
export function parseGroundTruth(answerJson: string): GroundTruthCall[] {
  let parsed: unknown;
  try {
    parsed = parse(answerJson);
  } catch (error) {
    throw new GroundTruthError(`ground truth is not valid JSON (${(error as Error).message})`);
  }
  if (!Array.isArray(parsed)) throw new GroundTruthError('ground truth is not a list of calls');
  return parsed.map((item, i) => {
    if (!isPlainObject(item) || Object.keys(item).length !== 1) {
      throw new GroundTruthError(`ground truth call ${i} is not an object with exactly one function name`);
    }
    const [name, params] = Object.entries(item)[0]!;
    if (!isPlainObject(params)) throw new GroundTruthError(`ground truth call ${i} (${name}) has no parameter object`);
    for (const [param, acceptable] of Object.entries(params)) {
      if (!Array.isArray(acceptable)) {
        throw new GroundTruthError(`ground truth call ${i} (${name}): parameter '${param}' is not a list of acceptable values`);
      }
    }
    return { name, params: params as Record<string, AnswerValue[]> };
  });
}

/**
 * One concrete answer from BFCL's acceptable values. For each parameter (and for each key of a
 * dict parameter, including the dicts inside a list-of-dicts parameter, which BFCL also writes
 * as `key -> [acceptable values]`):
 * - take the FIRST acceptable value that is not `""` (BFCL's "may be omitted" marker);
 * - omit the parameter when `""` is its only acceptable value, and also when the only others
 *   are `null` (`["", null]`: an optional parameter whose schema default is null, 376 of them in
 *   v4's answers; leaving it out is what the default means and keeps labels short);
 * - `null` alone (`[null]`) is kept: omission would not pass.
 * An empty acceptable list (BFCL's unpassable entries, e.g. live_simple_106-63-0) has no answer:
 * GroundTruthError. Values below that level (a dict inside a dict value) are taken as they are,
 * as BFCL's checker compares them.
 */
export function chooseAnswer(groundTruth: GroundTruthCall[]): AnswerCall[] {
  return groundTruth.map((call) => ({
    name: call.name,
    arguments: chooseArguments(call.params, (param) => `${call.name}: parameter '${param}'`),
  }));
}

function chooseArguments(params: Record<string, unknown>, where: (param: string) => string): AnswerObject {
  const args: AnswerObject = {};
  for (const [param, acceptable] of Object.entries(params)) {
    if (!Array.isArray(acceptable)) {
      throw new GroundTruthError(`${where(param)} is not a list of acceptable values`);
    }
    const picked = chooseValue(acceptable as AnswerValue[], where(param));
    if (picked === OMIT) continue;
    args[param] = resolveNested(picked, where(param));
  }
  return args;
}

const OMIT = Symbol('omit');

function chooseValue(acceptable: AnswerValue[], where: string): AnswerValue | typeof OMIT {
  if (acceptable.length === 0) throw new GroundTruthError(`${where} has no acceptable value (unpassable entry)`);
  const omittable = acceptable.includes('');
  const concrete = acceptable.filter((v) => v !== '');
  if (concrete.length === 0) return OMIT;
  if (omittable && concrete.every((v) => v === null)) return OMIT;
  return concrete[0]!;
}

/** A dict value (or a list of dicts) holds acceptable lists one level down. */
function resolveNested(value: AnswerValue, where: string): AnswerValue {
  if (isPlainObject(value) && holdsAcceptableLists(value)) {
    return chooseArguments(value, (key) => `${where}, key '${key}'`);
  }
  if (Array.isArray(value) && value.length > 0 && value.every((v) => isPlainObject(v) && holdsAcceptableLists(v))) {
    return value.map((v, i) => chooseArguments(v as AnswerObject, (key) => `${where}[${i}], key '${key}'`));
  }
  return value;
}

function holdsAcceptableLists(value: AnswerObject): boolean {
  return Object.values(value).every((v) => Array.isArray(v));
}

function isPlainObject(value: unknown): value is AnswerObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !isLosslessNumber(value);
}

/** The answer text for calls in a format. An empty list of calls is the no-call answer. */
export function renderAnswer(calls: AnswerCall[], format: AnswerFormat): string {
  if (calls.length === 0) return renderNoCall(format);
  switch (format) {
    case 'json-list':
      return formatJson(calls.map((c) => ({ name: c.name, arguments: c.arguments })));
    case 'llama-json':
      return calls.map((c) => formatJson({ name: c.name, parameters: c.arguments })).join('; ');
    case 'python':
      return `[${calls.map(formatPythonCall).join(', ')}]`;
  }
}

/** The answer when no function fits (irrelevance entries): `[]` in every format (each decoder reads it as "no call"). */
export function renderNoCall(_format: AnswerFormat): string {
  return '[]';
}

/** The labelled answer for an example's ground truth (`null` = irrelevance: no call). */
export function answerForExample(answerJson: string | null, format: AnswerFormat): string {
  if (answerJson === null) return renderNoCall(format);
  return renderAnswer(chooseAnswer(parseGroundTruth(answerJson)), format);
}

// --- Python literals -------------------------------------------------------------------------

function formatPythonCall(call: AnswerCall): string {
  const args = Object.entries(call.arguments).map(([k, v]) => `${k}=${formatPython(v)}`);
  return `${call.name}(${args.join(', ')})`;
}

/** A value as Python's `repr` writes it (the literal BFCL's python decoder reads back). */
export function formatPython(value: AnswerValue): string {
  if (value === null) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'string') return pythonString(value);
  if (isLosslessNumber(value)) return pythonNumber(value.value);
  if (Array.isArray(value)) return `[${value.map(formatPython).join(', ')}]`;
  return `{${Object.entries(value)
    .map(([k, v]) => `${pythonString(k)}: ${formatPython(v)}`)
    .join(', ')}}`;
}

/** A JSON number's text as Python prints the value `json.loads` makes of it. */
export function pythonNumber(text: string): string {
  if (!/[.eE]/.test(text)) return BigInt(text).toString();
  return pythonFloat(Number(text));
}

/** `repr(float)`: shortest round-trip digits, exponent form below 1e-4 and from 1e16. */
export function pythonFloat(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const sign = x < 0 ? '-' : '';
  const [mantissa, expText] = Math.abs(x).toExponential().split('e') as [string, string];
  const digits = mantissa.replace('.', '');
  const exp = Number(expText);
  if (exp >= -4 && exp < 16) {
    if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
    const intPart = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
    const frac = digits.slice(exp + 1);
    return `${sign}${intPart}.${frac === '' ? '0' : frac}`;
  }
  const rest = digits.slice(1);
  const e = Math.abs(exp).toString().padStart(2, '0');
  return `${sign}${digits[0]}${rest ? `.${rest}` : ''}e${exp < 0 ? '-' : '+'}${e}`;
}

/** `repr(str)`: single quotes unless the text has `'` and no `"`; escapes as CPython does. */
export function pythonString(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (ch === quote || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else if (ch !== ' ' && /^[\p{C}\p{Z}]$/u.test(ch)) {
      out +=
        code <= 0xff
          ? `\\x${code.toString(16).padStart(2, '0')}`
          : code <= 0xffff
            ? `\\u${code.toString(16).padStart(4, '0')}`
            : `\\U${code.toString(16).padStart(8, '0')}`;
    } else out += ch;
  }
  return out + quote;
}
