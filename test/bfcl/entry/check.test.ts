import { describe, expect, it } from 'vitest';
import { standardizeString } from '../../../src/bfcl/scoring/check.js';
import { CHECKER_CRASH, scoreEntry } from '../../../src/bfcl/scoring/entry.js';
import { parsePyJson } from '../../../src/bfcl/scoring/pyjson.js';
import { pyJsonStringify } from '../../../src/bfcl/scoring/pyvalue.js';
import type { BfclFunctionDoc } from '../../../src/bfcl/records.js';
import type { DecoderKind, EntryInput, PyValue } from '../../../src/bfcl/scoring/types.js';

/**
 * [name, category, docs JSON, ground truth JSON, decoded calls JSON, underscoreToDot, expected]
 * Expected results were produced by BFCL's own ast_checker (bfcl-eval 2025.10.13).
 */
const CHECKER_CASES: [string, string, string, string, string, boolean, string][] = [
  ["wrong_count", "simple_python", "[{\"name\": \"geometry.area\", \"description\": \"\", \"parameters\": {\"type\": \"dict\", \"properties\": {\"base\": {\"type\": \"integer\"}, \"height\": {\"type\": \"float\"}, \"unit\": {\"type\": \"string\"}}, \"required\": [\"base\", \"height\"]}}]", "[{\"geometry.area\": {\"base\": [10], \"height\": [5.0], \"unit\": [\"\", \"cm\"]}}]", "[]", true, "{\"valid\": false, \"error_type\": \"simple_function_checker:wrong_count\", \"error\": [\"Wrong number of functions.\"]}"],
  ["wrong_func_name (underscored)", "simple_python", "[{\"name\": \"geometry.area\", \"description\": \"\", \"parameters\": {\"type\": \"dict\", \"properties\": {\"base\": {\"type\": \"integer\"}, \"height\": {\"type\": \"float\"}, \"unit\": {\"type\": \"string\"}}, \"required\": [\"base\", \"height\"]}}]", "[{\"geometry.area\": {\"base\": [10], \"height\": [5.0], \"unit\": [\"\", \"cm\"]}}]", "[{\"geometry.area\": {\"base\": 10, \"height\": 5.0}}]", true, "{\"valid\": false, \"error_type\": \"simple_function_checker:wrong_func_name\", \"error\": [\"Function name 'geometry_area' not found in model output.\"]}"],
  ["dotted name without the flag passes", "simple_python", "[{\"name\": \"geometry.area\", \"description\": \"\", \"parameters\": {\"type\": \"dict\", \"properties\": {\"base\": {\"type\": \"integer\"}, \"height\": {\"type\": \"float\"}, \"unit\": {\"type\": \"string\"}}, \"required\": [\"base\", \"height\"]}}]", "[{\"geometry.area\": {\"base\": [10], \"height\": [5.0], \"unit\": [\"\", \"cm\"]}}]", "[{\"geometry.area\": {\"base\": 10, \"height\": 5}}]", false, "{\"valid\": true}"],
  ["missing_required", "simple_python", "[{\"name\": \"geometry.area\", \"description\": \"\", \"parameters\": {\"type\": \"dict\", \"properties\": {\"base\": {\"type\": \"integer\"}, \"height\": {\"type\": \"float\"}, \"unit\": {\"type\": \"string\"}}, \"required\": [\"base\", \"height\"]}}]", "[{\"geometry.area\": {\"base\": [10], \"height\": [5.0], \"unit\": [\"\", \"cm\"]}}]", "[{\"geometry_area\": {\"base\": 10}}]", true, "{\"valid\": false, \"error_type\": \"simple_function_checker:missing_required\", \"error\": [\"Missing required parameter: 'height'.\"]}"],
  ["unexpected_param (not in doc)", "simple_python", "[{\"name\": \"geometry.area\", \"description\": \"\", \"parameters\": {\"type\": \"dict\", \"properties\": {\"base\": {\"type\": \"integer\"}, \"height\": {\"type\": \"float\"}, \"unit\": {\"type\": \"string\"}}, \"required\": [\"base\", \"height\"]}}]", "[{\"geometry.area\": {\"base\": [10], \"height\": [5.0], \"unit\": [\"\", \"cm\"]}}]", "[{\"geometry_area\": {\"base\": 10, \"height\": 5.0, \"color\": \"red\"}}]", true, "{\"valid\": false, \"error_type\": \"simple_function_checker:unexpected_param\", \"error\": [\"Unexpected parameter: 'color'.\"]}"],
  ["int for float is converted", "live_simple", "[{\"name\": \"geometry.area\", \"description\": \"\", \"parameters\": {\"type\": \"dict\", \"properties\": {\"base\": {\"type\": \"integer\"}, \"height\": {\"type\": \"float\"}, \"unit\": {\"type\": \"string\"}}, \"required\": [\"base\", \"height\"]}}]", "[{\"geometry.area\": {\"base\": [10], \"height\": [5.0], \"unit\": [\"\", \"cm\"]}}]", "[{\"geometry_area\": {\"base\": 10, \"height\": 5}}]", true, "{\"valid\": true}"],
  ["float for int is a type error", "simple_python", "[{\"name\": \"geometry.area\", \"description\": \"\", \"parameters\": {\"type\": \"dict\", \"properties\": {\"base\": {\"type\": \"integer\"}, \"height\": {\"type\": \"float\"}, \"unit\": {\"type\": \"string\"}}, \"required\": [\"base\", \"height\"]}}]", "[{\"geometry.area\": {\"base\": [10], \"height\": [5.0], \"unit\": [\"\", \"cm\"]}}]", "[{\"geometry_area\": {\"base\": 10.0, \"height\": 5}}]", true, "{\"valid\": false, \"error_type\": \"type_error:simple\", \"error\": [\"Incorrect type for parameter 'base'. Expected type integer, got float. Parameter value: 10.0.\"]}"],
  ["bool is not int", "simple_python", "[{\"name\": \"geometry.area\", \"description\": \"\", \"parameters\": {\"type\": \"dict\", \"properties\": {\"base\": {\"type\": \"integer\"}, \"height\": {\"type\": \"float\"}, \"unit\": {\"type\": \"string\"}}, \"required\": [\"base\", \"height\"]}}]", "[{\"geometry.area\": {\"base\": [10], \"height\": [5.0], \"unit\": [\"\", \"cm\"]}}]", "[{\"geometry_area\": {\"base\": true, \"height\": 5}}]", true, "{\"valid\": false, \"error_type\": \"type_error:simple\", \"error\": [\"Incorrect type for parameter 'base'. Expected type integer, got bool. Parameter value: True.\"]}"],
  ["value_error:others", "simple_python", "[{\"name\": \"geometry.area\", \"description\": \"\", \"parameters\": {\"type\": \"dict\", \"properties\": {\"base\": {\"type\": \"integer\"}, \"height\": {\"type\": \"float\"}, \"unit\": {\"type\": \"string\"}}, \"required\": [\"base\", \"height\"]}}]", "[{\"geometry.area\": {\"base\": [10], \"height\": [5.0], \"unit\": [\"\", \"cm\"]}}]", "[{\"geometry_area\": {\"base\": 11, \"height\": 5}}]", true, "{\"valid\": false, \"error_type\": \"value_error:others\", \"error\": [\"Invalid value for parameter 'base': 11. Expected one of [10].\"]}"],
  ["value_error:string (standardised)", "simple_python", "[{\"name\": \"geometry.area\", \"description\": \"\", \"parameters\": {\"type\": \"dict\", \"properties\": {\"base\": {\"type\": \"integer\"}, \"height\": {\"type\": \"float\"}, \"unit\": {\"type\": \"string\"}}, \"required\": [\"base\", \"height\"]}}]", "[{\"geometry.area\": {\"base\": [10], \"height\": [5.0], \"unit\": [\"\", \"c.m\"]}}]", "[{\"geometry_area\": {\"base\": 10, \"height\": 5, \"unit\": \"Square-CM's\"}}]", true, "{\"valid\": false, \"error_type\": \"value_error:string\", \"error\": [\"Invalid value for parameter 'unit': \\\"Square-CM's\\\". Expected one of ['', 'c.m']. Case insensitive.\"]}"],
  ["string standardisation passes", "simple_python", "[{\"name\": \"geometry.area\", \"description\": \"\", \"parameters\": {\"type\": \"dict\", \"properties\": {\"base\": {\"type\": \"integer\"}, \"height\": {\"type\": \"float\"}, \"unit\": {\"type\": \"string\"}}, \"required\": [\"base\", \"height\"]}}]", "[{\"geometry.area\": {\"base\": [10], \"height\": [5.0], \"unit\": [\"\", \"c.m\"]}}]", "[{\"geometry_area\": {\"base\": 10, \"height\": 5, \"unit\": \"C M\"}}]", true, "{\"valid\": true}"],
  ["missing_optional", "simple_python", "[{\"name\": \"geometry.area\", \"description\": \"\", \"parameters\": {\"type\": \"dict\", \"properties\": {\"base\": {\"type\": \"integer\"}, \"height\": {\"type\": \"float\"}, \"unit\": {\"type\": \"string\"}}, \"required\": [\"base\", \"height\"]}}]", "[{\"geometry.area\": {\"base\": [10], \"height\": [5.0], \"unit\": [\"cm\"]}}]", "[{\"geometry_area\": {\"base\": 10, \"height\": 5}}]", true, "{\"valid\": false, \"error_type\": \"simple_function_checker:missing_optional\", \"error\": [\"Optional parameter 'unit' not provided and not marked as optional.\"]}"],
  ["null accepted as a variable", "simple_python", "[{\"name\": \"geometry.area\", \"description\": \"\", \"parameters\": {\"type\": \"dict\", \"properties\": {\"base\": {\"type\": \"integer\"}, \"height\": {\"type\": \"float\"}, \"unit\": {\"type\": \"string\"}}, \"required\": [\"base\", \"height\"]}}]", "[{\"geometry.area\": {\"base\": [10], \"height\": [5.0], \"unit\": [\"\", null]}}]", "[{\"geometry_area\": {\"base\": 10, \"height\": 5, \"unit\": null}}]", true, "{\"valid\": true}"],
  ["type_error:simple", "simple_python", "[{\"name\": \"geometry.area\", \"description\": \"\", \"parameters\": {\"type\": \"dict\", \"properties\": {\"base\": {\"type\": \"integer\"}, \"height\": {\"type\": \"float\"}, \"unit\": {\"type\": \"string\"}}, \"required\": [\"base\", \"height\"]}}]", "[{\"geometry.area\": {\"base\": [10], \"height\": [5.0], \"unit\": [\"\", \"cm\"]}}]", "[{\"geometry_area\": {\"base\": \"10\", \"height\": 5}}]", true, "{\"valid\": false, \"error_type\": \"type_error:simple\", \"error\": [\"Incorrect type for parameter 'base'. Expected type integer, got str. Parameter value: '10'.\"]}"],
  ["type_error:nested", "simple_python", "[{\"name\": \"poly\", \"description\": \"\", \"parameters\": {\"type\": \"dict\", \"properties\": {\"v\": {\"type\": \"array\", \"items\": {\"type\": \"float\"}}}, \"required\": [\"v\"]}}]", "[{\"poly\": {\"v\": [[1.0, 2.5]]}}]", "[{\"poly\": {\"v\": [1, 2.5]}}]", true, "{\"valid\": false, \"error_type\": \"type_error:nested\", \"error\": [\"Nested type checking failed for parameter 'v'. Expected outer type array with inner type <class 'float'>. Parameter value: [1, 2.5].\"]}"],
  ["nested check follows the candidate first element type", "simple_python", "[{\"name\": \"poly\", \"description\": \"\", \"parameters\": {\"type\": \"dict\", \"properties\": {\"v\": {\"type\": \"array\", \"items\": {\"type\": \"float\"}}}, \"required\": [\"v\"]}}]", "[{\"poly\": {\"v\": [[1, 2.5]]}}]", "[{\"poly\": {\"v\": [1, 2.5]}}]", true, "{\"valid\": true}"],
  ["nested failure with only \"\" reports both messages", "simple_python", "[{\"name\": \"poly\", \"description\": \"\", \"parameters\": {\"type\": \"dict\", \"properties\": {\"v\": {\"type\": \"array\", \"items\": {\"type\": \"float\"}}}, \"required\": []}}]", "[{\"poly\": {\"v\": []}}]", "[{\"poly\": {\"v\": [\"a\"]}}]", true, "{\"valid\": false, \"error_type\": \"type_error:simple\", \"error\": [\"Nested type checking failed for parameter 'v'. Expected outer type array with inner type <class 'float'>. Parameter value: ['a'].\", \"Incorrect type for parameter 'v'. Expected type array, got list. Parameter value: ['a'].\"]}"],
  ["value_error:list/tuple", "simple_python", "[{\"name\": \"menu\", \"description\": \"\", \"parameters\": {\"type\": \"dict\", \"properties\": {\"items\": {\"type\": \"array\", \"items\": {\"type\": \"string\"}}}, \"required\": [\"items\"]}}]", "[{\"menu\": {\"items\": [[\"burger\", \"chicken wing\"]]}}]", "[{\"menu\": {\"items\": [\"Burger\", \"chicken wings\"]}}]", true, "{\"valid\": false, \"error_type\": \"value_error:list/tuple\", \"error\": [\"Invalid value for parameter 'items': ['Burger', 'chicken wings']. Expected one of [['burger', 'chicken wing']].\"]}"],
  ["list standardisation passes", "simple_python", "[{\"name\": \"menu\", \"description\": \"\", \"parameters\": {\"type\": \"dict\", \"properties\": {\"items\": {\"type\": \"array\", \"items\": {\"type\": \"string\"}}}, \"required\": [\"items\"]}}]", "[{\"menu\": {\"items\": [[\"burger\", \"chicken wing\"]]}}]", "[{\"menu\": {\"items\": [\"Burger\", \"chicken-wing\"]}}]", true, "{\"valid\": true}"],
  ["value_error:dict_key (unexpected)", "simple_python", "[{\"name\": \"ac\", \"description\": \"\", \"parameters\": {\"type\": \"dict\", \"properties\": {\"cfg\": {\"type\": \"dict\"}}, \"required\": [\"cfg\"]}}]", "[{\"ac\": {\"cfg\": [{\"mode\": [\"cool\"], \"temp\": [\"\", 20]}]}}]", "[{\"ac\": {\"cfg\": {\"mode\": \"cool\", \"fan\": \"high\"}}}]", true, "{\"valid\": false, \"error_type\": \"value_error:dict_key\", \"error\": [\"Unexpected dict key parameter: 'fan'.\"]}"],
  ["value_error:dict_value then missing key overwrites", "live_multiple", "[{\"name\": \"ac\", \"description\": \"\", \"parameters\": {\"type\": \"dict\", \"properties\": {\"cfg\": {\"type\": \"dict\"}}, \"required\": [\"cfg\"]}}]", "[{\"ac\": {\"cfg\": [{\"mode\": [\"cool\"], \"temp\": [20]}]}}]", "[{\"ac\": {\"cfg\": {\"mode\": \"AIR_DRY\"}}}]", true, "{\"valid\": false, \"error_type\": \"value_error:dict_key\", \"error\": [\"Invalid value for parameter 'mode': 'AIR_DRY'. Expected one of ['cool'].\", \"Missing dict key parameter: 'temp'.\"]}"],
  ["value_error:dict_value", "simple_python", "[{\"name\": \"ac\", \"description\": \"\", \"parameters\": {\"type\": \"dict\", \"properties\": {\"cfg\": {\"type\": \"dict\"}}, \"required\": [\"cfg\"]}}]", "[{\"ac\": {\"cfg\": [{\"mode\": [\"cool\"], \"temp\": [\"\", 20]}]}}]", "[{\"ac\": {\"cfg\": {\"mode\": \"heat\"}}}]", true, "{\"valid\": false, \"error_type\": \"value_error:dict_value\", \"error\": [\"Invalid value for parameter 'mode': 'heat'. Expected one of ['cool'].\"]}"],
  ["dict_checker:unclear", "simple_python", "[{\"name\": \"ac\", \"description\": \"\", \"parameters\": {\"type\": \"dict\", \"properties\": {\"cfg\": {\"type\": \"dict\"}}, \"required\": []}}]", "[{\"ac\": {\"cfg\": [\"\"]}}]", "[{\"ac\": {\"cfg\": {\"mode\": \"heat\"}}}]", true, "{\"valid\": false, \"error_type\": \"dict_checker:unclear\", \"error\": []}"],
  ["value_error:list_dict_count", "simple_python", "[{\"name\": \"order\", \"description\": \"\", \"parameters\": {\"type\": \"dict\", \"properties\": {\"lines\": {\"type\": \"array\", \"items\": {\"type\": \"dict\"}}}, \"required\": [\"lines\"]}}]", "[{\"order\": {\"lines\": [[{\"item\": [\"a\"]}, {\"item\": [\"b\"]}]]}}]", "[{\"order\": {\"lines\": [{\"item\": \"a\"}]}}]", true, "{\"valid\": false, \"error_type\": \"value_error:list_dict_count\", \"error\": [\"Wrong number of dictionaries in the list.\"]}"],
  ["list of dicts passes", "simple_python", "[{\"name\": \"order\", \"description\": \"\", \"parameters\": {\"type\": \"dict\", \"properties\": {\"lines\": {\"type\": \"array\", \"items\": {\"type\": \"dict\"}}}, \"required\": [\"lines\"]}}]", "[{\"order\": {\"lines\": [[{\"item\": [\"a\"], \"n\": [\"\", 1]}, {\"item\": [\"b\"]}]]}}]", "[{\"order\": {\"lines\": [{\"item\": \"A\"}, {\"item\": \"b\"}]}}]", true, "{\"valid\": true}"],
  ["multiple: wrong_count", "multiple", "[{\"name\": \"geometry.area\", \"description\": \"\", \"parameters\": {\"type\": \"dict\", \"properties\": {\"base\": {\"type\": \"integer\"}, \"height\": {\"type\": \"float\"}, \"unit\": {\"type\": \"string\"}}, \"required\": [\"base\", \"height\"]}}, {\"name\": \"other\", \"description\": \"\", \"parameters\": {\"type\": \"dict\", \"properties\": {}, \"required\": []}}]", "[{\"geometry.area\": {\"base\": [10], \"height\": [5.0], \"unit\": [\"\"]}}]", "[{\"other\": {}}, {\"other\": {}}]", true, "{\"valid\": false, \"error_type\": \"multiple_function_checker:wrong_count\", \"error\": [\"Wrong number of functions.\"]}"],
  ["multiple: checked against the ground-truth function", "multiple", "[{\"name\": \"other\", \"description\": \"\", \"parameters\": {\"type\": \"dict\", \"properties\": {}, \"required\": []}}, {\"name\": \"geometry.area\", \"description\": \"\", \"parameters\": {\"type\": \"dict\", \"properties\": {\"base\": {\"type\": \"integer\"}, \"height\": {\"type\": \"float\"}, \"unit\": {\"type\": \"string\"}}, \"required\": [\"base\", \"height\"]}}]", "[{\"geometry.area\": {\"base\": [10], \"height\": [5.0], \"unit\": [\"\"]}}]", "[{\"other\": {}}]", true, "{\"valid\": false, \"error_type\": \"simple_function_checker:wrong_func_name\", \"error\": [\"Function name 'geometry_area' not found in model output.\"]}"],
  ["parallel: wrong_count", "parallel", "[{\"name\": \"geometry.area\", \"description\": \"\", \"parameters\": {\"type\": \"dict\", \"properties\": {\"base\": {\"type\": \"integer\"}, \"height\": {\"type\": \"float\"}, \"unit\": {\"type\": \"string\"}}, \"required\": [\"base\", \"height\"]}}]", "[{\"geometry.area\": {\"base\": [10], \"height\": [5.0]}}, {\"geometry.area\": {\"base\": [20], \"height\": [5.0]}}]", "[{\"geometry_area\": {\"base\": 10, \"height\": 5.0}}]", true, "{\"valid\": false, \"error_type\": \"parallel_function_checker_no_order:wrong_count\", \"error\": [\"Wrong number of functions.\"]}"],
  ["parallel: any order passes", "parallel", "[{\"name\": \"geometry.area\", \"description\": \"\", \"parameters\": {\"type\": \"dict\", \"properties\": {\"base\": {\"type\": \"integer\"}, \"height\": {\"type\": \"float\"}, \"unit\": {\"type\": \"string\"}}, \"required\": [\"base\", \"height\"]}}]", "[{\"geometry.area\": {\"base\": [10], \"height\": [5.0]}}, {\"geometry.area\": {\"base\": [20], \"height\": [5.0]}}]", "[{\"geometry_area\": {\"base\": 20, \"height\": 5.0}}, {\"geometry_area\": {\"base\": 10, \"height\": 5.0}}]", true, "{\"valid\": true}"],
  ["parallel: cannot_find_match", "live_parallel_multiple", "[{\"name\": \"geometry.area\", \"description\": \"\", \"parameters\": {\"type\": \"dict\", \"properties\": {\"base\": {\"type\": \"integer\"}, \"height\": {\"type\": \"float\"}, \"unit\": {\"type\": \"string\"}}, \"required\": [\"base\", \"height\"]}}, {\"name\": \"other\", \"description\": \"\", \"parameters\": {\"type\": \"dict\", \"properties\": {\"x\": {\"type\": \"integer\"}}, \"required\": [\"x\"]}}]", "[{\"geometry.area\": {\"base\": [10], \"height\": [5.0]}}, {\"other\": {\"x\": [1]}}]", "[{\"other\": {\"x\": 2}}, {\"geometry_area\": {\"base\": 10, \"height\": 5.0}}]", true, "{\"valid\": false, \"error_type\": \"parallel_function_checker_no_order:cannot_find_match\", \"error\": [\"Could not find a matching function among index [0] of model output for index 1 of possible answers.\", {\"Model Result Index 0\": {\"sub_error\": [\"Invalid value for parameter 'x': 2. Expected one of [1].\"], \"sub_error_type\": \"value_error:others\", \"model_output_item\": {\"other\": {\"x\": 2}}, \"possible_answer_item\": {\"other\": {\"x\": [1]}}}}]}"],];

function entry(partial: Partial<EntryInput> & { result: PyValue }): EntryInput {
  return {
    id: 'x_0',
    category: 'simple_python',
    functions: [],
    groundTruth: null,
    underscoreToDot: true,
    decoder: 'fc' as DecoderKind,
    ...partial,
  };
}

describe('AST checker (error types and texts as BFCL writes them)', () => {
  it.each(CHECKER_CASES)('%s', (_name, category, docs, gt, calls, underscoreToDot, expectedJson) => {
    // Calls are given already decoded: the 'fc' decoder takes dict arguments as they are.
    const out = scoreEntry(
      entry({
        category,
        functions: JSON.parse(docs) as BfclFunctionDoc[],
        groundTruth: parsePyJson(gt),
        result: parsePyJson(calls),
        underscoreToDot,
      }),
    );
    const expected = parsePyJson(expectedJson) as Map<string, PyValue>;
    expect(out.valid).toBe(expected.get('valid'));
    if (!out.valid) {
      expect(out.errorType).toBe(expected.get('error_type'));
      expect(pyJsonStringify(out.error!)).toBe(pyJsonStringify(expected.get('error')!));
    }
  });
});

describe('per-question facts kept between entries', () => {
  // astCheck keeps what it works out from a question on its ground-truth object; a scoring run
  // shares one parsed ground truth between every model's entry. Each case is checked on one
  // shared object, in an order where every case follows another (with other docs, category or
  // name convention, and passing and failing calls one after the other), twice, and must give
  // what a fresh parse gives each time.
  it('outcomes do not depend on which entries were checked before on the same objects', () => {
    const fresh = CHECKER_CASES.map(([, category, docs, gt, calls, underscoreToDot]) =>
      scoreEntry(entry({ category, functions: JSON.parse(docs), groundTruth: parsePyJson(gt), result: parsePyJson(calls), underscoreToDot })),
    );
    const sharedGt = new Map<string, PyValue>();
    const sharedDocs = new Map<string, BfclFunctionDoc[]>();
    for (let round = 0; round < 2; round++) {
      for (const order of [CHECKER_CASES.map((_, i) => i), CHECKER_CASES.map((_, i) => CHECKER_CASES.length - 1 - i)]) {
        for (const i of order) {
          const [name, category, docs, gt, calls, underscoreToDot] = CHECKER_CASES[i]!;
          if (!sharedGt.has(gt)) sharedGt.set(gt, parsePyJson(gt));
          if (!sharedDocs.has(docs)) sharedDocs.set(docs, JSON.parse(docs));
          for (const u2d of [underscoreToDot, !underscoreToDot]) {
            const input = entry({ category, functions: sharedDocs.get(docs)!, groundTruth: sharedGt.get(gt)!, result: parsePyJson(calls), underscoreToDot: u2d });
            const expected =
              u2d === underscoreToDot
                ? fresh[i]!
                : scoreEntry({ ...input, functions: JSON.parse(docs), groundTruth: parsePyJson(gt) });
            const out = scoreEntry(input);
            expect([name, u2d, out.valid, out.errorType, pyJsonStringify(out.error ?? [])]).toEqual([
              name,
              u2d,
              expected.valid,
              expected.errorType,
              pyJsonStringify(expected.error ?? []),
            ]);
          }
        }
      }
    }
  });

  it('one ground truth checked with other docs and categories in turn', () => {
    const areaDoc: BfclFunctionDoc = {
      name: 'geometry.area',
      description: '',
      parameters: { type: 'dict', properties: { base: { type: 'integer' } }, required: ['base'] },
    };
    const otherDoc: BfclFunctionDoc = { name: 'other', description: '', parameters: { type: 'dict', properties: {}, required: [] } };
    // The same name twice: the first doc is the one checked against.
    const areaNeedsHeight: BfclFunctionDoc = {
      name: 'geometry.area',
      description: '',
      parameters: { type: 'dict', properties: { base: { type: 'integer' }, height: { type: 'float' } }, required: ['base', 'height'] },
    };
    const shared = parsePyJson('[{"geometry.area": {"base": [10]}}]');
    const result = parsePyJson('[{"geometry_area": {"base": 10}}]');
    const cases: [BfclFunctionDoc[], string, boolean | string][] = [
      [[areaDoc], 'simple_python', true],
      [[otherDoc, areaDoc], 'simple_python', 'simple_function_checker:wrong_func_name'], // simple: the first doc
      [[otherDoc, areaDoc], 'multiple', true], // multiple: the doc the ground truth names
      [[otherDoc], 'multiple', 'ast_checker:crash'], // no such doc: BFCL would raise
      [[areaDoc], 'parallel', true],
      [[otherDoc, areaNeedsHeight, areaDoc], 'multiple', 'simple_function_checker:missing_required'],
      [[otherDoc, areaDoc, areaNeedsHeight], 'multiple', true],
      [[areaNeedsHeight, areaDoc], 'parallel', 'parallel_function_checker_no_order:cannot_find_match'],
    ];
    for (let round = 0; round < 2; round++) {
      for (const [functions, category, expected] of cases) {
        const out = scoreEntry(entry({ category, functions, groundTruth: shared, result }));
        expect([category, functions.length, out.valid || out.errorType]).toEqual([category, functions.length, expected]);
      }
    }
  });
});

const area: BfclFunctionDoc = {
  name: 'geometry.area',
  description: '',
  parameters: { type: 'dict', properties: { base: { type: 'integer' } }, required: ['base'] },
};
const gt = parsePyJson('[{"geometry.area": {"base": [10]}}]');

describe('scoreEntry outcomes', () => {
  it('passes a correct call without keeping its decoded calls; a failing one keeps them for the score file', () => {
    const out = scoreEntry(entry({ functions: [area], groundTruth: gt, result: parsePyJson('[{"geometry_area": "{\\"base\\": 10}"}]') }));
    expect(out).toEqual({ id: 'x_0', valid: true });
    const bad = scoreEntry(entry({ functions: [area], groundTruth: gt, result: parsePyJson('[{"geometry_area": "{\\"base\\": 11}"}]') }));
    expect(bad.errorType).toBe('value_error:others');
    expect(pyJsonStringify(bad.decoded!)).toBe('[{"geometry_area": {"base": 11}}]');
  });
  it('ast_decoder:decoder_failed', () => {
    const out = scoreEntry(entry({ functions: [area], groundTruth: gt, result: 'Error during inference: boom' }));
    expect(out.errorType).toBe('ast_decoder:decoder_failed');
    expect(out.error).toEqual(["Invalid syntax. Failed to decode AST. 'str' object has no attribute 'keys'"]);
    expect(out.decoded).toBeUndefined();
  });
  it('ast_decoder:decoder_wrong_output_format', () => {
    const out = scoreEntry(entry({ functions: [area], groundTruth: gt, result: parsePyJson('[{"f": "[1]"}]') }));
    expect(out.errorType).toBe('ast_decoder:decoder_wrong_output_format');
    expect(out.error).toEqual([
      'Did not output in the specified format. Note: the model_result is wrapped in a string to ensure json serializability.',
    ]);
  });
  it('python and json-text decoders feed the same checker', () => {
    expect(scoreEntry(entry({ functions: [area], groundTruth: gt, result: '[geometry.area(base=10)]', decoder: 'python', underscoreToDot: false })).valid).toBe(true);
    expect(
      scoreEntry(entry({ functions: [area], groundTruth: gt, result: '[{"name": "geometry.area", "arguments": {"base": 10}}]', decoder: 'json-text', underscoreToDot: false })).valid,
    ).toBe(true);
    const out = scoreEntry(entry({ functions: [area], groundTruth: gt, result: '[geometry.area(base=10.0)]', decoder: 'python', underscoreToDot: false }));
    expect(out.errorType).toBe('type_error:simple');
    expect(out.error).toEqual(["Incorrect type for parameter 'base'. Expected type integer, got float. Parameter value: 10.0."]);
  });
  it('irrelevance passes without a call (text, [], broken output) and fails with one', () => {
    for (const result of ['', 'I cannot do that', parsePyJson('[]'), 'Error during inference: x', parsePyJson('[{"f": "{bad"}]')]) {
      expect(scoreEntry(entry({ category: 'irrelevance', result })).valid).toBe(true);
    }
    const out = scoreEntry(entry({ category: 'live_irrelevance', result: parsePyJson('[{"f": "{}"}]') }));
    expect(out).toMatchObject({ valid: false, errorType: 'irrelevance_error:decoder_success' });
    expect(out.error).toEqual(['Valid syntax. Successfully decode AST when it should not.']);
  });
  it('live_relevance needs a call', () => {
    expect(scoreEntry(entry({ category: 'live_relevance', result: parsePyJson('[{"f": "{}"}]') })).valid).toBe(true);
    expect(scoreEntry(entry({ category: 'live_relevance', result: parsePyJson('[]') })).error).toEqual([
      'Invalid syntax. Failed to decode AST when it should have. None',
    ]);
    expect(scoreEntry(entry({ category: 'live_relevance', result: 'text' })).error).toEqual([
      "Invalid syntax. Failed to decode AST when it should have. 'str' object has no attribute 'keys'",
    ]);
  });
  it('reports what would crash BFCL as ast_checker:crash', () => {
    const out = scoreEntry(entry({ category: 'multiple', functions: [area], groundTruth: parsePyJson('[{"missing": {}}]'), result: parsePyJson('[{"missing": {}}]') }));
    expect(out.errorType).toBe(CHECKER_CRASH);
    expect(out.error).toEqual(["TypeError: 'NoneType' object is not subscriptable"]);
    const odd = { ...area, parameters: { type: 'dict', properties: { base: { type: 'object' } }, required: [] } };
    expect(scoreEntry(entry({ functions: [odd], groundTruth: gt, result: parsePyJson('[{"geometry_area": {"base": 1}}]') })).error).toEqual([
      "KeyError: 'object'",
    ]);
  });
  it('never throws on garbage', () => {
    const garbage: PyValue[] = [null, true, 1n, 2.5, 'x', [], [null], [[1n]], new Map(), parsePyJson('[{"f": {"a": [1, {"b": null}]}}]')];
    for (const category of ['simple_python', 'live_multiple', 'parallel', 'live_parallel_multiple', 'irrelevance', 'live_relevance', 'simple_java']) {
      for (const result of garbage) {
        for (const decoder of ['fc', 'python', 'json-text'] as DecoderKind[]) {
          for (const groundTruth of [gt, null, parsePyJson('[{"geometry.area": 5}]'), parsePyJson('[]')]) {
            const out = scoreEntry(entry({ category, result, decoder, groundTruth, functions: [area] }));
            expect(typeof out.valid).toBe('boolean');
          }
        }
      }
    }
  });
});

describe('standardizeString', () => {
  it("matches BFCL's standardize_string", () => {
    expect(standardizeString("April 1, 2024 - It's 5/5 *^_.")).toBe('april12024it"s55');
    expect(standardizeString('ΟΔΟΣ\tİ')).toBe('οδος\ti̇');
  });
});

describe('a str value rejected on the slot path', () => {
  // checkParamsBySlot answers a str for a plain str parameter from passesAtOnce's comparisons
  // and writes stringChecker's error itself. A call with more than 31 names has no slots
  // (compileSlots) and goes the general way (checkParam, typeChecker, stringChecker), so the
  // same call against the same answers plus 32 optional parameters must give the same outcome.
  const padding = Array.from({ length: 32 }, (_, i) => `pad${i}`);
  const question = (unitType: string, unitAnswers: string, padded: boolean): [BfclFunctionDoc[], PyValue] => {
    const properties: Record<string, { type: string }> = { base: { type: 'integer' }, unit: { type: unitType } };
    const answers = [`"base": [10]`, `"unit": ${unitAnswers}`];
    if (padded) {
      for (const p of padding) {
        properties[p] = { type: 'string' };
        answers.push(`"${p}": [""]`);
      }
    }
    const docs: BfclFunctionDoc[] = [{ name: 'geo.area', description: '', parameters: { type: 'dict', properties, required: ['base'] } }];
    return [docs, parsePyJson(`[{"geo.area": {${answers.join(', ')}}}]`)];
  };
  const cases: [string, string, string][] = [
    ['string', '["cm"]', '"mm"'],
    ['string', '["cm"]', '"C-M"'], // passes by standardisation
    ['string', '["", "sq m"]', '"it\'s a \\"unit\\""'],
    ['string', '["a long answer of 13+ chars"]', '"a long answer of 13+ charz"'], // views of the text
    ['string', '["a long answer of 13+ chars"]', '"A LONG answer_of 13+ chars"'],
    ['string', '["北京", "Beijing"]', '"Beijing, China"'], // a non-ASCII answer
    ['string', '["北京", "Beijing"]', '"北 京"'],
    ['string', '["cm", null]', '"mm"'], // quick STR with another type among the answers
    ['any', '["cm"]', '"mm"'],
    ['string', '["cm"]', '5'], // not a str: the general way on both paths
    ['string', '[5]', '"mm"'], // answers of another type: no quick path
  ];
  it.each(cases)('%s answers %s, value %s', (unitType, unitAnswers, value) => {
    const outcomes = (padded: boolean) => {
      const [functions, groundTruth] = question(unitType, unitAnswers, padded);
      // Twice on the same question: the first check works out the parameter's quick kind, the
      // second takes the quick path with the facts (reprs, standardised answers) kept.
      return [0, 1].map(() => {
        const result = parsePyJson(`[{"geo_area": {"base": 10, "unit": ${value}}}]`);
        const out = scoreEntry(entry({ category: 'simple_python', functions, groundTruth, result }));
        return [out.valid, out.errorType, pyJsonStringify(out.error ?? [])];
      });
    };
    expect(outcomes(false)).toEqual(outcomes(true));
  });
});
