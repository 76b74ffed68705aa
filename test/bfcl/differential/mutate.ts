/**
 * Deterministic mutation generator for the differential test against BFCL's official checker.
 *
 * From every entry of every single-turn category (AST categories from their possible answers,
 * relevance/irrelevance from their function docs) it builds model outputs: the ground truth itself,
 * other acceptable answers, and mutations of them (wrong/missing/extra parameter, wrong type,
 * int<->float, bool<->string, case and punctuation, reordered calls and arguments, wrong function,
 * call count, nested arrays and dicts, Python- and JSON-syntax edge cases, empty and undecodable
 * output). Each call set is encoded as an OpenAI-style function-calling result
 * (`[{name_with_underscores: "<JSON arguments>"}]`, decoder `fc`, underscoreToDot on) and as BFCL
 * prompting text (`[f(a=1)]`, decoder `python`, underscoreToDot off).
 *
 * Everything is seeded: the same seed gives byte-identical entries.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BfclFunctionDoc, BfclParameterSchema } from '../../../src/bfcl/records.js';
import { PyTuple, type PyDict, type PyKey, type PyValue } from '../../../src/bfcl/scoring/types.js';

export type BfclDataVersion = 'v3' | 'v4';

/** Single-turn categories as BFCL's file names spell them (java/javascript are not scored by fc-distill). */
export const SINGLE_TURN_CATEGORIES: Record<BfclDataVersion, readonly string[]> = {
  v3: [
    'simple',
    'multiple',
    'parallel',
    'parallel_multiple',
    'irrelevance',
    'live_simple',
    'live_multiple',
    'live_parallel',
    'live_parallel_multiple',
    'live_irrelevance',
    'live_relevance',
  ],
  v4: [
    'simple_python',
    'multiple',
    'parallel',
    'parallel_multiple',
    'irrelevance',
    'live_simple',
    'live_multiple',
    'live_parallel',
    'live_parallel_multiple',
    'live_irrelevance',
    'live_relevance',
  ],
};

export const MUTATION_KINDS = [
  'original',
  'alt_answer',
  'wrong_value',
  'missing_required',
  'missing_optional',
  'extra_param',
  'wrong_type',
  'int_float',
  'bool_string',
  'case_punct',
  'reorder_calls',
  'reorder_args',
  'wrong_func',
  'count',
  'nested',
  'multi_error',
  'py_syntax',
  'fc_syntax',
  'dot_names',
  'empty',
  'garbage',
  'relevance_call',
] as const;
export type MutationKind = (typeof MUTATION_KINDS)[number];

/** One generated prediction, ready for both scorers. */
export interface DiffEntry {
  /** Unique: `<version>/<category>/<index>:<data id>/<kind>.<n>.<encoding>`. */
  id: string;
  version: BfclDataVersion;
  category: string;
  dataId: string;
  kind: MutationKind;
  /** How the result was written: `fc`/`python` encodings of a call set, or `raw` text. */
  encoding: 'fc' | 'python' | 'raw';
  decoder: 'fc' | 'python';
  underscoreToDot: boolean;
  /** The `result` field of the result line, as JSON text. */
  resultJson: string;
  /** Key of the shared function docs / ground truth (one per data entry). */
  ref: string;
  /** JSON text of the function docs (shared by every entry of one data entry). */
  functionsJson: string;
  /** JSON text of the ground truth (Python number semantics: `5.0` stays a float); null for (ir)relevance. */
  groundTruthJson: string | null;
}

export interface GenerateOptions {
  seed?: string;
  /** Mutation kinds drawn per AST data entry besides `original` (each in both encodings). */
  kindsPerEntry?: number;
  /** Variants per relevance/irrelevance data entry (each in both encodings where it applies). */
  relevanceVariants?: number;
  categories?: readonly string[];
}

// ---------------------------------------------------------------------------------------------
// Seeded randomness

export class Rng {
  private state: number;
  constructor(seed: string) {
    // FNV-1a of the seed text, then mulberry32.
    let h = 0x811c9dc5;
    for (let i = 0; i < seed.length; i++) {
      h ^= seed.charCodeAt(i);
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    this.state = h;
  }
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from empty list');
    return items[this.int(items.length)] as T;
  }
  shuffle<T>(items: readonly T[]): T[] {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [out[i], out[j]] = [out[j] as T, out[i] as T];
    }
    return out;
  }
}

// ---------------------------------------------------------------------------------------------
// Values: PyValue plus raw source fragments for Python-syntax cases

/** A value written verbatim: `py` in Python text, `json` in JSON arguments (null: Python only). */
export class Raw {
  constructor(
    readonly py: string,
    readonly json: string | null = null,
  ) {}
}
type MVal = PyValue | Raw;

/** A call being built: `name` is the doc's (dotted) name; a null argument key is a positional argument. */
interface MCall {
  name: string;
  args: Array<[string | null, MVal]>;
}

function isDict(v: MVal): v is PyDict {
  return v instanceof Map;
}

function kindOf(v: MVal): 'null' | 'bool' | 'int' | 'float' | 'str' | 'list' | 'tuple' | 'dict' | 'raw' {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'bigint') return 'int';
  if (typeof v === 'number') return 'float';
  if (typeof v === 'string') return 'str';
  if (Array.isArray(v)) return 'list';
  if (v instanceof PyTuple) return 'tuple';
  if (v instanceof Raw) return 'raw';
  return 'dict';
}

/** Text of a float as Python's json.loads and ast both read back as the same float. */
function floatText(x: number): string {
  if (Object.is(x, -0)) return '-0.0';
  const s = String(x);
  return /[.eE]/.test(s) || !Number.isFinite(x) ? s : s + '.0';
}

/** JSON text (what a function-calling model's argument string holds). */
export function toJson(v: MVal, spaced = true): string {
  const sep = spaced ? ', ' : ',';
  const colon = spaced ? ': ' : ':';
  switch (kindOf(v)) {
    case 'null':
      return 'null';
    case 'bool':
      return v ? 'true' : 'false';
    case 'int':
      return (v as bigint).toString();
    case 'float': {
      const x = v as number;
      if (Number.isNaN(x)) return 'NaN';
      if (x === Infinity) return 'Infinity';
      if (x === -Infinity) return '-Infinity';
      return floatText(x);
    }
    case 'str':
      return JSON.stringify(v);
    case 'list':
      return '[' + (v as MVal[]).map((x) => toJson(x, spaced)).join(sep) + ']';
    case 'tuple':
      return '[' + (v as PyTuple).items.map((x) => toJson(x, spaced)).join(sep) + ']';
    case 'raw': {
      const json = (v as Raw).json;
      if (json === null) throw new Error('python-only raw value in JSON');
      return json;
    }
    case 'dict':
      return (
        '{' +
        [...(v as PyDict).entries()]
          .map(([k, x]) => (typeof k === 'string' ? JSON.stringify(k) : JSON.stringify(String(k))) + colon + toJson(x, spaced))
          .join(sep) +
        '}'
      );
  }
}

/** Python literal source for a value. */
export function toPy(v: MVal): string {
  switch (kindOf(v)) {
    case 'null':
      return 'None';
    case 'bool':
      return v ? 'True' : 'False';
    case 'int':
      return (v as bigint).toString();
    case 'float': {
      const x = v as number;
      if (Number.isNaN(x)) return "float('nan')";
      if (x === Infinity) return '1e999';
      if (x === -Infinity) return '-1e999';
      return floatText(x);
    }
    case 'str':
      // JSON string syntax is valid Python string syntax with the same value (no `\/` is emitted).
      return JSON.stringify(v);
    case 'list':
      return '[' + (v as MVal[]).map(toPy).join(', ') + ']';
    case 'tuple': {
      const items = (v as PyTuple).items;
      return items.length === 1 ? `(${toPy(items[0] as PyValue)},)` : '(' + items.map(toPy).join(', ') + ')';
    }
    case 'raw':
      return (v as Raw).py;
    case 'dict':
      return '{' + [...(v as PyDict).entries()].map(([k, x]) => toPy(k as PyValue) + ': ' + toPy(x)).join(', ') + '}';
  }
}

function hasPyOnly(v: MVal): boolean {
  if (v instanceof Raw) return v.json === null;
  if (Array.isArray(v)) return v.some(hasPyOnly);
  if (v instanceof PyTuple) return v.items.some(hasPyOnly);
  if (isDict(v)) return [...v.values()].some(hasPyOnly);
  return false;
}

// ---------------------------------------------------------------------------------------------
// A small JSON reader for the data files: ints as bigint, floats as number, objects as Maps.

export function readJsonPy(text: string): PyValue {
  let i = 0;
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i] as string)) i++;
  };
  const value = (): PyValue => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const m: PyDict = new Map();
      ws();
      if (text[i] === '}') {
        i++;
        return m;
      }
      for (;;) {
        ws();
        const k = value();
        if (typeof k !== 'string') throw new Error(`bad key at ${i}`);
        ws();
        if (text[i++] !== ':') throw new Error(`expected : at ${i}`);
        m.set(k, value());
        ws();
        const d = text[i++];
        if (d === '}') return m;
        if (d !== ',') throw new Error(`expected , at ${i}`);
      }
    }
    if (c === '[') {
      i++;
      const a: PyValue[] = [];
      ws();
      if (text[i] === ']') {
        i++;
        return a;
      }
      for (;;) {
        a.push(value());
        ws();
        const d = text[i++];
        if (d === ']') return a;
        if (d !== ',') throw new Error(`expected , at ${i}`);
      }
    }
    if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      const s = JSON.parse(text.slice(i, j + 1)) as string;
      i = j + 1;
      return s;
    }
    const m = /^-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (m) {
      i += m[0].length;
      return m[1] !== undefined || m[2] !== undefined ? Number(m[0]) : BigInt(m[0]);
    }
    for (const [word, v] of [
      ['true', true],
      ['false', false],
      ['null', null],
      ['NaN', NaN],
      ['Infinity', Infinity],
      ['-Infinity', -Infinity],
    ] as const) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return v;
      }
    }
    throw new Error(`unexpected ${JSON.stringify(text.slice(i, i + 20))}`);
  };
  const v = value();
  ws();
  if (i !== text.length) throw new Error('trailing text');
  return v;
}

// ---------------------------------------------------------------------------------------------
// Data

export interface DataEntry {
  version: BfclDataVersion;
  category: string;
  index: number;
  id: string;
  functions: BfclFunctionDoc[];
  functionsJson: string;
  /** Parsed ground truth (a list of `{name: {param: [acceptable...]}}` Maps), null for (ir)relevance. */
  groundTruth: PyValue[] | null;
  groundTruthJson: string | null;
}

export function isRelevanceCategory(category: string): boolean {
  return category.includes('relevance'); // also irrelevance, as BFCL's is_relevance_or_irrelevance
}

function readLines(path: string): string[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '');
}

/** Loads one category of BFCL data (`dataDir` holds `BFCL_<v>_<cat>.json` and `possible_answer/`). */
export function loadCategory(dataDir: string, version: BfclDataVersion, category: string): DataEntry[] {
  const questions = readLines(join(dataDir, `BFCL_${version}_${category}.json`)).map(
    (l) => JSON.parse(l) as { id: string; function?: BfclFunctionDoc[] },
  );
  const answers = isRelevanceCategory(category)
    ? null
    : readLines(join(dataDir, 'possible_answer', `BFCL_${version}_${category}.json`)).map((l) => readJsonPy(l) as PyDict);
  if (answers && answers.length !== questions.length) throw new Error(`${category}: ${answers.length} answers for ${questions.length} questions`);
  return questions.map((q, index) => {
    const functions = q.function ?? [];
    const gt = answers ? ((answers[index] as PyDict).get('ground_truth') as PyValue[]) : null;
    return {
      version,
      category,
      index,
      id: q.id,
      functions,
      functionsJson: JSON.stringify(functions),
      groundTruth: gt,
      groundTruthJson: gt === null ? null : toJson(gt),
    };
  });
}

// ---------------------------------------------------------------------------------------------
// Encodings

interface Out {
  encoding: 'fc' | 'python' | 'raw';
  decoder: 'fc' | 'python';
  underscoreToDot: boolean;
  resultJson: string;
}

const underscored = (name: string) => name.replace(/\./g, '_');

function argsJson(call: MCall, rng: Rng): string {
  const spaced = rng.chance(0.8);
  const sep = spaced ? ', ' : ',';
  const colon = spaced ? ': ' : ':';
  const parts = call.args.filter(([k]) => k !== null).map(([k, v]) => JSON.stringify(k) + colon + toJson(v, spaced));
  return '{' + parts.join(sep) + '}';
}

/** `[{"name_with_underscores": "<JSON args>"}, ...]` as a result file holds it. */
function encodeFc(calls: MCall[], rng: Rng, nameOf: (name: string) => string = underscored): Out | null {
  if (calls.some((c) => c.args.some(([k, v]) => k === null || hasPyOnly(v)))) return null;
  const items = calls.map((c) => `{${JSON.stringify(nameOf(c.name))}: ${JSON.stringify(argsJson(c, rng))}}`);
  return { encoding: 'fc', decoder: 'fc', underscoreToDot: true, resultJson: '[' + items.join(', ') + ']' };
}

function pyCallText(call: MCall, rng: Rng, nameOf: (name: string) => string = (n) => n): string {
  const eq = rng.chance(0.9) ? '=' : ' = ';
  const sep = rng.chance(0.85) ? ', ' : ',';
  const args = call.args.map(([k, v]) => (k === null ? toPy(v) : `${k}${eq}${toPy(v)}`));
  return `${nameOf(call.name)}(${args.join(sep)})`;
}

function pyText(calls: MCall[], rng: Rng, nameOf?: (name: string) => string): string {
  const inner = calls.map((c) => pyCallText(c, rng, nameOf)).join(rng.chance(0.85) ? ', ' : ',');
  // BFCL adds missing brackets itself; a single call is often written bare.
  return calls.length === 1 && rng.chance(0.2) ? inner : `[${inner}]`;
}

function encodePy(calls: MCall[], rng: Rng, nameOf?: (name: string) => string): Out {
  return { encoding: 'python', decoder: 'python', underscoreToDot: false, resultJson: JSON.stringify(pyText(calls, rng, nameOf)) };
}

function both(calls: MCall[], rng: Rng): Out[] {
  const out: Out[] = [];
  const fc = encodeFc(calls, rng);
  if (fc) out.push(fc);
  out.push(encodePy(calls, rng));
  return out;
}

function rawBoth(resultJson: string): Out[] {
  return [
    { encoding: 'raw', decoder: 'fc', underscoreToDot: true, resultJson },
    { encoding: 'raw', decoder: 'python', underscoreToDot: false, resultJson },
  ];
}

const rawPy = (text: string): Out => ({ encoding: 'raw', decoder: 'python', underscoreToDot: false, resultJson: JSON.stringify(text) });
const rawFc = (resultJson: string): Out => ({ encoding: 'raw', decoder: 'fc', underscoreToDot: true, resultJson });

// ---------------------------------------------------------------------------------------------
// Building calls from ground truth and docs

function docOf(functions: BfclFunctionDoc[], name: string): BfclFunctionDoc | undefined {
  return functions.find((f) => f.name === name);
}

function schemaOf(functions: BfclFunctionDoc[], call: MCall, param: string): BfclParameterSchema | undefined {
  return docOf(functions, call.name)?.parameters?.properties?.[param];
}

const WORDS = ['alpha', 'Berkeley', 'New York, NY', 'blue', '2024-01-01', 'celsius', 'USD', 'latte', 'x', 'San Francisco'];

/** A plausible value for a schema (irrelevance calls, extra parameters). */
function genValue(schema: BfclParameterSchema | undefined, rng: Rng, depth = 0): PyValue {
  const type = schema?.type;
  if (schema?.enum && schema.enum.length > 0 && rng.chance(0.7)) {
    const e = rng.pick(schema.enum);
    if (typeof e === 'string' || typeof e === 'boolean' || e === null) return e;
    if (typeof e === 'number') return Number.isInteger(e) && type !== 'float' ? BigInt(e) : e;
  }
  switch (type) {
    case 'integer':
      return BigInt(rng.int(100));
    case 'float':
      return rng.int(1000) / 8;
    case 'boolean':
      return rng.chance(0.5);
    case 'array':
    case 'tuple': {
      if (depth > 2) return [];
      const n = rng.int(3) + 1;
      return Array.from({ length: n }, () => genValue(schema?.items, rng, depth + 1));
    }
    case 'dict': {
      const m: PyDict = new Map();
      const props = schema?.properties ?? {};
      const keys = Object.keys(props);
      if (keys.length === 0 || depth > 2) m.set('key', rng.pick(WORDS));
      for (const k of keys) if (rng.chance(0.7)) m.set(k, genValue(props[k], rng, depth + 1));
      return m;
    }
    default:
      return rng.pick(WORDS);
  }
}

/** The non-`""` acceptable values of a ground-truth parameter. */
function acceptable(values: PyValue): PyValue[] {
  return Array.isArray(values) ? values.filter((v) => v !== '') : [];
}

function acceptsOmission(values: PyValue): boolean {
  return Array.isArray(values) && values.includes('');
}

/** Turns an acceptable value into a concrete one: dict candidates are `{key: [acceptable...]}`. */
function concretize(value: PyValue, schema: BfclParameterSchema | undefined, rng: Rng, random: boolean): PyValue {
  const type = schema?.type;
  if (type === 'dict' && isDict(value)) return concreteDict(value, rng, random);
  if ((type === 'array' || type === 'tuple') && schema?.items?.type === 'dict' && Array.isArray(value))
    return value.map((d) => (isDict(d) ? concreteDict(d, rng, random) : d));
  return value;
}

function concreteDict(candidate: PyDict, rng: Rng, random: boolean): PyDict {
  const out: PyDict = new Map();
  for (const [k, vals] of candidate) {
    if (!Array.isArray(vals)) {
      out.set(k, vals);
      continue;
    }
    const ok = acceptable(vals);
    if (ok.length === 0 || (random && acceptsOmission(vals) && rng.chance(0.3))) continue;
    out.set(k, random ? rng.pick(ok) : (ok[0] as PyValue));
  }
  return out;
}

/** Calls from the ground truth: first acceptable values (or random ones, omitting some optional parameters). */
function callsFromGroundTruth(entry: DataEntry, rng: Rng, random: boolean): MCall[] {
  return (entry.groundTruth ?? []).map((item) => {
    const [name, params] = [...(item as PyDict).entries()][0] as [string, PyDict];
    const call: MCall = { name, args: [] };
    for (const [param, values] of params) {
      const ok = acceptable(values);
      if (ok.length === 0) {
        // Only "" (may be omitted) or an empty list (unpassable entry): omit, or sometimes give something.
        if (acceptsOmission(values) && !(random && rng.chance(0.2))) continue;
        call.args.push([param as string, genValue(schemaOf(entry.functions, call, param as string), rng)]);
        continue;
      }
      if (random && acceptsOmission(values) && rng.chance(0.3)) continue;
      const chosen = random ? rng.pick(ok) : (ok[0] as PyValue);
      call.args.push([param as string, concretize(chosen, schemaOf(entry.functions, call, param as string), rng, random)]);
    }
    if (random && rng.chance(0.3)) call.args = rng.shuffle(call.args);
    return call;
  });
}

function cloneCalls(calls: MCall[]): MCall[] {
  return calls.map((c) => ({ name: c.name, args: c.args.map(([k, v]) => [k, v] as [string | null, MVal]) }));
}

// ---------------------------------------------------------------------------------------------
// Value mutations (pure: return new values)

type PathStep = number | { key: PyKey };

function paths(v: MVal, pred: (x: MVal) => boolean, prefix: PathStep[] = [], out: PathStep[][] = []): PathStep[][] {
  if (pred(v)) out.push(prefix);
  if (Array.isArray(v)) v.forEach((x, i) => paths(x, pred, [...prefix, i], out));
  else if (v instanceof PyTuple) v.items.forEach((x, i) => paths(x, pred, [...prefix, i], out));
  else if (isDict(v)) for (const [k, x] of v) paths(x, pred, [...prefix, { key: k }], out);
  return out;
}

function updateAt(v: MVal, path: PathStep[], fn: (x: MVal) => MVal): MVal {
  if (path.length === 0) return fn(v);
  const [step, ...rest] = path as [PathStep, ...PathStep[]];
  if (typeof step === 'number') {
    if (Array.isArray(v)) return v.map((x, i) => (i === step ? (updateAt(x, rest, fn) as PyValue) : x));
    if (v instanceof PyTuple) return new PyTuple(v.items.map((x, i) => (i === step ? (updateAt(x, rest, fn) as PyValue) : x)));
    return v;
  }
  if (isDict(v)) {
    const m: PyDict = new Map();
    for (const [k, x] of v) m.set(k, k === step.key ? (updateAt(x, rest, fn) as PyValue) : x);
    return m;
  }
  return v;
}

function wrongValue(v: MVal, rng: Rng): MVal {
  switch (kindOf(v)) {
    case 'str':
      return rng.pick([(v as string) + ' extra', 'something else', (v as string).slice(0, Math.max(0, (v as string).length - 2)), '']);
    case 'int':
      return rng.pick([(v as bigint) + 1n, -(v as bigint), (v as bigint) * 10n]);
    case 'float':
      return rng.pick([(v as number) + 0.5, (v as number) * 2 + 1, -(v as number)]);
    case 'bool':
      return !v;
    case 'null':
      return rng.pick(['None', 0n]);
    case 'list':
    case 'tuple': {
      const items = v instanceof PyTuple ? v.items : (v as PyValue[]);
      let next: PyValue[];
      if (items.length === 0) next = ['item'];
      else {
        const r = rng.int(4);
        if (r === 0) next = items.slice(0, -1);
        else if (r === 1) next = [...items, items[0] as PyValue];
        else if (r === 2 && items.length > 1) next = [...items].reverse();
        else {
          const i = rng.int(items.length);
          next = items.map((x, j) => (j === i ? (wrongValue(x, rng) as PyValue) : x));
        }
      }
      return v instanceof PyTuple ? new PyTuple(next) : next;
    }
    case 'dict': {
      const m = v as PyDict;
      if (m.size === 0) return new Map([['key', 'value']]);
      const key = rng.pick([...m.keys()]);
      const out: PyDict = new Map(m);
      out.set(key, wrongValue(m.get(key) as PyValue, rng) as PyValue);
      return out;
    }
    case 'raw':
      return 'raw';
  }
}

function wrongType(v: MVal, rng: Rng): MVal {
  const k = kindOf(v);
  const text = k === 'str' ? (v as string) : k === 'raw' ? (v as Raw).py : toPy(v);
  const options: MVal[] = [];
  if (k !== 'str') options.push(text, toJson(v as PyValue));
  if (k !== 'int') options.push(/^-?\d+$/.test(text) ? BigInt(text) : BigInt(text.length));
  if (k !== 'float') options.push(Number.isFinite(Number(text)) && text.trim() !== '' ? Number(text) + 0.25 : 1.5);
  if (k !== 'bool') options.push(rng.chance(0.5));
  if (k !== 'null') options.push(null);
  if (k !== 'list') options.push(k === 'tuple' ? [...(v as PyTuple).items] : [v as PyValue]);
  if (k !== 'dict') options.push(new Map([[rng.pick(['value', 'key', 'name']), v as PyValue]]));
  if (k !== 'tuple' && k === 'list') options.push(new PyTuple(v as PyValue[]));
  return rng.pick(options);
}

function intFloat(v: MVal, rng: Rng): MVal {
  const nums = paths(v, (x) => typeof x === 'bigint' || typeof x === 'number');
  if (nums.length === 0) return v;
  // Sometimes every number, sometimes one.
  const chosen = rng.chance(0.5) ? nums : [rng.pick(nums)];
  let out = v;
  for (const p of chosen)
    out = updateAt(out, p, (x) => (typeof x === 'bigint' ? Number(x) : Number.isFinite(x as number) ? BigInt(Math.trunc(x as number)) : x));
  return out;
}

function boolString(v: MVal, rng: Rng): MVal {
  if (typeof v === 'boolean') return rng.pick([v ? 'true' : 'false', v ? 'True' : 'False', v ? 1n : 0n, v ? 'yes' : 'no', v ? 1.0 : 0.0]);
  if (typeof v === 'string') {
    const t = v.trim().toLowerCase();
    if (t === 'true' || t === 'false') return t === 'true';
    return rng.pick([true, false, 'true', 'True']);
  }
  return rng.pick([true, 'False', 'true']);
}

const PUNCT = [' ', ',', '.', '/', '-', '_', '*', '^'];

function casePunctString(s: string, rng: Rng): string {
  const at = (str: string, i: number, ins: string) => str.slice(0, i) + ins + str.slice(i);
  switch (rng.int(12)) {
    case 0:
      return s.toUpperCase();
    case 1:
      return s.toLowerCase();
    case 2:
      return s.replace(/\b\w/g, (c) => c.toUpperCase());
    case 3:
      return at(s, rng.int(s.length + 1), rng.pick(PUNCT));
    case 4:
      return s.replace(/[ ,./\-_*^]/g, '');
    case 5:
      return s.includes("'") ? s.replace(/'/g, '"') : s.includes('"') ? s.replace(/"/g, "'") : `'${s}'`;
    case 6:
      return at(s, rng.int(s.length + 1), rng.pick(['!', '?', ':', ';', '(', '#', '\\']));
    case 7:
      return rng.pick([s + '\t', s + '\n', '\u00a0' + s, s + '\u3000', s + ' ']);
    case 8: {
      // Unicode case mappings: Kelvin sign, dotted capital I, capital sharp s, final sigma, Angstrom sign.
      const r = rng.int(6);
      if (r === 0) return s.replace(/k/i, '\u212a');
      if (r === 1) return s.replace(/i/i, '\u0130');
      if (r === 2) return s.replace(/ss/i, '\u1e9e');
      if (r === 3) return s + ' \u03a3\u0391\u03a3';
      if (r === 4) return s.replace(/a/i, '\u212b');
      return s.toUpperCase().replace(/I/, '\u0131');
    }
    case 9:
      return s.split('').reverse().join('');
    case 10:
      return s.replace(/ /g, rng.pick(['  ', '-', '_', '']));
    default:
      return s.replace(/[A-Za-z]/, (c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase()));
  }
}

function casePunct(v: MVal, rng: Rng): MVal {
  const strs = paths(v, (x) => typeof x === 'string');
  if (strs.length === 0) return typeof v === 'string' ? casePunctString(v, rng) : v;
  return updateAt(v, rng.pick(strs), (x) => casePunctString(x as string, rng));
}

function nested(v: MVal, rng: Rng): MVal {
  const k = kindOf(v);
  if (k === 'list' || k === 'tuple') {
    const items = k === 'tuple' ? (v as PyTuple).items : (v as PyValue[]);
    switch (rng.int(8)) {
      case 0:
        return [items];
      case 1:
        return items.map((x) => [x]);
      case 2:
        return [];
      case 3:
        return items.length > 0 ? [...items.slice(1), items[0] as PyValue] : [null];
      case 4:
        return items.map((x, i) => (i === 0 ? (intFloat(x, rng) as PyValue) : x));
      case 5:
        return items.map((x) => (isDict(x) ? (nestedDict(x, rng) as PyValue) : x));
      case 6:
        return [...items, items.length > 0 ? (wrongType(items[0] as PyValue, rng) as PyValue) : 1n];
      default:
        return items.map((x) => (typeof x === 'string' ? casePunctString(x, rng) : x));
    }
  }
  if (k === 'dict') return nestedDict(v as PyDict, rng);
  // A scalar: wrap it.
  return rng.pick<MVal>([[v as PyValue], new Map([['value', v as PyValue]]), [[v as PyValue]]]);
}

function nestedDict(m: PyDict, rng: Rng): MVal {
  const keys = [...m.keys()];
  const out: PyDict = new Map(m);
  switch (rng.int(7)) {
    case 0:
      out.set('extra_key', 'extra');
      return out;
    case 1:
      if (keys.length > 0) out.delete(rng.pick(keys));
      return out;
    case 2: {
      if (keys.length === 0) return out;
      const key = rng.pick(keys);
      const renamed: PyDict = new Map();
      for (const [k, x] of m) renamed.set(k === key && typeof k === 'string' ? k.toUpperCase() : k, x);
      return renamed;
    }
    case 3: {
      if (keys.length === 0) return out;
      const key = rng.pick(keys);
      out.set(key, new Map([['inner', m.get(key) as PyValue]]));
      return out;
    }
    case 4:
      return [m];
    case 5: {
      // Key order changed: dict equality ignores it.
      return new Map(rng.shuffle([...m.entries()]));
    }
    default: {
      if (keys.length === 0) return out;
      const key = rng.pick(keys);
      out.set(key, rng.pick([wrongType, wrongValue, intFloat, casePunct])(m.get(key) as PyValue, rng) as PyValue);
      return out;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Python- and JSON-syntax variants

function pySyntaxValue(v: MVal, rng: Rng): MVal {
  const k = kindOf(v);
  const generic = [
    new Raw('...'),
    new Raw('x.y'),
    new Raw('lambda: 1'),
    new Raw('1 < 2'),
    new Raw('a and b'),
    new Raw('data[0]'),
    new Raw('f"{x}"'),
    new Raw('{1, 2}'),
    new Raw('*args'),
    new Raw("b'bytes'"),
    new Raw('-x'),
    new Raw('not True'),
    new Raw('2024-1-1'),
    new Raw('3 * 4.5'),
    new Raw('"a" + "b"'),
    new Raw('len(items)'),
    new Raw('get_value(key="k")'),
    new Raw('true'),
    new Raw('null'),
    new Raw('None'),
    new Raw('1j'),
    new Raw('-(-5)'),
    new Raw('[1, *rest]'),
    new Raw('{**d}'),
    new Raw('(yield)'),
    new Raw('x if y else z'),
    new Raw('os.path.join("a", "b")'),
  ];
  const specific: MVal[] = [];
  if (k === 'int') {
    const n = v as bigint;
    specific.push(new Raw('0x' + (n < 0n ? -n : n).toString(16)), new Raw(n >= 0n ? `+${n}` : `+(${n})`));
    if (n >= 1000n) specific.push(new Raw(n.toString().replace(/(\d)(?=(\d{3})+$)/g, '$1_')));
    specific.push(new Raw(`${n} + 0`), new Raw(`-${n}`), new Raw(`${n}.0`), new Raw(`0o${(n < 0n ? -n : n).toString(8)}`));
  } else if (k === 'float') {
    const x = v as number;
    if (Number.isFinite(x)) specific.push(new Raw(`+${floatText(Math.abs(x))}`), new Raw(`${floatText(x)} * 1`), new Raw(`${x.toExponential()}`));
  } else if (k === 'str') {
    const s = v as string;
    specific.push(
      new Raw(`'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`),
      new Raw(`"""${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"""`),
      new Raw(`${JSON.stringify(s.slice(0, 3))} ${JSON.stringify(s.slice(3))}`),
      new Raw(`str(${JSON.stringify(s)})`),
      new Raw(`r${JSON.stringify(s)}`),
      new Raw(namedEscapes(s, rng)),
    );
    if (/^[A-Za-z_]\w*$/.test(s)) specific.push(new Raw(s));
  } else if (k === 'bool') {
    specific.push(new Raw(v ? 'true' : 'false'), new Raw(v ? 'not False' : 'not True'), new Raw(v ? '1' : '0'));
  } else if (k === 'list') {
    const items = v as PyValue[];
    specific.push(new Raw('(' + items.map(toPy).join(', ') + (items.length === 1 ? ',)' : ')')));
    specific.push(new Raw('{' + items.map(toPy).join(', ') + '}'));
    specific.push(new Raw('[' + items.map(toPy).join(', ') + ',]'));
    specific.push(new Raw(`list(${toPy(items)})`));
  } else if (k === 'dict') {
    const m = v as PyDict;
    const kw = [...m.entries()].filter(([key]) => typeof key === 'string' && /^[A-Za-z_]\w*$/.test(key));
    specific.push(new Raw(`dict(${kw.map(([key, x]) => `${String(key)}=${toPy(x)}`).join(', ')})`));
    specific.push(new Raw('{' + [...m.entries()].map(([key, x], i) => `${i === 0 ? '1' : toPy(key as PyValue)}: ${toPy(x)}`).join(', ') + '}'));
    specific.push(new Raw(`{${[...m.entries()].map(([key, x]) => `${toPy(key as PyValue)}: ${toPy(x)}`).join(', ')}, }`));
  }
  return rng.chance(0.6) && specific.length > 0 ? rng.pick(specific) : rng.pick(generic);
}

/**
 * A str literal for `s` with `\\N{...}` escapes: its first letter or space by name (the same
 * value, the name in upper, lower or mixed case), or an escape CPython's decoder refuses or takes
 * by rule (an unknown or malformed name, a Hangul syllable, a CJK ideograph).
 */
function namedEscapes(s: string, rng: Rng): string {
  const body = s.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n');
  const at = body.search(/[A-Za-z ]/);
  const r = rng.int(6);
  if (r < 3 && at >= 0) {
    const c = body[at]!;
    const name = c === ' ' ? 'SPACE' : `LATIN ${c === c.toUpperCase() ? 'CAPITAL' : 'SMALL'} LETTER ${c.toUpperCase()}`;
    const written = r === 0 ? name : r === 1 ? name.toLowerCase() : name.replace(/[AEIOU]/g, (v) => v.toLowerCase());
    return `'${body.slice(0, at)}\\N{${written}}${body.slice(at + 1)}'`;
  }
  const extra = rng.pick(['\\N{NOT A CHARACTER NAME}', '\\N{EM DASH', '\\N{}', '\\N', '\\N{HANGUL SYLLABLE HAN}', '\\N{hangul syllable han}', '\\N{CJK UNIFIED IDEOGRAPH-5B57}', '\\N{CJK UNIFIED IDEOGRAPH-5b57}', '\\N{em dash}', 'é\\N{NO SUCH}']);
  return `'${body}${extra}'`;
}

function pySyntax(calls: MCall[], rng: Rng): Out[] {
  const out: Out[] = [];
  const c = cloneCalls(calls);
  const callsWithArgs = c.filter((x) => x.args.length > 0);
  // An argument value in Python-only syntax.
  if (callsWithArgs.length > 0) {
    const call = rng.pick(callsWithArgs);
    const i = rng.int(call.args.length);
    const [key, value] = call.args[i] as [string | null, MVal];
    call.args[i] = [key, pySyntaxValue(value, rng)];
    out.push(encodePy(c, rng));
  }
  // Whole-text variants.
  const text = pyText(calls, rng);
  const inner = text.startsWith('[') ? text.slice(1, -1) : text;
  const one = calls[0] ? pyCallText(calls[0], rng) : 'f()';
  const variants = [
    '```\n' + text + '\n```',
    '```python\n' + text + '\n```',
    '\t' + text,
    text + '\r\n',
    text + '\n\n',
    ` \n${text}  `,
    `'${text}'`,
    `"${text}"`,
    text + ';',
    `(${inner})`,
    `{${inner}}`,
    `[[${inner}]]`,
    `[${inner}, ]`,
    `${inner}\n${one}`,
    `${one}; ${one}`,
    `Sure! ${text}`,
    `${text} I called the function.`,
    `<TOOLCALL>${text}</TOOLCALL>`,
    `[${inner}, "done"]`,
    `[${inner}, print]`,
    `${one.replace('(', '(1, ')}`,
    `${one.replace('(', '(**{"a": 1}, ')}`,
    one.replace('(', '(x=1, '),
    `module.sub.${one}`,
    `${one}()`,
    `obj.method()[0](a=1)`,
    `[${one.replace(/=/, '==')}]`,
    '`' + text + '`',
    text.replace(/\]$/, ''),
    // The outer bracket left open before a last item whose own `]` ends the text.
    `[${inner}, [2]`,
    `${inner}, [1, 'a']`,
    `[${inner}, {"k": [1]}`,
  ];
  for (const t of rng.shuffle(variants).slice(0, 2)) out.push(rawPy(t));
  // A positional argument or a duplicated keyword.
  if (callsWithArgs.length > 0) {
    const c2 = cloneCalls(calls);
    const call = rng.pick(c2.filter((x) => x.args.length > 0));
    const i = rng.int(call.args.length);
    const arg = call.args[i] as [string | null, MVal];
    if (rng.chance(0.5)) call.args.splice(i, 0, [null, arg[1]]);
    else call.args.push([arg[0], wrongValue(arg[1], rng)]);
    out.push(encodePy(c2, rng));
  }
  return out;
}

function fcSyntax(calls: MCall[], rng: Rng): Out[] {
  const out: Out[] = [];
  if (calls.length === 0) return out;
  const idx = rng.int(calls.length);
  const item = (text: string, i: number) => `{${JSON.stringify(underscored((calls[i] as MCall).name))}: ${JSON.stringify(text)}}`;
  const wrap = (argsTextFor: (i: number, normal: string) => string) =>
    '[' + calls.map((c, i) => item(argsTextFor(i, argsJson(c, rng)), i)).join(', ') + ']';
  const call = calls[idx] as MCall;
  const named = call.args.filter(([k]) => k !== null) as Array<[string, MVal]>;
  const choice = rng.int(16);
  switch (choice) {
    case 0: // pretty-printed arguments
      out.push(rawFc(wrap((i, t) => (i === idx ? t.replace(/^\{/, '{\n  ').replace(/\}$/, '\n}').replace(/, "/g, ',\n  "') : t))));
      break;
    case 1: {
      // duplicate key: the last value wins
      if (named.length === 0) break;
      const [k, v] = rng.pick(named);
      const dup = `${JSON.stringify(k)}: ${toJson(wrongValue(v, rng) as PyValue)}`;
      const wrongFirst = rng.chance(0.5);
      out.push(
        rawFc(
          wrap((i, t) => {
            if (i !== idx) return t;
            const rest = t === '{}' ? '' : t.slice(1, -1);
            return wrongFirst ? `{${dup}${rest ? ', ' + rest : ''}}` : `{${rest ? rest + ', ' : ''}${dup}}`;
          }),
        ),
      );
      break;
    }
    case 2: {
      // number spellings: exponent, -0, big ints, NaN/Infinity
      const spell = rng.pick(['1E2', '1e0', '-0', '-0.0', '12345678901234567890', '1.0000000000000002', 'NaN', 'Infinity', '-Infinity', '0.1e1', '5e-324', '1e400']);
      const target = named.length > 0 ? rng.pick(named)[0] : 'n';
      const c2 = cloneCalls(calls);
      const cc = c2[idx] as MCall;
      const j = cc.args.findIndex(([k]) => k === target);
      const raw = new Raw(spell, spell);
      if (j >= 0) cc.args[j] = [target, raw];
      else cc.args.push([target, raw]);
      const enc = encodeFc(c2, rng);
      if (enc) out.push({ ...enc, encoding: 'raw' });
      break;
    }
    case 3: // unicode escapes in strings
      out.push(rawFc(wrap((i, t) => (i === idx ? t.replace(/[a-z]/, (c) => '\\u00' + c.charCodeAt(0).toString(16)) : t))));
      break;
    case 4: // arguments as an object, not a string
      out.push(rawFc('[' + calls.map((c, i) => (i === idx ? `{${JSON.stringify(underscored(c.name))}: ${argsJson(c, rng)}}` : item(argsJson(c, rng), i))).join(', ') + ']'));
      break;
    case 5: // invalid JSON arguments
      out.push(
        rawFc(
          wrap((i, t) =>
            i === idx
              ? rng.pick([t.slice(0, -1), t.replace(/"/g, "'"), t + 'x', '', '{', t.replace(/: /, ' '), t.replace(/true/, 'True').replace(/null/, 'None'), '{a: 1}', t + ' ' + t])
              : t,
          ),
        ),
      );
      break;
    case 6: // arguments that parse to something other than an object
      out.push(rawFc(wrap((i, t) => (i === idx ? rng.pick(['null', '[]', '[1, 2]', '"text"', '5', 'true', '[' + t + ']']) : t))));
      break;
    case 7: // an item with two keys (only the first is read)
      out.push(
        rawFc(
          '[' +
            calls
              .map((c, i) => {
                const args = JSON.stringify(argsJson(c, rng));
                const name = JSON.stringify(underscored(c.name));
                return i === idx ? (rng.chance(0.5) ? `{${name}: ${args}, "other_function": "{}"}` : `{"other_function": "{}", ${name}: ${args}}`) : `{${name}: ${args}}`;
              })
              .join(', ') +
            ']',
        ),
      );
      break;
    case 8: // an empty item or a non-dict item
      out.push(rawFc(wrap((i, t) => t).replace(/^\[/, '[' + rng.pick(['{}, ', '"f", ', 'null, ', '[], ', '5, ']))));
      break;
    case 9: // the result is not a list
      out.push(rawFc(rng.pick([item(argsJson(call, rng), idx), '{}', 'null', '5', 'true', JSON.stringify(argsJson(call, rng))])));
      break;
    case 10: // nested list of calls
      out.push(rawFc('[' + wrap((i, t) => t) + ']'));
      break;
    case 11: // key order changed in the arguments
      if (named.length > 1) {
        const c2 = cloneCalls(calls);
        (c2[idx] as MCall).args = rng.shuffle((c2[idx] as MCall).args);
        const enc = encodeFc(c2, rng);
        if (enc) out.push({ ...enc, encoding: 'raw' });
      }
      break;
    case 12: // whitespace around the JSON arguments
      out.push(rawFc(wrap((i, t) => (i === idx ? rng.pick([' ' + t, t + '\n', '\t' + t + ' ', '\ufeff' + t, '\u00a0' + t]) : t))));
      break;
    case 13: // strings with escapes, surrogate pairs and lone surrogates
      if (named.length > 0) {
        const c2 = cloneCalls(calls);
        const cc = c2[idx] as MCall;
        const j = rng.int(cc.args.length);
        const s = rng.pick(['\\ud83d\\ude00', '\\ud800', 'a\\"b', 'tab\\there', 'line\\nbreak', '\\u2028', 'back\\\\slash', '\\/']);
        cc.args[j] = [cc.args[j]?.[0] ?? 'p', new Raw(`"${s}"`, `"${s}"`)];
        const enc = encodeFc(c2, rng);
        if (enc) out.push({ ...enc, encoding: 'raw' });
      }
      break;
    case 14: // a name with dots where underscores are expected (and the reverse for dot-free names)
      out.push(rawFc('[' + calls.map((c, i) => `{${JSON.stringify(i === idx ? c.name : underscored(c.name))}: ${JSON.stringify(argsJson(c, rng))}}`).join(', ') + ']'));
      break;
    default: // empty-string arguments and `{}`
      out.push(rawFc(wrap((i, t) => (i === idx ? rng.pick(['{}', '', ' ']) : t))));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Whole-output variants

const GARBAGE = [
  "I'm sorry, I can't help with that.",
  'The weather in Berkeley is sunny.',
  '',
  '   ',
  '\n',
  '[]',
  '[ ]',
  '()',
  'None',
  'null',
  '{}',
  '[{}]',
  'Error during inference: An error occurred (ThrottlingException) when calling the Converse operation',
  'Error during inference: Request timed out.',
  '```json\n[{"name": "get_weather", "arguments": {"city": "Berkeley"}}]\n```',
  '[{"name": "get_weather", "arguments": {"city": "Berkeley"}}]',
  '{"name": "get_weather", "parameters": {"city": "Berkeley"}}',
  '<tool_call>{"name": "f", "arguments": {}}</tool_call>',
  'get_weather(city="Berkeley"',
  '[get_weather(city="Berkeley")',
  'print("hello")',
  'def f(): pass',
  'import os',
  '\u00e9\u00e8 \ud83d\ude00 \u4e2d\u6587',
  'lone \ud800 surrogate',
  '\u0000',
  '12345',
  '3.14',
  'True',
  '"just a string"',
  "'quoted'",
  '[1, 2, 3]',
  '[f]',
  '[f(), 1]',
  'f()',
  '[f(), g()]',
  '<think>Let me think.</think>',
  'x' .repeat(300),
  '[' .repeat(50),
  '((((((((((f()))))))))))',
];

function garbage(rng: Rng): Out[] {
  const text = rng.pick(GARBAGE);
  const out = rawBoth(JSON.stringify(text));
  // Non-string results (a result file can hold any JSON).
  if (rng.chance(0.3)) out.push(...rawBoth(rng.pick(['null', '5', '[["f"]]', '[null]', '["text"]', '{}', '{"f": "{}"}', 'true', '[[]]', '[{"f": {}}]'])));
  return out;
}

function empty(calls: MCall[], rng: Rng): Out[] {
  const name = calls[0]?.name ?? 'f';
  const options: Out[] = [
    rawFc('[]'),
    rawFc('""'),
    rawFc('[{}]'),
    rawFc(`[{${JSON.stringify(underscored(name))}: "{}"}]`),
    rawFc(`[{${JSON.stringify(underscored(name))}: ""}]`),
    rawPy('[]'),
    rawPy(''),
    rawPy('[{}]'),
    rawPy(`[${name}()]`),
    rawPy(`${name}()`),
    rawPy('``````'),
    rawPy('\n\n'),
  ];
  return rng.shuffle(options).slice(0, 3);
}

// ---------------------------------------------------------------------------------------------
// Mutations of call sets

type Mutator = (calls: MCall[], entry: DataEntry, rng: Rng) => Out[];

function withArg(calls: MCall[], rng: Rng, pred: (v: MVal, key: string | null) => boolean = () => true) {
  const c = cloneCalls(calls);
  const candidates: Array<[MCall, number]> = [];
  for (const call of c) call.args.forEach(([k, v], i) => pred(v, k) && candidates.push([call, i]));
  if (candidates.length === 0) return null;
  const [call, i] = rng.pick(candidates);
  return { calls: c, call, i, arg: call.args[i] as [string | null, MVal] };
}

function mapArg(calls: MCall[], rng: Rng, fn: (v: MVal) => MVal, pred?: (v: MVal, key: string | null) => boolean): Out[] {
  const hit = withArg(calls, rng, pred);
  if (!hit) return [];
  hit.call.args[hit.i] = [hit.arg[0], fn(hit.arg[1])];
  return both(hit.calls, rng);
}

const MUTATORS: Record<Exclude<MutationKind, 'original' | 'relevance_call' | 'garbage' | 'empty'>, Mutator> = {
  alt_answer: (_calls, entry, rng) => both(callsFromGroundTruth(entry, rng, true), rng),
  wrong_value: (calls, _e, rng) => mapArg(calls, rng, (v) => wrongValue(v, rng)),
  missing_required: (calls, entry, rng) => {
    const c = cloneCalls(calls);
    const candidates = c.filter((call) => call.args.some(([k]) => docOf(entry.functions, call.name)?.parameters?.required?.includes(k as string)));
    if (candidates.length === 0) return [];
    const call = rng.pick(candidates);
    const req = call.args.filter(([k]) => docOf(entry.functions, call.name)?.parameters?.required?.includes(k as string));
    const drop = rng.pick(req)[0];
    call.args = call.args.filter(([k]) => k !== drop);
    return both(c, rng);
  },
  missing_optional: (calls, entry, rng) => {
    const c = cloneCalls(calls);
    const candidates = c.filter((call) => call.args.some(([k]) => !docOf(entry.functions, call.name)?.parameters?.required?.includes(k as string)));
    if (candidates.length === 0) return [];
    const call = rng.pick(candidates);
    const opt = call.args.filter(([k]) => !docOf(entry.functions, call.name)?.parameters?.required?.includes(k as string));
    const drop = rng.pick(opt)[0];
    call.args = call.args.filter(([k]) => k !== drop);
    return both(c, rng);
  },
  extra_param: (calls, entry, rng) => {
    const c = cloneCalls(calls);
    if (c.length === 0) return [];
    const call = rng.pick(c);
    const props = docOf(entry.functions, call.name)?.parameters?.properties ?? {};
    const unused = Object.keys(props).filter((p) => !call.args.some(([k]) => k === p));
    if (unused.length > 0 && rng.chance(0.6)) {
      const p = rng.pick(unused);
      call.args.push([p, genValue(props[p], rng)]);
    } else {
      const p = rng.pick(['unknown_param', 'extra', 'kwargs', 'Location', call.args[0]?.[0]?.toUpperCase() ?? 'X']);
      if (call.args.some(([k]) => k === p)) return [];
      call.args.splice(rng.int(call.args.length + 1), 0, [p, rng.pick<PyValue>(['value', 1n, true, null])]);
    }
    return both(c, rng);
  },
  wrong_type: (calls, _e, rng) => mapArg(calls, rng, (v) => wrongType(v, rng)),
  int_float: (calls, _e, rng) => {
    const numeric = (v: MVal) => paths(v, (x) => typeof x === 'bigint' || typeof x === 'number').length > 0;
    const hit = withArg(calls, rng, numeric);
    if (!hit) return mapArg(calls, rng, (v) => (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v) ? (v.includes('.') ? Number(v) : BigInt(v)) : v));
    hit.call.args[hit.i] = [hit.arg[0], intFloat(hit.arg[1], rng)];
    return both(hit.calls, rng);
  },
  bool_string: (calls, _e, rng) => {
    const boolish = (v: MVal) => typeof v === 'boolean' || (typeof v === 'string' && /^(true|false)$/i.test(v.trim()));
    return withArg(calls, rng, boolish) ? mapArg(calls, rng, (v) => boolString(v, rng), boolish) : mapArg(calls, rng, (v) => boolString(v, rng));
  },
  case_punct: (calls, _e, rng) => {
    const hasStr = (v: MVal) => paths(v, (x) => typeof x === 'string').length > 0;
    return mapArg(calls, rng, (v) => casePunct(v, rng), hasStr);
  },
  reorder_calls: (calls, _e, rng) => {
    if (calls.length < 2) return [];
    let c = rng.shuffle(cloneCalls(calls));
    if (c.every((x, i) => x.name === calls[i]?.name && x.args === calls[i]?.args)) c = [...cloneCalls(calls)].reverse();
    return both(c, rng);
  },
  reorder_args: (calls, _e, rng) => {
    const c = cloneCalls(calls).map((call) => ({ ...call, args: rng.shuffle(call.args) }));
    // Reordering alone should pass: combine with one error sometimes to see which error is reported first.
    if (rng.chance(0.5)) {
      const hit = withArg(c, rng);
      if (hit) {
        hit.call.args[hit.i] = [hit.arg[0], rng.pick([wrongType, wrongValue])(hit.arg[1], rng)];
        return both(hit.calls, rng);
      }
    }
    return both(c, rng);
  },
  wrong_func: (calls, entry, rng) => {
    const c = cloneCalls(calls);
    if (c.length === 0) return [];
    const call = rng.pick(c);
    const others = entry.functions.map((f) => f.name).filter((n) => n !== call.name);
    const options = [
      call.name + '_v2',
      call.name.toUpperCase(),
      call.name.charAt(0).toUpperCase() + call.name.slice(1),
      call.name.includes('.') ? (call.name.split('.').pop() as string) : 'module.' + call.name,
      call.name.replace(/_/g, '.'),
      call.name.replace(/\./g, '_'),
      call.name + ' ',
    ];
    if (others.length > 0) options.push(rng.pick(others), rng.pick(others));
    const renamed = rng.pick(options);
    // Python text cannot hold arbitrary names; BFCL would fail to decode those, which is also a case.
    call.name = renamed;
    const out: Out[] = [];
    const fc = encodeFc(c, rng, (n) => (n === renamed ? renamed : underscored(n)));
    if (fc) out.push(fc);
    out.push(encodePy(c, rng));
    return out;
  },
  count: (calls, entry, rng) => {
    const c = cloneCalls(calls);
    const r = rng.int(3);
    if (r === 0 && c.length > 0) c.splice(rng.int(c.length), 1);
    else if (r === 1 && c.length > 0) c.splice(rng.int(c.length + 1), 0, cloneCalls([rng.pick(c)])[0] as MCall);
    else {
      const f = entry.functions.length > 0 ? rng.pick(entry.functions) : undefined;
      const props = f?.parameters?.properties ?? {};
      c.splice(rng.int(c.length + 1), 0, {
        name: f?.name ?? 'other_function',
        args: Object.keys(props)
          .filter(() => rng.chance(0.6))
          .map((p) => [p, genValue(props[p], rng)]),
      });
    }
    return both(c, rng);
  },
  nested: (calls, _e, rng) => {
    const structured = (v: MVal) => Array.isArray(v) || isDict(v) || v instanceof PyTuple;
    const hit = withArg(calls, rng, structured) ?? withArg(calls, rng);
    if (!hit) return [];
    hit.call.args[hit.i] = [hit.arg[0], nested(hit.arg[1], rng)];
    return both(hit.calls, rng);
  },
  multi_error: (calls, _e, rng) => {
    let c = cloneCalls(calls);
    const n = 2 + rng.int(2);
    for (let k = 0; k < n; k++) {
      const hit = withArg(c, rng);
      if (!hit) break;
      const op = rng.pick([wrongType, wrongValue, intFloat, casePunct, nested]);
      hit.call.args[hit.i] = [hit.arg[0], op(hit.arg[1], rng)];
      c = hit.calls;
    }
    if (rng.chance(0.4) && c.length > 0) {
      const call = rng.pick(c);
      call.args.push(['unknown_param', 1n]);
    }
    if (rng.chance(0.4) && c.length > 0) {
      const call = rng.pick(c);
      if (call.args.length > 0) call.args.splice(rng.int(call.args.length), 1);
    }
    c = c.map((call) => ({ ...call, args: rng.shuffle(call.args) }));
    if (c.length > 1 && rng.chance(0.5)) c = rng.shuffle(c);
    return both(c, rng);
  },
  py_syntax: (calls, _e, rng) => pySyntax(calls, rng),
  fc_syntax: (calls, _e, rng) => fcSyntax(calls, rng),
  dot_names: (calls, _e, rng) => {
    if (!calls.some((c) => c.name.includes('.')) && !rng.chance(0.3)) return [];
    const out: Out[] = [];
    // Function calling with dotted names and the flag off: valid; with the flag on: wrong name.
    const fcDotted = encodeFc(calls, rng, (n) => n);
    if (fcDotted) out.push({ ...fcDotted, underscoreToDot: false }, fcDotted);
    // Prompting text with underscored names and the flag on: valid; dotted names with the flag on: wrong name.
    out.push({ ...encodePy(calls, rng, underscored), underscoreToDot: true }, { ...encodePy(calls, rng), underscoreToDot: true });
    // Underscored names with the flag off.
    const fcUnder = encodeFc(calls, rng);
    if (fcUnder) out.push({ ...fcUnder, underscoreToDot: false });
    return out;
  },
};

/** Mutations inside dict values (dict and list-of-dict parameters are rare in the data, so they get extra variants). */
function dictFocused(calls: MCall[], rng: Rng): Out[] {
  const hasDict = (v: MVal) => paths(v, isDict).length > 0;
  const hit = withArg(calls, rng, hasDict);
  if (!hit) return [];
  const dictPaths = paths(hit.arg[1], isDict);
  const path = rng.pick(dictPaths);
  const last = path[path.length - 1];
  if (typeof last === 'number' && rng.chance(0.3)) {
    // A dict inside a list: change the list's length (list_dict_count) or its order.
    const value = updateAt(hit.arg[1], path.slice(0, -1), (list) => {
      const items = list instanceof PyTuple ? list.items : (list as PyValue[]);
      const r = rng.int(3);
      if (r === 0) return items.filter((_, i) => i !== last);
      if (r === 1) return [...items, items[last] as PyValue];
      return [...items].reverse();
    });
    hit.call.args[hit.i] = [hit.arg[0], value];
    return both(hit.calls, rng);
  }
  const value = updateAt(hit.arg[1], path, (d) => {
    const m = d as PyDict;
    if (rng.chance(0.5) || m.size === 0) return nestedDict(m, rng);
    const key = rng.pick([...m.keys()]);
    const out: PyDict = new Map(m);
    out.set(key, rng.pick([casePunct, intFloat, wrongValue, boolString, wrongType])(m.get(key) as PyValue, rng) as PyValue);
    return out;
  });
  hit.call.args[hit.i] = [hit.arg[0], value];
  return both(hit.calls, rng);
}

/** Irrelevance/relevance: calls built from the offered docs, or nothing at all. */
function relevanceVariants(entry: DataEntry, rng: Rng, count: number): Array<[MutationKind, Out[]]> {
  const result: Array<[MutationKind, Out[]]> = [];
  const makeCall = (): MCall => {
    const f = entry.functions.length > 0 ? rng.pick(entry.functions) : undefined;
    const props = f?.parameters?.properties ?? {};
    const required = f?.parameters?.required ?? [];
    return {
      name: f?.name ?? 'lookup',
      args: Object.keys(props)
        .filter((p) => required.includes(p) || rng.chance(0.3))
        .map((p) => [p, genValue(props[p], rng)]),
    };
  };
  for (let n = 0; n < count; n++) {
    const r = rng.int(10);
    if (r < 4) {
      const calls = Array.from({ length: rng.chance(0.2) ? 2 : 1 }, makeCall);
      result.push(['relevance_call', both(calls, rng)]);
    } else if (r === 4) {
      const calls = [makeCall()];
      result.push(['relevance_call', both([{ name: calls[0]?.name ?? 'f', args: [] }], rng)]);
    } else if (r === 5) {
      result.push(['empty', empty([makeCall()], rng)]);
    } else if (r === 6) {
      result.push(['garbage', garbage(rng)]);
    } else if (r === 7) {
      result.push(['py_syntax', pySyntax([makeCall()], rng)]);
    } else if (r === 8) {
      result.push(['fc_syntax', fcSyntax([makeCall()], rng)]);
    } else {
      result.push(['wrong_type', MUTATORS.wrong_type([makeCall()], entry, rng)]);
    }
  }
  return result;
}

const AST_KINDS = Object.keys(MUTATORS) as Array<keyof typeof MUTATORS>;

/** All variants for one data entry. */
export function variantsFor(entry: DataEntry, options: GenerateOptions = {}): DiffEntry[] {
  const seed = options.seed ?? 'fc-distill-differential-1';
  const rng = new Rng(`${seed}|${entry.version}|${entry.category}|${entry.index}|${entry.id}`);
  const groups: Array<[MutationKind, Out[]]> = [];
  if (entry.groundTruth === null) {
    groups.push(...relevanceVariants(entry, rng, options.relevanceVariants ?? 4));
  } else {
    const base = callsFromGroundTruth(entry, rng, false);
    groups.push(['original', both(base, rng)]);
    const kinds = rng.shuffle(AST_KINDS).slice(0, options.kindsPerEntry ?? 6);
    for (const kind of kinds) groups.push([kind, MUTATORS[kind](base, entry, rng)]);
    if (base.some((c) => c.args.some(([, v]) => paths(v, isDict).length > 0)))
      for (let k = 0; k < 6; k++) groups.push(['nested', dictFocused(base, rng)]);
    if (rng.chance(0.15)) groups.push(['garbage', garbage(rng)]);
    if (rng.chance(0.1)) groups.push(['empty', empty(base, rng)]);
  }
  const ref = `${entry.version}/${entry.category}/${entry.index}`;
  const out: DiffEntry[] = [];
  const seen = new Set<string>();
  const counters = new Map<MutationKind, number>();
  for (const [kind, outs] of groups) {
    for (const o of outs) {
      const dedupe = `${o.decoder}|${o.underscoreToDot}|${o.resultJson}`;
      if (seen.has(dedupe)) continue;
      seen.add(dedupe);
      const n = counters.get(kind) ?? 0;
      counters.set(kind, n + 1);
      out.push({
        id: `${ref}:${entry.id}/${kind}.${n}.${o.encoding}`,
        version: entry.version,
        category: entry.category,
        dataId: entry.id,
        kind,
        encoding: o.encoding,
        decoder: o.decoder,
        underscoreToDot: o.underscoreToDot,
        resultJson: o.resultJson,
        ref,
        functionsJson: entry.functionsJson,
        groundTruthJson: entry.groundTruthJson,
      });
    }
  }
  return out;
}

/** Every variant of every single-turn category of one data version. */
export function generateEntries(dataDir: string, version: BfclDataVersion, options: GenerateOptions = {}): DiffEntry[] {
  const out: DiffEntry[] = [];
  for (const category of options.categories ?? SINGLE_TURN_CATEGORIES[version]) {
    for (const entry of loadCategory(dataDir, version, category)) out.push(...variantsFor(entry, options));
  }
  return out;
}

/**
 * fc-distill's documented extension of the `fc` decoder (src/bfcl/scoring/decode.ts): an argument
 * value that is already a dict (`[{"f": {"a": 1}}]`, as Nova/Gemini-style handlers produce) is taken
 * as is, where BFCL's OpenAI handler raises in `json.loads`. For such a result this returns the same
 * result with those dicts written as JSON strings, i.e. what the OpenAI handler must be given to
 * decode the same calls; null when the result has no dict-valued arguments.
 */
export function dictArgsAsJsonStrings(resultJson: string): string | null {
  let result: PyValue;
  try {
    result = readJsonPy(resultJson);
  } catch {
    return null;
  }
  if (!Array.isArray(result)) return null;
  let changed = false;
  const items = result.map((item) => {
    if (!isDict(item) || item.size === 0) return item;
    const [name, args] = item.entries().next().value as [PyKey, PyValue];
    if (!isDict(args)) return item;
    changed = true;
    const out: PyDict = new Map(item);
    out.set(name, toJson(args));
    return out;
  });
  return changed ? toJson(items) : null;
}
