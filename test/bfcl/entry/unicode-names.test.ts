import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { decodeCalls } from '../../../src/bfcl/scoring/decode.js';
import { lookupUnicodeName } from '../../../src/bfcl/scoring/unicode-names.js';
import { ensureVenv } from '../../../src/python/venv.js';
import type { PyDict } from '../../../src/bfcl/scoring/types.js';

/** The str value of `a` in `[f(a=LITERAL)]`, or the decoder's error text. */
function decodeLiteral(literal: string): { value: string } | { error: string } {
  const r = decodeCalls(`[f(a=${literal})]`, 'python');
  if (!r.ok) return { error: r.error };
  const call = (r.calls as PyDict[])[0]!;
  return { value: (call.get('f') as PyDict).get('a') as string };
}

// What CPython 3.11 (Unicode 14.0) makes of these, recorded from `ast.parse`.
const RECORDED: [literal: string, expected: { value: string } | { error: string }][] = [
  [String.raw`'\N{EM DASH}'`, { value: '\u2014' }],
  [String.raw`"a\N{Em Dash}b"`, { value: 'a\u2014b' }],
  [String.raw`'\N{BYTE ORDER MARK}\N{NUL}'`, { value: '\ufeff\u0000' }],
  [String.raw`'\N{HANGUL SYLLABLE GGWAENG}'`, { value: '\uaf79' }],
  [String.raw`'\N{CJK UNIFIED IDEOGRAPH-3134A}'`, { value: '\u{3134a}' }],
  [String.raw`'\N{cjk compatibility ideograph-f900}'`, { value: '\uf900' }],
  [String.raw`u'\N{snowman}' '!'`, { value: '\u2603!' }],
  [String.raw`r'\N{EM DASH}'`, { value: String.raw`\N{EM DASH}` }],
  [String.raw`'\\\N{DIGIT ONE}'`, { value: '\\1' }],
  ...(
    [
      [String.raw`'\N{cjk unified ideograph-4E00}'`, '0-29: unknown Unicode character name'],
      [String.raw`'\N{CJK UNIFIED IDEOGRAPH-4e00}'`, '0-29: unknown Unicode character name'],
      [String.raw`'\N{hangul syllable GAG}'`, '0-22: unknown Unicode character name'],
      [String.raw`'\N{HANGUL SYLLABLE ga}'`, '0-21: unknown Unicode character name'],
      [String.raw`'\N{LATIN CAPITAL LETTER A WITH MACRON AND GRAVE}'`, '0-47: unknown Unicode character name'],
      [String.raw`'\N{TANGUT IDEOGRAPH-17000}'`, '0-25: unknown Unicode character name'],
      [String.raw`'\N{ EM DASH}'`, '0-11: unknown Unicode character name'],
      [String.raw`'\N{}'`, '0-2: malformed \\N character escape'],
      [String.raw`'\N'`, '0-1: malformed \\N character escape'],
      [String.raw`'\Nx'`, '0-1: malformed \\N character escape'],
      [String.raw`'\N{EM DASH'`, '0-9: malformed \\N character escape'],
      // Positions count a non-ASCII character as its `\U%08x` escape, as CPython's parser writes it.
      [String.raw`'é\N{nope}'`, '10-17: unknown Unicode character name'],
      [String.raw`'😀\N{nope}'`, '10-17: unknown Unicode character name'],
      [String.raw`'\é\N{nope}'`, '16-23: unknown Unicode character name'],
      [String.raw`'\N{é}'`, '0-13: unknown Unicode character name'],
      [String.raw`'é\x4'`, '10-12: truncated \\xXX escape'],
      [String.raw`'é\U0011ffff'`, '10-19: illegal Unicode character'],
    ] as const
  ).map(([literal, tail]): [string, { error: string }] => [
    literal,
    { error: `(unicode error) 'unicodeescape' codec can't decode bytes in position ${tail} (<unknown>, line 1)` },
  ]),
];

describe('\\N{name} escapes in Python-syntax answers', () => {
  it.each(RECORDED)('%s as CPython 3.11 decodes it', (literal, expected) => {
    expect(decodeLiteral(literal)).toEqual(expected);
  });

  it("resolves every name, alias and rule-made name as the venv's CPython does, in any case", async () => {
    // Every table name and alias (as unicodedata.name gives them, plus NameAliases), a sample of
    // rule-made names, and variants: lower case, mixed case, a letter dropped or added.
    const script = `
import json, sys, unicodedata
names = [unicodedata.name(chr(cp), None) for cp in range(0x110000)]
names = [n for n in names if n is not None]
rule_made = [n for n in names if n.startswith(("CJK UNIFIED IDEOGRAPH-", "HANGUL SYLLABLE "))]
rule_made_set = set(rule_made)
table = [n for n in names if n not in rule_made_set]
aliases = ["NUL", "BYTE ORDER MARK", "LATIN CAPITAL LETTER GHA", "ZWNBSP", "LINE FEED", "LF", "NBSP", "KANNADA LETTER LLLA"]
probes = table + rule_made[::97] + aliases
probes += [n.lower() for n in probes[::13]] + [n.title() for n in probes[::17]]
probes += [n[:-1] for n in probes[::29]] + [n + "X" for n in probes[::31]] + [n.replace(" ", "  ", 1) for n in probes[::37]]
probes += ["HANGUL SYLLABLE " + s for s in ["", "G", "GAGG", "YI", "GGYI", "AH", "KWEOLH", "gA"]]
probes += ["CJK UNIFIED IDEOGRAPH-" + h for h in ["9FFF", "A000", "2A6DF", "2A6E0", "30000", "3134B", "0041", "4E0", "4E000", "4e00"]]
out = []
for n in probes:
    try:
        out.append([n, ord(unicodedata.lookup(n)) if len(unicodedata.lookup(n)) == 1 else -2])
    except KeyError:
        out.append([n, -1])
json.dump(out, sys.stdout)
`;
    const python = await ensureVenv();
    const { stdout } = await execa(python, ['-c', script], { maxBuffer: 2 ** 28 });
    const expected = JSON.parse(stdout) as [string, number][];
    // unicodedata.lookup also takes named sequences (-2 here), which \N{...} refuses.
    const mismatches = expected.filter(([name, cp]) => (lookupUnicodeName(name) ?? -1) !== (cp === -2 ? -1 : cp));
    expect(expected.length).toBeGreaterThan(35_000);
    expect(mismatches.slice(0, 10)).toEqual([]);
  }, 60_000);
});
