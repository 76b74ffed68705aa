import type { BfclFunctionDoc } from '../records.js';

/**
 * Values with Python's semantics, as BFCL's checker sees them after `json.loads` or
 * `ast` evaluation. The int/float distinction is carried by the JS type itself:
 *   int   -> bigint  (exact, any size; `5`)
 *   float -> number  (`5.0`, `1e3`, NaN, Infinity)
 *   bool  -> boolean, None -> null, str -> string
 *   list  -> PyValue[]
 *   tuple -> PyTuple
 *   dict  -> PyDict (a Map: keeps insertion order for every key, including "1"-like ones)
 */
export type PyValue = null | boolean | bigint | number | string | PyValue[] | PyTuple | PyDict;
export type PyKey = null | boolean | bigint | number | string | PyTuple;
export type PyDict = Map<PyKey, PyValue>;

export class PyTuple {
  constructor(readonly items: PyValue[]) {}
}

/** How a result entry's `result` field is turned into calls. */
export type DecoderKind =
  /** Function-calling output: a list of `{name: "<JSON args>"}` (or `{name: {...}}`). */
  | 'fc'
  /** BFCL's default prompting format: Python call syntax `[f(a=1), g(b='x')]`. */
  | 'python'
  /** Our own prompt format: a JSON list of `{"name", "arguments"}` (also a single object), optionally fenced, optionally after <thinking> text. */
  | 'json-text';

export interface EntryInput {
  id: string;
  /** BFCL category as in the file names: `live_simple`, `simple_python` (v4) or `simple` (v3), ... */
  category: string;
  /** The `result` field of the result line, parsed with parsePyJson (lossless numbers). */
  result: PyValue;
  functions: BfclFunctionDoc[];
  /** The possible answer's `ground_truth`, parsed with parsePyJson; null for relevance/irrelevance. */
  groundTruth: PyValue | null;
  /** True for models whose names were sent with `.` replaced by `_` (OpenAI-style FC, Nova, gpt-oss). */
  underscoreToDot: boolean;
  decoder: DecoderKind;
}

export interface EntryOutcome {
  id: string;
  valid: boolean;
  /** BFCL's error_type, e.g. `simple_function_checker:wrong_func_name`; absent when valid. */
  errorType?: string;
  /** BFCL's error list (strings and nested objects), exactly as the official score file has it. */
  error?: PyValue[];
  /** The decoded calls of a FAILED entry whose decoding succeeded (absent for decoder_failed and for valid entries). */
  decoded?: PyValue;
}
