/**
 * The code point a `\N{name}` escape in a Python 3.11 string literal stands for, as CPython's
 * unicodedata `_getcode` resolves it (without named sequences): "HANGUL SYLLABLE ..." and
 * "CJK UNIFIED IDEOGRAPH-XXXX" by rule (upper case only), every other name and alias from the
 * Unicode 14.0 table (data/unicode-names-14.0.0.txt.gz, written by scripts/gen-unicode-names.py),
 * ignoring ASCII case. The table is read the first time a name is looked up: answers rarely hold one.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

const TABLE_URL = new URL('../../../data/unicode-names-14.0.0.txt.gz', import.meta.url);

interface NameTable {
  byName: Map<string, number>;
  /** The unified ideographs' ranges, inclusive, as [first, last] pairs. */
  ideographs: number[];
}

let table: NameTable | undefined;

function loadTable(): NameTable {
  const text = gunzipSync(readFileSync(TABLE_URL)).toString('latin1');
  const byName = new Map<string, number>();
  let ideographs: number[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    if (line.startsWith('@cjk ')) {
      ideographs = line
        .slice(5)
        .split(' ')
        .flatMap((range) => range.split('-').map((hex) => parseInt(hex, 16)));
      continue;
    }
    const semicolon = line.indexOf(';');
    byName.set(line.slice(semicolon + 1), parseInt(line.slice(0, semicolon), 16));
  }
  if (byName.size === 0 || ideographs.length === 0) throw new Error(`${TABLE_URL.pathname}: no Unicode names in it`);
  return { byName, ideographs };
}

/** The code point named `name`, or undefined (CPython: "unknown Unicode character name"). */
export function lookupUnicodeName(name: string): number | undefined {
  // CPython sees a non-ASCII character of the literal as a `\U0000XXXX` escape: no name has one.
  if (!/^[\x00-\x7f]*$/.test(name)) return undefined;
  table ??= loadTable();
  // The rule-made names only in upper case: in another case they are looked up in the table,
  // which does not hold them.
  if (name.startsWith(HANGUL_PREFIX)) return hangulSyllable(name.slice(HANGUL_PREFIX.length));
  if (name.startsWith(CJK_PREFIX)) return unifiedIdeograph(name.slice(CJK_PREFIX.length), table.ideographs);
  return table.byName.get(name.toUpperCase());
}

const CJK_PREFIX = 'CJK UNIFIED IDEOGRAPH-';

/** Four or five upper-case hex digits naming a unified ideograph. */
function unifiedIdeograph(digits: string, ranges: number[]): number | undefined {
  if (!/^[0-9A-F]{4,5}$/.test(digits)) return undefined;
  const v = parseInt(digits, 16);
  for (let i = 0; i < ranges.length; i += 2) if (v >= ranges[i]! && v <= ranges[i + 1]!) return v;
  return undefined;
}

const HANGUL_PREFIX = 'HANGUL SYLLABLE ';
// The Unicode standard's jamo short names (Hangul syllable composition), as in CPython's table.
const LEADS = ['G', 'GG', 'N', 'D', 'DD', 'R', 'M', 'B', 'BB', 'S', 'SS', '', 'J', 'JJ', 'C', 'K', 'T', 'P', 'H'];
const VOWELS = ['A', 'AE', 'YA', 'YAE', 'EO', 'E', 'YEO', 'YE', 'O', 'WA', 'WAE', 'OE', 'YO', 'U', 'WEO', 'WE', 'WI', 'YU', 'EU', 'YI', 'I'];
const TAILS = ['', 'G', 'GG', 'GS', 'N', 'NJ', 'NH', 'D', 'L', 'LG', 'LM', 'LB', 'LS', 'LT', 'LP', 'LH', 'M', 'B', 'BS', 'S', 'SS', 'NG', 'J', 'C', 'K', 'T', 'P', 'H'];
const S_BASE = 0xac00;

/** CPython's find_syllable: the first longest part matching at `at` (case-sensitive), or -1. */
function syllablePart(s: string, at: number, parts: readonly string[]): [index: number, length: number] {
  let index = -1;
  let length = -1;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (part.length > length && s.startsWith(part, at)) {
      index = i;
      length = part.length;
    }
  }
  return [index, Math.max(length, 0)];
}

function hangulSyllable(rest: string): number | undefined {
  const [l, lLength] = syllablePart(rest, 0, LEADS);
  const [v, vLength] = syllablePart(rest, lLength, VOWELS);
  const [t, tLength] = syllablePart(rest, lLength + vLength, TAILS);
  if (l < 0 || v < 0 || t < 0 || lLength + vLength + tLength !== rest.length) return undefined;
  return S_BASE + (l * VOWELS.length + v) * TAILS.length + t;
}
