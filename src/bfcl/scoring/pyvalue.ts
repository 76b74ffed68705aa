/**
 * Python semantics over the `types.ts` value model: `repr`, `str`, `==`, `type(v).__name__`,
 * and `json.dumps(v, ensure_ascii=False)` (what BFCL's score files contain).
 */
import type { Json } from '../../json.js';
import { PyTuple, type PyDict, type PyKey, type PyValue } from './types.js';

// ---------------------------------------------------------------------------------------------
// Values outside the JSON-like model

/**
 * A Python `bytes` or `complex` constant, which only the Python-call decoder can produce
 * (`f(x=b'a')`, `f(x=1j)`). It is a `PyTuple` with no items so that it fits `PyValue`; every
 * function here treats it by its own type (name, repr, equality; `json.dumps` rejects it).
 */
export class PyOpaque extends PyTuple {
  private constructor(
    readonly typeName: 'bytes' | 'complex',
    /** bytes: the raw bytes as a latin-1 string; complex: unused. */
    readonly bytes: string,
    readonly real: number,
    readonly imag: number,
  ) {
    super([]);
  }
  static bytesValue(latin1: string): PyOpaque {
    return new PyOpaque('bytes', latin1, 0, 0);
  }
  static complexValue(real: number, imag: number): PyOpaque {
    return new PyOpaque('complex', '', real, imag);
  }
  repr(): string {
    return this.typeName === 'bytes' ? bytesRepr(this.bytes) : complexRepr(this.real, this.imag);
  }
}

function bytesRepr(b: string): string {
  const quote = b.includes("'") && !b.includes('"') ? '"' : "'";
  let out = 'b' + quote;
  for (let i = 0; i < b.length; i++) {
    const c = b.charCodeAt(i);
    if (c === 0x5c || c === quote.charCodeAt(0)) out += '\\' + b[i];
    else if (c === 9) out += '\\t';
    else if (c === 10) out += '\\n';
    else if (c === 13) out += '\\r';
    else if (c < 0x20 || c >= 0x7f) out += '\\x' + hex(c, 2);
    else out += b[i];
  }
  return out + quote;
}

function complexPart(x: number): string {
  const r = floatRepr(x);
  return r.endsWith('.0') ? r.slice(0, -2) : r;
}

function complexRepr(re: number, im: number): string {
  let imS = complexPart(im);
  if (re === 0 && !Object.is(re, -0)) return imS + 'j';
  if (!imS.startsWith('-')) imS = '+' + imS;
  return `(${complexPart(re)}${imS}j)`;
}

// ---------------------------------------------------------------------------------------------
// Type names

/** `type(v).__name__`: `str`, `int`, `float`, `bool`, `list`, `dict`, `tuple`, `NoneType`. */
export function pyTypeName(v: PyValue): string {
  switch (typeof v) {
    case 'string':
      return 'str';
    case 'bigint':
      return 'int';
    case 'number':
      return 'float';
    case 'boolean':
      return 'bool';
    default:
      if (v === null) return 'NoneType';
      if (Array.isArray(v)) return 'list';
      if (v instanceof Map) return 'dict';
      if (v instanceof PyOpaque) return v.typeName;
      return 'tuple';
  }
}

// ---------------------------------------------------------------------------------------------
// repr / str

/**
 * `repr(x)` of a Python float: the shortest round-tripping digits (as JS finds them too),
 * laid out by Python's rules: exponent notation when the exponent is < -4 or >= 16, with at
 * least two exponent digits (`1e+16`, `1.5e-05`), otherwise positional with `.0` when integral.
 */
export function floatRepr(x: number): string {
  if (x !== x) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const ax = x < 0 ? -x : x;
  if (ax >= 1e-4 && ax < 1e16) {
    // JS prints these positionally with the same shortest digits.
    const s = String(x);
    return s.includes('.') ? s : s + '.0';
  }
  const e = ax.toExponential(); // shortest digits: d[.ddd]e±n
  const ePos = e.indexOf('e');
  const mant = e.slice(0, ePos);
  const exp = Number(e.slice(ePos + 1));
  const sign = x < 0 ? '-' : '';
  if (exp < -4 || exp >= 16) {
    const a = exp < 0 ? -exp : exp;
    return `${sign}${mant}e${exp < 0 ? '-' : '+'}${a < 10 ? '0' : ''}${a}`;
  }
  // Not reached for finite values outside [1e-4, 1e16) but kept for completeness.
  const digits = mant.replace('.', '');
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  if (digits.length <= exp + 1) return `${sign}${digits}${'0'.repeat(exp + 1 - digits.length)}.0`;
  return `${sign}${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
}

// Python's str.isprintable is false for categories Cc Cf Cs Co Cn Zl Zp Zs (except ' ').
const NON_PRINTABLE = /[\p{C}\p{Z}]/u;

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}

/**
 * Printable ASCII without `'` or a backslash: repr is the text between single quotes. One
 * regular expression test costs about half of a charCodeAt loop over the same text.
 */
const PLAIN_REPR = /^[\x20-\x26\x28-\x5b\x5d-\x7e]*$/;

/** `repr(s)` of a Python str. */
export function strRepr(s: string): string {
  if (PLAIN_REPR.test(s)) return "'" + s + "'";
  const hasSingle = s.includes("'");
  const quote = hasSingle && !s.includes('"') ? '"' : "'";
  const q = quote.charCodeAt(0);
  // Printable ASCII with `'` (and no `"`): the text between double quotes.
  let simple = true;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c >= 0x7f || c === 0x5c || c === q) {
      simple = false;
      break;
    }
  }
  if (simple) return quote + s + quote;
  let out = quote;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c === q || c === 0x5c) out += '\\' + ch;
    else if (c === 9) out += '\\t';
    else if (c === 10) out += '\\n';
    else if (c === 13) out += '\\r';
    else if (c < 0x20 || c === 0x7f) out += '\\x' + hex(c, 2);
    else if (c < 0x7f) out += ch;
    else if (!NON_PRINTABLE.test(ch)) out += ch;
    else if (c <= 0xff) out += '\\x' + hex(c, 2);
    else if (c <= 0xffff) out += '\\u' + hex(c, 4);
    else out += '\\U' + hex(c, 8);
  }
  return out + quote;
}

/** Python's `repr(v)`: `'abc'`, `True`, `None`, `5.0`, `1e+16`, `[1, 2]`, `{'a': 1}`, `(1,)`. */
export function pyRepr(v: PyValue): string {
  switch (typeof v) {
    case 'string':
      return strRepr(v);
    case 'bigint':
      return v.toString();
    case 'number':
      return floatRepr(v);
    case 'boolean':
      return v ? 'True' : 'False';
  }
  if (v === null) return 'None';
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    let out = '[';
    for (let i = 0; i < v.length; i++) out += (i ? ', ' : '') + pyRepr(v[i]!);
    return out + ']';
  }
  if (v instanceof Map) {
    if (v.size === 0) return '{}';
    let out = '{';
    let first = true;
    for (const [k, x] of v) {
      out += (first ? '' : ', ') + pyRepr(k) + ': ' + pyRepr(x);
      first = false;
    }
    return out + '}';
  }
  if (v instanceof PyOpaque) return v.repr();
  const items = v.items;
  if (items.length === 1) return '(' + pyRepr(items[0]!) + ',)';
  return '(' + items.map(pyRepr).join(', ') + ')';
}

/** Python's `str(v)`: the string itself for a str, `repr(v)` for everything else. */
export function pyStr(v: PyValue): string {
  return typeof v === 'string' ? v : pyRepr(v);
}

// ---------------------------------------------------------------------------------------------
// Equality

function numericValue(v: PyValue): bigint | number | undefined {
  switch (typeof v) {
    case 'bigint':
    case 'number':
      return v;
    case 'boolean':
      return v ? 1n : 0n;
    default:
      // A complex with a zero imaginary part equals its real part.
      if (v instanceof PyOpaque && v.typeName === 'complex' && v.imag === 0) return v.real;
      return undefined;
  }
}

function numEq(a: bigint | number, b: bigint | number): boolean {
  if (typeof a === typeof b) return a === b;
  const f = (typeof a === 'number' ? a : b) as number;
  const i = (typeof a === 'bigint' ? a : b) as bigint;
  return Number.isInteger(f) && BigInt(f) === i;
}

/**
 * Python's `a == b`: True == 1 == 1.0 (exactly, also for big ints), NaN != NaN, str != number,
 * list != tuple, dicts compare by key set and values regardless of order.
 */
export function pyEquals(a: PyValue, b: PyValue): boolean {
  if (a === b) return true;
  switch (typeof a) {
    case 'string':
      return false; // a === b handled above
    case 'bigint':
    case 'number':
    case 'boolean': {
      const y = numericValue(b);
      return y !== undefined && numEq(numericValue(a)!, y);
    }
  }
  if (a === null || b === null || typeof b !== 'object') return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!pyEquals(a[i]!, b[i]!)) return false;
    return true;
  }
  if (a instanceof Map) {
    if (!(b instanceof Map) || a.size !== b.size) return false;
    for (const [k, x] of a) {
      const y = dictGet(b, k);
      if (y === undefined || !pyEquals(x, y)) return false;
    }
    return true;
  }
  if (a instanceof PyOpaque || b instanceof PyOpaque) return opaqueEquals(a, b);
  if (!(b instanceof PyTuple) || a.items.length !== b.items.length) return false;
  for (let i = 0; i < a.items.length; i++) if (!pyEquals(a.items[i]!, b.items[i]!)) return false;
  return true;
}

function opaqueEquals(a: PyValue, b: PyValue): boolean {
  if (a instanceof PyOpaque && b instanceof PyOpaque) {
    if (a.typeName !== b.typeName) return false;
    return a.typeName === 'bytes' ? a.bytes === b.bytes : a.real === b.real && a.imag === b.imag;
  }
  const o = (a instanceof PyOpaque ? a : b) as PyOpaque;
  const other = a instanceof PyOpaque ? b : a;
  if (o.typeName !== 'complex' || o.imag !== 0) return false;
  const y = numericValue(other);
  return y !== undefined && numEq(o.real, y);
}

/** Python's `x in list` (membership by `==`). */
export function pyIn(x: PyValue, list: readonly PyValue[]): boolean {
  for (const y of list) if (pyEquals(x, y)) return true;
  return false;
}

/** Python dict lookup `d.get(k)` (1, 1.0 and True are the same key); undefined when absent. */
export function dictGet(d: PyDict, k: PyKey): PyValue | undefined {
  const direct = d.get(k);
  if (direct !== undefined || typeof k === 'string' || d.has(k)) return direct;
  for (const [k2, v] of d) if (typeof k2 !== 'string' && pyEquals(k, k2)) return v;
  return undefined;
}

/** Python's `k in d`. */
export function dictHas(d: PyDict, k: PyKey): boolean {
  return dictGet(d, k) !== undefined;
}

/** Python's `d[k] = v`: an equal existing key keeps its place (and its original key object). */
export function dictSet(d: PyDict, k: PyKey, v: PyValue): void {
  if (typeof k !== 'string' && !d.has(k)) {
    for (const k2 of d.keys()) {
      if (typeof k2 !== 'string' && pyEquals(k, k2)) {
        d.set(k2, v);
        return;
      }
    }
  }
  d.set(k, v);
}

// ---------------------------------------------------------------------------------------------
// json.dumps

/** `float.__repr__` as `json.dumps` writes it (NaN, Infinity, -Infinity for the specials). */
function jsonFloat(x: number): string {
  if (x !== x) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  return floatRepr(x);
}

function jsonKey(k: PyKey): string {
  switch (typeof k) {
    case 'string':
      return k;
    case 'bigint':
      return k.toString();
    case 'number':
      return jsonFloat(k);
    case 'boolean':
      return k ? 'true' : 'false';
  }
  if (k === null) return 'null';
  throw new TypeError('keys must be str, int, float, bool or None, not tuple');
}

/**
 * Exactly `json.dumps(v, ensure_ascii=False)`: separators `, ` and `: `, floats as Python
 * writes them (`5.0`, `1e+16`, `NaN`), tuples as lists, non-ASCII kept. (A lone surrogate is
 * written as a `\udXXX` escape, where Python would fail to encode the file.)
 * @throws TypeError for a tuple dict key, as Python does.
 */
export function pyJsonStringify(v: PyValue): string {
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'bigint':
      return v.toString();
    case 'number':
      return jsonFloat(v);
    case 'boolean':
      return v ? 'true' : 'false';
  }
  if (v === null) return 'null';
  if (v instanceof PyOpaque) throw new TypeError(`Object of type ${v.typeName} is not JSON serializable`);
  const items = Array.isArray(v) ? v : v instanceof PyTuple ? v.items : undefined;
  if (items) {
    if (items.length === 0) return '[]';
    let out = '[';
    for (let i = 0; i < items.length; i++) out += (i ? ', ' : '') + pyJsonStringify(items[i]!);
    return out + ']';
  }
  const d = v as PyDict;
  if (d.size === 0) return '{}';
  let out = '{';
  let first = true;
  for (const [k, x] of d) {
    out += (first ? '' : ', ') + JSON.stringify(jsonKey(k)) + ': ' + pyJsonStringify(x);
    first = false;
  }
  return out + '}';
}

function serializable(v: PyValue): boolean {
  if (v === null || typeof v !== 'object') return true;
  if (v instanceof PyOpaque) return false;
  const items = Array.isArray(v) ? v : v instanceof PyTuple ? v.items : undefined;
  if (items) return items.every(serializable);
  for (const [k, x] of v as PyDict) if (k instanceof PyTuple || !serializable(x)) return false;
  return true;
}

/**
 * BFCL's `make_json_serializable` (applied before writing score files): recurse into dicts and
 * lists; any other value that `json.dumps` rejects (bytes, complex, a tuple holding a dict with
 * a tuple key) becomes its `str()`.
 */
export function makeJsonSerializable(v: PyValue): PyValue {
  // Nearly always nothing needs converting: then the value itself is its copy (it is only read).
  if (serializable(v)) return v;
  if (Array.isArray(v)) return v.map(makeJsonSerializable);
  if (v instanceof Map) {
    const out: PyDict = new Map();
    for (const [k, x] of v) out.set(k, makeJsonSerializable(x));
    return out;
  }
  return serializable(v) ? v : pyStr(v);
}

/**
 * A plain JSON value for places that do not need Python's number forms (summaries, logs).
 * Lossy: `5` and `5.0` both become 5, big ints lose precision, NaN/Infinity become null (as
 * JSON.stringify would write them), tuples become arrays, non-string keys are stringified as
 * json.dumps does. Use {@link pyJsonStringify} for exact score-file text.
 */
export function toJsonValue(v: PyValue): Json {
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return v;
    case 'bigint':
      return Number(v);
    case 'number':
      return Number.isFinite(v) ? v : null;
  }
  if (v === null) return null;
  if (v instanceof PyOpaque) return v.repr();
  const items = Array.isArray(v) ? v : v instanceof PyTuple ? v.items : undefined;
  if (items) return items.map(toJsonValue);
  const out: { [key: string]: Json } = {};
  for (const [k, x] of v as PyDict) {
    Object.defineProperty(out, jsonKey(k), { value: toJsonValue(x), enumerable: true, writable: true, configurable: true });
  }
  return out;
}
