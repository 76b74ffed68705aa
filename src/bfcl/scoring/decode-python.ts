/**
 * BFCL's `default_decode_ast_prompting` (bfcl_eval/model_handler/utils.py): the decoder for
 * prompting models that answer in Python call syntax, `[f(a=1), g(b='x')]`.
 *
 * Steps, as in the official code:
 *  1. `result.strip("`\n ")`, then add `[` / `]` where missing;
 *  2. `ast.parse(text, mode="eval")`: here a tokenizer and recursive-descent parser for Python
 *     3.11's expression grammar (every expression form is parsed, so that exactly the inputs
 *     Python accepts are accepted; positional arguments are parsed and then dropped);
 *  3. the body must be a call, or a list/tuple/set of calls (`assert`);
 *  4. `resolve_ast_call` / `resolve_ast_by_type` turn each call into `{name: {kwarg: value}}`:
 *     constants as themselves (`...` -> "..."), any unary operator -> the NEGATION of its
 *     operand's `.value`, lists, tuples and dicts recursively, binary operations evaluated
 *     (Python's `eval(ast.unparse(node))`), bare names as their identifier, calls without keywords
 *     and subscripts as their `ast.unparse` text, calls with keywords as nested `{name: {...}}`,
 *     anything else an error.
 *
 * Errors carry `str(e)` of the exception Python would raise. Syntax errors follow CPython 3.11:
 * tokenizer errors take precedence over parser errors (except those its tokenizer reports
 * through its state, a stray backslash), string literals are decoded when the parser joins
 * them (their errors come at the line of the token after them), the common second-pass
 * messages are reproduced ("invalid syntax. Perhaps you forgot a comma?", "positional argument
 * follows keyword argument", "expected 'else' after 'if' expression", "Maybe you meant '==' ...",
 * "':' expected after dictionary key", ...), and trees deeper than CPython's AST depth limit
 * raise its RecursionError. Measured against Python 3.11 on ~60k generated and mutated model
 * outputs: acceptance and decoded values agree except for the deviations below, and ~99% of
 * syntax-error texts are identical (the rest differ in which of two errors is reported); on
 * ~150k random string literals (escapes, `\N{...}`, prefixes, adjacent and multi-line ones),
 * values and error texts all agree.
 *
 * Known deviations (all need Python features outside a function-call answer):
 *  - f-strings are checked for balanced quotes only, not for the expressions inside them, and
 *    their `ast.unparse` text is their source text;
 *  - binary operations are evaluated for numbers, strings, lists, tuples, dicts (`|`), with
 *    Python's results and error texts; operands that are builtins or module names (`len(x) + 1`),
 *    comparisons, conditionals, subscripts, complex and bytes arithmetic and `%` formatting are
 *    reported as unsupported instead of being evaluated;
 *  - Python 3.12+ f-string nesting rules are not applied (3.11 tokenization).
 */
import { PyOpaque, dictGet, dictSet, floatRepr, pyEquals, pyRepr, pyTypeName } from './pyvalue.js';
import { PyException } from './py-exception.js';
import { exactSize } from './pyjson.js';
import { lookupUnicodeName } from './unicode-names.js';
import { PyTuple, type PyDict, type PyKey, type PyValue } from './types.js';

export { PyException } from './py-exception.js';

// ---------------------------------------------------------------------------------------------
// Tokens

type TokType = 'NAME' | 'NUMBER' | 'STRING' | 'OP' | 'NEWLINE' | 'INDENT' | 'EOF' | 'ERRORTOKEN';

/**
 * A string literal as the tokenizer leaves it: its body is decoded by the parser, when it joins
 * adjacent literals (CPython's `_PyPegen_concatenate_strings`), so that a decoding error is a
 * parser error, raised in CPython's order and at its line.
 */
interface StrPiece {
  kind: 'str' | 'bytes' | 'fstr';
  /** The text between the quotes. For f-strings, the whole literal's source text. */
  body: string;
  /** `r` prefix: the body is the value. */
  raw: boolean;
  /** `u` prefix (kept by `ast.unparse`). */
  u: boolean;
}

interface Token {
  type: TokType;
  /** NAME: identifier (NFKC); OP: operator text; others: source text. */
  value: string;
  line: number;
  /** Bracket depth after this token. */
  level: number;
  num?: PyValue;
  str?: StrPiece;
  /** ERRORTOKEN: the tokenizer error raised when the parser fetches it. */
  error?: PyException;
  /** ERRORTOKEN at end of input inside brackets: the line of the unclosed bracket. */
  unclosedLine?: number;
  /**
   * ERRORTOKEN whose error CPython's tokenizer reports through its state, not by raising
   * (E_LINECONT, E_EOF): the parser raises it when it fetches the token, but when CPython
   * tokenizes the rest of the source after a syntax error, it is no error of its own; only
   * the bracket open there (`openParen`) may be reported as never closed.
   */
  quiet?: boolean;
  openParen?: { ch: string; line: number };
}

/** A token with every field present (one shape for all tokens keeps the parser's property reads monomorphic). */
function token(type: TokType, value: string, line: number, level: number): Token {
  return { type, value, line, level, num: undefined, str: undefined, error: undefined, unclosedLine: undefined, quiet: false, openParen: undefined };
}

const KEYWORDS = new Set([
  'False', 'None', 'True', 'and', 'as', 'assert', 'async', 'await', 'break', 'class', 'continue',
  'def', 'del', 'elif', 'else', 'except', 'finally', 'for', 'from', 'global', 'if', 'import', 'in',
  'is', 'lambda', 'nonlocal', 'not', 'or', 'pass', 'raise', 'return', 'try', 'while', 'with', 'yield',
]);

const STRING_PREFIXES = new Set(['r', 'u', 'f', 'b', 'br', 'rb', 'fr', 'rf']);

const OPERATORS3 = new Set(['**=', '//=', '>>=', '<<=', '...']);
const OPERATORS2 = new Set([
  '**', '//', '<<', '>>', '<=', '>=', '==', '!=', '->', ':=', '+=', '-=', '*=', '/=', '%=', '&=',
  '|=', '^=', '@=',
]);
const OPERATORS1 = new Set('()[]{},:.;+-*/%&|^~<>=@');

const ID_START = /[\p{ID_Start}_]/u;
const ID_CONTINUE = /[\p{ID_Continue}\u00b7\u0387\u1369-\u1371\u19da]/u;
const NON_PRINTABLE = /[\p{C}\p{Z}]/u;

/** CPython's default `sys.get_int_max_str_digits()`. */
const INT_MAX_STR_DIGITS = 4300;
/** CPython's tokenizer MAXLEVEL. */
const MAX_PAREN_LEVEL = 200;
/** Parser recursion guard (well above what CPython's AST construction accepts, see below). */
const MAX_DEPTH = 3000;
/**
 * CPython 3.11 converts the parse tree to `ast` objects with a depth limit of 3 x the recursion
 * limit (1000), minus what the calling stack already uses: deeper trees raise RecursionError.
 */
const MAX_AST_DEPTH = 2950;
const RECURSION_ERROR = 'maximum recursion depth exceeded during ast construction';

function syntaxError(msg: string, line: number): PyException {
  return new PyException('SyntaxError', `${msg} (<unknown>, line ${line})`);
}

function isAsciiIdStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
}
function isAsciiIdContinue(c: number): boolean {
  return isAsciiIdStart(c) || (c >= 48 && c <= 57);
}
function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

class Tokenizer {
  private i = 0;
  private line = 1;
  private readonly parens: { ch: string; line: number }[] = [];
  readonly tokens: Token[] = [];
  /** The error being thrown is a quiet one (see Token.quiet). */
  private quiet = false;
  /**
   * After `run`: the last token ends where the source does, so that reading it took CPython's
   * tokenizer to the end of the text (it reads a character past every token but a string's).
   */
  lastTokenEndsSource = false;

  constructor(private readonly s: string) {}

  run(): Token[] {
    try {
      this.scan();
    } catch (e) {
      if (!(e instanceof PyException)) throw e;
      // CPython raises a tokenizer error when the parser fetches the offending token.
      const t = token('ERRORTOKEN', '', this.line, this.parens.length);
      t.error = e;
      t.quiet = this.quiet;
      t.openParen = this.parens[this.parens.length - 1];
      this.tokens.push(t);
    }
    return this.tokens;
  }

  private scan(): void {
    const s = this.s;
    const n = s.length;
    let lineHasToken = false;
    let lineStart = true; // at the start of a logical line at level 0 (for INDENT)
    while (this.i < n) {
      const c = s.charCodeAt(this.i);
      // whitespace
      if (c === 32 || c === 9 || c === 12) {
        this.i++;
        continue;
      }
      if (c === 10) {
        this.i++;
        if (this.parens.length === 0 && lineHasToken) {
          this.push('NEWLINE', '\n');
          lineStart = true;
        }
        this.line++;
        lineHasToken = false;
        continue;
      }
      if (c === 35 /* # */) {
        while (this.i < n && s.charCodeAt(this.i) !== 10) this.i++;
        continue;
      }
      if (c === 92 /* \ */) {
        if (this.i + 1 < n && s.charCodeAt(this.i + 1) === 10) {
          this.i += 2;
          this.line++;
          continue;
        }
        this.quiet = true;
        if (this.i + 1 >= n) throw syntaxError('unexpected EOF while parsing', this.line);
        throw syntaxError('unexpected character after line continuation character', this.line);
      }
      if (lineStart && this.parens.length === 0 && this.tokens.length > 0) {
        // The line's indentation, which a form feed sets back to 0 (CPython's tokenizer).
        const ls = Math.max(s.lastIndexOf('\n', this.i - 1), s.lastIndexOf('\f', this.i - 1)) + 1;
        if (ls < this.i) this.push('INDENT', '');
      }
      lineStart = false;
      lineHasToken = true;
      this.token(c);
      this.lastTokenEndsSource = this.i >= n && this.tokens[this.tokens.length - 1]?.type !== 'STRING';
    }
    if (this.parens.length) {
      const open = this.parens[this.parens.length - 1]!;
      const t = token('ERRORTOKEN', '', this.line, this.parens.length);
      t.error = syntaxError(`'${open.ch}' was never closed`, open.line);
      t.unclosedLine = open.line;
      this.tokens.push(t);
      return;
    }
    if (lineHasToken) this.push('NEWLINE', '');
    this.push('EOF', '');
  }

  /**
   * After `run`: when the text ended inside brackets (the tokens end with the "was never closed"
   * error), the tokens with those brackets closed at the end instead; else undefined.
   */
  closedTokens(): Token[] | undefined {
    const last = this.tokens[this.tokens.length - 1];
    if (last === undefined || last.type !== 'ERRORTOKEN' || last.unclosedLine === undefined) return undefined;
    const closed = this.tokens.slice(0, -1);
    for (let k = this.parens.length - 1; k >= 0; k--) {
      const ch = this.parens[k]!.ch;
      closed.push(token('OP', ch === '(' ? ')' : ch === '[' ? ']' : '}', this.line, k));
    }
    closed.push(token('EOF', '', this.line, 0));
    return closed;
  }

  private token(c: number): void {
    const s = this.s;
    const n = s.length;
    {
      if (c === 34 || c === 39) {
        this.string('', this.i);
        return;
      }
      if (isDigit(c) || (c === 46 && isDigit(s.charCodeAt(this.i + 1)))) {
        this.number();
        return;
      }
      if (isAsciiIdStart(c) || c >= 0x80) {
        const start = this.i;
        if (c >= 0x80) {
          const cp = s.codePointAt(this.i)!;
          const ch = String.fromCodePoint(cp);
          if (!ID_START.test(ch)) {
            if (NON_PRINTABLE.test(ch)) {
              throw syntaxError(`invalid non-printable character U+${cp.toString(16).toUpperCase().padStart(4, '0')}`, this.line);
            }
            throw syntaxError(`invalid character '${ch}' (U+${cp.toString(16).toUpperCase().padStart(4, '0')})`, this.line);
          }
        }
        let ascii = true;
        while (this.i < n) {
          const d = s.charCodeAt(this.i);
          if (isAsciiIdContinue(d)) this.i++;
          else if (d >= 0x80) {
            const cp = s.codePointAt(this.i)!;
            const ch = String.fromCodePoint(cp);
            if (!ID_CONTINUE.test(ch)) break;
            ascii = false;
            this.i += ch.length;
          } else break;
        }
        const name = s.slice(start, this.i);
        const q = s.charCodeAt(this.i);
        if ((q === 34 || q === 39) && ascii && name.length <= 2 && STRING_PREFIXES.has(name.toLowerCase())) {
          this.string(name.toLowerCase(), start);
          return;
        }
        this.push('NAME', ascii ? name : name.normalize('NFKC'));
        return;
      }
      // operators; brackets and commas (most tokens of an answer) without looking further
      let op: string;
      if (c === 40 || c === 41 || c === 91 || c === 93 || c === 123 || c === 125 || c === 44) op = s[this.i]!;
      else op = this.operator(c);
      if (op === '(' || op === '[' || op === '{') {
        if (this.parens.length >= MAX_PAREN_LEVEL) throw syntaxError('too many nested parentheses', this.line);
        this.parens.push({ ch: op, line: this.line });
      } else if (op === ')' || op === ']' || op === '}') {
        const open = this.parens.pop();
        if (!open) throw syntaxError(`unmatched '${op}'`, this.line);
        const want = open.ch === '(' ? ')' : open.ch === '[' ? ']' : '}';
        if (want !== op) {
          if (open.line !== this.line) {
            throw syntaxError(
              `closing parenthesis '${op}' does not match opening parenthesis '${open.ch}' on line ${open.line}`,
              this.line,
            );
          }
          throw syntaxError(`closing parenthesis '${op}' does not match opening parenthesis '${open.ch}'`, this.line);
        }
      }
      this.push('OP', op);
      this.i += op.length;
    }
  }

  /** The operator at the index (longest match); a tokenizer error for a character that starts no token. */
  private operator(c: number): string {
    const s = this.s;
    // The usual ones of an answer without slicing: `=` `.` `:` `-` `+` not starting a longer one.
    const next = s.charCodeAt(this.i + 1);
    if (c === 61 /* = */ && next !== 61) return '=';
    if (c === 46 /* . */ && next !== 46) return '.';
    if (c === 58 /* : */ && next !== 61) return ':';
    if (c === 45 /* - */ && next !== 61 && next !== 62) return '-';
    if (c === 43 /* + */ && next !== 61) return '+';
    const three = s.slice(this.i, this.i + 3);
    if (OPERATORS3.has(three)) return three;
    const two = s.slice(this.i, this.i + 2);
    if (OPERATORS2.has(two)) return two;
    if (two === '<>') return two; // a token no rule accepts
    if (OPERATORS1.has(s[this.i]!)) return s[this.i]!;
    if (c < 0x80 && c >= 0x20 && c !== 0x7f) return s[this.i]!; // `!`, `$`, `?`, backtick: no rule accepts them
    throw syntaxError(`invalid non-printable character U+${c.toString(16).toUpperCase().padStart(4, '0')}`, this.line);
  }

  private push(type: TokType, value: string, num?: PyValue): void {
    const t = token(type, value, this.line, this.parens.length);
    if (num !== undefined) t.num = num;
    this.tokens.push(t);
  }

  private number(): void {
    if (!this.plainNumber()) this.anyNumber();
  }

  /**
   * A decimal int (not 0-led, no `_`) or `d.d` float followed by a delimiter, the usual literals,
   * without the general rules' closures and regular expressions; false (nothing read) for others.
   */
  private plainNumber(): boolean {
    const s = this.s;
    const start = this.i;
    let i = start;
    let c = s.charCodeAt(i);
    if (!isDigit(c) || (c === 48 && isDigit(s.charCodeAt(i + 1)))) return false;
    do c = s.charCodeAt(++i);
    while (isDigit(c));
    const isFloat = c === 46; /* . */
    if (isFloat) {
      do c = s.charCodeAt(++i);
      while (isDigit(c));
    }
    if (isAsciiIdContinue(c) || c === 46 || c >= 0x80) return false;
    if (!isFloat && i - start > INT_MAX_STR_DIGITS) return false;
    const raw = s.slice(start, i);
    this.i = i;
    this.push('NUMBER', raw, isFloat ? Number(raw) : BigInt(raw));
    return true;
  }

  /** Any number literal, by the general rules (prefixes, `_`, exponents, `j`, Python's errors). */
  private anyNumber(): void {
    const s = this.s;
    const start = this.i;
    const line = this.line;
    const invalid = (what: string): never => {
      throw syntaxError(`invalid ${what} literal`, line);
    };
    const digitsWithUnderscores = (ok: (c: number) => boolean, what: string): void => {
      // at least one digit expected at this.i
      if (!ok(s.charCodeAt(this.i))) invalid(what);
      for (;;) {
        while (ok(s.charCodeAt(this.i))) this.i++;
        if (s.charCodeAt(this.i) !== 95) break;
        this.i++;
        if (!ok(s.charCodeAt(this.i))) invalid(what);
      }
    };
    const endCheck = (what: string): void => {
      const c = s.charCodeAt(this.i);
      if (!isAsciiIdContinue(c)) return; // the usual case: a delimiter follows
      // CPython 3.11 lets a number run into `and else for if in is not or` (with a warning).
      const rest = s.slice(this.i, this.i + 4);
      if (/^(?:and|else|for|i[fns]|not|or)/.test(rest)) return;
      // A non-ASCII character ends the number in CPython 3.11 (the next token starts there).
      if (isAsciiIdContinue(c)) invalid(what);
    };
    const c0 = s.charCodeAt(this.i);
    if (c0 === 48) {
      const x = s.charCodeAt(this.i + 1) | 0x20;
      if (x === 120 || x === 111 || x === 98) {
        const what = x === 120 ? 'hexadecimal' : x === 111 ? 'octal' : 'binary';
        const ok =
          x === 120
            ? (c: number) => isDigit(c) || ((c | 0x20) >= 97 && (c | 0x20) <= 102)
            : x === 111
              ? (c: number) => c >= 48 && c <= 55
              : (c: number) => c === 48 || c === 49;
        this.i += 2;
        if (s.charCodeAt(this.i) === 95) this.i++;
        if (!ok(s.charCodeAt(this.i))) {
          const d = s.charCodeAt(this.i);
          if (isDigit(d)) throw syntaxError(`invalid digit '${s[this.i]}' in ${what} literal`, line);
          invalid(what);
        }
        digitsWithUnderscores(ok, what);
        const d = s.charCodeAt(this.i);
        if (isDigit(d)) throw syntaxError(`invalid digit '${s[this.i]}' in ${what} literal`, line);
        endCheck(what);
        const text = s.slice(start, this.i).replace(/_/g, '');
        this.push('NUMBER', s.slice(start, this.i), BigInt(text));
        return;
      }
    }
    let isFloat = false;
    let isImag = false;
    if (c0 !== 46) digitsWithUnderscores(isDigit, 'decimal');
    // An int with leading zeros fails as that before its end is checked (`07x`), unless a
    // fraction, exponent or imaginary part makes it another literal.
    const next = s.charCodeAt(this.i) | 0x20;
    if (c0 === 48 && next !== 0x2e && next !== 101 && next !== 106 && /[1-9]/.test(s.slice(start, this.i))) {
      throw syntaxError('leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers', line);
    }
    if (s.charCodeAt(this.i) === 46) {
      isFloat = true;
      this.i++;
      if (isDigit(s.charCodeAt(this.i))) digitsWithUnderscores(isDigit, 'decimal');
    }
    const e = s.charCodeAt(this.i) | 0x20;
    if (e === 101) {
      const save = this.i;
      this.i++;
      const sign = s.charCodeAt(this.i);
      if (sign === 43 || sign === 45) this.i++;
      if (isDigit(s.charCodeAt(this.i))) {
        digitsWithUnderscores(isDigit, 'decimal');
        isFloat = true;
      } else {
        this.i = save;
      }
    }
    if ((s.charCodeAt(this.i) | 0x20) === 106) {
      isImag = true;
      this.i++;
    }
    endCheck(isImag ? 'imaginary' : 'decimal');
    const raw = s.slice(start, this.i);
    const text = raw.replace(/_/g, '');
    if (isImag) {
      this.push('NUMBER', raw, PyOpaque.complexValue(0, Number(text.slice(0, -1))));
    } else if (isFloat) {
      this.push('NUMBER', raw, Number(text));
    } else {
      if (text.length > 1 && text.charCodeAt(0) === 48 && /[1-9]/.test(text)) {
        throw syntaxError(
          'leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers',
          line,
        );
      }
      if (text.length > INT_MAX_STR_DIGITS) {
        throw syntaxError(
          `Exceeds the limit (${INT_MAX_STR_DIGITS} digits) for integer string conversion: value has ${text.length} digits; use sys.set_int_max_str_digits() to increase the limit - Consider hexadecimal for huge integer literals to avoid decimal conversion limits.`,
          line,
        );
      }
      this.push('NUMBER', raw, BigInt(text));
    }
  }

  /** A string literal; this.i is at the prefix start (`start`), prefix already known. */
  private string(prefix: string, start: number): void {
    const s = this.s;
    const n = s.length;
    const line = this.line;
    let i = start + prefix.length;
    const q = s.charCodeAt(i);
    const triple = s.charCodeAt(i + 1) === q && s.charCodeAt(i + 2) === q;
    const qlen = triple ? 3 : 1;
    i += qlen;
    const bodyStart = i;
    let bodyEnd = -1;
    while (i < n) {
      const c = s.charCodeAt(i);
      if (c === 92 /* \ */) {
        if (s.charCodeAt(i + 1) === 10) this.line++;
        i += 2;
        continue;
      }
      if (c === 10) {
        if (!triple) {
          throw syntaxError(`unterminated string literal (detected at line ${this.line})`, line);
        }
        this.line++;
      }
      if (c === q && (!triple || (s.charCodeAt(i + 1) === q && s.charCodeAt(i + 2) === q))) {
        bodyEnd = i;
        break;
      }
      i++;
    }
    if (bodyEnd < 0) {
      if (triple) throw syntaxError(`unterminated triple-quoted string literal (detected at line ${this.line})`, line);
      throw syntaxError(`unterminated string literal (detected at line ${this.line})`, line);
    }
    this.i = bodyEnd + qlen;
    const body = s.slice(bodyStart, bodyEnd);
    const raw = prefix.includes('r');
    const isBytes = prefix.includes('b');
    const isF = prefix.includes('f');
    const t = token('STRING', s.slice(start, this.i), line, this.parens.length);
    t.str = isF
      ? { kind: 'fstr', body: t.value, raw: false, u: false }
      : { kind: isBytes ? 'bytes' : 'str', body, raw, u: prefix === 'u' };
    this.tokens.push(t);
  }
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  c |= 0x20;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

/** A literal body that does not decode: the message of the SyntaxError, without its location. */
class EscapeFailure {
  constructor(readonly msg: string) {}
}

/**
 * The unicode-escape codec's error for the escape of `body` from `start` up to `end` (exclusive).
 * CPython decodes a literal after writing each non-ASCII character of it as `\U%08x` (and a
 * backslash before one as `\u005c`), so its positions count bytes of that text.
 */
function unicodeEscapeError(body: string, start: number, end: number, reason: string): EscapeFailure {
  return new EscapeFailure(
    `(unicode error) 'unicodeescape' codec can't decode bytes in position ${escapedOffset(body, start)}-${escapedOffset(body, end) - 1}: ${reason}`,
  );
}

/** Where index `index` of a literal body is in the text CPython's string parser hands the codec. */
function escapedOffset(body: string, index: number): number {
  let offset = 0;
  let i = 0;
  while (i < index) {
    const c = body.charCodeAt(i);
    if (c === 0x5c /* backslash */) {
      offset++;
      i++;
      if (i >= body.length || body.charCodeAt(i) >= 0x80) offset += 5; // written `\u005c`
      else if (i < index) {
        // The character after a backslash goes with it (`\\` is one pair, not two escapes).
        offset++;
        i++;
      }
    } else if (c >= 0x80) {
      offset += 10;
      i += c >= 0xd800 && c <= 0xdbff && (body.charCodeAt(i + 1) & 0xfc00) === 0xdc00 ? 2 : 1;
    } else {
      offset++;
      i++;
    }
  }
  return offset;
}

/** Python's unicode-escape / bytes escape decoding of a literal body; throws an EscapeFailure. */
function decodeEscapes(body: string, bytes: boolean): string {
  if (!body.includes('\\')) return body;
  let out = '';
  let i = 0;
  const n = body.length;
  while (i < n) {
    const c = body[i]!;
    if (c !== '\\') {
      out += c;
      i++;
      continue;
    }
    const at = i;
    const e = body[i + 1];
    i += 2;
    switch (e) {
      case '\n':
        break;
      case '\\':
      case "'":
      case '"':
        out += e;
        break;
      case 'a':
        out += '\x07';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'v':
        out += '\v';
        break;
      case '0':
      case '1':
      case '2':
      case '3':
      case '4':
      case '5':
      case '6':
      case '7': {
        let v = e.charCodeAt(0) - 48;
        for (let k = 0; k < 2 && i < n && body[i]! >= '0' && body[i]! <= '7'; k++) v = v * 8 + body.charCodeAt(i++) - 48;
        out += bytes ? String.fromCharCode(v & 0xff) : String.fromCodePoint(v);
        break;
      }
      case 'x':
      case 'u':
      case 'U': {
        if (bytes && e !== 'x') {
          out += '\\' + e;
          break;
        }
        const len = e === 'x' ? 2 : e === 'u' ? 4 : 8;
        let v = 0;
        let k = 0;
        for (; k < len && i < n; k++) {
          const h = hexValue(body.charCodeAt(i));
          if (h < 0) break;
          v = v * 16 + h;
          i++;
        }
        if (k < len) {
          const what = e === 'x' ? '\\xXX' : e === 'u' ? '\\uXXXX' : '\\UXXXXXXXX';
          if (bytes) throw new EscapeFailure(`(value error) invalid \\x escape at position ${at}`);
          throw unicodeEscapeError(body, at, i, `truncated ${what} escape`);
        }
        if (v > 0x10ffff) throw unicodeEscapeError(body, at, i, 'illegal Unicode character');
        out += bytes ? String.fromCharCode(v) : String.fromCodePoint(v);
        break;
      }
      case 'N': {
        if (bytes) {
          out += '\\N';
          break;
        }
        // CPython's unicode-escape decoder: `{`, then a name up to the first `}`.
        const close = body[i] === '{' ? body.indexOf('}', i + 1) : -1;
        if (close < 0) throw unicodeEscapeError(body, at, body[i] === '{' ? n : i, 'malformed \\N character escape');
        if (close === i + 1) throw unicodeEscapeError(body, at, close, 'malformed \\N character escape');
        const cp = lookupUnicodeName(body.slice(i + 1, close));
        if (cp === undefined) throw unicodeEscapeError(body, at, close + 1, 'unknown Unicode character name');
        out += String.fromCodePoint(cp);
        i = close + 1;
        break;
      }
      case undefined:
        // A trailing lone backslash cannot occur: the tokenizer consumed it with the next char.
        out += '\\';
        break;
      default:
        out += '\\' + e;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// AST

interface Keyword {
  arg: string | null;
  value: Node;
}
interface Comprehension {
  target: Node;
  iter: Node;
  ifs: Node[];
  isAsync: boolean;
}
interface LambdaArg {
  kind: 'arg' | '/' | '*' | '**';
  name?: string;
  default?: Node;
}

type ConstValue = PyValue | typeof ELLIPSIS;
const ELLIPSIS = Symbol('Ellipsis');

type Node =
  | { t: 'Constant'; v: ConstValue; u?: boolean }
  | { t: 'JoinedStr'; src: string }
  | { t: 'Name'; id: string }
  | { t: 'Attribute'; value: Node; attr: string }
  | { t: 'Subscript'; value: Node; slice: Node }
  | { t: 'Slice'; lower?: Node; upper?: Node; step?: Node }
  | { t: 'Call'; func: Node; args: Node[]; keywords: Keyword[] }
  | { t: 'List' | 'Tuple' | 'Set'; elts: Node[] }
  | { t: 'Dict'; keys: (Node | null)[]; values: Node[] }
  | { t: 'UnaryOp'; op: '-' | '+' | '~' | 'not'; operand: Node }
  | { t: 'BinOp'; op: string; left: Node; right: Node }
  | { t: 'BoolOp'; op: 'and' | 'or'; values: Node[] }
  | { t: 'Compare'; left: Node; ops: string[]; comparators: Node[] }
  | { t: 'IfExp'; test: Node; body: Node; orelse: Node }
  | { t: 'Lambda'; args: LambdaArg[]; body: Node }
  | { t: 'ListComp' | 'SetComp' | 'GeneratorExp'; elt: Node; generators: Comprehension[] }
  | { t: 'DictComp'; key: Node; value: Node; generators: Comprehension[] }
  | { t: 'Starred'; value: Node }
  | { t: 'NamedExpr'; target: Node; value: Node }
  | { t: 'Await'; value: Node }
  | { t: 'Yield'; value?: Node }
  | { t: 'YieldFrom'; value: Node };

// ---------------------------------------------------------------------------------------------
// Parser (Python 3.11 expression grammar, eval mode)

const COMPARE_OPS = new Set(['==', '!=', '<', '>', '<=', '>=']);

/** The grammar's binary-operator levels, loosest first (bitwise_or ... term). */
const enum BinaryLevel {
  BITWISE_OR = 1,
  BITWISE_XOR,
  BITWISE_AND,
  SHIFT,
  SUM,
  TERM,
}
const BINARY_LEVELS = new Map<string, BinaryLevel>([
  ['|', BinaryLevel.BITWISE_OR],
  ['^', BinaryLevel.BITWISE_XOR],
  ['&', BinaryLevel.BITWISE_AND],
  ['<<', BinaryLevel.SHIFT],
  ['>>', BinaryLevel.SHIFT],
  ['+', BinaryLevel.SUM],
  ['-', BinaryLevel.SUM],
  ['*', BinaryLevel.TERM],
  ['/', BinaryLevel.TERM],
  ['//', BinaryLevel.TERM],
  ['%', BinaryLevel.TERM],
  ['@', BinaryLevel.TERM],
]);

/**
 * A parser error: generic ("invalid syntax") or one of CPython's specific second-pass messages.
 * Not an Error: it is thrown and caught inside the parser (lookaheads fail often), and building
 * an Error costs more than parsing an answer; parseEval turns the one it reports into a PyException.
 */
class ParseFailure {
  constructor(
    readonly msg: string,
    readonly line: number,
    readonly specific: boolean,
    readonly indentation = false,
    /** Raised by a grammar action (joining string literals): it ends the parse, no backtracking. */
    readonly action = false,
  ) {}

  exception(): PyException {
    return new PyException(this.indentation ? 'IndentationError' : 'SyntaxError', `${this.msg} (<unknown>, line ${this.line})`);
  }
}

/** The parser fetched a token the tokenizer could not produce. */
/** (A carrier caught by parseEval, not an Error: it needs no stack trace.) */
class TokenizerFailure {
  constructor(readonly error: PyException) {}
}

/**
 * What CPython 3.11's `SOFT_KEYWORD` token matches: `_PyPegen_soft_keyword_token` compares with
 * `strncmp(keyword, name, len(name))`, so every prefix of a soft keyword counts (`m`, `ca`...).
 */
const SOFT_KEYWORDS = new Set(['match', 'case', '_'].flatMap((k) => Array.from({ length: k.length }, (_, n) => k.slice(0, n + 1))));
/** Keywords and operators that can start an expression. */
const EXPRESSION_KEYWORDS = new Set(['True', 'False', 'None', 'not', 'lambda', 'await']);
const EXPRESSION_OPS = new Set(['(', '[', '{', '-', '+', '~', '...']);
/** Tokens after which an atom is a whole expression (no operator, call, subscript... follows). */
const ATOM_END_OPS = new Set([',', ')', ']', '}', ':']);

/** `_PyPegen_get_expr_name`. */
function exprName(e: Node): string {
  switch (e.t) {
    case 'Attribute':
      return 'attribute';
    case 'Subscript':
      return 'subscript';
    case 'Starred':
      return 'starred';
    case 'Name':
      return 'name';
    case 'List':
      return 'list';
    case 'Tuple':
      return 'tuple';
    case 'Lambda':
      return 'lambda';
    case 'Call':
      return 'function call';
    case 'BoolOp':
    case 'BinOp':
    case 'UnaryOp':
      return 'expression';
    case 'GeneratorExp':
      return 'generator expression';
    case 'Yield':
    case 'YieldFrom':
      return 'yield expression';
    case 'Await':
      return 'await expression';
    case 'ListComp':
      return 'list comprehension';
    case 'SetComp':
      return 'set comprehension';
    case 'DictComp':
      return 'dict comprehension';
    case 'Dict':
      return 'dict literal';
    case 'Set':
      return 'set display';
    case 'JoinedStr':
      return 'f-string expression';
    case 'Compare':
      return 'comparison';
    case 'IfExp':
      return 'conditional expression';
    case 'NamedExpr':
      return 'named expression';
    case 'Slice':
      return 'slice';
    case 'Constant':
      if (e.v === null) return 'None';
      if (e.v === true) return 'True';
      if (e.v === false) return 'False';
      if (e.v === ELLIPSIS) return 'ellipsis';
      return 'literal';
  }
}

/** The leftmost atom of an expression (for the `!(list|tuple|genexp|...)` lookahead). */
function leftmost(e: Node): Node {
  switch (e.t) {
    case 'Attribute':
    case 'Subscript':
      return leftmost(e.value);
    case 'Call':
      return leftmost(e.func);
    case 'BinOp':
      return leftmost(e.left);
    default:
      return e;
  }
}

/** Is the node something `bitwise_or` yields (not a comparison, boolean, conditional...)? */
function isBitwiseOrLevel(e: Node): boolean {
  switch (e.t) {
    case 'Compare':
    case 'BoolOp':
    case 'IfExp':
    case 'Lambda':
      return false;
    case 'UnaryOp':
      return e.op !== 'not';
    default:
      return true;
  }
}

class Parser {
  private p = 0;
  private depth = 0;
  /** > 0 while parsing CPython's `*_without_invalid` lookaheads: no specific-error checks. */
  private noInvalid = 0;
  /**
   * Per argument list being read (innermost last), its "positional argument follows keyword
   * argument" failure, if any: CPython reports it when the list's parse fails generically
   * further on (see callArgs, and parseEval, which applies it: no catch and rethrow per list).
   */
  private readonly pendingArgs: (ParseFailure | undefined)[] = [];
  /** Where the argument starts that callArgs took for the first misplaced positional one before reading it. */
  private misplacedArg = -1;
  /** The furthest token read (CPython's `p->tokens[p->fill - 1]`). */
  private furthest = 0;
  /**
   * Index of the token whose reading takes CPython's tokenizer to the end of the source (the last
   * one before NEWLINE, EOF or an unclosed-bracket error, when it ends the text), or beyond them.
   */
  private readonly endReadAt: number;
  constructor(
    private readonly toks: Token[],
    lastTokenEndsSource = true,
  ) {
    let last = toks.length - 1;
    while (last > 0 && (toks[last]!.type === 'EOF' || toks[last]!.type === 'NEWLINE' || toks[last]!.unclosedLine !== undefined)) last--;
    this.endReadAt = lastTokenEndsSource ? last : last + 1;
  }

  private get tok(): Token {
    if (this.p > this.furthest) this.furthest = this.p;
    return this.fetch(this.toks[this.p]!);
  }
  private peek(k = 1): Token {
    const i = Math.min(this.p + k, this.toks.length - 1);
    if (i > this.furthest) this.furthest = i;
    return this.fetch(this.toks[i]!);
  }
  private fetch(t: Token): Token {
    if (t.type === 'ERRORTOKEN') throw new TokenizerFailure(t.error!);
    return t;
  }
  /**
   * `f()`, or undefined with the position put back when it fails to parse; a specific error
   * (CPython's invalid_* rules) is raised on when `keepSpecific`.
   */
  private backtrack<T>(f: () => T, keepSpecific: boolean): T | undefined {
    const save = this.p;
    const depth = this.depth;
    const lists = this.pendingArgs.length;
    try {
      return f();
    } catch (e) {
      if (!(e instanceof ParseFailure) || (keepSpecific && e.specific) || e.action) throw e;
      this.p = save;
      this.depth = depth;
      this.pendingArgs.length = lists;
      return undefined;
    }
  }
  /** Try a parse as a lookahead: restore the position and return undefined on a parse error. */
  private attempt<T>(f: () => T): T | undefined {
    this.noInvalid++;
    try {
      return this.backtrack(f, false);
    } finally {
      this.noInvalid--;
    }
  }
  /**
   * An optional continuation: PEG backtracks to the shorter parse when it fails. That only
   * changes which error is reported, so it is done inside lookaheads only.
   */
  private opt<T>(f: () => T): T | undefined {
    return this.noInvalid === 0 ? f() : this.backtrack(f, false);
  }

  private specific(msg: string, line: number): never {
    throw new ParseFailure(msg, line, true);
  }
  private isOp(v: string, t: Token = this.tok): boolean {
    return t.type === 'OP' && t.value === v;
  }
  private isKw(v: string, t: Token = this.tok): boolean {
    return t.type === 'NAME' && t.value === v;
  }
  /** A generic error at a token, or a specific one when `msg` is given. */
  private fail(t: Token = this.tok, msg?: string): never {
    if (msg !== undefined) throw new ParseFailure(msg, t.line, true);
    if (t.type === 'INDENT') throw new ParseFailure('unexpected indent', t.line, false, true);
    throw new ParseFailure('invalid syntax', t.line, false);
  }
  private expectOp(v: string): void {
    if (!this.isOp(v)) this.fail();
    this.p++;
  }
  /**
   * One level deeper; the caller steps back with `this.depth--` on return. No `finally` does it:
   * a parse error would be rethrown at every level of the descent (half the cost of a failing
   * text); `attempt` and `opt`, which catch errors and go on parsing, restore the depth instead.
   */
  private enter(): void {
    if (++this.depth > MAX_DEPTH) throw new PyException('RecursionError', RECURSION_ERROR);
  }

  /**
   * `eval: expressions NEWLINE* ENDMARKER`, reporting errors as CPython 3.11 does: a tokenizer
   * error met while parsing wins; a parser error is then replaced by a tokenizer error anywhere
   * later in the source (CPython tokenizes the rest to look for one), except that an unclosed
   * bracket replaces it only when the furthest token read is on a later line than the bracket, a
   * quiet tokenizer error (see Token.quiet) never does, and nothing replaces a raised (specific
   * or action) error once the parser has read to the end of the text. The error is returned: a
   * throw costs more than the parse.
   */
  parseEval(): Node | PyException {
    try {
      const node = this.expressions();
      while (this.tok.type === 'NEWLINE') this.p++;
      if (this.tok.type !== 'EOF') this.fail();
      return node;
    } catch (e) {
      if (e instanceof TokenizerFailure) return e.error;
      if (e instanceof ParseFailure) {
        const pending = e.specific ? undefined : this.pendingArgs.findLast((p) => p !== undefined);
        // The argument error where the generic one is: the second `args` ends there.
        const failure = pending !== undefined ? new ParseFailure(pending.msg, e.line, true) : e;
        // A raised error (specific or an action's) stands once the tokenizer has met the end of
        // the text: CPython then does not tokenize the rest to look for errors (`is_tok_ok`).
        const atEnd = e.specific && this.furthest >= this.endReadAt;
        if (!failure.indentation && !atEnd) {
          const last = this.toks[this.toks.length - 1]!;
          const line = this.toks[Math.min(this.furthest, this.toks.length - 1)]!.line;
          if (last.type === 'ERRORTOKEN') {
            const open = last.openParen;
            if (last.quiet) {
              if (open !== undefined && line > open.line) return syntaxError(`'${open.ch}' was never closed`, open.line);
            } else if (last.unclosedLine === undefined || line > last.unclosedLine) return last.error!;
          }
        }
        return failure.exception();
      }
      if (e instanceof PyException) return e;
      throw e;
    }
  }

  /** Can the current token start an expression? */
  private startsExpr(t: Token = this.tok): boolean {
    switch (t.type) {
      case 'NUMBER':
      case 'STRING':
        return true;
      case 'NAME':
        return !KEYWORDS.has(t.value) || EXPRESSION_KEYWORDS.has(t.value);
      case 'OP':
        return EXPRESSION_OPS.has(t.value);
      default:
        return false;
    }
  }

  private expressions(): Node {
    const first = this.expression();
    if (!this.isOp(',')) return first;
    const elts = [first];
    while (this.isOp(',')) {
      this.p++;
      if (!this.startsExpr()) break;
      elts.push(this.expression());
    }
    return { t: 'Tuple', elts };
  }

  expression(): Node {
    this.enter();
    const node = this.expressionBody();
    this.depth--;
    return node;
  }

  private expressionBody(): Node {
    const atom = this.loneAtom();
    if (atom !== undefined) return atom;
    if (this.isKw('lambda')) return this.lambdef();
    const start = this.p;
    const body = this.disjunction();
    if (this.noInvalid === 0 && this.startsExpr()) this.forgotComma(start, body);
    if (this.isKw('if')) {
      const ifExp = this.opt((): Node => {
        this.p++;
        const test = this.disjunction();
        if (!this.isKw('else')) {
          if (this.isOp(':') || this.noInvalid) this.fail();
          this.fail(this.toks[start], "expected 'else' after 'if' expression");
        }
        this.p++;
        const orelse = this.expression();
        return { t: 'IfExp', test, body, orelse };
      });
      return ifExp ?? body;
    }
    return body;
  }

  /**
   * A name, number or single string followed by `,` `)` `]` `}` `:` or the end: what the whole
   * descent from `disjunction` to `atom` gives for it, without the descent.
   */
  private loneAtom(): Node | undefined {
    const t = this.tok;
    const next = this.toks[this.p + 1];
    if (next === undefined) return undefined;
    if (next.type === 'OP' ? !ATOM_END_OPS.has(next.value) : next.type !== 'NEWLINE' && next.type !== 'EOF') return undefined;
    switch (t.type) {
      case 'NUMBER':
        this.p++;
        // CPython reads the token after an atom (for a trailer); strings() reads it itself.
        if (this.p > this.furthest) this.furthest = this.p;
        return { t: 'Constant', v: t.num! };
      case 'STRING':
        return this.strings();
      case 'NAME':
        if (KEYWORDS.has(t.value) && t.value !== 'True' && t.value !== 'False' && t.value !== 'None') return undefined;
        if (this.p + 1 > this.furthest) this.furthest = this.p + 1;
        return this.atom();
      default:
        return undefined;
    }
  }

  /**
   * CPython's invalid_expression: `!(NAME STRING | SOFT_KEYWORD) a=disjunction
   * b=expression_without_invalid` inside brackets -> "Perhaps you forgot a comma?".
   */
  private forgotComma(start: number, a: Node): void {
    const first = this.toks[start]!;
    // The grammar's NAME is not a keyword (True, None...); SOFT_KEYWORD is.
    const excluded =
      first.type === 'NAME' && (SOFT_KEYWORDS.has(first.value) || (!KEYWORDS.has(first.value) && this.toks[start + 1]?.type === 'STRING'));
    const legacyName = a.t === 'Name' && (a.id === 'print' || a.id === 'exec');
    if (!excluded && !legacyName) {
      const save = this.p;
      const b = this.attempt(() => this.expression());
      const lastLevel = this.toks[this.p - 1]!.level;
      this.p = save;
      if (b !== undefined && lastLevel > 0) this.specific('invalid syntax. Perhaps you forgot a comma?', first.line);
    }
    if (a.t === 'Name' && this.p === start + 1) this.legacyExpression(a.id, first.line);
  }

  /**
   * CPython's invalid_legacy_expression, tried when invalid_expression raised nothing:
   * `a=NAME !'(' b=star_expressions`, "Missing parentheses in call to 'print'" for print and
   * exec. Parsing b runs the invalid rules too, so `[I'm sorry, I can't]` gets the comma hint
   * from `'m sorry, I can' t`; a generic failure in b only means the rule does not match.
   */
  private legacyExpression(name: string, line: number): void {
    const save = this.p;
    const lists = this.pendingArgs.length;
    const matched = this.backtrack(() => this.expressions(), true) !== undefined;
    // The rule gives NULL either way: the text is parsed on from the name.
    this.p = save;
    this.pendingArgs.length = lists;
    if (matched && (name === 'print' || name === 'exec')) {
      this.specific(`Missing parentheses in call to '${name}'. Did you mean ${name}(...)?`, line);
    }
  }

  private lambdef(): Node {
    this.p++; // lambda
    const args: LambdaArg[] = [];
    while (!this.isOp(':')) {
      if (this.isOp('/')) {
        this.p++;
        args.push({ kind: '/' });
      } else if (this.isOp('*')) {
        this.p++;
        if (this.tok.type === 'NAME' && !KEYWORDS.has(this.tok.value)) args.push({ kind: '*', name: this.toks[this.p++]!.value });
        else args.push({ kind: '*' });
      } else if (this.isOp('**')) {
        this.p++;
        if (this.tok.type !== 'NAME' || KEYWORDS.has(this.tok.value)) this.fail();
        args.push({ kind: '**', name: this.toks[this.p++]!.value });
      } else if (this.tok.type === 'NAME' && !KEYWORDS.has(this.tok.value)) {
        const name = this.toks[this.p++]!.value;
        if (this.isOp('=')) {
          this.p++;
          args.push({ kind: 'arg', name, default: this.expression() });
        } else args.push({ kind: 'arg', name });
      } else this.fail();
      if (this.isOp(',')) this.p++;
      else if (!this.isOp(':')) this.fail();
    }
    this.p++; // :
    return { t: 'Lambda', args, body: this.expression() };
  }

  /** named_expression; `inCall` for call arguments, where CPython's invalid_kwarg rules apply instead. */
  private namedExpression(inCall = false): Node {
    const start = this.p;
    const t = this.tok;
    if (t.type === 'NAME' && !KEYWORDS.has(t.value) && this.isOp(':=', this.peek())) {
      const target: Node = { t: 'Name', id: t.value };
      this.p += 2;
      return { t: 'NamedExpr', target, value: this.expression() };
    }
    const check = this.noInvalid === 0 && !inCall;
    if (check && t.type === 'NAME' && !KEYWORDS.has(t.value) && this.isOp('=', this.peek())) {
      // a=NAME '=' b=bitwise_or !('='|':=')
      const save = this.p;
      this.p += 2;
      const b = this.attempt(() => this.bitwiseOr());
      const ok = b !== undefined && !this.isOp('=') && !this.isOp(':=');
      this.p = save;
      if (ok) this.specific("invalid syntax. Maybe you meant '==' or ':=' instead of '='?", t.line);
    }
    const e = this.expression();
    if (this.isOp(':=')) {
      if (check) this.specific(`cannot use assignment expressions with ${exprName(e)}`, t.line);
      // `expression !':='` fails: the argument callArgs took for a misplaced positional one is not.
      if (inCall && this.misplacedArg === start) this.pendingArgs[this.pendingArgs.length - 1] = undefined;
      this.fail();
    }
    if (check && this.isOp('=') && isBitwiseOrLevel(e)) {
      const lm = leftmost(e);
      const excluded =
        lm.t === 'List' ||
        lm.t === 'Tuple' ||
        lm.t === 'GeneratorExp' ||
        (lm.t === 'Constant' && (lm.v === null || lm.v === true || lm.v === false));
      if (!excluded) {
        const save = this.p;
        this.p++;
        const b = this.attempt(() => this.bitwiseOr());
        const ok = b !== undefined && !this.isOp('=') && !this.isOp(':=');
        this.p = save;
        if (ok) this.specific(`cannot assign to ${exprName(e)} here. Maybe you meant '==' instead of '='?`, t.line);
      }
    }
    return e;
  }

  private starNamedExpression(): Node {
    if (this.isOp('*')) {
      this.p++;
      return { t: 'Starred', value: this.bitwiseOr() };
    }
    return this.namedExpression();
  }

  private disjunction(): Node {
    const t = this.tok;
    if (t.type === 'NAME' ? t.value === 'not' || t.value === 'await' : t.type === 'OP' && (t.value === '-' || t.value === '+' || t.value === '~')) {
      return this.disjunctionFrom(this.conjunction());
    }
    // The usual operand begins with a primary, which every level down to it would parse first:
    // parse it here and let each level go on from it, one frame instead of nine (a parse error
    // unwinds every frame, at a cost per frame).
    const power = this.powerFrom(this.primary());
    return this.disjunctionFrom(this.conjunctionFrom(this.comparisonFrom(this.binaryFrom(BinaryLevel.BITWISE_OR, power))));
  }

  private disjunctionFrom(first: Node): Node {
    if (!this.isKw('or')) return first;
    const values = [first];
    while (this.isKw('or')) {
      this.p++;
      values.push(this.conjunction());
    }
    return { t: 'BoolOp', op: 'or', values };
  }

  private conjunction(): Node {
    return this.conjunctionFrom(this.inversion());
  }

  private conjunctionFrom(first: Node): Node {
    if (!this.isKw('and')) return first;
    const values = [first];
    while (this.isKw('and')) {
      this.p++;
      values.push(this.inversion());
    }
    return { t: 'BoolOp', op: 'and', values };
  }

  private inversion(): Node {
    if (this.isKw('not')) {
      this.p++;
      this.enter();
      const operand = this.inversion();
      this.depth--;
      return { t: 'UnaryOp', op: 'not', operand };
    }
    return this.comparison();
  }

  private compareOp(): string | undefined {
    const t = this.tok;
    if (t.type === 'OP' && COMPARE_OPS.has(t.value)) {
      this.p++;
      return t.value;
    }
    if (this.isKw('in')) {
      this.p++;
      return 'in';
    }
    if (this.isKw('not') && this.isKw('in', this.peek())) {
      this.p += 2;
      return 'not in';
    }
    if (this.isKw('is')) {
      this.p++;
      if (this.isKw('not')) {
        this.p++;
        return 'is not';
      }
      return 'is';
    }
    return undefined;
  }

  private comparison(): Node {
    return this.comparisonFrom(this.bitwiseOr());
  }

  private comparisonFrom(left: Node): Node {
    const ops: string[] = [];
    const comparators: Node[] = [];
    for (;;) {
      const save = this.p;
      const op = this.compareOp();
      if (op === undefined) break;
      const right = this.opt(() => this.bitwiseOr());
      if (right === undefined) {
        this.p = save;
        break;
      }
      ops.push(op);
      comparators.push(right);
    }
    return ops.length ? { t: 'Compare', left, ops, comparators } : left;
  }

  /** bitwise_or: its levels down to term (`|` `^` `&` `<<` `+` `*`), left-associative. */
  private bitwiseOr(): Node {
    return this.binary(BinaryLevel.BITWISE_OR);
  }

  /**
   * The binary-operator levels from `level` down to term, by precedence climbing: one frame for
   * all of them (a parse error unwinds every frame, at a cost per frame), the same trees as a
   * rule per level. A continuation that fails inside a lookahead ends the operand there, as PEG's
   * backtracking does (outer levels retry that operator in vain, at the same place).
   */
  private binary(level: BinaryLevel): Node {
    return this.binaryFrom(level, this.factor());
  }

  private binaryFrom(level: BinaryLevel, first: Node): Node {
    let left = first;
    for (;;) {
      const t = this.tok;
      const opLevel = t.type === 'OP' ? BINARY_LEVELS.get(t.value) : undefined;
      if (opLevel === undefined || opLevel < level) return left;
      const save = this.p;
      const right = this.opt(() => {
        this.p++;
        return this.binary(opLevel + 1);
      });
      if (right === undefined) {
        this.p = save;
        return left;
      }
      left = { t: 'BinOp', op: t.value, left, right };
    }
  }

  private factor(): Node {
    const t = this.tok;
    if (t.type === 'OP' && (t.value === '-' || t.value === '+' || t.value === '~')) {
      this.p++;
      this.enter();
      const operand = this.factor();
      this.depth--;
      return { t: 'UnaryOp', op: t.value, operand };
    }
    return this.power();
  }

  private power(): Node {
    return this.powerFrom(this.awaitPrimary());
  }

  private powerFrom(left: Node): Node {
    if (this.isOp('**')) {
      this.p++;
      return { t: 'BinOp', op: '**', left, right: this.factor() };
    }
    return left;
  }

  private awaitPrimary(): Node {
    if (this.isKw('await')) {
      this.p++;
      return { t: 'Await', value: this.primary() };
    }
    return this.primary();
  }

  private primary(): Node {
    let node = this.atom();
    for (;;) {
      const cur = node;
      let next: Node | undefined;
      if (this.isOp('.')) {
        next = this.opt(() => {
          this.p++;
          if (this.tok.type !== 'NAME' || KEYWORDS.has(this.tok.value)) this.fail();
          return { t: 'Attribute' as const, value: cur, attr: this.toks[this.p++]!.value };
        });
      } else if (this.isOp('(')) {
        next = this.opt(() => {
          this.p++;
          return this.callArgs(cur);
        });
      } else if (this.isOp('[')) {
        next = this.opt(() => {
          this.p++;
          const slice = this.slices();
          this.expectOp(']');
          return { t: 'Subscript' as const, value: cur, slice };
        });
      }
      if (next === undefined) return node;
      node = next;
    }
  }

  private callArgs(func: Node): Node {
    const args: Node[] = [];
    const keywords: Keyword[] = [];
    let sawKeyword = false;
    let sawDoubleStar = false;
    // CPython reports "positional argument follows keyword argument" once the whole argument
    // list has been read (a=args ',' args), so errors further on take precedence; a generic
    // error in the list gives way to it (parseEval).
    const list = this.pendingArgs.length;
    this.pendingArgs.push(undefined);
    // The second `args` of that rule ends before a positional argument that again follows a
    // keyword one, after reading it whole (invalid_kwarg tries `expression '='`): the error's line.
    let keywordsAtPending = -1;
    let secondArgsEnd: number | undefined;
    while (!this.isOp(')')) {
      const t = this.tok;
      if (this.isOp('*')) {
        this.p++;
        if (sawDoubleStar) this.fail(t, 'iterable argument unpacking follows keyword argument unpacking');
        args.push({ t: 'Starred', value: this.expression() });
      } else if (this.isOp('**')) {
        this.p++;
        keywords.push({ arg: null, value: this.expression() });
        sawDoubleStar = true;
      } else if (t.type === 'NAME' && !KEYWORDS.has(t.value) && this.isOp('=', this.peek())) {
        this.p += 2;
        keywords.push({ arg: t.value, value: this.expression() });
        if (this.isKw('for') && this.noInvalid === 0) {
          this.fail(t, "invalid syntax. Maybe you meant '==' or ':=' instead of '='?");
        }
        sawKeyword = true;
      } else {
        if (t.type === 'NAME' && (t.value === 'True' || t.value === 'False' || t.value === 'None') && this.isOp('=', this.peek())) {
          this.fail(t, `cannot assign to ${t.value}`);
        }
        if (!this.startsExpr()) this.fail();
        // Without the error rules (lookaheads), CPython's `args` stops before a positional
        // argument that follows keyword ones: the call does not parse, nothing after is read.
        if (this.noInvalid > 0 && (sawKeyword || sawDoubleStar)) this.fail();
        const again = this.pendingArgs[list] !== undefined && keywords.length > keywordsAtPending;
        const misplaced = this.pendingArgs[list] === undefined && (sawDoubleStar || sawKeyword);
        const recordMisplaced = (): void => {
          const msg = sawDoubleStar ? 'positional argument follows keyword argument unpacking' : 'positional argument follows keyword argument';
          this.pendingArgs[list] = new ParseFailure(msg, t.line, true);
          keywordsAtPending = keywords.length;
        };
        const bareWalrus = t.type === 'NAME' && this.isOp(':=', this.peek());
        // CPython's second `args` matches as soon as a whole expression starts the argument (a
        // name, number or string is one, PEG falls back to it; not `x :=`, for `expression
        // !':='`): a generic error further inside the argument then gives way to this one, so it
        // is recorded before the argument is read.
        const atomFirst =
          !bareWalrus &&
          (t.type === 'NUMBER' ||
            t.type === 'STRING' ||
            (t.type === 'NAME' && (!KEYWORDS.has(t.value) || t.value === 'True' || t.value === 'False' || t.value === 'None')));
        if (misplaced && atomFirst) {
          recordMisplaced();
          this.misplacedArg = this.p;
        }
        let e = this.namedExpression(true);
        if (this.isKw('for') || (this.isKw('async') && this.isKw('for', this.peek()))) {
          const generators = this.comprehensions();
          e = { t: 'GeneratorExp', elt: e, generators };
          if (args.length || keywords.length || !this.isOp(')')) this.fail(t, 'Generator expression must be parenthesized');
        }
        // invalid_kwarg's `!(NAME '=') a=expression b='='`: a bare `x := 1` is no expression.
        if (this.isOp('=')) {
          if (bareWalrus) this.fail();
          this.fail(t, 'expression cannot contain assignment, perhaps you meant "=="?');
        }
        if (again) secondArgsEnd ??= this.tok.line;
        if (misplaced && !atomFirst) recordMisplaced();
        args.push(e);
      }
      if (this.isOp(',')) this.p++;
      else if (!this.isOp(')')) this.fail();
    }
    const pending = this.pendingArgs.pop();
    // Raised once the second `args` of `a=args ',' args` has been read, at the last token read.
    if (pending) throw new ParseFailure(pending.msg, secondArgsEnd ?? this.tok.line, true);
    this.p++; // )
    return { t: 'Call', func, args, keywords };
  }

  private slice(): Node {
    let lower: Node | undefined;
    if (!this.isOp(':')) {
      if (this.isOp('*')) {
        this.p++;
        return { t: 'Starred', value: this.bitwiseOr() };
      }
      const e = this.namedExpression();
      if (!this.isOp(':')) return e;
      lower = e;
    }
    this.p++; // :
    const node: Node = { t: 'Slice' };
    if (lower) node.lower = lower;
    if (!this.isOp(':') && !this.isOp(',') && !this.isOp(']')) node.upper = this.expression();
    if (this.isOp(':')) {
      this.p++;
      if (!this.isOp(',') && !this.isOp(']')) node.step = this.expression();
    }
    return node;
  }

  private slices(): Node {
    if (this.isOp(']')) this.fail();
    const first = this.slice();
    if (!this.isOp(',')) return first;
    const elts = [first];
    while (this.isOp(',')) {
      this.p++;
      if (this.isOp(']')) break;
      elts.push(this.slice());
    }
    return { t: 'Tuple', elts };
  }

  private comprehensions(): Comprehension[] {
    const out: Comprehension[] = [];
    for (;;) {
      let isAsync = false;
      if (this.isKw('async') && this.isKw('for', this.peek())) {
        isAsync = true;
        this.p++;
      }
      if (!this.isKw('for')) break;
      this.p++;
      const target = this.targets();
      if (!this.isKw('in')) this.fail();
      this.p++;
      const iter = this.disjunction();
      const ifs: Node[] = [];
      while (this.isKw('if')) {
        this.p++;
        ifs.push(this.disjunction());
      }
      out.push({ target, iter, ifs, isAsync });
    }
    return out;
  }

  /** star_targets of a comprehension's `for`: parsed as expressions, then validated. */
  private targets(): Node {
    const one = (): Node => {
      const t = this.tok;
      const e = this.isOp('*') ? (this.p++, { t: 'Starred' as const, value: this.bitwiseOr() }) : this.bitwiseOr();
      this.checkTarget(e, t);
      return e;
    };
    const first = one();
    if (!this.isOp(',')) return first;
    const elts = [first];
    while (this.isOp(',')) {
      this.p++;
      if (this.isKw('in')) break;
      elts.push(one());
    }
    return { t: 'Tuple', elts };
  }

  private checkTarget(e: Node, t: Token): void {
    switch (e.t) {
      case 'Name':
      case 'Attribute':
      case 'Subscript':
        return;
      case 'Starred':
        return this.checkTarget(e.value, t);
      case 'Tuple':
      case 'List':
        for (const x of e.elts) this.checkTarget(x, t);
        return;
      default:
        this.fail(t, 'invalid syntax');
    }
  }

  private atom(): Node {
    const t = this.tok;
    switch (t.type) {
      case 'NAME':
        if (t.value === 'True' || t.value === 'False' || t.value === 'None') {
          this.p++;
          return { t: 'Constant', v: t.value === 'None' ? null : t.value === 'True' };
        }
        if (KEYWORDS.has(t.value)) this.fail();
        this.p++;
        return { t: 'Name', id: t.value };
      case 'NUMBER':
        this.p++;
        return { t: 'Constant', v: t.num! };
      case 'STRING':
        return this.strings();
      case 'OP':
        switch (t.value) {
          case '(':
            this.p++;
            return this.paren();
          case '[':
            this.p++;
            return this.list();
          case '{':
            this.p++;
            return this.brace();
          case '...':
            this.p++;
            return { t: 'Constant', v: ELLIPSIS };
        }
    }
    return this.fail();
  }

  /**
   * `STRING+`, joined as `_PyPegen_concatenate_strings` does once the token after them is read:
   * each literal decoded in turn (a bytes literal with a non-ASCII character fails at its own
   * line), then checked against the one before for mixing bytes and str; those errors are at
   * the line of the token after the literals, the last one CPython has read.
   */
  private strings(): Node {
    const start = this.p;
    const u = this.tok.str!.u;
    while (this.tok.type === 'STRING') this.p++;
    const after = this.tok.line;
    let bytes = false;
    let anyF = false;
    let value = '';
    let src = '';
    for (let k = start; k < this.p; k++) {
      const t = this.toks[k]!;
      const piece = t.str!;
      const isBytes = piece.kind === 'bytes';
      if (piece.kind === 'fstr') anyF = true;
      else if (isBytes && /[^\x00-\x7f]/.test(piece.body)) this.actionFail('bytes can only contain ASCII literal characters', t.line);
      else if (!piece.raw) {
        try {
          value += decodeEscapes(piece.body, isBytes);
        } catch (e) {
          if (e instanceof EscapeFailure) this.actionFail(e.msg, after);
          throw e;
        }
      } else value += piece.body;
      if (k > start && isBytes !== bytes) this.actionFail('cannot mix bytes and nonbytes literals', after);
      bytes = isBytes;
      src += (src ? ' ' : '') + t.value;
    }
    if (anyF) return { t: 'JoinedStr', src };
    if (bytes) return { t: 'Constant', v: PyOpaque.bytesValue(value) };
    return u ? { t: 'Constant', v: value, u: true } : { t: 'Constant', v: value };
  }

  private actionFail(msg: string, line: number): never {
    throw new ParseFailure(msg, line, true, false, true);
  }

  private paren(): Node {
    this.enter();
    const node = this.parenBody();
    this.depth--;
    return node;
  }

  private parenBody(): Node {
    if (this.isOp(')')) {
      this.p++;
      return { t: 'Tuple', elts: [] };
    }
    if (this.isKw('yield')) {
      this.p++;
      let node: Node;
      if (this.isKw('from')) {
        this.p++;
        node = { t: 'YieldFrom', value: this.expression() };
      } else if (this.isOp(')')) node = { t: 'Yield' };
      else node = { t: 'Yield', value: this.expressionsStar() };
      this.expectOp(')');
      return node;
    }
    const first = this.starNamedExpression();
    if (this.isKw('for') || (this.isKw('async') && this.isKw('for', this.peek()))) {
      if (first.t === 'Starred') this.fail(this.tok, 'iterable unpacking cannot be used in comprehension');
      const generators = this.comprehensions();
      this.expectOp(')');
      return { t: 'GeneratorExp', elt: first, generators };
    }
    if (this.isOp(')')) {
      this.p++;
      if (first.t === 'Starred') this.fail(this.tok, 'cannot use starred expression here');
      return first;
    }
    const elts = [first];
    this.expectOp(',');
    while (!this.isOp(')')) {
      elts.push(this.starNamedExpression());
      if (this.isOp(',')) this.p++;
      else if (!this.isOp(')')) this.fail();
    }
    this.p++;
    return { t: 'Tuple', elts };
  }

  /** star_expressions after `yield`. */
  private expressionsStar(): Node {
    const one = (): Node => (this.isOp('*') ? (this.p++, { t: 'Starred' as const, value: this.bitwiseOr() }) : this.expression());
    const first = one();
    if (!this.isOp(',')) return first;
    const elts = [first];
    while (this.isOp(',')) {
      this.p++;
      if (!this.startsExpr() && !this.isOp('*')) break;
      elts.push(one());
    }
    return { t: 'Tuple', elts };
  }

  private list(): Node {
    this.enter();
    const node = this.listBody();
    this.depth--;
    return node;
  }

  private listBody(): Node {
    const elts: Node[] = [];
    if (this.isOp(']')) {
      this.p++;
      return { t: 'List', elts };
    }
    const first = this.starNamedExpression();
    if (this.isKw('for') || (this.isKw('async') && this.isKw('for', this.peek()))) {
      if (first.t === 'Starred') this.fail(this.tok, 'iterable unpacking cannot be used in comprehension');
      const generators = this.comprehensions();
      this.expectOp(']');
      return { t: 'ListComp', elt: first, generators };
    }
    elts.push(first);
    for (;;) {
      if (this.isOp(']')) break;
      this.expectOp(',');
      if (this.isOp(']')) break;
      elts.push(this.starNamedExpression());
    }
    this.p++;
    return { t: 'List', elts };
  }

  private dictValue(): Node {
    if (this.noInvalid === 0) {
      if (this.isOp('}') || this.isOp(',')) this.fail(this.toks[this.p - 1], "expression expected after dictionary key and ':'");
      if (this.isOp('*')) this.fail(this.tok, 'cannot use a starred expression in a dictionary value');
    }
    return this.expression();
  }

  private brace(): Node {
    this.enter();
    const node = this.braceBody();
    this.depth--;
    return node;
  }

  private braceBody(): Node {
    if (this.isOp('}')) {
      this.p++;
      return { t: 'Dict', keys: [], values: [] };
    }
    let isDict: boolean;
    const keys: (Node | null)[] = [];
    const values: Node[] = [];
    const elts: Node[] = [];
    if (this.isOp('**')) {
      this.p++;
      keys.push(null);
      values.push(this.bitwiseOr());
      isDict = true;
    } else {
      const first = this.starNamedExpression();
      if (this.isOp(':') && first.t !== 'Starred' && first.t !== 'NamedExpr') {
        this.p++;
        const value = this.dictValue();
        if (this.isKw('for') || (this.isKw('async') && this.isKw('for', this.peek()))) {
          const generators = this.comprehensions();
          this.expectOp('}');
          return { t: 'DictComp', key: first, value, generators };
        }
        keys.push(first);
        values.push(value);
        isDict = true;
      } else {
        if (this.isKw('for') || (this.isKw('async') && this.isKw('for', this.peek()))) {
          if (first.t === 'Starred') this.fail(this.tok, 'iterable unpacking cannot be used in comprehension');
          const generators = this.comprehensions();
          this.expectOp('}');
          return { t: 'SetComp', elt: first, generators };
        }
        elts.push(first);
        isDict = false;
      }
    }
    for (;;) {
      if (this.isOp('}')) break;
      this.expectOp(',');
      if (this.isOp('}')) break;
      if (isDict) {
        if (this.isOp('**')) {
          this.p++;
          keys.push(null);
          values.push(this.bitwiseOr());
        } else {
          const kt = this.tok;
          keys.push(this.expression());
          if (!this.isOp(':')) {
            if (this.noInvalid === 0) this.fail(kt, "':' expected after dictionary key");
            this.fail();
          }
          this.p++;
          values.push(this.dictValue());
        }
      } else {
        elts.push(this.starNamedExpression());
      }
    }
    this.p++;
    return isDict ? { t: 'Dict', keys, values } : { t: 'Set', elts };
  }
}

// ---------------------------------------------------------------------------------------------
// ast.unparse (Python 3.11's _Unparser, expressions only)

const enum Prec {
  NAMED_EXPR = 1,
  TUPLE,
  YIELD,
  TEST,
  OR,
  AND,
  NOT,
  CMP,
  EXPR, // BOR
  BXOR,
  BAND,
  SHIFT,
  ARITH,
  TERM,
  FACTOR,
  POWER,
  AWAIT,
  ATOM,
}
const BINOP_PREC: Record<string, Prec> = {
  '+': Prec.ARITH,
  '-': Prec.ARITH,
  '*': Prec.TERM,
  '@': Prec.TERM,
  '/': Prec.TERM,
  '%': Prec.TERM,
  '//': Prec.TERM,
  '<<': Prec.SHIFT,
  '>>': Prec.SHIFT,
  '|': Prec.EXPR,
  '^': Prec.BXOR,
  '&': Prec.BAND,
  '**': Prec.POWER,
};
function nextPrec(p: Prec): Prec {
  return p === Prec.ATOM ? p : ((p + 1) as Prec);
}

function unparseConstant(v: ConstValue, u?: boolean): string {
  if (v === ELLIPSIS) return '...';
  if (typeof v === 'number') return floatRepr(v).replace('inf', '1e309');
  if (v instanceof PyOpaque && v.typeName === 'complex') return v.repr().replace(/inf/g, '1e309');
  return (u ? 'u' : '') + pyRepr(v as PyValue);
}

/** `ast.unparse(node)` with `prec` the precedence the parent set (TEST by default). */
function unparse(node: Node, prec: Prec = Prec.TEST): string {
  const paren = (need: Prec, s: string): string => (prec > need ? `(${s})` : s);
  switch (node.t) {
    case 'Constant':
      return unparseConstant(node.v, node.u);
    case 'JoinedStr':
      return unparseFString(node.src);
    case 'Name':
      return node.id;
    case 'NamedExpr':
      return paren(Prec.NAMED_EXPR, `${unparse(node.target, Prec.ATOM)} := ${unparse(node.value, Prec.ATOM)}`);
    case 'Yield':
      return paren(Prec.YIELD, node.value ? `yield ${unparse(node.value, Prec.ATOM)}` : 'yield');
    case 'YieldFrom':
      return paren(Prec.YIELD, `yield from ${unparse(node.value, Prec.ATOM)}`);
    case 'Await':
      return paren(Prec.AWAIT, `await ${unparse(node.value, Prec.ATOM)}`);
    case 'Attribute': {
      const v = unparse(node.value, Prec.ATOM);
      const space =
        node.value.t === 'Constant' && (typeof node.value.v === 'bigint' || typeof node.value.v === 'boolean') ? ' ' : '';
      return `${v}${space}.${node.attr}`;
    }
    case 'Call': {
      const parts = node.args.map((a) => unparse(a));
      for (const k of node.keywords) parts.push(k.arg === null ? `**${unparse(k.value)}` : `${k.arg}=${unparse(k.value)}`);
      return `${unparse(node.func, Prec.ATOM)}(${parts.join(', ')})`;
    }
    case 'Subscript': {
      const s = node.slice;
      const inner =
        s.t === 'Tuple' && s.elts.length > 0
          ? s.elts.length === 1
            ? `${unparse(s.elts[0]!)},`
            : s.elts.map((e) => unparse(e)).join(', ')
          : unparse(s);
      return `${unparse(node.value, Prec.ATOM)}[${inner}]`;
    }
    case 'Slice': {
      let out = '';
      if (node.lower) out += unparse(node.lower);
      out += ':';
      if (node.upper) out += unparse(node.upper);
      if (node.step) out += ':' + unparse(node.step);
      return out;
    }
    case 'Starred':
      return `*${unparse(node.value, Prec.EXPR)}`;
    case 'List':
      return `[${node.elts.map((e) => unparse(e)).join(', ')}]`;
    case 'Tuple': {
      const inner = node.elts.length === 1 ? `${unparse(node.elts[0]!)},` : node.elts.map((e) => unparse(e)).join(', ');
      return node.elts.length === 0 || prec > Prec.TUPLE ? `(${inner})` : inner;
    }
    case 'Set':
      return node.elts.length ? `{${node.elts.map((e) => unparse(e)).join(', ')}}` : '{*()}';
    case 'Dict': {
      const parts = node.keys.map((k, i) =>
        k === null ? `**${unparse(node.values[i]!, Prec.EXPR)}` : `${unparse(k)}: ${unparse(node.values[i]!)}`,
      );
      return `{${parts.join(', ')}}`;
    }
    case 'UnaryOp': {
      const isNot = node.op === 'not';
      const p = isNot ? Prec.NOT : Prec.FACTOR;
      return paren(p, `${node.op}${isNot ? ' ' : ''}${unparse(node.operand, p)}`);
    }
    case 'BinOp': {
      const p = BINOP_PREC[node.op]!;
      const [lp, rp] = node.op === '**' ? [nextPrec(p), p] : [p, nextPrec(p)];
      return paren(p, `${unparse(node.left, lp)} ${node.op} ${unparse(node.right, rp)}`);
    }
    case 'Compare': {
      let out = unparse(node.left, nextPrec(Prec.CMP));
      node.ops.forEach((op, i) => (out += ` ${op} ${unparse(node.comparators[i]!, nextPrec(Prec.CMP))}`));
      return paren(Prec.CMP, out);
    }
    case 'BoolOp': {
      let p = node.op === 'and' ? Prec.AND : Prec.OR;
      const own = p;
      const parts = node.values.map((v) => {
        p = nextPrec(p);
        return unparse(v, p);
      });
      return paren(own, parts.join(` ${node.op} `));
    }
    case 'IfExp':
      return paren(
        Prec.TEST,
        `${unparse(node.body, nextPrec(Prec.TEST))} if ${unparse(node.test, nextPrec(Prec.TEST))} else ${unparse(node.orelse, Prec.TEST)}`,
      );
    case 'Lambda': {
      const params = node.args.map((a) =>
        a.kind === '/'
          ? '/'
          : a.kind === '*'
            ? `*${a.name ?? ''}`
            : a.kind === '**'
              ? `**${a.name}`
              : a.default
                ? `${a.name}=${unparse(a.default)}`
                : a.name!,
      );
      const head = params.length ? `lambda ${params.join(', ')}` : 'lambda';
      return paren(Prec.TEST, `${head}: ${unparse(node.body, Prec.TEST)}`);
    }
    case 'ListComp':
      return `[${unparse(node.elt)}${unparseGenerators(node.generators)}]`;
    case 'SetComp':
      return `{${unparse(node.elt)}${unparseGenerators(node.generators)}}`;
    case 'GeneratorExp':
      return `(${unparse(node.elt)}${unparseGenerators(node.generators)})`;
    case 'DictComp':
      return `{${unparse(node.key)}: ${unparse(node.value)}${unparseGenerators(node.generators)}}`;
  }
}

/**
 * Approximates `ast.unparse` of an f-string: the bodies of the concatenated literals, re-quoted
 * the way Python prefers (`'` unless the body holds one). Escapes and format specs are kept as
 * written (Python re-renders them).
 */
function unparseFString(src: string): string {
  let body = '';
  let i = 0;
  while (i < src.length) {
    let j = i;
    while (j < src.length && /[a-zA-Z]/.test(src[j]!)) j++;
    const prefix = src.slice(i, j).toLowerCase();
    const q = src[j]!;
    const triple = src.startsWith(q + q + q, j);
    const ql = triple ? 3 : 1;
    let k = j + ql;
    while (k < src.length && !(src[k] === q && (!triple || src.startsWith(q + q + q, k)))) k += src[k] === '\\' ? 2 : 1;
    const inner = src.slice(j + ql, k);
    body += prefix.includes('f') ? inner : inner.replace(/[{}]/g, (m) => m + m);
    i = k + ql;
    while (i < src.length && src[i] === ' ') i++;
  }
  if (!body.includes("'") && !body.includes('\n')) return `f'${body}'`;
  if (!body.includes('"') && !body.includes('\n')) return `f"${body}"`;
  return src;
}

function unparseGenerators(gens: Comprehension[]): string {
  let out = '';
  for (const g of gens) {
    out += `${g.isAsync ? ' async for ' : ' for '}${unparse(g.target, Prec.TUPLE)} in ${unparse(g.iter, nextPrec(Prec.TEST))}`;
    for (const c of g.ifs) out += ` if ${unparse(c, nextPrec(Prec.TEST))}`;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// eval of a BinOp (what `eval(ast.unparse(node))` computes)

/** Names that Python's eval would resolve (builtins, utils.py's module globals): not emulated. */
const RESOLVABLE_NAMES = new Set([
  ...'abs aiter all anext any ascii bin bool breakpoint bytearray bytes callable chr classmethod compile complex copyright credits delattr dict dir divmod enumerate eval exec exit filter float format frozenset getattr globals hasattr hash help hex id input int isinstance issubclass iter len license list locals map max memoryview min next object oct open ord pow print property quit range repr reversed round set setattr slice sorted staticmethod str sum super tuple type vars zip __import__ __name__ __doc__ __builtins__ __file__ __spec__ __loader__ __package__ NotImplemented Ellipsis'.split(' '),
  ...'BaseException Exception ArithmeticError AssertionError AttributeError EOFError ImportError IndexError KeyError LookupError NameError OSError OverflowError RuntimeError StopIteration SyntaxError SystemExit TypeError ValueError ZeroDivisionError Warning'.split(' '),
  ...'ast json os re time value output Callable Optional Union List Type Any ReturnFormat'.split(' '),
]);

function unsupported(what: string): never {
  throw new PyException('NotImplementedError', `fc-distill cannot evaluate ${what} inside a binary operation`);
}

function evalNode(node: Node): PyValue {
  switch (node.t) {
    case 'Constant':
      if (node.v === ELLIPSIS) unsupported('Ellipsis');
      return node.v as PyValue;
    case 'Name':
      if (RESOLVABLE_NAMES.has(node.id)) unsupported(`the name '${node.id}'`);
      throw new PyException('NameError', `name '${node.id}' is not defined`);
    case 'List':
      return node.elts.map((e) => {
        if (e.t === 'Starred') unsupported('unpacking');
        return evalNode(e);
      });
    case 'Tuple':
      return new PyTuple(
        node.elts.map((e) => {
          if (e.t === 'Starred') unsupported('unpacking');
          return evalNode(e);
        }),
      );
    case 'Dict': {
      const d: PyDict = new Map();
      node.keys.forEach((k, i) => {
        if (k === null) unsupported('dict unpacking');
        const key = evalNode(k);
        const value = evalNode(node.values[i]!);
        dictSet(d, hashable(key), value);
      });
      return d;
    }
    case 'UnaryOp':
      return unaryOp(node.op, evalNode(node.operand));
    case 'BinOp':
      return binOp(node.op, evalNode(node.left), evalNode(node.right));
    case 'BoolOp': {
      let v: PyValue = null;
      for (const x of node.values) {
        v = evalNode(x);
        if (truthy(v) === (node.op === 'or')) return v;
      }
      return v;
    }
    case 'IfExp':
      return truthy(evalNode(node.test)) ? evalNode(node.body) : evalNode(node.orelse);
    case 'Compare': {
      let left = evalNode(node.left);
      for (let i = 0; i < node.ops.length; i++) {
        const right = evalNode(node.comparators[i]!);
        if (!compare(node.ops[i]!, left, right)) return false;
        left = right;
      }
      return true;
    }
    case 'Call':
      // Python evaluates the callee first: an unknown name raises NameError.
      evalCallee(node.func);
      return unsupported('a call');
    case 'Attribute':
      evalCallee(node.value);
      return unsupported('an attribute');
    default:
      return unsupported(`'${node.t}'`);
  }
}

function compare(op: string, a: PyValue, b: PyValue): boolean {
  switch (op) {
    case '==':
      return pyEquals(a, b);
    case '!=':
      return !pyEquals(a, b);
    case 'is':
    case 'is not': {
      const singleton = (v: PyValue) => v === null || typeof v === 'boolean';
      if (!singleton(a) && !singleton(b)) unsupported('an identity comparison');
      return (a === b) === (op === 'is');
    }
    case 'in':
    case 'not in': {
      let r: boolean;
      if (typeof b === 'string') {
        if (typeof a !== 'string') {
          throw new PyException('TypeError', `'in <string>' requires string as left operand, not ${pyTypeName(a)}`);
        }
        r = b.includes(a);
      } else if (Array.isArray(b)) r = b.some((x) => pyEquals(a, x));
      else if (b instanceof Map) r = dictGet(b, hashable(a)) !== undefined;
      else if (b instanceof PyTuple && !(b instanceof PyOpaque)) r = b.items.some((x) => pyEquals(a, x));
      else throw new PyException('TypeError', `argument of type '${pyTypeName(b)}' is not iterable`);
      return r === (op === 'in');
    }
  }
  const x = asNumber(a);
  const y = asNumber(b);
  let c: number;
  if (x !== undefined && y !== undefined) {
    if (Number.isNaN(x) || Number.isNaN(y)) return false;
    c = typeof x === typeof y ? (x < y ? -1 : x > y ? 1 : 0) : numCompare(x, y);
  } else if (typeof a === 'string' && typeof b === 'string') {
    c = a < b ? -1 : a > b ? 1 : 0;
    if (c !== 0) c = codePointCompare(a, b);
  } else {
    if (Array.isArray(a) || a instanceof PyTuple) unsupported('a sequence comparison');
    throw new PyException(
      'TypeError',
      `'${op}' not supported between instances of '${pyTypeName(a)}' and '${pyTypeName(b)}'`,
    );
  }
  return op === '<' ? c < 0 : op === '<=' ? c <= 0 : op === '>' ? c > 0 : c >= 0;
}

function numCompare(x: Num, y: Num): number {
  // int vs float, exactly
  const f = (typeof x === 'number' ? x : y) as number;
  const i = (typeof x === 'bigint' ? x : y) as bigint;
  let r: number;
  if (f === Infinity) r = 1;
  else if (f === -Infinity) r = -1;
  else {
    const fl = Math.floor(f);
    const bi = BigInt(fl);
    r = bi > i ? 1 : bi < i ? -1 : f > fl ? 1 : 0; // sign of (f - i)
  }
  return typeof x === 'number' ? r : -r;
}

function codePointCompare(a: string, b: string): number {
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const x = ia.next();
    const y = ib.next();
    if (x.done || y.done) return x.done ? (y.done ? 0 : -1) : 1;
    const cx = x.value.codePointAt(0)!;
    const cy = y.value.codePointAt(0)!;
    if (cx !== cy) return cx < cy ? -1 : 1;
  }
}

function evalCallee(node: Node): void {
  if (node.t === 'Name') {
    if (!RESOLVABLE_NAMES.has(node.id)) throw new PyException('NameError', `name '${node.id}' is not defined`);
    return;
  }
  if (node.t === 'Attribute') return evalCallee(node.value);
  if (node.t === 'Call') return evalCallee(node.func);
}

function hashable(v: PyValue): PyKey {
  if (Array.isArray(v)) throw new PyException('TypeError', "unhashable type: 'list'");
  if (v instanceof Map) throw new PyException('TypeError', "unhashable type: 'dict'");
  if (v instanceof PyTuple && !(v instanceof PyOpaque)) for (const x of v.items) hashable(x);
  return v as PyKey;
}

type Num = bigint | number;

function asNumber(v: PyValue): Num | undefined {
  if (typeof v === 'bigint' || typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1n : 0n;
  return undefined;
}

function toFloat(x: Num): number {
  if (typeof x === 'number') return x;
  const f = Number(x);
  if (!Number.isFinite(f)) throw new PyException('OverflowError', 'int too large to convert to float');
  return f;
}

function unaryOp(op: string, v: PyValue): PyValue {
  if (op === 'not') return !truthy(v);
  if (v instanceof PyOpaque && v.typeName === 'complex') {
    if (op === '-') return PyOpaque.complexValue(-v.real, -v.imag);
    if (op === '+') return v;
  }
  const x = asNumber(v);
  if (x === undefined || (op === '~' && typeof x === 'number')) {
    throw new PyException('TypeError', `bad operand type for unary ${op}: '${pyTypeName(v)}'`);
  }
  if (op === '-') return -x as Num;
  if (op === '+') return x;
  return ~(x as bigint);
}

function truthy(v: PyValue): boolean {
  if (v === null) return false;
  switch (typeof v) {
    case 'boolean':
      return v;
    case 'bigint':
      return v !== 0n;
    case 'number':
      return v !== 0;
    case 'string':
      return v.length > 0;
  }
  if (Array.isArray(v)) return v.length > 0;
  if (v instanceof Map) return v.size > 0;
  if (v instanceof PyOpaque) return v.typeName === 'bytes' ? v.bytes.length > 0 : v.real !== 0 || v.imag !== 0;
  return v.items.length > 0;
}

function opError(op: string, a: PyValue, b: PyValue): never {
  throw new PyException('TypeError', `unsupported operand type(s) for ${op}: '${pyTypeName(a)}' and '${pyTypeName(b)}'`);
}

const MAX_SEQ = 10_000_000;

function repeatSeq(seq: PyValue, times: bigint): PyValue {
  const n = times < 0n ? 0 : Number(times);
  if (typeof seq === 'string') {
    if (seq.length * n > MAX_SEQ) unsupported('a very long repetition');
    return seq.repeat(n);
  }
  const items = Array.isArray(seq) ? seq : (seq as PyTuple).items;
  if (items.length * n > MAX_SEQ) unsupported('a very long repetition');
  const out: PyValue[] = [];
  for (let i = 0; i < n; i++) out.push(...items);
  return Array.isArray(seq) ? out : new PyTuple(out);
}

function isSeq(v: PyValue): boolean {
  return typeof v === 'string' || Array.isArray(v) || (v instanceof PyTuple && !(v instanceof PyOpaque));
}

function floorDivMod(a: bigint, b: bigint): [bigint, bigint] {
  let q = a / b;
  let r = a % b;
  if (r !== 0n && r < 0n !== b < 0n) {
    q -= 1n;
    r += b;
  }
  return [q, r];
}

/** CPython's float_divmod. */
function floatDivMod(vx: number, wx: number, op: string): [number, number] {
  if (wx === 0) {
    throw new PyException('ZeroDivisionError', op === '//' ? 'float floor division by zero' : 'float modulo');
  }
  let mod = vx % wx;
  let div = (vx - mod) / wx;
  if (mod) {
    if (wx < 0 !== mod < 0) {
      mod += wx;
      div -= 1.0;
    }
  } else {
    mod = Math.sign(wx) * 0 || (wx < 0 ? -0 : 0);
  }
  let floordiv: number;
  if (div) {
    floordiv = Math.floor(div);
    if (div - floordiv > 0.5) floordiv += 1.0;
  } else {
    floordiv = (vx / wx < 0 ? -0 : 0) as number;
  }
  return [floordiv, mod];
}

function binOp(op: string, a: PyValue, b: PyValue): PyValue {
  if (a instanceof PyOpaque || b instanceof PyOpaque) unsupported('complex or bytes arithmetic');
  const x = asNumber(a);
  const y = asNumber(b);
  if (x !== undefined && y !== undefined) {
    if ((op === '&' || op === '|' || op === '^') && typeof a === 'boolean' && typeof b === 'boolean') {
      return op === '&' ? a && b : op === '|' ? a || b : a !== b;
    }
    if (typeof x === 'bigint' && typeof y === 'bigint') return intOp(op, x, y, a, b);
    return floatOp(op, x, y, a, b);
  }
  switch (op) {
    case '+':
      if (typeof a === 'string') {
        if (typeof b === 'string') return a + b;
        throw new PyException('TypeError', `can only concatenate str (not "${pyTypeName(b)}") to str`);
      }
      if (Array.isArray(a)) {
        if (Array.isArray(b)) return [...a, ...b];
        throw new PyException('TypeError', `can only concatenate list (not "${pyTypeName(b)}") to list`);
      }
      if (a instanceof PyTuple) {
        if (b instanceof PyTuple) return new PyTuple([...a.items, ...b.items]);
        throw new PyException('TypeError', `can only concatenate tuple (not "${pyTypeName(b)}") to tuple`);
      }
      return opError(op, a, b);
    case '*': {
      const [seq, times] = isSeq(a) ? [a, b] : isSeq(b) ? [b, a] : [undefined, undefined];
      if (seq === undefined) return opError(op, a, b);
      const t = asNumber(times!);
      if (typeof t !== 'bigint') {
        throw new PyException('TypeError', `can't multiply sequence by non-int of type '${pyTypeName(times!)}'`);
      }
      return repeatSeq(seq, t);
    }
    case '%':
      if (typeof a === 'string') unsupported('%-formatting');
      return opError(op, a, b);
    case '|':
      if (a instanceof Map && b instanceof Map) {
        const d: PyDict = new Map(a);
        for (const [k, v] of b) dictSet(d, k, v);
        return d;
      }
      return opError(op, a, b);
    default:
      return opError(op, a, b);
  }
}

function intOp(op: string, x: bigint, y: bigint, a: PyValue, b: PyValue): PyValue {
  switch (op) {
    case '+':
      return x + y;
    case '-':
      return x - y;
    case '*':
      return x * y;
    case '/': {
      if (y === 0n) throw new PyException('ZeroDivisionError', 'division by zero');
      return toFloat(x) / toFloat(y);
    }
    case '//':
      if (y === 0n) throw new PyException('ZeroDivisionError', 'integer division or modulo by zero');
      return floorDivMod(x, y)[0];
    case '%':
      if (y === 0n) throw new PyException('ZeroDivisionError', 'integer modulo by zero');
      return floorDivMod(x, y)[1];
    case '**':
      if (y < 0n) {
        if (x === 0n) throw new PyException('ZeroDivisionError', '0.0 cannot be raised to a negative power');
        return floatOp('**', toFloat(x), toFloat(y), a, b);
      }
      if (x === 0n || x === 1n || x === -1n || y === 0n || y === 1n) return x ** y;
      if (Number(y) * x.toString(2).length > 64_000_000) unsupported('a huge power');
      return x ** y;
    case '<<':
      if (y < 0n) throw new PyException('ValueError', 'negative shift count');
      if (y > 64_000_000n) unsupported('a huge shift');
      return x << y;
    case '>>':
      if (y < 0n) throw new PyException('ValueError', 'negative shift count');
      return x >> y;
    case '&':
      return x & y;
    case '|':
      return x | y;
    case '^':
      return x ^ y;
    default:
      return opError(op, a, b);
  }
}

function floatOp(op: string, xn: Num, yn: Num, a: PyValue, b: PyValue): PyValue {
  if (op === '&' || op === '|' || op === '^' || op === '<<' || op === '>>' || op === '@') return opError(op, a, b);
  const x = toFloat(xn);
  const y = toFloat(yn);
  switch (op) {
    case '+':
      return x + y;
    case '-':
      return x - y;
    case '*':
      return x * y;
    case '/':
      if (y === 0) throw new PyException('ZeroDivisionError', 'float division by zero');
      return x / y;
    case '//':
      return floatDivMod(x, y, '//')[0];
    case '%':
      return floatDivMod(x, y, '%')[1];
    case '**': {
      if (x === 0 && y < 0) throw new PyException('ZeroDivisionError', '0.0 cannot be raised to a negative power');
      if (x < 0 && Number.isFinite(x) && !Number.isInteger(y) && Number.isFinite(y)) unsupported('a complex power');
      const r = Math.pow(x, y);
      if (x === 1 || y === 0) return 1;
      if (!Number.isFinite(r) && Number.isFinite(x) && Number.isFinite(y)) {
        throw new PyException('OverflowError', '(34, \'Numerical result out of range\')');
      }
      return r;
    }
    default:
      return opError(op, a, b);
  }
}

// ---------------------------------------------------------------------------------------------
// resolve_ast_call / resolve_ast_by_type

/** Nodes that have a `.value` attribute in Python's ast (used by the unary-op quirk). */
function valueAttr(node: Node): Node | null | undefined {
  switch (node.t) {
    case 'Attribute':
    case 'Subscript':
    case 'Starred':
    case 'NamedExpr':
    case 'Await':
    case 'YieldFrom':
    case 'DictComp':
      return node.value;
    case 'Yield':
      return node.value ?? null;
    default:
      return undefined;
  }
}

function resolveCall(node: Extract<Node, { t: 'Call' }>): PyDict {
  const parts: string[] = [];
  let f = node.func;
  while (f.t === 'Attribute') {
    parts.push(f.attr);
    f = f.value;
  }
  if (f.t === 'Name') parts.push(f.id);
  const name = parts.reverse().join('.');
  const args: PyDict = new Map();
  for (const k of node.keywords) {
    const v = resolveValue(k.value);
    if (k.arg === null) dictSet(args, null, v);
    else args.set(k.arg, v);
  }
  const call: PyDict = new Map();
  call.set(name, args);
  return call;
}

function resolveValue(node: Node | null): PyValue {
  if (node === null) throw new PyException('Exception', "Unsupported AST type: <class 'NoneType'>");
  switch (node.t) {
    case 'Constant':
      return node.v === ELLIPSIS ? '...' : node.v;
    case 'UnaryOp': {
      const operand = node.operand;
      if (operand.t === 'Constant') {
        const v = operand.v;
        if (v === ELLIPSIS) throw new PyException('TypeError', "bad operand type for unary -: 'ellipsis'");
        return unaryOp('-', v);
      }
      const inner = valueAttr(operand);
      if (inner === undefined) {
        throw new PyException('AttributeError', `'${operand.t}' object has no attribute 'value'`);
      }
      throw new PyException('TypeError', `bad operand type for unary -: '${inner === null ? 'NoneType' : inner.t}'`);
    }
    case 'List':
      return node.elts.map(resolveValue);
    case 'Dict': {
      const d: PyDict = new Map();
      for (let i = 0; i < node.keys.length; i++) {
        const k = resolveValue(node.keys[i]!);
        const v = resolveValue(node.values[i]!);
        dictSet(d, hashable(k), v);
      }
      return d;
    }
    case 'BinOp':
      return evalNode(node);
    case 'Name':
      return node.id;
    case 'Call':
      return node.keywords.length === 0 ? unparse(node) : resolveCall(node);
    case 'Tuple':
      return new PyTuple(node.elts.map(resolveValue));
    case 'Lambda': {
      // `eval(ast.unparse(value.body[0].value))`: the body is a node, not a list.
      throw new PyException('TypeError', `'${node.body.t}' object is not subscriptable`);
    }
    case 'Subscript':
      return `${unparse(node.value)}[${unparse(node.slice)}]`;
    default:
      throw new PyException('Exception', `Unsupported AST type: <class 'ast.${node.t}'>`);
  }
}

/** A node of Python's expression AST (the subset `ast.parse(mode="eval")` yields). */
export type PyAstNode = Node;

/** `ast.unparse(node)`. */
export function unparsePython(node: PyAstNode): string {
  return unparse(node);
}

const SURROGATE = /[\ud800-\udfff]/;

/** The error of a lone surrogate in the source text (Python cannot encode it to UTF-8). */
function surrogateError(src: string): PyException | undefined {
  for (let i = 0; i < src.length; i++) {
    const c = src.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdfff) {
      const pair =
        c <= 0xdbff && i + 1 < src.length && src.charCodeAt(i + 1) >= 0xdc00 && src.charCodeAt(i + 1) <= 0xdfff;
      if (!pair) {
        return new PyException(
          'UnicodeEncodeError',
          `'utf-8' codec can't encode character '\\u${c.toString(16)}' in position ${[...src.slice(0, i)].length}: surrogates not allowed`,
        );
      }
      i++;
    }
  }
  return undefined;
}

/**
 * The tokenizer's error when it is the outcome whatever the parse: it ends the tokens and is not
 * an unclosed bracket, so the parser either meets it or fails earlier with a syntax error that it
 * replaces (see parseEval); no INDENT token, so no IndentationError, and too few tokens to
 * nest deeper than the parser's recursion limit (a level takes a token at most twice).
 */
function certainTokenizerError(tokens: Token[]): PyException | undefined {
  const last = tokens[tokens.length - 1]!;
  if (last.type !== 'ERRORTOKEN' || last.unclosedLine !== undefined || last.quiet || tokens.length > MAX_DEPTH / 4) return undefined;
  for (const t of tokens) if (t.type === 'INDENT') return undefined;
  return last.error;
}

/**
 * The "was never closed" error when it is the outcome: when the text parses with its brackets
 * closed at the end. The parse of the real tokens goes the same way up to where they end, and
 * the parser meets the error there (it stops the parse, see parseEval), without the cost of
 * unwinding the descent; any failure of that parse leaves the outcome to the real one.
 */
function unclosedError(tokenizer: Tokenizer): PyException | undefined {
  const closed = tokenizer.closedTokens();
  if (closed === undefined || new Parser(closed).parseEval() instanceof PyException) return undefined;
  return tokenizer.tokens[tokenizer.tokens.length - 1]!.error;
}

/** `ast.parse(text, mode="eval").body`. @throws PyException */
export function parsePythonExpression(text: string): PyAstNode {
  const node = parseExpression(text);
  if (node instanceof PyException) throw node;
  return node;
}

/** `ast.parse(text, mode="eval").body`, or the exception it raises (returned: a throw costs more than a parse). */
function parseExpression(text: string): Node | PyException {
  let src = text;
  if (src.includes('\0')) return new PyException('SyntaxError', 'source code string cannot contain null bytes');
  if (src.includes('\r')) src = src.replace(/\r\n?/g, '\n');
  // Most texts have no surrogate: a regular expression rules them out faster than a loop.
  const surrogate = SURROGATE.test(src) ? surrogateError(src) : undefined;
  if (surrogate !== undefined) return surrogate;
  const tokenizer = new Tokenizer(src);
  const tokens = tokenizer.run();
  const tokenizerError = certainTokenizerError(tokens) ?? unclosedError(tokenizer);
  if (tokenizerError !== undefined) return tokenizerError;
  const node = new Parser(tokens, tokenizer.lastTokenEndsSource).parseEval();
  // Every level of the tree has a token of its own, so only long inputs can be too deep.
  if (!(node instanceof PyException) && 2 * tokens.length + 10 > MAX_AST_DEPTH && astDepth(node) > MAX_AST_DEPTH) {
    return new PyException('RecursionError', RECURSION_ERROR);
  }
  return node;
}

/** Depth of the tree as CPython's ast2obj counts it (expressions, keywords, comprehensions). */
function astDepth(root: Node): number {
  let max = 0;
  const stack: [unknown, number][] = [[root, 1]];
  while (stack.length) {
    const [n, d] = stack.pop()!;
    if (d > max) max = d;
    if (d > MAX_AST_DEPTH) break;
    const push = (c: unknown, inc = 1) => {
      if (c && typeof c === 'object') stack.push([c, d + inc]);
    };
    const node = n as Record<string, unknown>;
    for (const key of Object.keys(node)) {
      if (key === 't' || key === 'v') continue;
      const v = node[key];
      if (Array.isArray(v)) for (const c of v) push(c);
      else push(v);
    }
  }
  return max;
}

// ---------------------------------------------------------------------------------------------
// Fast path for the common shape of an answer

/** Deeper nesting goes the full way (far below the tokenizer's and the AST's limits). */
const SIMPLE_MAX_DEPTH = 100;
/** Longer integer literals go the full way (Python's int-size limit is checked there). */
const SIMPLE_MAX_INT_DIGITS = 300;

function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 9;
}

/** The rest of an ASCII identifier (sticky: matches at `lastIndex`, maybe nothing). */
const ID_REST = /[A-Za-z0-9_]*/y;
/** Characters a string literal takes as they are (not its quote, a backslash, a control character or a surrogate). */
const PLAIN_DOUBLE_QUOTED = /[^"\\\x00-\x1f\x7f\ud800-\udfff]*/y;
const PLAIN_SINGLE_QUOTED = /[^'\\\x00-\x1f\x7f\ud800-\udfff]*/y;

/** What `SimpleCalls.word` moved past. */
const enum Word {
  NONE,
  NAME,
  KEYWORD,
}

/** KEYWORDS by length and first letter (`length * 128 + code`), for `isKeywordAt`. */
const KEYWORDS_BY_START: (string[] | undefined)[] = [];
for (const k of KEYWORDS) (KEYWORDS_BY_START[k.length * 128 + k.charCodeAt(0)] ??= []).push(k);

/** Is `s.slice(start, end)` a keyword? (Without slicing: most names are not one.) */
function isKeywordAt(s: string, start: number, end: number): boolean {
  const candidates = KEYWORDS_BY_START[(end - start) * 128 + s.charCodeAt(start)];
  if (candidates === undefined) return false;
  for (const k of candidates) if (s.startsWith(k, start)) return true;
  return false;
}

/** Python ints below this are shared (a bigint is immutable): most literals of an answer are small. */
const SMALL_INT_LIMIT = 1024;
const SMALL_INTS: bigint[] = Array.from({ length: SMALL_INT_LIMIT }, (_, n) => BigInt(n));

/**
 * What the full tokenizer + parser + `resolve_ast_call` give for the common shape of an answer,
 * `[f(a=1, b='x'), g.h(c=[1, -2.5], d={'k': None}, e=(1, 2), f=name)]`, in one pass over the text
 * without building tokens or an AST: calls (maybe parenthesized) by dotted ASCII name with keyword
 * arguments and `**` ones (positional ones before them are parsed and dropped, as resolveCall
 * drops them), whose values are one-line string literals (plain, `u`, or `r` without
 * backslashes; adjacent ones joined; escapes that cannot fail; triple-quoted without their quote
 * inside), int (decimal, `0x`, `0o`, `0b`) and float literals (a unary operator before one negates
 * it, as in resolveValue), True/False/None, bare names, and lists, tuples and dicts of those; a
 * list item that is such a value and not a call fails the decoder's assertion, a positional
 * argument after a keyword one is the parser's error (nothing else can fail in it). At the first thing outside
 * that subset (anything unusual, every syntax error included) `parse` gives up and returns
 * undefined, and the text goes the full way, which alone knows Python's errors; on text it
 * accepts, the outcome is the same.
 */
class SimpleCalls {
  private i = 0;
  private depth = 0;
  /** Where the first positional argument after a keyword one is, or -1. */
  private misplaced = -1;
  /**
   * Where CPython reports it: the token that ends the second `args` of invalid_arguments'
   * `a=args ',' args` (its call's `)`, or the one after a positional argument that again follows
   * a keyword one), or -1.
   */
  private misplacedEnd = -1;
  /**
   * Reads `s` between `start` and `end` (the stripped text) in place: the `[` and `]` that
   * decodePython adds where the text lacks them are virtual, which spares copying the text.
   */
  constructor(
    private readonly s: string,
    private readonly start: number,
    private readonly end: number,
  ) {}

  /** The outcome of `[item, ...]` filling the whole text, or undefined. */
  parse(): DecodeOutcome | undefined {
    const s = this.s;
    const empty = this.start === this.end;
    this.i = !empty && s.charCodeAt(this.start) === 0x5b /* [ */ ? this.start + 1 : this.start;
    // Where the (real or virtual) `]` is: the scan must reach it and end there.
    const close = !empty && s.charCodeAt(this.end - 1) === 0x5d /* ] */ ? this.end - 1 : this.end;
    // The first call alone until there is a second: most answers are one call, whose list is then made at its size.
    let first: PyDict | undefined;
    let calls: PyValue[] | undefined;
    let allCalls = true;
    this.skipSpace();
    while (this.i < close) {
      const at = this.i;
      const call = this.parenthesizedCall();
      if (call !== undefined) {
        if (first === undefined) first = call;
        else (calls ??= [first]).push(call);
      } else {
        // Not a call: still the assertion's failure if it is a value (the whole text must parse).
        this.i = at;
        this.depth = 0;
        if (this.value() === undefined) return undefined;
        allCalls = false;
      }
      // An item that ran past the closing `]` took it for its own (`[f(a=1), [2]`): the outer
      // bracket was never closed, which only the full way words as Python does.
      if (this.i > close) return undefined;
      const c = this.skipSpace();
      // Past a virtual `]`, skipSpace may run on over the stripped spaces: the same end.
      if (this.i >= close) break;
      if (c !== 0x2c /* , */) return undefined;
      this.i++;
      this.skipSpace();
    }
    if (this.misplaced >= 0) {
      return { ok: false, error: `positional argument follows keyword argument (<unknown>, line ${this.lineAt(this.misplacedEnd)})` };
    }
    // decodePython's `assert isinstance(elem, ast.Call)`: an AssertionError, whose str() is empty.
    if (!allCalls) return { ok: false, error: '' };
    return { ok: true, calls: calls !== undefined ? exactSize(calls) : first !== undefined ? [first] : [] };
  }

  /** The line of the text (as the tokenizer counts them) at an index. */
  private lineAt(index: number): number {
    let line = 1;
    for (let k = this.start; k < index; k++) if (this.s.charCodeAt(k) === 10) line++;
    return line;
  }

  private skipSpace(): number {
    const s = this.s;
    let c = s.charCodeAt(this.i);
    while (isSpace(c)) c = s.charCodeAt(++this.i);
    return c;
  }

  /** Comma-separated values up to `close` (a trailing comma allowed), into `out`. Leaves the index after `close`. */
  private items(close: number, out: PyValue[]): boolean {
    let c = this.skipSpace();
    while (c !== close) {
      const item = this.value();
      if (item === undefined) return false;
      out.push(item);
      c = this.skipSpace();
      if (c === 0x2c /* , */) {
        this.i++;
        c = this.skipSpace();
      } else if (c !== close) return false;
    }
    this.i++;
    return true;
  }

  /** Moves past an ASCII identifier that is not a keyword (see `word`). */
  private name(): boolean {
    return this.word() === Word.NAME;
  }

  /**
   * Moves past an ASCII identifier or keyword that does not run into a string literal (a prefix)
   * or a non-ASCII letter (more identifier); the index is anywhere when it gives NONE.
   */
  private word(): Word {
    const s = this.s;
    const start = this.i;
    if (!isAsciiIdStart(s.charCodeAt(start))) return Word.NONE;
    // The regular expression engine reads a run of characters faster than a loop of charCodeAt.
    ID_REST.lastIndex = start + 1;
    ID_REST.test(s);
    const i = ID_REST.lastIndex;
    this.i = i;
    const c = s.charCodeAt(i);
    if (c === 34 || c === 39 || c >= 0x80) return Word.NONE;
    return isKeywordAt(s, start, i) ? Word.KEYWORD : Word.NAME;
  }

  /** A call, maybe in parentheses (`(f(a=1))`: a call still, not a tuple). */
  private parenthesizedCall(): PyDict | undefined {
    const s = this.s;
    let parens = 0;
    while (s.charCodeAt(this.i) === 0x28 /* ( */) {
      if (++parens > SIMPLE_MAX_DEPTH) return undefined;
      this.i++;
      this.skipSpace();
    }
    const call = this.call();
    if (call === undefined) return undefined;
    for (; parens > 0; parens--) {
      if (this.skipSpace() !== 0x29 /* ) */) return undefined;
      this.i++;
    }
    return call;
  }

  /** `name(.name)*(kw=value, ...)` -> `{name: {kw: value}}`, as resolveCall builds it. */
  private call(): PyDict | undefined {
    const s = this.s;
    const start = this.i;
    if (!this.name()) return undefined;
    while (s.charCodeAt(this.i) === 0x2e /* . */) {
      this.i++;
      if (!this.name()) return undefined;
    }
    const name = s.slice(start, this.i);
    if (this.skipSpace() !== 0x28 /* ( */) return undefined;
    this.i++;
    const args: PyDict = new Map();
    let doubleStar = false;
    // This call holds the first positional argument after a keyword one; a keyword followed it.
    let misplacedHere = false;
    let keywordsAfter = false;
    let c = this.skipSpace();
    while (c !== 0x29 /* ) */) {
      const at = this.i;
      if (c === 0x2a /* * */) {
        // `**mapping`: a keyword without a name, which resolveCall sets under None.
        if (s.charCodeAt(at + 1) !== 0x2a) return undefined;
        this.i += 2;
        this.skipSpace();
        const value = this.value();
        if (value === undefined) return undefined;
        dictSet(args, null, value);
        doubleStar = true;
        c = this.skipSpace();
        if (c === 0x2c /* , */) {
          this.i++;
          c = this.skipSpace();
        } else if (c !== 0x29) return undefined;
        continue;
      }
      const isName = this.name();
      const kwEnd = this.i;
      if (isName && this.skipSpace() === 0x3d /* = */ && s.charCodeAt(this.i + 1) !== 0x3d) {
        const kw = s.slice(at, kwEnd);
        this.i++;
        this.skipSpace();
        const value = this.value();
        if (value === undefined) return undefined;
        args.set(kw, value); // a repeated keyword keeps its first place and takes the last value, as in resolveCall
        if (misplacedHere) keywordsAfter = true;
      } else {
        // A positional argument: parsed, then dropped by resolveCall. After a keyword it is the
        // parser's error, reported once the whole text has parsed (that of the first such call);
        // after `**` another message, left to the full way.
        if (doubleStar) return undefined;
        let endsSecondArgs = false;
        if (args.size > 0 && this.misplaced < 0) {
          this.misplaced = at;
          misplacedHere = true;
        } else if (args.size > 0 && keywordsAfter && this.misplacedEnd < 0) endsSecondArgs = true;
        this.i = at;
        if (this.value() === undefined) return undefined;
        if (endsSecondArgs) {
          this.skipSpace();
          this.misplacedEnd = this.i;
        }
      }
      c = this.skipSpace();
      if (c === 0x2c /* , */) {
        this.i++;
        c = this.skipSpace();
      } else if (c !== 0x29) return undefined;
    }
    if (misplacedHere && this.misplacedEnd < 0) this.misplacedEnd = this.i;
    this.i++;
    const call: PyDict = new Map();
    call.set(name, args);
    return call;
  }

  /** A value at the index (no leading space), as resolveValue gives it. */
  private value(): PyValue | undefined {
    const s = this.s;
    const c = s.charCodeAt(this.i);
    if (c === 34 || c === 39) return this.strings(false);
    if ((c | 0x20) === 117 /* u */ || (c | 0x20) === 114 /* r */) {
      // `u'..'` is a plain str; `r'..'` too when it holds no backslash.
      const q = s.charCodeAt(this.i + 1);
      if (q === 34 || q === 39) {
        this.i++;
        return this.strings((c | 0x20) === 114);
      }
    }
    if (isDigit(c)) return this.number();
    if (c === 0x2d /* - */ || c === 0x2b /* + */ || c === 0x7e /* ~ */) {
      // resolveValue negates the constant operand of any unary operator (`+1` gives -1).
      this.i++;
      if (!isDigit(s.charCodeAt(this.i))) return undefined;
      const n = this.number();
      return n === undefined ? undefined : unaryOp('-', n);
    }
    if (c === 0x5b /* [ */ || c === 0x28 /* ( */ || c === 0x7b /* { */) {
      if (++this.depth > SIMPLE_MAX_DEPTH) return undefined;
      this.i++;
      const v = c === 0x5b ? this.list() : c === 0x28 ? this.paren() : this.dict();
      this.depth--;
      return v;
    }
    const start = this.i;
    const word = this.word();
    if (word === Word.NAME) return s.slice(start, this.i); // a bare name resolves to its identifier
    if (word === Word.KEYWORD) {
      const length = this.i - start;
      if (length === 4 && s.startsWith('True', start)) return true;
      if (length === 5 && s.startsWith('False', start)) return false;
      if (length === 4 && s.startsWith('None', start)) return null;
    }
    return undefined;
  }

  private list(): PyValue[] | undefined {
    const out: PyValue[] = [];
    return this.items(0x5d /* ] */, out) ? exactSize(out) : undefined;
  }

  /** `()`, `(v)` (just v), `(v,)`, `(v, w)`. */
  private paren(): PyValue | undefined {
    if (this.skipSpace() === 0x29 /* ) */) {
      this.i++;
      return new PyTuple([]);
    }
    const first = this.value();
    if (first === undefined) return undefined;
    const c = this.skipSpace();
    if (c === 0x29) {
      this.i++;
      return first;
    }
    if (c !== 0x2c /* , */) return undefined;
    this.i++;
    const items: PyValue[] = [first];
    return this.items(0x29, items) ? new PyTuple(items) : undefined;
  }

  /** `{k: v, ...}` with str, number, bool or None keys, set as resolveValue does (dictSet). */
  private dict(): PyDict | undefined {
    const d: PyDict = new Map();
    let c = this.skipSpace();
    while (c !== 0x7d /* } */) {
      const key = this.value();
      if (key === undefined || (key !== null && typeof key === 'object')) return undefined;
      if (this.skipSpace() !== 0x3a /* : */) return undefined;
      this.i++;
      this.skipSpace();
      const value = this.value();
      if (value === undefined) return undefined;
      dictSet(d, key, value);
      c = this.skipSpace();
      if (c === 0x2c /* , */) {
        this.i++;
        c = this.skipSpace();
      } else if (c !== 0x7d) return undefined;
    }
    this.i++;
    return d;
  }

  /**
   * Adjacent string literals (`'New' " York"`), joined as Python joins them: the first may be raw
   * (then without backslashes), the others are plain.
   */
  private strings(raw: boolean): string | undefined {
    const s = this.s;
    let value = this.string(s.charCodeAt(this.i), raw);
    for (;;) {
      if (value === undefined) return undefined;
      const at = this.i;
      const c = this.skipSpace();
      if (c !== 34 && c !== 39) {
        this.i = at;
        return value;
      }
      const next = this.string(c, false);
      value = next === undefined ? undefined : value + next;
    }
  }

  /**
   * A one-line string literal without prefix. Escapes that cannot fail are decoded as the full
   * way does (`\\x`, `\\u`, `\\U`, `\\N` and a backslash before a line break are left to it).
   */
  private string(quote: number, raw: boolean): string | undefined {
    const s = this.s;
    const start = this.i + 1;
    if (s.charCodeAt(start) === quote && s.charCodeAt(start + 1) === quote) return this.tripleQuoted(quote);
    let escapes = false;
    // The run of plain characters at once (see ID_REST), then character by character.
    const plain = quote === 34 ? PLAIN_DOUBLE_QUOTED : PLAIN_SINGLE_QUOTED;
    plain.lastIndex = start;
    plain.test(s);
    for (let i = plain.lastIndex; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c === quote) {
        this.i = i + 1;
        const body = s.slice(start, i);
        return escapes ? decodeEscapes(body, false) : body;
      }
      if (c === 0x5c /* \ */) {
        if (raw) return undefined;
        const e = s.charCodeAt(i + 1);
        if (e < 0x20 || e >= 0x7f || e === 120 /* x */ || e === 117 /* u */ || e === 85 /* U */ || e === 78 /* N */) return undefined;
        escapes = true;
        i++;
        continue;
      }
      if (c < 0x20 || c === 0x7f) return undefined;
      if (c >= 0xd800 && c <= 0xdfff) {
        // Only whole surrogate pairs (a lone surrogate is an encoding error).
        const next = s.charCodeAt(i + 1);
        if (c > 0xdbff || !(next >= 0xdc00 && next <= 0xdfff)) return undefined;
        i++;
      }
    }
    return undefined;
  }

  /**
   * A one-line triple-quoted literal (`"""New York"""`) whose body holds no quote of its kind, so
   * that the first one closes it, and nothing a plain run excludes (see PLAIN_DOUBLE_QUOTED).
   */
  private tripleQuoted(quote: number): string | undefined {
    const s = this.s;
    const start = this.i + 3;
    const plain = quote === 34 ? PLAIN_DOUBLE_QUOTED : PLAIN_SINGLE_QUOTED;
    plain.lastIndex = start;
    plain.test(s);
    const end = plain.lastIndex;
    if (s.charCodeAt(end) !== quote || s.charCodeAt(end + 1) !== quote || s.charCodeAt(end + 2) !== quote) return undefined;
    this.i = end + 3;
    return s.slice(start, end);
  }

  /** `0x1F`, `0o17`, `0b101` without `_`: the digits of the base up to a delimiter. */
  private prefixedInt(start: number, prefix: number): bigint | undefined {
    const s = this.s;
    const digits = start + 2;
    let i = digits;
    let c = s.charCodeAt(i);
    while (prefix === 120 ? isDigit(c) || ((c | 0x20) >= 97 && (c | 0x20) <= 102) : prefix === 111 ? c >= 48 && c <= 55 : c === 48 || c === 49) {
      c = s.charCodeAt(++i);
    }
    if (i === digits || i - digits > SIMPLE_MAX_INT_DIGITS || isAsciiIdContinue(c) || c === 0x2e || c >= 0x80) return undefined;
    this.i = i;
    return BigInt(s.slice(start, i));
  }

  /** A decimal int (no leading zeros, no `_`), a prefixed one or a float (`1.5`, `2e-3`, `1.5E+3`). */
  private number(): PyValue | undefined {
    const s = this.s;
    const start = this.i;
    let c = s.charCodeAt(this.i);
    // The integer part's value, exact up to 15 digits: an int needs no slice and no parse then.
    let int = 0;
    if (c === 48 /* 0 */) {
      c = s.charCodeAt(++this.i);
      const prefix = c | 0x20;
      if (prefix === 120 /* x */ || prefix === 111 /* o */ || prefix === 98 /* b */) return this.prefixedInt(start, prefix);
    } else {
      do {
        int = int * 10 + (c - 48);
        c = s.charCodeAt(++this.i);
      } while (isDigit(c));
    }
    let isFloat = false;
    if (c === 0x2e /* . */) {
      if (!isDigit(s.charCodeAt(this.i + 1))) return undefined;
      isFloat = true;
      this.i++;
      do c = s.charCodeAt(++this.i);
      while (isDigit(c));
    }
    if ((c | 0x20) === 101 /* e */) {
      let k = this.i + 1;
      const sign = s.charCodeAt(k);
      if (sign === 43 || sign === 45) k++;
      if (!isDigit(s.charCodeAt(k))) return undefined;
      isFloat = true;
      this.i = k;
      do c = s.charCodeAt(++this.i);
      while (isDigit(c));
    }
    // A digit after a leading 0, `_`, `j`, a prefix, a letter or a `.` right after: the full way.
    if (isAsciiIdContinue(c) || c === 0x2e || c >= 0x80) return undefined;
    if (isFloat) return Number(s.slice(start, this.i));
    const digits = this.i - start;
    if (digits <= 15) return int < SMALL_INT_LIMIT ? SMALL_INTS[int]! : BigInt(int);
    return digits > SIMPLE_MAX_INT_DIGITS ? undefined : BigInt(s.slice(start, this.i));
  }
}

export type DecodeOutcome = { ok: true; calls: PyValue } | { ok: false; error: string };

/** Does `result.strip("`\n ")` strip the character? */
function isStripped(c: number): boolean {
  return c === 0x60 /* ` */ || c === 10 || c === 32;
}

/** BFCL's `default_decode_ast_prompting(result)` for Python-syntax output. */
export function decodePython(result: PyValue): DecodeOutcome {
  if (typeof result !== 'string') return notText(result);
  const start = strippedStart(result);
  const end = strippedEnd(result, start);
  return new SimpleCalls(result, start, end).parse() ?? decodeFullWay(result.slice(start, end));
}

/** decodePython without its fast path (the tests compare the two). */
export function decodePythonFullWay(result: PyValue): DecodeOutcome {
  if (typeof result !== 'string') return notText(result);
  const start = strippedStart(result);
  return decodeFullWay(result.slice(start, strippedEnd(result, start)));
}

function notText(result: PyValue): DecodeOutcome {
  return { ok: false, error: `'${pyTypeName(result)}' object has no attribute 'strip'` };
}

/** Where `result.strip("`\n ")` starts. */
function strippedStart(result: string): number {
  let start = 0;
  while (start < result.length && isStripped(result.charCodeAt(start))) start++;
  return start;
}

/** Where `result.strip("`\n ")` ends. */
function strippedEnd(result: string, start: number): number {
  let end = result.length;
  while (end > start && isStripped(result.charCodeAt(end - 1))) end--;
  return end;
}

/** The tokenizer, parser and resolve_ast_call on the stripped text. */
function decodeFullWay(stripped: string): DecodeOutcome {
  let text = stripped;
  if (!text.startsWith('[')) text = '[' + text;
  if (!text.endsWith(']')) text = text + ']';
  try {
    // ast_parse: input_str.strip().strip("'") — a no-op once the text is bracketed.
    const body = parseExpression(text);
    if (body instanceof PyException) return { ok: false, error: body.message };
    const calls: PyValue[] = [];
    if (body.t === 'Call') {
      calls.push(resolveCall(body));
    } else if (body.t === 'List' || body.t === 'Tuple' || body.t === 'Set') {
      for (const elem of body.elts) {
        if (elem.t !== 'Call') return { ok: false, error: '' }; // AssertionError()
        calls.push(resolveCall(elem));
      }
    } else {
      return { ok: false, error: `'${body.t}' object has no attribute 'elts'` };
    }
    return { ok: true, calls };
  } catch (e) {
    if (e instanceof PyException) return { ok: false, error: e.message };
    if (e instanceof RangeError) return { ok: false, error: 'maximum recursion depth exceeded' };
    throw e;
  }
}

