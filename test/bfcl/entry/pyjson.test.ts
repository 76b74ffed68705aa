import { describe, expect, it } from 'vitest';
import { parsePyJson, PyJsonDecodeError } from '../../../src/bfcl/scoring/pyjson.js';
import {
  floatRepr,
  makeJsonSerializable,
  pyEquals,
  pyJsonStringify,
  pyRepr,
  pyStr,
  pyTypeName,
  toJsonValue,
} from '../../../src/bfcl/scoring/pyvalue.js';
import { PyTuple, type PyValue } from '../../../src/bfcl/scoring/types.js';

function err(text: string): string {
  try {
    parsePyJson(text);
  } catch (e) {
    expect(e).toBeInstanceOf(PyJsonDecodeError);
    expect(e).toBeInstanceOf(SyntaxError);
    return (e as Error).message;
  }
  throw new Error(`parsed: ${text}`);
}

describe('parsePyJson', () => {
  it('keeps the int/float distinction', () => {
    expect(parsePyJson('5')).toBe(5n);
    expect(parsePyJson('-0')).toBe(0n);
    expect(parsePyJson('5.0')).toBe(5);
    expect(parsePyJson('1e3')).toBe(1000);
    expect(parsePyJson('1E+3')).toBe(1000);
    expect(parsePyJson('123456789012345678901234567890')).toBe(123456789012345678901234567890n);
    expect(parsePyJson('1e400')).toBe(Infinity);
  });
  it('accepts NaN and the infinities', () => {
    const v = parsePyJson('[NaN, Infinity, -Infinity]') as number[];
    expect(Number.isNaN(v[0])).toBe(true);
    expect(v.slice(1)).toEqual([Infinity, -Infinity]);
  });
  it('builds Maps; a duplicate key keeps its first position and its last value', () => {
    const v = parsePyJson('{"a": 1, "b": 2, "a": 3, "1": null}');
    expect(v).toBeInstanceOf(Map);
    expect([...(v as Map<string, PyValue>)]).toEqual([
      ['a', 3n],
      ['b', 2n],
      ['1', null],
    ]);
  });
  it('reads keys right whatever the recently read keys were (keys are cached by a hash of their text)', () => {
    // Many keys of each length, long and short, so that cache slots are shared and replaced;
    // then each object again, and keys that are prefixes of or escaped forms of others.
    const keys: string[] = [];
    for (let i = 0; i < 3000; i++) keys.push(`${'k'.repeat(i % 20)}${i.toString(36)}`);
    const objects = keys.map((k, i) => [`{"${k}": ${i}, "${k}x": "${k}", "x": 1}`, k, i] as const);
    for (const round of [0, 1]) {
      for (const [text, k, i] of objects) {
        expect({ round, map: [...(parsePyJson(text) as Map<string, PyValue>)] }).toEqual({ round, map: [[k, BigInt(i)], [`${k}x`, k], ['x', 1n]] });
      }
    }
    expect([...(parsePyJson('{"insurance_accepted": 1, "insurance_accepte": 2, "insurance_accepted\\u0021": 3, "insurance_\\"accepted": 4}') as Map<string, PyValue>).keys()]).toEqual([
      'insurance_accepted',
      'insurance_accepte',
      'insurance_accepted!',
      'insurance_"accepted',
    ]);
    expect(err('{"insurance_accepted": 1, "insurance\\taccepted": 2, "insurance\taccepted": 3}')).toBe(
      'Invalid control character at: line 1 column 63 (char 62)',
    );
    expect([...(parsePyJson('{"__proto__": 1, "0": 2, "01": 3, "constructor": 4}') as Map<string, PyValue>).keys()]).toEqual(['__proto__', '0', '01', 'constructor']);
  });
  it('decodes strings like Python', () => {
    expect(parsePyJson('"\\ud83d\\ude00 \\u00e9\\n\\/"')).toBe('😀 é\n/');
    expect(parsePyJson('"\\ud800"')).toBe('\ud800');
    expect(parsePyJson(' \n"x"\t')).toBe('x');
    // Escaped quotes and backslashes next to the closing quote, and what follows the string.
    expect(parsePyJson('["a\\"", "\\\\", "\\\\\\"b", 1]')).toEqual(['a"', '\\', '\\"b', 1n]);
    expect(parsePyJson('{"k\\tey": "v\\u00e9\\"\\/"}')).toEqual(new Map([['k\tey', 'vé"/']]));
  });
  it('reports a bad string after a good escape at the right place', () => {
    expect(err('"a\\nb\tc"')).toBe('Invalid control character at: line 1 column 6 (char 5)');
    expect(err('"a\\nb\\qc"')).toBe('Invalid \\escape: line 1 column 6 (char 5)');
    expect(err('"a\\nb\\u12G4"')).toBe('Invalid \\uXXXX escape: line 1 column 7 (char 6)');
    expect(err('"a\\"')).toBe('Unterminated string starting at: line 1 column 1 (char 0)');
    expect(err('["a\\n", "b\\')).toBe('Unterminated string starting at: line 1 column 9 (char 8)');
  });
  it("reports errors with Python's text and code-point positions", () => {
    expect(err('{"func":"3*x**2","a":1,"b":2"}')).toBe("Expecting ',' delimiter: line 1 column 29 (char 28)");
    expect(err('{\n  "a": 2000? \n}')).toBe("Expecting ',' delimiter: line 2 column 12 (char 13)");
    expect(err('')).toBe('Expecting value: line 1 column 1 (char 0)');
    expect(err('[1,]')).toBe('Expecting value: line 1 column 4 (char 3)');
    expect(err('{"a":1,}')).toBe('Expecting property name enclosed in double quotes: line 1 column 8 (char 7)');
    expect(err("{'a': 1}")).toBe('Expecting property name enclosed in double quotes: line 1 column 2 (char 1)');
    expect(err('{"a" 1}')).toBe("Expecting ':' delimiter: line 1 column 6 (char 5)");
    expect(err('1 2')).toBe('Extra data: line 1 column 3 (char 2)');
    expect(err('"abc')).toBe('Unterminated string starting at: line 1 column 1 (char 0)');
    expect(err('"a\tb"')).toBe('Invalid control character at: line 1 column 3 (char 2)');
    expect(err('"\\x"')).toBe('Invalid \\escape: line 1 column 2 (char 1)');
    expect(err('"\\u12"')).toBe('Invalid \\uXXXX escape: line 1 column 3 (char 2)');
    expect(err('["😀", x]')).toBe('Expecting value: line 1 column 7 (char 6)');
    expect(err('True')).toBe('Expecting value: line 1 column 1 (char 0)');
    expect(err('\ufeff1')).toBe('Unexpected UTF-8 BOM (decode using utf-8-sig): line 1 column 1 (char 0)');
    expect(err('1'.repeat(4301))).toBe(
      'Exceeds the limit (4300 digits) for integer string conversion: value has 4301 digits; use sys.set_int_max_str_digits() to increase the limit',
    );
  });
  it('does not overflow the stack on deep nesting', () => {
    expect(err('['.repeat(100000))).toMatch(/^maximum recursion depth exceeded/);
  });
});

describe('floatRepr / pyRepr', () => {
  it.each([
    [1e16, '1e+16'],
    [1e15, '1000000000000000.0'],
    [0.1, '0.1'],
    [100, '100.0'],
    [5, '5.0'],
    [-0, '-0.0'],
    [0.0001, '0.0001'],
    [0.00001, '1e-05'],
    [1.5e-7, '1.5e-07'],
    [123456789012345678, '1.2345678901234568e+17'],
    [1e100, '1e+100'],
    [5e-324, '5e-324'],
    [NaN, 'nan'],
    [-Infinity, '-inf'],
  ])('floatRepr(%s) = %s', (x, s) => {
    expect(floatRepr(x)).toBe(s);
  });
  it('reprs values as Python does', () => {
    const d = new Map<string, PyValue>([
      ['a', 1n],
      ['b', [true, null, 2.5]],
    ]);
    expect(pyRepr(d)).toBe("{'a': 1, 'b': [True, None, 2.5]}");
    expect(pyRepr(new PyTuple([1n]))).toBe('(1,)');
    expect(pyRepr(new PyTuple([]))).toBe('()');
    expect(pyRepr(new PyTuple([1n, 'x']))).toBe("(1, 'x')");
    expect(pyRepr([])).toBe('[]');
    expect(pyRepr(new Map())).toBe('{}');
    expect(pyRepr("it's")).toBe('"it\'s"');
    expect(pyRepr('say "hi" it\'s')).toBe("'say \"hi\" it\\'s'");
    expect(pyRepr('a\\b\n\t\r\x01\x7f')).toBe("'a\\\\b\\n\\t\\r\\x01\\x7f'");
    expect(pyRepr('é😀\u00a0\u200b\ud800')).toBe("'é😀\\xa0\\u200b\\ud800'");
    expect(pyStr('abc')).toBe('abc');
    expect(pyStr(['abc'])).toBe("['abc']");
  });
  // Reprs by CPython 3.11: the edges of the printable-ASCII fast path (around the quote, the
  // backslash and the ends of the printable range) and texts that leave it.
  it.each([
    ['', "''"],
    ['plain text, with [brackets] & ~tilde', "'plain text, with [brackets] & ~tilde'"],
    ['\u001f', "'\\x1f'"],
    [' ', "' '"],
    ['&', "'&'"],
    ['(', "'('"],
    ['[', "'['"],
    [']', "']'"],
    ['~', "'~'"],
    ['\u007f', "'\\x7f'"],
    ['"', "'\"'"],
    ["it's", '"it\'s"'],
    ['say "hi"', "'say \"hi\"'"],
    ['a\\b', "'a\\\\b'"],
    ['tab\there', "'tab\\there'"],
    ["xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'", '"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\'"'],
  ])('pyRepr(%j) = %s', (s, repr) => {
    expect(pyRepr(s)).toBe(repr);
  });
});

describe('pyEquals', () => {
  it('follows Python ==', () => {
    expect(pyEquals(true, 1n)).toBe(true);
    expect(pyEquals(1n, 1)).toBe(true);
    expect(pyEquals(true, 1.0)).toBe(true);
    expect(pyEquals(2n ** 53n + 1n, 2 ** 53)).toBe(false);
    expect(pyEquals(NaN, NaN)).toBe(false);
    expect(pyEquals('1', 1n)).toBe(false);
    expect(pyEquals(null, null)).toBe(true);
    expect(pyEquals([1n, 2n], new PyTuple([1n, 2n]))).toBe(false);
    expect(pyEquals(new PyTuple([1n]), new PyTuple([1.0]))).toBe(true);
    const a = parsePyJson('{"x": 1, "y": [1.0, "a"]}');
    const b = parsePyJson('{"y": [1, "a"], "x": true}');
    expect(pyEquals(a, b)).toBe(true);
    expect(pyEquals(a, parsePyJson('{"x": 1}'))).toBe(false);
    expect(pyEquals(new Map([[1n, 'a']]), new Map([[1.0, 'a']]))).toBe(true);
  });
});

describe('pyTypeName', () => {
  it('names the Python types', () => {
    const vals: PyValue[] = ['s', 1n, 1.0, true, [], new Map(), new PyTuple([]), null];
    expect(vals.map(pyTypeName)).toEqual(['str', 'int', 'float', 'bool', 'list', 'dict', 'tuple', 'NoneType']);
  });
});

describe('pyJsonStringify', () => {
  it('writes what json.dumps(ensure_ascii=False) writes', () => {
    const v = parsePyJson('{"a": [1, 1.0, 1e16, 0.5e-6, NaN, -Infinity, null, true], "é": "😀\\n\\"\\u0001", "": {}}');
    expect(pyJsonStringify(v)).toBe(
      '{"a": [1, 1.0, 1e+16, 5e-07, NaN, -Infinity, null, true], "é": "😀\\n\\"\\u0001", "": {}}',
    );
    expect(pyJsonStringify(new PyTuple([1n, 'x']))).toBe('[1, "x"]');
    expect(pyJsonStringify(new Map<PyValue, PyValue>([[1n, 1n], [2.5, 2n], [true, 3n], [null, 4n]]) as never)).toBe(
      '{"1": 1, "2.5": 2, "true": 3, "null": 4}',
    );
    expect(() => pyJsonStringify(new Map([[new PyTuple([]), 1n]]))).toThrow(/keys must be str/);
  });
  it('makeJsonSerializable and toJsonValue', () => {
    const bad = new PyTuple([new Map([[new PyTuple([1n]), 1n]])]);
    expect(makeJsonSerializable([bad, 1n])).toEqual(['({(1,): 1},)', 1n]);
    expect(toJsonValue(parsePyJson('{"a": [1, 2.5, NaN], "__proto__": "x"}'))).toEqual(
      JSON.parse('{"a": [1, 2.5, null], "__proto__": "x"}'),
    );
  });
});
