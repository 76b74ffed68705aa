import { describe, expect, it } from 'vitest';
import { fcCertainlyPasses } from '../../../src/bfcl/scoring/check.js';
import { scoreEntry } from '../../../src/bfcl/scoring/entry.js';
import { parsePyJson } from '../../../src/bfcl/scoring/pyjson.js';
import type { BfclFunctionDoc } from '../../../src/bfcl/records.js';
import type { EntryInput, PyValue } from '../../../src/bfcl/scoring/types.js';

/**
 * fcCertainlyPasses reads `[{name: "<JSON arguments>"}]` straight from the text. Whatever it
 * says, scoreEntry must give what the full way gives: the same arguments handed over as a dict
 * (`[{name: {...}}]`, which decodeFc takes as is and which never takes the short cut).
 */
const DOCS = JSON.stringify([
  {
    name: 'geo.area',
    description: '',
    parameters: {
      type: 'dict',
      properties: {
        base: { type: 'integer' },
        height: { type: 'float' },
        unit: { type: 'string' },
        exact: { type: 'boolean' },
        tags: { type: 'array', items: { type: 'string' } },
        sizes: { type: 'array', items: { type: 'integer' } },
        weights: { type: 'tuple', items: { type: 'float' } },
        flags: { type: 'array', items: { type: 'boolean' } },
        'q"x': { type: 'string' },
        'b\\s': { type: 'string' },
      },
      required: ['base', 'height'],
    },
  },
]);
const TRUTH = '[{"geo.area": {"base": [10, -3, 0], "height": [5.0, 2.5, -0.0], "unit": ["", "cm", "sq m"], "exact": ["", true], "tags": ["", ["a"]], "sizes": ["", [1, 2], [3]], "weights": ["", [1.5, 2.0]], "flags": ["", [true, false]], "q\\"x": ["", "a"], "b\\\\s": ["", "a\\\\b"]}}]';

const ARGUMENTS = [
  '{"base": 10, "height": 5.0}',
  '{"base": 10, "height": 5.0, "unit": "cm", "exact": true}',
  ' {\n\t"height" :2.5 ,"base":-3 }\r\n',
  '{"base": 0, "height": -0.0, "unit": "Sq-M"}',
  '{"base": -0, "height": 0.0}',
  '{"base": 10, "height": 5}', // int for a float: the full way converts it
  '{"base": 10.0, "height": 5.0}', // float for an int
  '{"base": 010, "height": 5.0}', // not JSON
  '{"base": 10, "height": 5.}', // not JSON
  '{"base": 10, "height": 5e0}',
  '{"base": 10, "height": 5.0, "base": 11}', // a repeated key: Python keeps the last value
  '{"base": 11, "height": 5.0, "base": 10}',
  '{"base": 10}', // missing required
  '{"base": 10, "height": 5.0, "color": "red"}', // unexpected
  '{"base": 10, "height": 5.0, "unit": "c\\u006d"}', // escape
  '{"base": 10, "height": -0}', // ints for a float parameter
  '{"base": 10, "height": 3}',
  '{"base": 10, "height": 25}',
  '{"base": 10, "height": 5.0, "tags": ["A"]}', // lists
  '{"base": 10, "height": 5.0, "tags": ["a", "b"]}',
  '{"base": 10, "height": 5.0, "tags": []}', // "" among the answers: standardised, an empty list
  '{"base": 10, "height": 5.0, "tags": [1]}',
  '{"base": 10, "height": 5.0, "tags": ["a",]}',
  '{"base": 10, "height": 5.0, "tags": [ "a" ] }',
  '{"base": 10, "height": 5.0, "tags": [["a"]]}',
  '{"base": 10, "height": 5.0, "tags": ["a\\u0020"]}',
  '{"base": 10, "height": 5.0, "tags": "a"}',
  '{"base": 10, "height": 5.0, "tags": ["a"]',
  '{"base": 10, "height": 5.0, "tags": ["a"',
  '{"base": 10, "height": 5.0, "sizes": [1, 2]}',
  '{"base": 10, "height": 5.0, "sizes": [1.0, 2]}',
  '{"base": 10, "height": 5.0, "sizes": [1, true]}',
  '{"base": 10, "height": 5.0, "sizes": [3]}',
  '{"base": 10, "height": 5.0, "sizes": [2, 1]}',
  '{"base": 10, "height": 5.0, "weights": [1.5, 2]}', // an int among floats: BFCL's type check passes on the "" answer
  '{"base": 10, "height": 5.0, "weights": [1.5, 2.0]}',
  '{"base": 10, "height": 5.0, "flags": [true, false]}',
  '{"base": 10, "height": 5.0, "flags": [1, 0]}',
  '{"base": 10, "height": 5.0, "unit": "cm\\""}', // an answer followed by an escaped quote
  '{"base": 10, "height": 5.0, "unit": "cm\n"}', // a raw control character after an answer
  '{"base": 10, "height": 5.0, "unit": "c\tm"}',
  '{"base": 10, "height": 5.0, "unit": "cmx"}', // an answer as a prefix
  '{"base": 10, "height": 5.0, "unit": "c"}',
  '{"base": 10, "height": 5.0, "unit": "sq m"}',
  '{"base": 10, "height": 5.0, "unit": "SQ_M"}', // standardised
  '{"base": 10, "height": 5.0, "unit": ""}', // "" is among the answers
  '{"bas": 10, "height": 5.0}', // a name's prefix
  '{"basex": 10, "height": 5.0}', // a name as a prefix
  '{"b\\u0061se": 10, "height": 5.0}', // a name written with an escape
  '{"base\t": 10, "height": 5.0}',
  '{"base": 10, "height": 5.0, "q\\"x": "a"}', // a name that must be escaped
  '{"base": 10, "height": 5.0, "q\\"x": "b"}',
  '{"base": 10, "height": 5.0, "b\\\\s": "a\\\\b"}', // backslashes in a name and an answer
  '{"base": 10, "height": 5.0, "b\\\\s": "a\\\\c"}',
  '{"base": 10, "height": 5.0, "unit": "cm"', // unterminated
  '{"base": 10, "height": 5.0, "unit": "cm',
  '{"base": 10, "height": 5.0, "unit":',
  '{"base": 10, "height": 5.0, "unit"',
  '{"base": 10, "height": 5.0, "un',
  '{"base": 10, "height": 5.0, "unit": "km"}',
  '{"base": 10, "height": 5.0, "exact": false}',
  '{"base": 10, "height": 5.0, "exact": "true"}',
  '{"base": 10, "height": 5.0, "tags": ["a"]}',
  '{"base": 10, "height": 5.0, "unit": null}',
  '{"base": 10, "height": 5.0} ',
  '{"base": 10, "height": 5.0}}',
  '{"base": 10, "height": 5.0,}',
  '{"base": true, "height": 5.0}', // bool is not int
  '{"base": 1000000000000000000010, "height": 5.0}',
  '{}',
  '[]',
  '',
];

function input(category: string, result: PyValue, underscoreToDot = true): EntryInput {
  return {
    id: 'e',
    category,
    result,
    functions: JSON.parse(DOCS) as BfclFunctionDoc[],
    groundTruth: parsePyJson(TRUTH),
    underscoreToDot,
    decoder: 'fc',
  };
}

describe('fcCertainlyPasses (function-calling arguments read from their text)', () => {
  for (const category of ['simple_python', 'live_multiple']) {
    it(`${category}: agrees with the full way on every argument text`, () => {
      let shortCuts = 0;
      for (const args of ARGUMENTS) {
        const asText = input(category, [new Map([['geo_area', args]])]);
        const outcome = scoreEntry(asText);
        let parsed: PyValue | undefined;
        try {
          parsed = parsePyJson(args);
        } catch {
          parsed = undefined;
        }
        const fast = fcCertainlyPasses(asText.functions, asText.result, asText.groundTruth!, category, true);
        if (fast) shortCuts++;
        if (parsed instanceof Map) {
          const full = scoreEntry(input(category, [new Map([['geo_area', parsed]])]));
          expect({ args, valid: outcome.valid, errorType: outcome.errorType, error: outcome.error }).toEqual({
            args,
            valid: full.valid,
            errorType: full.errorType,
            error: full.error,
          });
        } else {
          expect({ args, valid: outcome.valid }).toEqual({ args, valid: false });
        }
        // The short cut only ever says "valid".
        if (fast) expect({ args, valid: outcome.valid }).toEqual({ args, valid: true });
      }
      expect(shortCuts).toBeGreaterThanOrEqual(15);
    });
  }
  it('takes no short cut for a wrong name, two calls, a parallel category or missing docs', () => {
    const args = '{"base": 10, "height": 5.0}';
    const ok = input('simple_python', [new Map([['geo_area', args]])]);
    expect(fcCertainlyPasses(ok.functions, ok.result, ok.groundTruth!, 'simple_python', true)).toBe(true);
    expect(fcCertainlyPasses(ok.functions, [new Map([['geo.area', args]])], ok.groundTruth!, 'simple_python', true)).toBe(false);
    expect(fcCertainlyPasses(ok.functions, [new Map([['geo.area', args]])], parsePyJson(TRUTH), 'simple_python', false)).toBe(true);
    expect(fcCertainlyPasses(ok.functions, [new Map([['geo_area', args]]), new Map([['geo_area', args]])], ok.groundTruth!, 'simple_python', true)).toBe(false);
    expect(fcCertainlyPasses(ok.functions, ok.result, parsePyJson(TRUTH), 'parallel', true)).toBe(false);
    expect(fcCertainlyPasses([], ok.result, parsePyJson(TRUTH), 'simple_python', true)).toBe(false);
    expect(scoreEntry(input('parallel', ok.result)).valid).toBe(true);
  });
});

describe('long names and values (parsed ones are views of their text, compared by content)', () => {
  const docs = JSON.stringify([
    {
      name: 'Services_4.FindProvider',
      description: '',
      parameters: {
        type: 'dict',
        properties: { insurance_accepted: { type: 'boolean' }, provider_city_name: { type: 'string' } },
        required: ['provider_city_name'],
      },
    },
  ]);
  const truth = '[{"Services_4.FindProvider": {"insurance_accepted": ["", true], "provider_city_name": ["Los Gatos, California", "Los Gatos"]}}]';
  const cases: [string, boolean][] = [
    ['{"provider_city_name": "Los Gatos, California", "insurance_accepted": true}', true],
    ['{"provider_city_name": "Los Gatos, Californiaa"}', false],
    ['{"provider_city_name": "Los Gatos, Californi"}', false],
    ['{"provider_city_name": "los gatos california"}', true],
    ['{"provider_city_namf": "Los Gatos, California"}', false],
    ['{"provider_city_name": "Los Gatos, California", "insurance_acceptee": true}', false],
  ];
  for (const category of ['live_simple', 'live_multiple', 'live_parallel']) {
    it(`${category}: same outcome from argument text, from a parsed dict and from a dict of fresh strings`, () => {
      for (const [args, valid] of cases) {
        const base = { id: 'e', category, functions: JSON.parse(docs) as BfclFunctionDoc[], underscoreToDot: true, decoder: 'fc' as const };
        // A line as a results file has it: the name and argument strings are slices of it.
        const line = parsePyJson(JSON.stringify({ result: [{ Services_4_FindProvider: args }] })) as Map<string, PyValue>;
        const fromText = scoreEntry({ ...base, result: line.get('result')!, groundTruth: parsePyJson(truth) });
        const parsed = parsePyJson(args) as Map<string, PyValue>;
        const fromDict = scoreEntry({ ...base, result: [new Map([['Services_4_FindProvider', parsed]])], groundTruth: parsePyJson(truth) });
        // Strings built character by character (not views of any text).
        const fresh = (s: string) => [...s].join('');
        const freshDict = new Map([...parsed].map(([k, v]) => [fresh(k as string), typeof v === 'string' ? fresh(v) : v]));
        const fromFresh = scoreEntry({ ...base, result: [new Map([[fresh('Services_4_FindProvider'), freshDict]])], groundTruth: parsePyJson(truth) });
        expect({ args, valid: fromText.valid }).toEqual({ args, valid });
        expect({ args, dict: fromDict }).toEqual({ args, dict: { ...fromText, decoded: fromDict.decoded } });
        expect({ args, fresh: fromFresh }).toEqual({ args, fresh: fromDict });
      }
    });
  }
});
