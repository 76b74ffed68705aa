/**
 * `json.loads` with CPython's semantics (the C scanner of CPython 3.11/3.12, the one BFCL's
 * scorer runs), producing the value model of `types.ts`:
 *
 * - an integer literal becomes a `bigint` (exact), a literal with a fraction or an exponent a
 *   `number` (`1.0` is a float); `NaN`, `Infinity` and `-Infinity` are accepted;
 * - objects become `Map`s; a duplicate key keeps the position of its first occurrence and the
 *   value of its last (Python dict assignment);
 * - errors are {@link PyJsonDecodeError}s whose `message` is exactly `str(e)` of Python's
 *   `json.JSONDecodeError` (`Expecting ',' delimiter: line 1 column 29 (char 28)`), with
 *   positions counted in code points as Python does. BFCL copies that text into score files.
 *
 * Hand-written (no regular expressions, one pass over char codes): `lossless-json` cannot build
 * Maps, rejects NaN/Infinity and reports errors in its own words.
 *
 * Known, deliberate choice: CPython 3.13 reports `[1,]` / `{"a": 1,}` as "Illegal trailing comma
 * before end of array/object" at the comma; 3.11/3.12 say "Expecting value" /
 * "Expecting property name enclosed in double quotes" at the closing bracket. We follow 3.11/3.12.
 */
import type { PyDict, PyValue } from './types.js';

/** Python's `json.JSONDecodeError` (also used for the int-size `ValueError`, see `pyError`). */
export class PyJsonDecodeError extends SyntaxError {
  /** The unformatted message, e.g. `Expecting value`. */
  readonly msg: string;
  /** Position in code points (Python string index). */
  readonly pos: number;
  readonly lineno: number;
  readonly colno: number;
  /** Python's exception class name: `JSONDecodeError` or `ValueError`. */
  readonly pyError: string;

  constructor(msg: string, doc: string, utf16Pos: number, pyError = 'JSONDecodeError', plain = false) {
    const { pos, lineno, colno } = locate(doc, utf16Pos);
    // An expected outcome (malformed model output), not a bug: no stack trace to capture.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(plain ? msg : `${msg}: line ${lineno} column ${colno} (char ${pos})`);
    Error.stackTraceLimit = limit;
    this.name = 'PyJsonDecodeError';
    this.msg = msg;
    this.pos = pos;
    this.lineno = lineno;
    this.colno = colno;
    this.pyError = pyError;
  }
}

/** Code-point position, 1-based line and column of a UTF-16 index, as Python computes them. */
function locate(doc: string, utf16Pos: number): { pos: number; lineno: number; colno: number } {
  let pos = 0;
  let lineno = 1;
  let lineStart = 0; // code-point index just after the last '\n' before pos
  for (let i = 0; i < utf16Pos && i < doc.length; i++) {
    const c = doc.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < doc.length) {
      const d = doc.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    pos++;
    if (c === 10) {
      lineno++;
      lineStart = pos;
    }
  }
  return { pos, lineno, colno: pos - lineStart + 1 };
}

/** CPython's default `sys.get_int_max_str_digits()` (3.11+). */
const INT_MAX_STR_DIGITS = 4300;
/** Nesting beyond this raises RecursionError in CPython (default recursion limit 1000). */
const MAX_DEPTH = 990;

const enum Ch {
  TAB = 9,
  LF = 10,
  CR = 13,
  SPACE = 32,
  QUOTE = 34,
  PLUS = 43,
  COMMA = 44,
  MINUS = 45,
  DOT = 46,
  ZERO = 48,
  ONE = 49,
  NINE = 57,
  COLON = 58,
  UPPER_E = 69,
  LBRACKET = 91,
  BACKSLASH = 92,
  RBRACKET = 93,
  LOWER_E = 101,
  LBRACE = 123,
  RBRACE = 125,
}

/** Thrown internally where Python's scanner raises StopIteration(idx): becomes "Expecting value". */
class StopIteration {
  constructor(readonly idx: number) {}
}

/**
 * CPython's scanner, one method per C function. Each method takes the index where its value
 * starts and returns the value, leaving the index just after it in `end` (rather than returning
 * `[value, end]` pairs, which cost an allocation per value).
 */
class Parser {
  private depth = 0;
  /** Top of `itemStack` (every parse starts at 0; see `release`). */
  private top = 0;
  /** Index just after the value the last scan/string/object/array call returned. */
  private end = 0;
  constructor(private readonly s: string) {}

  private err(msg: string, idx: number): never {
    throw new PyJsonDecodeError(msg, this.s, idx);
  }

  private ws(i: number): number {
    return skipJsonWhitespace(this.s, i);
  }

  /** scan_once: parse a value at idx. */
  scan(idx: number): PyValue {
    const s = this.s;
    const n = s.length;
    if (idx >= n) throw new StopIteration(idx);
    const c = s.charCodeAt(idx);
    switch (c) {
      case Ch.QUOTE:
        return this.string(idx + 1);
      case Ch.LBRACE:
        return this.object(idx + 1);
      case Ch.LBRACKET:
        return this.array(idx + 1);
      case 110: // n
        if (idx + 3 < n && s.startsWith('null', idx)) return this.constant(null, idx + 4);
        break;
      case 116: // t
        if (idx + 3 < n && s.startsWith('true', idx)) return this.constant(true, idx + 4);
        break;
      case 102: // f
        if (idx + 4 < n && s.startsWith('false', idx)) return this.constant(false, idx + 5);
        break;
      case 78: // N
        if (idx + 2 < n && s.startsWith('NaN', idx)) return this.constant(NaN, idx + 3);
        break;
      case 73: // I
        if (idx + 7 < n && s.startsWith('Infinity', idx)) return this.constant(Infinity, idx + 8);
        break;
      case Ch.MINUS:
        if (idx + 8 < n && s.startsWith('-Infinity', idx)) return this.constant(-Infinity, idx + 9);
        break;
    }
    return this.number(idx);
  }

  private constant(value: PyValue, end: number): PyValue {
    this.end = end;
    return value;
  }

  /** _match_number_unicode */
  private number(start: number): PyValue {
    const s = this.s;
    const end = s.length - 1; // end_idx
    let idx = start;
    if (s.charCodeAt(idx) === Ch.MINUS) {
      idx++;
      if (idx > end) throw new StopIteration(start);
    }
    let c = s.charCodeAt(idx);
    if (c >= Ch.ONE && c <= Ch.NINE) {
      idx++;
      while (idx <= end && isDigit(s.charCodeAt(idx))) idx++;
    } else if (c === Ch.ZERO) {
      idx++;
    } else {
      throw new StopIteration(start);
    }
    let isFloat = false;
    if (idx < end && s.charCodeAt(idx) === Ch.DOT && isDigit(s.charCodeAt(idx + 1))) {
      isFloat = true;
      idx += 2;
      while (idx <= end && isDigit(s.charCodeAt(idx))) idx++;
    }
    if (idx < end && ((c = s.charCodeAt(idx)) === Ch.LOWER_E || c === Ch.UPPER_E)) {
      const eStart = idx;
      idx++;
      c = s.charCodeAt(idx);
      if (idx < end && (c === Ch.MINUS || c === Ch.PLUS)) idx++;
      while (idx <= end && isDigit(s.charCodeAt(idx))) idx++;
      if (isDigit(s.charCodeAt(idx - 1))) isFloat = true;
      else idx = eStart;
    }
    this.end = idx;
    if (isFloat) return Number(s.slice(start, idx));
    const negative = s.charCodeAt(start) === Ch.MINUS;
    const digits = negative ? idx - start - 1 : idx - start;
    if (digits <= 15) {
      // Exact in a double: sum the digits instead of going through a string.
      let v = 0;
      for (let k = negative ? start + 1 : start; k < idx; k++) v = v * 10 + (s.charCodeAt(k) - Ch.ZERO);
      return safeIntToBigInt(negative ? -v : v);
    }
    if (digits > INT_MAX_STR_DIGITS) {
      throw new PyJsonDecodeError(
        `Exceeds the limit (${INT_MAX_STR_DIGITS} digits) for integer string conversion: value has ${digits} digits; use sys.set_int_max_str_digits() to increase the limit`,
        s,
        start,
        'ValueError',
        true,
      );
    }
    return BigInt(s.slice(start, idx));
  }

  /** scanstring_unicode (strict): idx is just after the opening quote. */
  private string(idx: number): string {
    const s = this.s;
    const n = s.length;
    // Fast path: no escape before the closing quote, the string is one slice of the source.
    for (let i = idx; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c === Ch.QUOTE) {
        this.end = i + 1;
        return s.slice(idx, i);
      }
      if (c === Ch.BACKSLASH || c <= 0x1f) return this.escapedString(idx, i);
    }
    return this.err('Unterminated string starting at', idx - 1);
  }

  /**
   * An object key: `string`, except that a key without escapes is looked up in `keyCache` by a
   * hash of its text (taken while scanning for the closing quote) and the cached string reused.
   */
  private key(idx: number): string {
    const s = this.s;
    const n = s.length;
    let h = 0;
    for (let i = idx; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c === Ch.QUOTE) {
        this.end = i + 1;
        return cachedKey(s, idx, i, h);
      }
      if (c === Ch.BACKSLASH || c <= 0x1f) return this.escapedString(idx, i);
      h = (Math.imul(h, 31) + c) | 0;
    }
    return this.err('Unterminated string starting at', idx - 1);
  }

  /**
   * The rest of `string`, from the first backslash or control character at `i`. A string whose
   * escapes are all well-formed is unescaped by the engine's JSON.parse (the same result as
   * Python's strict scanstring, lone surrogates included, and a flat string instead of a rope of
   * pieces); anything else goes the slow way, which alone writes Python's error messages.
   */
  private escapedString(idx: number, i: number): string {
    const s = this.s;
    const n = s.length;
    for (let j = i; j < n; j++) {
      const c = s.charCodeAt(j);
      if (c === Ch.QUOTE) {
        try {
          const out = JSON.parse(s.slice(idx - 1, j + 1)) as string;
          this.end = j + 1;
          return out;
        } catch {
          break;
        }
      }
      if (c <= 0x1f) break;
      if (c === Ch.BACKSLASH) {
        const e = s.charCodeAt(j + 1);
        // \uXXXX is checked by JSON.parse; these are the other escapes Python accepts.
        if (e === 117 || e === Ch.QUOTE || e === Ch.BACKSLASH || e === 47 || e === 98 || e === 102 || e === 110 || e === 114 || e === 116) j++;
        else break;
      }
    }
    return this.slowEscapedString(idx, i);
  }

  private slowEscapedString(idx: number, i: number): string {
    const s = this.s;
    const n = s.length;
    const begin = idx - 1;
    let out = '';
    let chunkStart = idx;
    for (;;) {
      let c = 0;
      for (; i < n; i++) {
        c = s.charCodeAt(i);
        if (c === Ch.QUOTE || c === Ch.BACKSLASH) break;
        if (c <= 0x1f) this.err('Invalid control character at', i);
      }
      if (i >= n) this.err('Unterminated string starting at', begin);
      if (c === Ch.QUOTE) {
        this.end = i + 1;
        return out + s.slice(chunkStart, i);
      }
      // backslash at i
      out += s.slice(chunkStart, i);
      i++;
      if (i === n) this.err('Unterminated string starting at', begin);
      const e = s.charCodeAt(i);
      if (e !== 117 /* u */) {
        switch (e) {
          case Ch.QUOTE:
            out += '"';
            break;
          case Ch.BACKSLASH:
            out += '\\';
            break;
          case 47:
            out += '/';
            break;
          case 98:
            out += '\b';
            break;
          case 102:
            out += '\f';
            break;
          case 110:
            out += '\n';
            break;
          case 114:
            out += '\r';
            break;
          case 116:
            out += '\t';
            break;
          default:
            this.err('Invalid \\escape', i - 1);
        }
        i++;
      } else {
        i++; // first hex digit
        const hexEnd = i + 4;
        if (hexEnd >= n) this.err('Invalid \\uXXXX escape', i - 1);
        let code = 0;
        for (; i < hexEnd; i++) {
          const h = hexValue(s.charCodeAt(i));
          if (h < 0) this.err('Invalid \\uXXXX escape', hexEnd - 5);
          code = (code << 4) | h;
        }
        // Surrogate pairs written as two escapes join naturally in UTF-16.
        out += String.fromCharCode(code);
      }
      chunkStart = i;
    }
  }

  private enter(idx: number, what: string): void {
    if (++this.depth > MAX_DEPTH) {
      throw new PyJsonDecodeError(
        `maximum recursion depth exceeded while decoding a JSON ${what} from a unicode string`,
        this.s,
        idx,
        'RecursionError',
        true,
      );
    }
  }

  /** _parse_object_unicode: idx is just after '{'. */
  private object(idx: number): PyDict {
    this.enter(idx, 'object');
    const s = this.s;
    const n = s.length;
    const map: PyDict = new Map();
    idx = this.ws(idx);
    if (idx >= n || s.charCodeAt(idx) !== Ch.RBRACE) {
      for (;;) {
        if (idx >= n || s.charCodeAt(idx) !== Ch.QUOTE) {
          this.err('Expecting property name enclosed in double quotes', idx);
        }
        const key = this.key(idx + 1);
        idx = this.ws(this.end);
        if (idx >= n || s.charCodeAt(idx) !== Ch.COLON) this.err("Expecting ':' delimiter", idx);
        idx = this.ws(idx + 1);
        const val = this.scan(idx);
        map.set(key, val);
        idx = this.ws(this.end);
        if (idx < n && s.charCodeAt(idx) === Ch.RBRACE) break;
        if (idx >= n || s.charCodeAt(idx) !== Ch.COMMA) this.err("Expecting ',' delimiter", idx);
        idx = this.ws(idx + 1);
      }
    }
    this.depth--;
    this.end = idx + 1;
    return map;
  }

  /** _parse_array_unicode: idx is just after '['. */
  private array(idx: number): PyValue[] {
    this.enter(idx, 'array');
    const s = this.s;
    const n = s.length;
    idx = this.ws(idx);
    if (idx < n && s.charCodeAt(idx) === Ch.RBRACKET) {
      this.depth--;
      this.end = idx + 1;
      return [];
    }
    // Items go on the shared stack, then into a list of their exact number (see exactSize); a
    // nested list stacks its items above ours.
    const base = this.top;
    for (;;) {
      const item = this.scan(idx);
      itemStack[this.top++] = item;
      idx = this.ws(this.end);
      if (idx < n && s.charCodeAt(idx) === Ch.RBRACKET) break;
      if (idx >= n || s.charCodeAt(idx) !== Ch.COMMA) this.err("Expecting ',' delimiter", idx);
      idx = this.ws(idx + 1);
    }
    const arr = itemStack.slice(base, this.top);
    for (let k = base; k < this.top; k++) itemStack[k] = null; // keep no decoded value alive
    this.top = base;
    this.depth--;
    this.end = idx + 1;
    return arr;
  }

  /** JSONDecoder.raw_decode(s, idx): one value starting exactly at idx; returns it and the index after it. */
  rawDecode(idx: number): { value: PyValue; end: number } {
    try {
      const value = this.scan(idx);
      return { value, end: this.end };
    } catch (e) {
      this.release();
      if (e instanceof StopIteration) this.err('Expecting value', e.idx);
      throw e;
    }
  }

  /** After a failed parse: the items it left on the stack are not kept alive. */
  private release(): void {
    for (let k = 0; k < this.top; k++) itemStack[k] = null;
    this.top = 0;
  }

  /** JSONDecoder.decode */
  decode(): PyValue {
    const s = this.s;
    if (s.charCodeAt(0) === 0xfeff) this.err('Unexpected UTF-8 BOM (decode using utf-8-sig)', 0);
    let value: PyValue;
    const start = this.ws(0);
    try {
      value = this.scan(start);
    } catch (e) {
      this.release();
      if (e instanceof StopIteration) this.err('Expecting value', e.idx);
      throw e;
    }
    const end = this.ws(this.end);
    if (end !== s.length) this.err('Extra data', end);
    return value;
  }
}

/**
 * Short object keys met recently, by a hash of their text. Parameter names repeat across a run's
 * entries: a key found here is the same string as before rather than a new one, so a Map finds
 * its hash already computed and a decoded value kept by a failed entry holds no string of its
 * own for it. A string's identity is not observable, so this changes no decoded value. Longer
 * keys are not kept: their slice is a view of the parsed text (which a cache would keep alive),
 * and an own copy costs more than it saves.
 */
const KEY_CACHE_BITS = 10;
const keyCache: (string | undefined)[] = new Array<string | undefined>(1 << KEY_CACHE_BITS).fill(undefined);
/**
 * A slice this long or longer is a view of the source rather than a copy (V8's SlicedString):
 * every parsed str of this length or more, as no escape was involved.
 */
export const MIN_VIEW_LENGTH = 13;

function cachedKey(s: string, start: number, end: number, hash: number): string {
  const length = end - start;
  if (length >= MIN_VIEW_LENGTH) return s.slice(start, end);
  const slot = (hash ^ (hash >>> KEY_CACHE_BITS) ^ length) & ((1 << KEY_CACHE_BITS) - 1);
  const cached = keyCache[slot];
  if (cached !== undefined && cached.length === length && s.startsWith(cached, start)) return cached;
  return (keyCache[slot] = s.slice(start, end));
}

/** Items of the lists being parsed (see Parser.array); one stack for all parsers (parsing never re-enters). */
const itemStack: PyValue[] = [];

/**
 * A list built by `push` as a copy of its own length. The first push gives an array room for 16
 * items; a decoded value lives as long as its outcome, and the young-generation collector copies
 * every live byte (twice before it is promoted), so a one-item list would carry 15 empty slots
 * through every collection. Copying the few items once is cheaper.
 */
export function exactSize<T>(arr: T[]): T[] {
  return arr.length > 0 && arr.length < 16 ? arr.slice() : arr;
}

/** The index of the first non-whitespace character (JSON's four) at or after `i`; reads stay inside the string. */
export function skipJsonWhitespace(s: string, i: number): number {
  const n = s.length;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c === Ch.SPACE || c === Ch.LF || c === Ch.CR || c === Ch.TAB) i++;
    else break;
  }
  return i;
}

/** The bigints 0..1023, made once: most ints in arguments and answers are small. */
const SMALL_BIGINTS: readonly bigint[] = Array.from({ length: 1024 }, (_, i) => BigInt(i));

/**
 * `BigInt(v)` for a safe integer, without allocating for a small non-negative one (a bigint's
 * identity is not observable: `===` compares values).
 */
export function safeIntToBigInt(v: number): bigint {
  return v >= 0 && v < 1024 ? SMALL_BIGINTS[v]! : BigInt(v);
}

function isDigit(c: number): boolean {
  return c >= Ch.ZERO && c <= Ch.NINE;
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/**
 * Python's `json.loads(text)` into the `types.ts` value model.
 * @throws PyJsonDecodeError with Python's `str(e)` as its message.
 */
export function parsePyJson(text: string): PyValue {
  return new Parser(text).decode();
}

/**
 * Python's `json.JSONDecoder().raw_decode(text, start)`: the JSON value that starts exactly at
 * `start` (no whitespace skipped) and the UTF-16 index just after it; trailing text is allowed.
 * @throws PyJsonDecodeError
 */
export function parsePyJsonPrefix(text: string, start = 0): { value: PyValue; end: number } {
  return new Parser(text).rawDecode(start);
}

/** Narrowing helper: is this value a Python dict? */
export function isPyDict(v: PyValue): v is PyDict {
  return v instanceof Map;
}
