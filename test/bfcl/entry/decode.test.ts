import { describe, expect, it } from 'vitest';
import {
  decodeCalls,
  decodeFc,
  decodeJsonText,
  decodePython,
  isEmptyOutput,
  isFunctionCallingFormat,
} from '../../../src/bfcl/scoring/decode.js';
import { decodePythonFullWay } from '../../../src/bfcl/scoring/decode-python.js';
import { parsePyJson } from '../../../src/bfcl/scoring/pyjson.js';
import { pyRepr } from '../../../src/bfcl/scoring/pyvalue.js';
import type { PyValue } from '../../../src/bfcl/scoring/types.js';

const j = parsePyJson;

function ok(out: ReturnType<typeof decodeFc>): string {
  if (!out.ok) throw new Error(`decode failed: ${out.error}`);
  return pyRepr(out.calls);
}
function err(out: ReturnType<typeof decodeFc>): string {
  if (out.ok) throw new Error(`decoded: ${pyRepr(out.calls)}`);
  return out.error;
}

describe("decoder 'fc' (OpenAI-style function calling)", () => {
  it('parses argument strings with json.loads semantics, first key only', () => {
    expect(ok(decodeFc(j('[{"f": "{\\"a\\": 1, \\"b\\": 1.0, \\"c\\": [NaN]}"}]')))).toBe("[{'f': {'a': 1, 'b': 1.0, 'c': [nan]}}]");
    expect(ok(decodeFc(j('[{"f": "{}", "g": "ignored"}, {"h": "{\\"x\\": null}"}]')))).toBe("[{'f': {}}, {'h': {'x': None}}]");
  });
  it('turns [] and "" into no call', () => {
    expect(ok(decodeFc(j('[]')))).toBe('[]');
    expect(ok(decodeFc(''))).toBe('[]');
  });
  it("fails with Python's exception text", () => {
    expect(err(decodeFc('Error during inference: Request timed out.'))).toBe("'str' object has no attribute 'keys'");
    expect(err(decodeFc(null))).toBe("'NoneType' object is not iterable");
    expect(err(decodeFc(5n))).toBe("'int' object is not iterable");
    expect(err(decodeFc(j('["text"]')))).toBe("'str' object has no attribute 'keys'");
    expect(err(decodeFc(j('[{}]')))).toBe('list index out of range');
    expect(err(decodeFc(j('[{"f": 5}]')))).toBe('the JSON object must be str, bytes or bytearray, not int');
    expect(err(decodeFc(j('[{"f": "{\\"a\\":1,\\"b\\":2\\"}"}]')))).toBe("Expecting ',' delimiter: line 1 column 13 (char 12)");
  });
  it('keeps arguments that do not parse to an object (the format check rejects them later)', () => {
    const out = decodeFc(j('[{"f": "[1, 2]"}]'));
    expect(ok(out)).toBe("[{'f': [1, 2]}]");
    expect(isFunctionCallingFormat((out as { calls: PyValue }).calls)).toBe(false);
  });
  it('accepts already-decoded argument dicts (Nova/Gemini-style results)', () => {
    expect(ok(decodeFc(j('[{"f": {"a": 1}}]')))).toBe("[{'f': {'a': 1}}]");
  });
});

/** Expected values produced by BFCL's own default_decode_ast_prompting (Python 3.11). */
const PYTHON_CASES: [string, boolean, string][] = [
  // a tokenizer error ending the text is the outcome without a parse, except after an INDENT
  ["f(a=1)] x", false, "unmatched ']' (<unknown>, line 1)"],
  ["f(a=1)\n  g(b=2)] x", false, "unmatched ']' (<unknown>, line 2)"],
  ["f(a=1, 2)\n €", false, "invalid character '€' (U+20AC) (<unknown>, line 2)"],
  ["f(a=1)]\n  x €", false, "unexpected indent (<unknown>, line 2)"],
  ["f(a=1)]\n  g(b=2) €", false, "unexpected indent (<unknown>, line 2)"],
  // unclosed brackets: the error where the tokens end when the text parses with them closed
  ["\t[f(a=1)]", false, "'[' was never closed (<unknown>, line 1)"],
  ["\t[f(a=\n1)]", false, "'[' was never closed (<unknown>, line 1)"],
  ["f(a=[1]", false, "'(' was never closed (<unknown>, line 1)"],
  ["x = [f(a=1)]", false, "'[' was never closed (<unknown>, line 1)"],
  ["f(a=1) [g(b=2)]", false, "'[' was never closed (<unknown>, line 1)"],
  // invalid_legacy_expression: after a name, the rest is parsed with the error rules on
  ["I'm sorry, I can't help with that.", false, 'invalid syntax. Perhaps you forgot a comma? (<unknown>, line 1)'],
  ["I 'x'", false, 'invalid syntax (<unknown>, line 1)'],
  ["I 'x' + t", false, 'invalid syntax (<unknown>, line 1)'],
  ["print 'x'", false, "Missing parentheses in call to 'print'. Did you mean print(...)? (<unknown>, line 1)"],
  ['exec x', false, "Missing parentheses in call to 'exec'. Did you mean exec(...)? (<unknown>, line 1)"],
  ["print 'x' y", false, 'invalid syntax. Perhaps you forgot a comma? (<unknown>, line 1)'],
  // a last item that is a list takes the final `]` for its own: the outer `[` stays open
  ["[math.gcd(num1=40, num2=50), [2]", false, "'[' was never closed (<unknown>, line 1)"],
  ["math.gcd(num1=40, num2=50), [2]", false, "'[' was never closed (<unknown>, line 1)"],
  ["[[2]", false, "'[' was never closed (<unknown>, line 1)"],
  ["[1, [2]", false, "'[' was never closed (<unknown>, line 1)"],
  ["[math.gcd(num1=40,\n 1), [2]", false, "'[' was never closed (<unknown>, line 1)"],
  ["\t[f(a=1) if x]", false, "expected 'else' after 'if' expression (<unknown>, line 1)"],
  ["\t[f(a=b=1)]", false, "invalid syntax (<unknown>, line 1)"],
  ["\t[f(a=1)\n  g(b=2)]", false, "invalid syntax. Perhaps you forgot a comma? (<unknown>, line 1)"],
  ["f(a=-x)", false, "'Name' object has no attribute 'value'"],
  ["f(a=-(1))", true, "[{'f': {'a': -1}}]"],
  ["f(a=--1)", false, "'UnaryOp' object has no attribute 'value'"],
  ["f(a=-a.b)", false, "bad operand type for unary -: 'Name'"],
  ["f(a=lambda x: x+1)", false, "'BinOp' object is not subscriptable"],
  ["f(a={1,2})", false, "Unsupported AST type: <class 'ast.Set'>"],
  ["f(a=x[0])", true, "[{'f': {'a': 'x[0]'}}]"],
  ["f(a=x[1,2])", true, "[{'f': {'a': 'x[(1, 2)]'}}]"],
  ["f(a=g(1, \"x\", y=2) )", true, "[{'f': {'a': {'g': {'y': 2}}}}]"],
  ["f(a=g(1,u\"x\"))", true, "[{'f': {'a': \"g(1, u'x')\"}}]"],
  ["f(a=1 if b else 2)", false, "Unsupported AST type: <class 'ast.IfExp'>"],
  ["f(a={**b})", false, "Unsupported AST type: <class 'NoneType'>"],
  ["f(a={[1]:2})", false, "unhashable type: 'list'"],
  ["f(a=f\"x\")", false, "Unsupported AST type: <class 'ast.JoinedStr'>"],
  ["f(a=1j, b=-1j)", true, "[{'f': {'a': 1j, 'b': (-0-1j)}}]"],
  ["f(a=not True, b=~5, c=+5, d=-True)", true, "[{'f': {'a': -1, 'b': -5, 'c': -5, 'd': -1}}]"],
  ["f(a=-None)", false, "bad operand type for unary -: 'NoneType'"],
  ["f(a=x + 1)", false, "name 'x' is not defined"],
  ["f(a=2024-1-1, b=10/4, c=7//2, d=-7//2, e=7%-3, f=2**10, g=2**-2, h=1<<4, i=6&3, n=True+True, o=True&False, p=3*'ab', r=[1]*2, s=(1,)+(2,))", true, "[{'f': {'a': 2022, 'b': 2.5, 'c': 3, 'd': -4, 'e': -2, 'f': 1024, 'g': 0.25, 'h': 16, 'i': 2, 'n': 2, 'o': False, 'p': 'ababab', 'r': [1, 1], 's': (1, 2)}}]"],
  ["f(a=\"a\" \"b\")", true, "[{'f': {'a': 'ab'}}]"],
  ["f(a=g(2**-1, -2**2, (-2)**2, (a+b)*c, a+(b+c), a-(b-c), a**b**c))", true, "[{'f': {'a': 'g(2 ** (-1), -2 ** 2, (-2) ** 2, (a + b) * c, a + (b + c), a - (b - c), a ** b ** c)'}}]"],
  ["f(a=g(not x, -y, a if b else c, x or y and z))", true, "[{'f': {'a': 'g(not x, -y, a if b else c, x or (y and z))'}}]"],
  ["f(a=g(1 .real, (1,), (), {1}, {}, [x for x in y if z], {k: v for k, v in w}))", true, "[{'f': {'a': 'g(1 .real, (1,), (), {1}, {}, [x for x in y if z], {k: v for k, v in w})'}}]"],
  ["f(**{\"a\":1})", true, "[{'f': {None: {'a': 1}}}]"],
  ["[f(a=1)] # c", true, "[{'f': {'a': 1}}]"],
  ["f(a=1); g()", false, "invalid syntax (<unknown>, line 1)"],
  ["f(a=1)\ng(b=2)", false, "invalid syntax. Perhaps you forgot a comma? (<unknown>, line 1)"],
  ["f(a=g(1e999))", true, "[{'f': {'a': 'g(1e309)'}}]"],
  ["f(a=0x1F, b=0o17, c=0b11, d=1_000, e=1.5e3, f=.5, g=1.)", true, "[{'f': {'a': 31, 'b': 15, 'c': 3, 'd': 1000, 'e': 1500.0, 'f': 0.5, 'g': 1.0}}]"],
  ["f(a='it\\'s', b=r'\\d', c=\"\\d\", d=\"\\x41\\u00e9\\101\")", true, "[{'f': {'a': \"it's\", 'b': '\\\\d', 'c': '\\\\d', 'd': 'AéA'}}]"],
  ["f(a=\"\\x4\")", false, "(unicode error) 'unicodeescape' codec can't decode bytes in position 0-2: truncated \\xXX escape (<unknown>, line 1)"],
  ["f(a=0123)", false, "leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers (<unknown>, line 1)"],
  ["f(1, a=2, b)", false, "positional argument follows keyword argument (<unknown>, line 1)"],
  ["x.y.z(a=1)", true, "[{'x.y.z': {'a': 1}}]"],
  ["\"abc\".upper(x=1)", true, "[{'upper': {'x': 1}}]"],
  ["(f(a=1), g(b=2))", false, ""],
  ["{f(a=1)}", false, ""],
  ["[*f(a=1)]", false, ""],
  ["[f(a=1)][0]", false, "'Subscript' object has no attribute 'elts'"],
  ["I think you should call f(a=1)", false, "invalid syntax. Perhaps you forgot a comma? (<unknown>, line 1)"],
  ["Sure! Here's the call: [f(a=1)]", false, "unterminated string literal (detected at line 1) (<unknown>, line 1)"],
  ["```python\n[f(a=1)]\n```", false, "'[' was never closed (<unknown>, line 1)"],
  ["", true, "[]"],
  ["[]", true, "[]"],
  ["f(a=true, b=null, c=false)", true, "[{'f': {'a': 'true', 'b': 'null', 'c': 'false'}}]"],
  ["f(a=...)", true, "[{'f': {'a': '...'}}]"],
  ["f(a={\"x\": 1, \"x\": 2, 1: \"a\", 1.0: \"b\", True: \"c\"})", true, "[{'f': {'a': {'x': 2, 1: 'c'}}}]"],
  ["f(a=(1, 2), b=(1,), c=())", true, "[{'f': {'a': (1, 2), 'b': (1,), 'c': ()}}]"],
  ["f(a=1", false, "closing parenthesis ']' does not match opening parenthesis '(' (<unknown>, line 1)"],
  ["f(a='unterminated)", false, "unterminated string literal (detected at line 1) (<unknown>, line 1)"],
  ["f(a=→)", false, "invalid character '→' (U+2192) (<unknown>, line 1)"],
  ["f(é=1, ﬁ=2)", true, "[{'f': {'é': 1, 'fi': 2}}]"],
  ["f(a=1) if x else g(b=2)", false, ""],
  ["f(a=x if y)", false, "expected 'else' after 'if' expression (<unknown>, line 1)"],
  ["f(a=1, b c=2)", false, "invalid syntax. Perhaps you forgot a comma? (<unknown>, line 1)"],
  ["f(a=[1, 2 3])", false, "invalid syntax. Perhaps you forgot a comma? (<unknown>, line 1)"],
  ["f(a=1)\n g()", false, "invalid syntax. Perhaps you forgot a comma? (<unknown>, line 1)"],];

describe("decoder 'python' (BFCL's default_decode_ast_prompting)", () => {
  it.each(PYTHON_CASES)('%j', (input, succeeds, expected) => {
    const out = decodePython(input);
    expect(out.ok).toBe(succeeds);
    if (out.ok) expect(pyRepr(out.calls)).toBe(expected);
    else expect(out.error).toBe(expected);
  });
  it('rejects non-text results', () => {
    expect(err(decodePython(j('[]')))).toBe("'list' object has no attribute 'strip'");
  });
  it("evaluates binary operations with Python's precedence and associativity", () => {
    const out = decodePython('f(a=1+2*3-4, b=2**3**2, c=1|2^3&4<<1, d=10//3%2, e=[1]+[2]*2, g=1 - -1, h=7-2-1, i=2*3//4, j=1<<2+1, k=5&3|8^1)');
    expect(ok(out)).toBe("[{'f': {'a': 3, 'b': 512, 'c': 3, 'd': 1, 'e': [1, 2, 2], 'g': 2, 'h': 4, 'i': 1, 'j': 8, 'k': 9}}]");
  });
  it('keeps tuples as tuples and big ints exact', () => {
    const out = decodePython('f(a=(1, 2.0), b=123456789012345678901234567890)');
    expect(ok(out)).toBe("[{'f': {'a': (1, 2.0), 'b': 123456789012345678901234567890}}]");
  });
});

/** Texts at the edges of decodePython's fast path (some just inside it, some just outside). */
const FAST_PATH_EDGES = [
  // the brackets it adds where they are missing (virtual ones) and the stripped ends
  '', '[', ']', '[]', ' [] ', '`', '``', '[ ]', 'f(a=1)', '[f(a=1)', 'f(a=1)]', '```\nf(a=1)\n```', '```python\nf(a=1)\n```',
  'f(a=1)\t', 'f(a=1)\t\n ', '\tf(a=1)', ' \n f(a=1) \n ', 'f(a=1)\r', 'f(a=1)`', 'f(a=1) `', '`f(a="`")`', 'f(a="x`',
  'f(a=1),', '[f(a=1),]', '[,f(a=1)]', '[f(a=1),,]', 'f(a=1), ,', '[f(a=1)], g(b=2)]', '[f(a=1)] extra', 'f(a=1) g(b=2)',
  'f(a=[1]', '[f(a=[1]', 'f(a=[1])]', '[[f(a=1)]', 'f(a=1)]]', '\n\nf(a=1)\n\n', 'f(a=1)\ng(b=2)', '[f(a=1),\n g(b=2)]',
  'f(a=1)\n', '(f(a=1))', 'f(a=(1)', 'f(a=1', 'f(', 'f', '[f]', 'f()', 'f(1, 2)', 'f(a=1, 2)', 'a.b.c(d=1)', 'a..b(c=1)',
  // numbers: small ones are shared, longer ones parsed from the text
  'f(a=0, b=7, c=1023, d=1024, e=-1024, g=+5, h=~3, i=-0)', 'f(a=999999999999999, b=1000000000000000, c=9007199254740993)',
  `f(a=${'9'.repeat(300)})`, `f(a=${'9'.repeat(301)})`, 'f(a=007)', 'f(a=0.5, b=1e3, c=1.5E-3, d=0e0, e=1_000, g=0x1F, h=1j)',
  'f(a=1.)', 'f(a=.5)', 'f(a=1e)', 'f(a=1.5.2)', 'f(a=12abc)', 'f(a=- 1)', 'f(a=--1)',
  // names and keywords
  'f(a=None, b=True, c=False, d=true, e=none)', 'f(None=1)', 'f(a=if)', 'f(a=not)', 'f(class=1)', 'f(a=Nonex, b=elif_, c=_)',
  'f(a=is)', 'f(lambda=1)', 'if(a=1)', 'True(a=1)', 'f(a=x, b=y.z)', 'f(a==1)', 'f(a =\n 1)', 'f(é=1)', 'f(a=é)',
  // strings and containers
  String.raw`f(a="x\ny", b='x\'y', c=r"x", d=u"x", e="a" "b", g=r"a" 'b', h=b"x", i=f"x")`, String.raw`f(a="\x41", b="\u0041")`,
  'f(a="it\'s", b=\'say "hi"\', c="tab\there", d="😀", e="\ud800", f="x\u0001y", g="\u007f", h="é", i="a\\"b")',
  'f(a="unterminated)', "f(a='x\ny')", 'f(a="\udc00x")', 'f(a_b1=1, _c=2, A9=3, a1b2c3d4e5f6g7h8i9j0k=4)',
  'f(a="""x""")', "f(a='')", String.raw`f(a="\q\7")`, 'f(a=[], b=(), c={}, d=(1,), e=(1), g=[1, [2, (3, {"k": None})]])',
  'f(a={1: "a", 1.0: "b", True: "c", "1": "d"})', 'f(a={[1]: 2})', 'f(a={1, 2})', 'f(a={"k" 1})', 'f(a=[1 2])',
  // parenthesized calls, `**` arguments, triple-quoted strings, prefixed ints
  '(f(a=1))', '((f(a=1)))', '( f(a=1) )', '[(f(a=1)), g(b=2)]', '(f(a=1),)', '(f(a=1), g(b=2))', '((f(a=1))', '(f(a=1)))', '(f)(a=1)',
  `${'('.repeat(101)}f(a=1)${')'.repeat(101)}`, '(f(a=1)) g', '[(1)]', '[()]',
  'f(**{"a": 1}, b=2)', 'f(b=2, **{"a": 1})', 'f(** k)', 'f(**k, **j)', 'f(**{"a": 1}, **{"b": 2}, a=3)', 'f(**k, 2)', 'f(a=1, 2, **k)',
  'f(**k, b=1, 2)', 'f(*k)', 'f(* *k)', 'f(**)', 'f(***k)', 'f(**k=1)',
  `f(a="""x""", b='''y''', c="""""", d=u"""z""", e=r"""w""", g="""a""" "b")`, 'f(a="""say "hi" """)', 'f(a="""x""""")', 'f(a="""x"")',
  'f(a="""x\ny""")', String.raw`f(a="""x\ny""")`, 'f(a="""x)', `f(a='''it's''')`,
  'f(a=0x1F, b=0X1f, c=0o17, d=0O7, e=0b101, g=0B1, h=-0x10, i=0x0)', 'f(a=0x)', 'f(a=0x_1)', 'f(a=0x1_0)', 'f(a=0b12)', 'f(a=0o8)',
  'f(a=0x1g)', 'f(a=0x1.real)', 'f(a=0xé)', `f(a=0x${'f'.repeat(300)})`, `f(a=0x${'f'.repeat(301)})`, 'f(a=00x1)',
  // how many calls (the first is kept apart until a second one comes)
  '[f(a=1), g(b=2), h(c=3)]', 'f(a=1), f(a=1)', 'f(a=1), g(b=2),', '[f(a=1), g(b=2), 3]', '[f(a=1), 2, g(b=3)]',
  // list items that are not calls (the decoder's assertion)
  '[{}]', '{}', '3.14', 'null', 'None', '()', '(1)', '[f]', '[f(), 1]', '[1, f(a=1)]', '[f(a=1), 2]', '[f(a=1), g]', '[1, 2 3]',
  '[f(a=1), x.y]', '[1, f(a=-x)]', '[f(a=-x), 1]', '[f(a=1, 2, b=3), 1]', '[{"name": "f", "arguments": {"a": 1}}]', '"[f(a=1)]"',
  "'f(a=1)'", '[f(a=1)](x)', '[1][0]', 'f(a=1)(b=2)', 'f.g', '[(f(a=1))]', '[-f]', '[1, 2, 3', 'f(a=1), 1', '[[f(a=1)]]', '[f(a=1) 1]',
  '[f(a=1), [2]', 'f(a=1), [2]', '[[2]', '[1, [2]', '[f(a=1,\n 1), [2]', '[f(a=1), (2)]', '[f(a=1), [2]]', '[f(a=1), {1: [2]}',
  // positional arguments after keyword ones (the parser's error, at the argument's line)
  'f(a=1, 2)', 'f(1, a=2)', 'f(a=1, 2, b=3, 4)', 'f(a=1, x)', 'f(a=1, None)', 'f(a=1, True=2)', 'f(a=1, -1)', 'f(a=1, [1, 2])',
  '\n\nf(a=1,\n 2)', '[f(a=1),\n g(b=1,\n\n "x")]', '[g(b=2), f(a=1, 2), h(c=1, 3)]', '[1, f(a=1, 2)]', 'f(a=1, 2) x',
  'f(a=1, 2, b=x.y)', 'f(a=1, 2)] x', 'f(a=1, 2', 'f(a=1, **k, 2)', 'f(a=1, *k)', 'f(a=1, 2 for x in y)', 'f(a=1, "x"=2)',
];

// What CPython 3.11 reports for these (recorded through BFCL's decoder: strip, bracket, ast.parse).
// Literals are decoded when the parser joins them, after reading the token that follows: their
// errors come at that token's line and after tokenizer errors met on the way; a syntax error
// earlier in the text wins over them (a lookahead stops at a positional argument after keyword
// ones); and a backslash outside a literal (E_LINECONT), reported when the parser reaches it,
// does not replace an earlier syntax error.
const ERROR_PRECEDENCE: [string, string][] = [
  ["[f(a='''\n\\N{NO SUCH}''')]", "(unicode error) 'unicodeescape' codec can't decode bytes in position 1-11: unknown Unicode character name (<unknown>, line 2)"],
  ["[f(a='x'\n'\\xZ'\n)]", "(unicode error) 'unicodeescape' codec can't decode bytes in position 0-1: truncated \\xXX escape (<unknown>, line 3)"],
  ["[f(a='a' b'b'\n\n)]", "cannot mix bytes and nonbytes literals (<unknown>, line 3)"],
  ["[f(a='\\N{NO SUCH}' 'unterminated)]", "unterminated string literal (detected at line 1) (<unknown>, line 1)"],
  ["[f(a='' b'' '\\N{NO SUCH}')]", "cannot mix bytes and nonbytes literals (<unknown>, line 1)"],
  ["[f(a=b'' '' b'é')]", "cannot mix bytes and nonbytes literals (<unknown>, line 1)"],
  ["[f(a='\\N{NO SUCH}' b'')]", "(unicode error) 'unicodeescape' codec can't decode bytes in position 0-10: unknown Unicode character name (<unknown>, line 1)"],
  ["[f(a=1 2), \\x]", "invalid syntax. Perhaps you forgot a comma? (<unknown>, line 1)"],
  ["[\nf(a=1 2), \\x]", "'[' was never closed (<unknown>, line 1)"],
  ["[f(a=1 2),\n\\x]", "invalid syntax. Perhaps you forgot a comma? (<unknown>, line 1)"],
  ["[f(a=1 2)] \\", "invalid syntax. Perhaps you forgot a comma? (<unknown>, line 1)"],
  ["[f(a='\\N{NO SUCH}'), \\x]", "(unicode error) 'unicodeescape' codec can't decode bytes in position 0-10: unknown Unicode character name (<unknown>, line 1)"],
  ["[f(a='\\N{NO SUCH}') \\", "(unicode error) 'unicodeescape' codec can't decode bytes in position 0-10: unknown Unicode character name (<unknown>, line 1)"],
  ["[f(a=1 2), g(b='\\N{NO SUCH}')]", "invalid syntax. Perhaps you forgot a comma? (<unknown>, line 1)"],
  // a lookahead's parse stops at a positional argument after keyword ones
  ["[a b(x=1, y==2, z=u'a' b'b')]", "invalid syntax. Perhaps you forgot a comma? (<unknown>, line 1)"],
  ["[a b(x=1, 2, z=u'a' b'b')]", "invalid syntax. Perhaps you forgot a comma? (<unknown>, line 1)"],
  // whether reading the last token took CPython to the end of the source (then it looks no further)
  ["\\\nf(a=b'x' 'y') # c\n", "'[' was never closed (<unknown>, line 1)"],
  ["f(\ta=1), \n  g(b=b'x' 'y')#", "'[' was never closed (<unknown>, line 1)"],
  ["n\n['\\N'", "(unicode error) 'unicodeescape' codec can't decode bytes in position 0-1: malformed \\N character escape (<unknown>, line 2)"],
  ["n\n[b'' ''", "cannot mix bytes and nonbytes literals (<unknown>, line 2)"],
  ["[\nf(a=b'x' 'y')]", "cannot mix bytes and nonbytes literals (<unknown>, line 2)"],
  ["[\nf(a=b'x' 'y') ]", "cannot mix bytes and nonbytes literals (<unknown>, line 2)"],
  ["[\nf(a=b'x' 'y'\n)", "cannot mix bytes and nonbytes literals (<unknown>, line 3)"],
  // NAME is not a keyword; SOFT_KEYWORD is any prefix of match, case, _ (CPython's strncmp)
  ["None 'x'", "invalid syntax. Perhaps you forgot a comma? (<unknown>, line 1)"],
  ["m.1", "invalid syntax (<unknown>, line 1)"],
  ["(c 3)", "invalid syntax (<unknown>, line 1)"],
  ["[f(a=1), ma 2]", "invalid syntax (<unknown>, line 1)"],
  ["[f(a=1), match 2]", "invalid syntax (<unknown>, line 1)"],
  ["[f(a=1), matches 2]", "invalid syntax. Perhaps you forgot a comma? (<unknown>, line 1)"],
  ["[f(a=1), x 2]", "invalid syntax. Perhaps you forgot a comma? (<unknown>, line 1)"],
  ["(\"\",False'\\U00110000')", "(unicode error) 'unicodeescape' codec can't decode bytes in position 0-9: illegal Unicode character (<unknown>, line 1)"],
  // a positional argument after keyword ones: at the token ending invalid_arguments' second `args`
  ["[f(1, a=2, 3\n  )]", "positional argument follows keyword argument (<unknown>, line 2)"],
  ["[g(b=2),\nf(1, a=2, 3\n  )]", "positional argument follows keyword argument (<unknown>, line 3)"],
  ["[book_flight(from_city='NYC', to_city=='LA', date='2024-01-01', passengers==2,\n  options={'seat': 'aisle', 'meal': None})]", "positional argument follows keyword argument (<unknown>, line 1)"],
  ["[f(a=1,\n 2)]", "positional argument follows keyword argument (<unknown>, line 2)"],
  ["[f(a=1, 2, b=3,\n 4,\n c=5)]", "positional argument follows keyword argument (<unknown>, line 2)"],
  // ... and as soon as a whole expression starts it (PEG falls back to `f` in `f(=)`), unless `=` or `:=` follows
  ["g(b=2,\n\nf(=))", "positional argument follows keyword argument (<unknown>, line 3)"],
  ["[get_time(tz='UTC', 'v'if)]", "positional argument follows keyword argument (<unknown>, line 1)"],
  ["get_weather(location='Berlin', not=\"celsius\", days=3)", "invalid syntax (<unknown>, line 1)"],
  ["get_weather(location='Berlin', unit:==\"celsius\", days=3, f(x))", "invalid syntax (<unknown>, line 1)"],
  ["[m(p=1, t==x := 1)]", "invalid syntax (<unknown>, line 1)"],
  // numbers: leading zeros before the end check; a non-ASCII character ends a number
  ["[f(a=07x)]", "leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers (<unknown>, line 1)"],
  ["[f(a=07e)]", "invalid decimal literal (<unknown>, line 1)"],
  ["[f(a=1中)]", "invalid syntax. Perhaps you forgot a comma? (<unknown>, line 1)"],
  ["[f(a=1́)]", "invalid character '́' (U+0301) (<unknown>, line 1)"],
  ["[f(a=0x1é)]", "invalid syntax. Perhaps you forgot a comma? (<unknown>, line 1)"],
  // a form feed sets the indentation back to 0
  ["]\n\f", "unmatched ']' (<unknown>, line 2)"],
  ["f(a=1)\n\fg(b=2)", "invalid syntax. Perhaps you forgot a comma? (<unknown>, line 1)"],
  // an unclosed bracket is judged from the furthest token read; a raised error stands once the text is read to its end
  ["f(a=)\n\n#\\g(b='y)", "invalid syntax (<unknown>, line 1)"],
  ["g(b=)\nf(a=1) # c", "invalid syntax (<unknown>, line 1)"],
  ["g(b=2 ,\\\nf(\ta=1)[", "'(' was never closed (<unknown>, line 1)"],
  ["()\ng;\\", "'[' was never closed (<unknown>, line 1)"],
  ["[a b\n, c\\]", "'[' was never closed (<unknown>, line 1)"],
  ["(2\nf(,)\\", "'(' was never closed (<unknown>, line 1)"],
  ["n\n[a b", "invalid syntax. Perhaps you forgot a comma? (<unknown>, line 2)"],
  // `x := 1` is no expression for invalid_kwarg's `expression '='`
  ["[f(x := 1=),\n\n  g(b=2)]", "invalid syntax (<unknown>, line 1)"],
  ["[f((x := 1)=2)]", "expression cannot contain assignment, perhaps you meant \"==\"? (<unknown>, line 1)"],
  ["[f(x.y=2)]", "expression cannot contain assignment, perhaps you meant \"==\"? (<unknown>, line 1)"],
  ["[f(a=1, x := 1=2)]", "invalid syntax (<unknown>, line 1)"],
];

describe("decoder 'python': which error, at which line", () => {
  it.each(ERROR_PRECEDENCE)('%j', (text, expected) => {
    expect(err(decodePython(text))).toBe(expected);
  });
});

describe("decoder 'python': the fast path", () => {
  it.each(FAST_PATH_EDGES)('gives what the full way gives for %j', (text) => {
    const fast = decodePython(text);
    const full = decodePythonFullWay(text);
    expect(fast).toEqual(full);
    if (fast.ok && full.ok) expect(pyRepr(fast.calls)).toBe(pyRepr(full.calls)); // key order too
  });
});

describe("decoder 'json-text' (fc-distill's prompt format)", () => {
  const calls = (text: string) => ok(decodeJsonText(text));
  it('reads a JSON list of {name, arguments}', () => {
    expect(calls('[{"name": "f", "arguments": {"a": 1, "b": 2.0}}, {"name": "g.h", "parameters": {"x": "y"}}]')).toBe(
      "[{'f': {'a': 1, 'b': 2.0}}, {'g.h': {'x': 'y'}}]",
    );
  });
  it('accepts a single object, missing or string-encoded arguments', () => {
    expect(calls('{"name": "f", "arguments": {"a": 1}}')).toBe("[{'f': {'a': 1}}]");
    expect(calls('{"name": "f"}')).toBe("[{'f': {}}]");
    expect(calls('[{"name": "f", "arguments": "{\\"a\\": 1}"}]')).toBe("[{'f': {'a': 1}}]");
  });
  it('skips <thinking> blocks and reads fenced JSON', () => {
    expect(calls('<thinking>I should call [f] with {a}</thinking>\n```json\n[{"name": "f", "arguments": {"a": 1}}]\n```')).toBe(
      "[{'f': {'a': 1}}]",
    );
    expect(calls('<THINK>x</THINK>[{"name": "f", "arguments": {}}] trailing words')).toBe("[{'f': {}}]");
    expect(calls('Sure.\n```\n[]\n```')).toBe('[]');
  });
  it('finds a call-shaped JSON value after prose', () => {
    expect(calls('I will call it now: [{"name": "f", "arguments": {"a": [1]}}] done')).toBe("[{'f': {'a': [1]}}]");
  });
  it('treats prose without calls, [] and empty text as no call', () => {
    expect(calls('I cannot help with that [sorry], {maybe} later.')).toBe('[]');
    expect(calls('[]')).toBe('[]');
    expect(calls('   ')).toBe('[]');
    expect(calls('<thinking>never closed [{"name": "f"}]')).toBe('[]');
  });
  it('reports malformed answers as decode errors', () => {
    expect(err(decodeJsonText('[{"name": "f", "arguments": {"a": 1}'))).toBe("Expecting ',' delimiter: line 1 column 37 (char 36)");
    expect(err(decodeJsonText('```json\n{"name": f}\n```'))).toBe('Expecting value: line 1 column 10 (char 9)');
    expect(err(decodeJsonText('[1, 2]'))).toBe('call 0 is a int, not an object');
    expect(err(decodeJsonText('[{"arguments": {}}]'))).toBe('call 0 has no string "name"');
    expect(err(decodeJsonText('{"name": "f", "arguments": [1]}'))).toBe('call 0 "arguments" is a list, not an object');
    expect(calls('"just a string"')).toBe('[]');
    expect(err(decodeJsonText(j('[]')))).toMatch(/expects the model's text output/);
  });
});

describe('decodeCalls and the format predicates', () => {
  it('dispatches on the decoder kind', () => {
    expect(ok(decodeCalls(j('[{"f": "{}"}]'), 'fc'))).toBe("[{'f': {}}]");
    expect(ok(decodeCalls('[f(a=1)]', 'python'))).toBe("[{'f': {'a': 1}}]");
    expect(ok(decodeCalls('[{"name": "f"}]', 'json-text'))).toBe("[{'f': {}}]");
  });
  it('implements is_function_calling_format_output and is_empty_output', () => {
    expect(isFunctionCallingFormat(j('[]'))).toBe(true);
    expect(isFunctionCallingFormat(j('[{"f": {}}]'))).toBe(true);
    expect(isFunctionCallingFormat(j('[{"f": {}, "g": {}}]'))).toBe(false);
    expect(isFunctionCallingFormat(j('[{"f": []}]'))).toBe(false);
    expect(isFunctionCallingFormat(j('{"f": {}}'))).toBe(false);
    expect(isFunctionCallingFormat(j('["f"]'))).toBe(false);
    expect(isEmptyOutput(j('[]'))).toBe(true);
    expect(isEmptyOutput(j('["text"]'))).toBe(true);
    expect(isEmptyOutput(j('[{"f": {}}]'))).toBe(false);
  });
});

describe('decoder robustness', () => {
  it("mirrors CPython's AST depth limit", () => {
    expect(decodePython(`f(${'-'.repeat(1000)}1, a=1)`).ok).toBe(true);
    expect(decodePython(`f(${'-'.repeat(3000)}1, a=1)`)).toEqual({
      ok: false,
      error: 'maximum recursion depth exceeded during ast construction',
    });
    expect(decodePython(`f([${'['.repeat(190)}1${']'.repeat(190)}], a=1)`).ok).toBe(true);
    expect(decodePython(`f([${'['.repeat(198)}1${']'.repeat(198)}], a=1)`)).toEqual({
      ok: false,
      error: 'too many nested parentheses (<unknown>, line 1)',
    });
  });
  it('stays linear on bracket-heavy prose', () => {
    const start = performance.now();
    expect(decodeJsonText(`prose ${'[{'.repeat(20000)}`)).toEqual({ ok: true, calls: [] });
    expect(decodeJsonText(`prose ${'['.repeat(5000)}${']'.repeat(5000)}`)).toEqual({ ok: true, calls: [] });
    expect(performance.now() - start).toBeLessThan(2000);
  });
});
