import { describe, expect, it } from 'vitest';
import {
  answerForExample,
  chooseAnswer,
  GroundTruthError,
  parseGroundTruth,
  pythonFloat,
  pythonString,
  renderAnswer,
  renderNoCall,
} from '../../src/prompts/answer.js';

const calls = (gt: string) => chooseAnswer(parseGroundTruth(gt));

describe('renderAnswer', () => {
  const gt = '[{"calc.area": {"base": [10], "height": [5.0, 5], "unit": ["", "cm"], "round": [true]}}]';

  it('json-list keeps 5.0, dotted names and ground-truth order', () => {
    expect(renderAnswer(calls(gt), 'json-list')).toBe(
      '[{"name": "calc.area", "arguments": {"base": 10, "height": 5.0, "unit": "cm", "round": true}}]',
    );
  });

  it('llama-json writes one object per call joined by "; "', () => {
    const two = '[{"f": {"a": [1.50]}}, {"g.h": {"s": ["x"]}}]';
    expect(renderAnswer(calls(two), 'llama-json')).toBe(
      '{"name": "f", "parameters": {"a": 1.50}}; {"name": "g.h", "parameters": {"s": "x"}}',
    );
  });

  it('python writes Python literals', () => {
    const text =
      '[{"calc.area": {"base": [10], "height": [5.0], "flag": [false], "none": [null], "s": ["it\'s"], "t": ["a\\"b\'c"], "xs": [[1.0, 2, "q"]], "tiny": [0.00001], "big": [1e16]}}]';
    expect(renderAnswer(calls(text), 'python')).toBe(
      `[calc.area(base=10, height=5.0, flag=False, none=None, s="it's", t='a"b\\'c', xs=[1.0, 2, 'q'], tiny=1e-05, big=1e+16)]`,
    );
  });

  it('python writes several calls in one list and dicts as Python dicts', () => {
    const text = '[{"f": {"d": [{"k": ["v"], "n": [2.0]}]}}, {"g": {}}]';
    expect(renderAnswer(calls(text), 'python')).toBe("[f(d={'k': 'v', 'n': 2.0}), g()]");
  });

  it('no call is [] in every format', () => {
    for (const f of ['json-list', 'llama-json', 'python'] as const) {
      expect(renderNoCall(f)).toBe('[]');
      expect(renderAnswer([], f)).toBe('[]');
      expect(answerForExample(null, f)).toBe('[]');
    }
  });
});

describe('chooseAnswer', () => {
  it('takes the first acceptable value that is not ""', () => {
    expect(renderAnswer(calls('[{"f": {"a": ["", "x", "y"]}}]'), 'json-list')).toBe('[{"name": "f", "arguments": {"a": "x"}}]');
  });

  it('omits a parameter whose only acceptable value is "", or "" and null', () => {
    expect(renderAnswer(calls('[{"f": {"a": [""], "b": ["", null], "c": [null, ""], "d": [1]}}]'), 'json-list')).toBe(
      '[{"name": "f", "arguments": {"d": 1}}]',
    );
  });

  it('keeps null when omission is not acceptable', () => {
    expect(renderAnswer(calls('[{"f": {"a": [null]}}]'), 'json-list')).toBe('[{"name": "f", "arguments": {"a": null}}]');
  });

  it('resolves the acceptable lists of dict parameters, keys with "" omitted', () => {
    const text = '[{"f": {"opts": ["", {"mode": ["fast", "slow"], "limit": ["", 3.0], "extra": [""], "nested": [{"x": 1}]}]}}]';
    expect(renderAnswer(calls(text), 'json-list')).toBe(
      '[{"name": "f", "arguments": {"opts": {"mode": "fast", "limit": 3.0, "nested": {"x": 1}}}}]',
    );
  });

  it('resolves the dicts of a list-of-dicts parameter', () => {
    const text = '[{"f": {"items": [[{"name": ["apple"], "qty": [2]}, {"name": ["pear", "Pear"], "qty": ["", 1]}]]}}]';
    expect(renderAnswer(calls(text), 'json-list')).toBe(
      '[{"name": "f", "arguments": {"items": [{"name": "apple", "qty": 2}, {"name": "pear", "qty": 1}]}}]',
    );
  });

  it('keeps plain arrays as whole values', () => {
    expect(renderAnswer(calls('[{"f": {"xs": [[1, 2.5], [2, 1]]}}]'), 'json-list')).toBe(
      '[{"name": "f", "arguments": {"xs": [1, 2.5]}}]',
    );
  });

  it('refuses an unpassable ground truth (empty acceptable list)', () => {
    expect(() => calls('[{"f": {"a": []}}]')).toThrow(GroundTruthError);
    expect(() => calls('[{"f": {"a": []}}]')).toThrow(/parameter 'a' has no acceptable value/);
  });

  it('refuses malformed ground truth', () => {
    expect(() => parseGroundTruth('{"f": 1}')).toThrow(GroundTruthError);
    expect(() => parseGroundTruth('[{"f": {"a": 1}}]')).toThrow(/not a list of acceptable values/);
    expect(() => parseGroundTruth('[{"f": {}, "g": {}}]')).toThrow(/exactly one function name/);
  });
});

describe('Python literals', () => {
  it('floats as repr(float)', () => {
    expect([5, 0.1, 0.0001, 0.00001, 1e16, 1234567890123456, -2.5, 1e-7, 1.5e300, 0].map(pythonFloat)).toEqual([
      '5.0',
      '0.1',
      '0.0001',
      '1e-05',
      '1e+16',
      '1234567890123456.0',
      '-2.5',
      '1e-07',
      '1.5e+300',
      '0.0',
    ]);
  });

  it('strings as repr(str)', () => {
    expect(pythonString('plain')).toBe("'plain'");
    expect(pythonString("it's")).toBe(`"it's"`);
    expect(pythonString(`a'b"c`)).toBe(`'a\\'b"c'`);
    expect(pythonString('tab\tnl\nback\\')).toBe("'tab\\tnl\\nback\\\\'");
    expect(pythonString('caf\u00e9 \u2028 \u0007')).toBe("'caf\u00e9 \\u2028 \\x07'");
  });
});
