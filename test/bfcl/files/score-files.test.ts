import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { splitLines } from '../../../src/bfcl/scoring/data-files.js';
import { parsePyJson } from '../../../src/bfcl/scoring/pyjson.js';
import { pyJsonStringify } from '../../../src/bfcl/scoring/pyvalue.js';
import { isPyJsonCanonical, scoreFilePath } from '../../../src/bfcl/scoring/score-files.js';
import { DATA_V4, HAVE_CONFORMANCE } from './paths.js';

describe('isPyJsonCanonical (copying a data line instead of re-serialising it)', () => {
  const cases: [string, boolean][] = [
    ['{"a": 1, "b": [1.0, 2.5, "x"], "c": {"d": null, "e": true, "f": false}}', true],
    ['{"a": 1.50}', false],
    ['{"a":1}', false],
    ['{"a": 1,"b": 2}', false],
    ['{"a": [ ]}', false],
    ['{"a": []}', true],
    ['{"a": {}}', true],
    ['{"a": "\\u00e9"}', false],
    ['{"a": "é \\" \\\\ \\n \\t"}', true],
    ['{"a": "\\/"}', false],
    ['{"a": "\\u001f"}', false],
    ['{"a": 1, "a": 2}', false],
    ['{"a": {"a": 1}, "b": {"a": 2}}', true],
    ['{"a": -0}', false],
    ['{"a": 1e16}', false],
    ['{"a": 1e+16}', true],
    ['{"a": 0.0001}', true],
    ['{"a": 1e-05}', true],
    ['{"a": 0.00001}', false],
    ['{"a": NaN, "b": Infinity, "c": -Infinity}', true],
    ['{"a": 123456789012345678901234567890}', true],
    ['{"a": "😀"}', true],
    [' {"a": 1}', false],
    ['{"a": 1} ', false],
  ];
  for (const [text, want] of cases) {
    it(`${text} -> ${want}`, () => {
      expect(isPyJsonCanonical(text)).toBe(want);
      if (want) expect(pyJsonStringify(parsePyJson(text))).toBe(text);
    });
  }

  it.runIf(HAVE_CONFORMANCE)('agrees with parse + json.dumps on every BFCL data line', async () => {
    let canonical = 0;
    let total = 0;
    for (const name of ['BFCL_v4_live_multiple.json', 'BFCL_v4_live_irrelevance.json', 'BFCL_v4_simple_python.json', 'BFCL_v4_parallel.json']) {
      for (const { text } of splitLines(await readFile(join(DATA_V4, name), 'utf8'))) {
        total++;
        const same = pyJsonStringify(parsePyJson(text)) === text;
        const claimed = isPyJsonCanonical(text);
        if (claimed) {
          canonical++;
          expect(same).toBe(true);
        }
      }
    }
    expect(canonical / total).toBeGreaterThan(0.9);
  });
});

describe('score file layout', () => {
  it('v4 groups by live/non_live; v3 is flat', () => {
    expect(scoreFilePath('v4', 'm', 'live_simple')).toBe(join('m', 'live', 'BFCL_v4_live_simple_score.json'));
    expect(scoreFilePath('v4', 'm', 'simple_python')).toBe(join('m', 'non_live', 'BFCL_v4_simple_python_score.json'));
    expect(scoreFilePath('v3', 'm', 'simple')).toBe(join('m', 'BFCL_v3_simple_score.json'));
  });
});
