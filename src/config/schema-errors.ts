import type { ErrorObject } from 'ajv';
import type { SourcePosition } from '../errors.js';
import {
  describeValue,
  displayPath,
  fromPointer,
  inPlace,
  nearest,
  quote,
  type ConfigProblem,
  type PathSegments,
} from './problems.js';
import {
  alternatives,
  experimentSchema,
  pointerTokens,
  refTargets,
  resolveRef,
  schemaValueAt,
  schemasAt,
  settablePaths,
  type SchemaNode,
} from './schema.js';

/**
 * ajv errors -> one human message each: what is wrong and what was expected, at the
 * position of the offending key or value.
 */

/** Where the key (`'key'`) or the value (`'value'`) at a data path is written. */
export type Locator = (segments: PathSegments, part: 'key' | 'value') => SourcePosition;

export interface SchemaErrorContext {
  /** The validated data (after defaults), to quote offending values. */
  data: unknown;
  locate: Locator;
  /** Data paths (JSON pointers) whose problems were already reported: skip errors there. */
  skip?: ReadonlySet<string>;
  /** JSON pointer -> the variables whose values were substituted there, to say so. */
  substituted?: ReadonlyMap<string, string[]>;
}

function isNode(value: unknown): value is SchemaNode {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Structural equality of JSON values (key order aside). */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) return a.length === (b as unknown[]).length && a.every((x, i) => sameJson(x, (b as unknown[])[i]));
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && sameJson((a as SchemaNode)[k], (b as SchemaNode)[k]));
}

/** The schema object holding a failing keyword, and where it is in the schema (reference tokens). */
export interface FailingSchema {
  node: SchemaNode;
  tokens: string[];
}

const failingCache = new WeakMap<ErrorObject, FailingSchema | null>();

/**
 * The schema object in `root` (the loaded experiment schema) whose keyword failed, found
 * from the error's `schemaPath`, never from the identity of its `parentSchema`: a
 * precompiled (standalone) validator's errors carry copies of schema nodes, not the loaded
 * ones. The `schemaPath` is relative to the root, or to a `$ref` target that ajv compiled as
 * a function of its own (`#/anyOf/0/enum` inside `$defs/evalModel`); of the places where it
 * resolves, the one equal to the error's `parentSchema` (when verbose) is taken.
 */
export function failingSchema(
  error: Pick<ErrorObject, 'keyword' | 'schemaPath' | 'parentSchema'>,
  root: SchemaNode = experimentSchema,
): FailingSchema | undefined {
  const cacheable = root === experimentSchema;
  if (cacheable) {
    const hit = failingCache.get(error as ErrorObject);
    if (hit !== undefined) return hit ?? undefined;
  }
  const found = locateFailing(error, root);
  if (cacheable) failingCache.set(error as ErrorObject, found ?? null);
  return found;
}

function locateFailing(error: Pick<ErrorObject, 'keyword' | 'schemaPath' | 'parentSchema'>, root: SchemaNode): FailingSchema | undefined {
  const path = pointerTokens(error.schemaPath);
  if (!path) return undefined;
  // `<path of the schema object>/<keyword>`: the schema object is the part before the keyword.
  const at = path.lastIndexOf(error.keyword);
  if (at < 0) return undefined;
  const relative = path.slice(0, at);
  const candidates: FailingSchema[] = [];
  for (const base of [[], ...refTargets(root)]) {
    const tokens = [...base, ...relative];
    const node = schemaValueAt(tokens, root);
    if (!isNode(node) || !(error.keyword in node)) continue;
    // The run-time compiled validator reports the loaded objects themselves.
    if (node === error.parentSchema) return { node, tokens };
    candidates.push({ node, tokens });
  }
  if (candidates.length <= 1 || error.parentSchema === undefined) return candidates[0];
  return candidates.find((c) => sameJson(c.node, error.parentSchema)) ?? candidates[0];
}

/** The failing keyword's schema object: located in the loaded schema, else as the error carries it. */
function failingNode(error: ErrorObject): SchemaNode {
  const found = failingSchema(error);
  if (found) return found.node;
  return isNode(error.parentSchema) ? error.parentSchema : {};
}

export function schemaProblems(errors: readonly ErrorObject[], context: SchemaErrorContext): ConfigProblem[] {
  let relevant = errors.filter((e) => e.keyword !== 'if');
  relevant = narrowUnions(relevant, context.data);
  // A propertyNames failure is reported through its inner error, which names the key.
  relevant = relevant.filter(
    (e) => !(e.keyword === 'propertyNames' && relevant.some((inner) => inner !== e && inner.propertyName === e.params.propertyName && inner.instancePath === e.instancePath)),
  );
  const problems: ConfigProblem[] = [];
  for (const error of relevant) {
    if (context.skip?.has(error.instancePath)) continue;
    const problem = describeError(error, context);
    const vars = context.substituted?.get(error.instancePath);
    if (vars && vars.length > 0) problem.message += ` (the value comes from ${vars.map((v) => `\${env:${v}}`).join(', ')})`;
    problems.push(problem);
  }
  return problems;
}

function valueAt(data: unknown, segments: PathSegments): unknown {
  let current = data;
  for (const s of segments) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[String(s)];
  }
  return current;
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/** JSON types a schema admits (from `type`, or from its enum/const values); empty = any. */
function admittedTypes(node: SchemaNode): Set<string> {
  const types = new Set<string>();
  for (const alt of alternatives(node)) {
    const type = alt.type;
    if (typeof type === 'string') types.add(type);
    if (Array.isArray(type)) for (const t of type) types.add(String(t));
    if (Array.isArray(alt.enum)) for (const v of alt.enum) types.add(jsonType(v));
    if ('const' in alt) types.add(jsonType(alt.const));
  }
  if (types.has('number')) types.add('integer');
  return types;
}

/** Every schema object inside a branch (following local refs), to tell which errors it produced. */
function reachable(node: SchemaNode): Set<unknown> {
  const out = new Set<unknown>();
  const walk = (value: unknown) => {
    if (value === null || typeof value !== 'object' || out.has(value)) return;
    out.add(value);
    if (Array.isArray(value)) {
      value.forEach(walk);
      return;
    }
    const n = value as SchemaNode;
    if (typeof n.$ref === 'string') walk(resolveRef(n));
    for (const child of Object.values(n)) walk(child);
  };
  walk(node);
  return out;
}

/**
 * For anyOf: keep only the errors of the branch whose type fits the data (a string is
 * checked against the string branch, a mapping against the object branch). If no branch
 * fits, keep only the anyOf error, reported with the schema's `x-expected`.
 */
function narrowUnions(errors: ErrorObject[], data: unknown): ErrorObject[] {
  let result = errors;
  for (const union of errors.filter((e) => e.keyword === 'anyOf')) {
    const listed = failingNode(union)[union.keyword];
    const branches = Array.isArray(listed) ? listed.filter(isNode) : [];
    const value = valueAt(data, fromPointer(union.instancePath));
    const type = jsonType(value);
    const reach = branches.map(reachable);
    const fitting = branches
      .map((b, i) => ({ i, types: admittedTypes(b) }))
      .filter(({ types }) => types.size === 0 || types.has(type))
      .map(({ i }) => i);
    const under = (e: ErrorObject) => e.instancePath === union.instancePath || e.instancePath.startsWith(`${union.instancePath}/`);
    // Which branch produced an error: by the loaded schema objects, located from schemaPath.
    const inBranch = (e: ErrorObject, i: number) => {
      const found = failingSchema(e);
      return found !== undefined && reach[i]!.has(found.node);
    };
    if (fitting.length === 1) {
      const k = fitting[0]!;
      const kept = result.filter((e) => e === union || !under(e) || inBranch(e, k) || !branches.some((_, j) => inBranch(e, j)));
      const own = kept.filter((e) => e !== union && under(e) && inBranch(e, k));
      result = own.length > 0 ? kept.filter((e) => e !== union) : kept;
    } else {
      result = result.filter((e) => e === union || !under(e) || !branches.some((_, j) => inBranch(e, j)));
    }
  }
  return result;
}

const TYPE_NAMES: Record<string, string> = {
  object: 'a mapping (key: value)',
  array: 'a list',
  string: 'a string',
  integer: 'a whole number',
  number: 'a number',
  boolean: 'true or false',
  null: 'null',
};

/** The first sentence of a description ("e.g." does not end one), at most ~140 characters. */
function firstSentence(text: unknown): string | undefined {
  if (typeof text !== 'string') return undefined;
  const match = /^(.*?)[.;](?=\s+[A-Z(]|$)/.exec(text);
  const sentence = (match?.[1] ?? text).trim();
  if (sentence.length <= 140) return sentence;
  return `${sentence.slice(0, sentence.lastIndexOf(' ', 137))}...`;
}

function describeError(error: ErrorObject, context: SchemaErrorContext): ConfigProblem {
  const segments = fromPointer(error.instancePath);
  const path = displayPath(segments);
  const value = valueAt(context.data, segments);
  const parent = failingNode(error);
  const at = (s: PathSegments, part: 'key' | 'value' = 'value') => context.locate(s, part);
  const params = error.params as Record<string, unknown>;

  // Errors about a key of a map (propertyNames): name the key, point at it.
  if (error.propertyName !== undefined) {
    const key = error.propertyName;
    const position = at([...segments, key], 'key');
    if (error.keyword === 'enum') {
      const allowed = (params.allowedValues as unknown[]).map(String);
      const guess = nearest(key, allowed);
      return {
        message: `${quote(key)} is not a valid key in ${path}; ${guess ? `did you mean ${quote(guess)}? ` : ''}expected one of: ${allowed.join(', ')}`,
        position,
      };
    }
    if (error.keyword === 'pattern') {
      return { message: `key ${quote(key)} in ${path} is not valid: expected ${expectedText(parent, params)}`, position };
    }
    return { message: `key ${quote(key)} in ${path} ${error.message ?? 'is not valid'}`, position };
  }

  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const allowed = Object.keys((parent.properties as SchemaNode | undefined) ?? {});
      const guess = nearest(key, allowed);
      let hint: string;
      if (guess) {
        hint = `did you mean ${quote(guess)}?`;
      } else {
        const elsewhere = settablePaths().filter((p) => p.endsWith(`.${key}`) || p === key);
        hint =
          elsewhere.length > 0 && elsewhere.length <= 3
            ? `${quote(key)} belongs in ${elsewhere.map((p) => p.split('.').slice(0, -1).join('.') || 'the top level').join(' or ')} (${elsewhere.join(', ')}); expected one of: ${allowed.join(', ')}`
            : `expected one of: ${allowed.join(', ')}`;
      }
      return { message: `unknown key ${quote(key)} ${inPlace(segments)}; ${hint}`, position: at([...segments, key], 'key') };
    }
    case 'required': {
      const missing = String(params.missingProperty);
      const condition = thenCondition(error);
      const property = schemasAt([...segments, missing])[0];
      // A conditional requirement is explained by its condition; otherwise say what the key is.
      const about = property && !condition ? firstSentence(property.description ?? resolveRef(property).description) : undefined;
      const position = segments.length === 0 ? at([], 'value') : at(segments, 'key');
      return {
        message: `missing required key ${quote(missing)} ${inPlace(segments)}${condition ? ` (required when ${condition})` : ''}${about ? `: ${about}` : ''}`,
        position,
      };
    }
    case 'type': {
      const expected = String(params.type)
        .split(',')
        .map((t) => TYPE_NAMES[t] ?? t)
        .join(' or ');
      const subject = segments.length === 0 ? 'the experiment' : path;
      return { message: `${subject} must be ${expected}, got ${describeValue(value)}`, position: at(segments) };
    }
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).map((v) => String(v));
      const guess = typeof value === 'string' ? nearest(value, allowed) : undefined;
      return {
        message: `${path} is ${typeof value === 'string' ? quote(value) : describeValue(value)}; ${guess && guess !== value ? `did you mean ${quote(guess)}? ` : ''}expected one of: ${allowed.join(', ')}`,
        position: at(segments),
      };
    }
    case 'const':
      return { message: `${path} must be ${quote(params.allowedValue)}, got ${describeValue(value)}`, position: at(segments) };
    case 'pattern':
      return { message: `${path} ${quote(value)} is not valid: expected ${expectedText(parent, params)}`, position: at(segments) };
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum': {
      const range = rangeText(parent);
      return {
        message: `${path} must be ${params.comparison} ${params.limit}, got ${String(value)}${range ? ` (allowed: ${range})` : ''}`,
        position: at(segments),
      };
    }
    case 'minLength':
      return {
        message: params.limit === 1 ? `${path} must not be empty` : `${path} must be at least ${params.limit} characters long`,
        position: at(segments),
      };
    case 'maxLength':
      return { message: `${path} must be at most ${params.limit} characters long, got ${String(value).length}`, position: at(segments) };
    case 'minItems':
      return {
        message: `${path} must list at least ${params.limit} item${params.limit === 1 ? '' : 's'}, got ${Array.isArray(value) ? value.length : 0}`,
        position: at(segments),
      };
    case 'maxItems':
      return {
        message: `${path} may list at most ${params.limit} items, got ${Array.isArray(value) ? value.length : '?'}`,
        position: at(segments),
      };
    case 'uniqueItems': {
      const i = Number(params.i);
      const j = Number(params.j);
      const later = Math.max(i, j);
      const item = Array.isArray(value) ? value[later] : undefined;
      return {
        message: `${path} lists ${quote(item)} twice (items ${Math.min(i, j) + 1} and ${later + 1}); each value may appear once`,
        position: at([...segments, later]),
      };
    }
    case 'minProperties': {
      const keys = Object.keys((parent.properties as SchemaNode | undefined) ?? {});
      return {
        message: `${path} must not be empty${keys.length > 0 ? `; set at least one of: ${keys.join(', ')}` : ''}`,
        position: at(segments),
      };
    }
    case 'maxProperties': {
      const present = value && typeof value === 'object' ? Object.keys(value) : [];
      const limit = Number(params.limit);
      const extra = present[limit];
      const keys = Object.keys((parent.properties as SchemaNode | undefined) ?? {});
      const what = keys.length > 0 ? `exactly one of ${keys.join(', ')}` : limit === 1 ? 'exactly one key' : `at most ${limit} keys`;
      const hint = typeof parent['x-expected'] === 'string' ? `: expected ${parent['x-expected']}` : '';
      return {
        message: `${path} must have ${what}, got ${present.length} (${present.join(', ')})${hint}`,
        position: extra !== undefined ? at([...segments, extra], 'key') : at(segments),
      };
    }
    case 'anyOf':
    case 'oneOf':
      return {
        message: `${path} is ${describeValue(value)}; expected ${typeof parent['x-expected'] === 'string' ? parent['x-expected'] : 'a different kind of value'}`,
        position: at(segments),
      };
    default:
      return { message: `${path} ${error.message ?? 'is not valid'}`, position: at(segments) };
  }
}

function expectedText(parent: SchemaNode, params: Record<string, unknown>): string {
  if (typeof parent['x-expected'] === 'string') return parent['x-expected'];
  return `text matching /${String(params.pattern)}/`;
}

function rangeText(node: SchemaNode): string | undefined {
  const low = typeof node.exclusiveMinimum === 'number' ? `> ${node.exclusiveMinimum}` : typeof node.minimum === 'number' ? `>= ${node.minimum}` : undefined;
  const high = typeof node.exclusiveMaximum === 'number' ? `< ${node.exclusiveMaximum}` : typeof node.maximum === 'number' ? `<= ${node.maximum}` : undefined;
  if (low && high) return `${low} and ${high}`;
  return low ?? high;
}

/** For a `required` coming from an if/then: the if's condition in words ("source is 'local'"). */
function thenCondition(error: ErrorObject): string | undefined {
  const found = failingSchema(error);
  if (!found || found.tokens[found.tokens.length - 1] !== 'then') return undefined;
  const owner = schemaValueAt(found.tokens.slice(0, -1));
  const condition = isNode(owner) && isNode(owner.if) ? owner.if : undefined;
  const props = isNode(condition?.properties) ? (condition.properties as Record<string, unknown>) : {};
  const parts = Object.entries(props)
    .filter(([, p]) => isNode(p) && 'const' in p)
    .map(([k, p]) => `${k} is ${quote((p as SchemaNode).const)}`);
  return parts.length > 0 ? parts.join(' and ') : undefined;
}
