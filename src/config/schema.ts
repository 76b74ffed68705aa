import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import type { ValidateFunction } from 'ajv/dist/2020.js';
import type { PathSegments } from './problems.js';
import { ajvOptions, SCHEMA_ANNOTATIONS } from './schema-options.js';

/**
 * The experiment schema (schemas/experiment.schema.json, the contract) and what the loader
 * asks of it: the ajv validator, which fields take `${env:NAME}`, which paths a matrix may set.
 *
 * Annotations beyond JSON Schema (ignored by editors, declared to ajv as a vocabulary):
 *   x-env          the field takes `${env:NAME}` references
 *   x-aliases      enum values accepted as another value ({ alias: canonical })
 *   x-default      a computed default, described in words (the loader fills it in)
 *   x-expected     what a valid value looks like, for messages about patterns
 *   x-loader-only  applied and removed by the loader (`extends`, `matrix`)
 */

export type SchemaNode = { [key: string]: unknown };

export { SCHEMA_ANNOTATIONS, ajvOptions } from './schema-options.js';

export const experimentSchemaPath = fileURLToPath(new URL('../../schemas/experiment.schema.json', import.meta.url));

export const experimentSchema: SchemaNode = JSON.parse(readFileSync(experimentSchemaPath, 'utf8')) as SchemaNode;

const require = createRequire(import.meta.url);

/**
 * Built by scripts/build-validator.mjs (npm run build) from the same schema and options, as
 * CommonJS because ajv's standalone code requires its runtime helpers; absent when running
 * from src/ (tests), where the schema is compiled on first use instead.
 */
function loadPrecompiled(): ValidateFunction | undefined {
  try {
    const module = require('./experiment-validator.cjs') as ValidateFunction | { default: ValidateFunction };
    return typeof module === 'function' ? module : module.default;
  } catch {
    return undefined;
  }
}

let compiled: ValidateFunction | undefined = loadPrecompiled();
let injected: ValidateFunction | undefined;

/**
 * For tests: validate with `validator` (e.g. a standalone one generated in memory) instead
 * of the precompiled or run-time compiled one; `undefined` restores the default.
 */
export function useExperimentValidator(validator: ValidateFunction | undefined): void {
  injected = validator;
}

/**
 * Validates and fills in defaults (it mutates what it validates: pass a copy).
 * allErrors so that a file's problems are all reported at once; verbose so that messages
 * can use the failing schema's annotations.
 */
export function experimentValidator(): ValidateFunction {
  if (injected) return injected;
  if (!compiled) {
    // Loaded only here: ajv's compiler costs ~100 ms to load, and the built CLI never needs it.
    const { Ajv2020 } = require('ajv/dist/2020.js') as typeof import('ajv/dist/2020.js');
    const ajv = new Ajv2020(ajvOptions);
    ajv.addVocabulary([...SCHEMA_ANNOTATIONS]);
    compiled = ajv.compile(experimentSchema);
  }
  return compiled;
}

function isNode(value: unknown): value is SchemaNode {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A JSON pointer (`''`, `/a/b`) or URI fragment (`#`, `#/a/b`, percent-encoded as in ajv's
 * `schemaPath`) -> its reference tokens; undefined for anything else (`other.json#/a`, `#anchor`).
 */
export function pointerTokens(pointer: string): string[] | undefined {
  let text = pointer;
  if (text.startsWith('#')) {
    text = text.slice(1);
    try {
      text = decodeURIComponent(text);
    } catch {
      // Not percent-encoded after all: take it as written.
    }
  }
  if (text === '') return [];
  if (!text.startsWith('/')) return undefined;
  return text
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** The value at reference tokens inside a schema (through objects and arrays), if there is one. */
export function schemaValueAt(tokens: readonly string[], root: SchemaNode = experimentSchema): unknown {
  let current: unknown = root;
  for (const token of tokens) {
    if (Array.isArray(current)) {
      if (!/^(0|[1-9]\d*)$/.test(token)) return undefined;
      current = current[Number(token)];
    } else if (isNode(current) && Object.prototype.hasOwnProperty.call(current, token)) {
      current = current[token];
    } else {
      return undefined;
    }
  }
  return current;
}

const refTargetCache = new WeakMap<SchemaNode, string[][]>();

/**
 * Reference tokens of every local `$ref` target in the schema (each once). ajv compiles a
 * referenced schema that itself holds a `$ref` as a function of its own, and the
 * `schemaPath` of the errors it reports is relative to that target, not to the root.
 */
export function refTargets(root: SchemaNode = experimentSchema): string[][] {
  const cached = refTargetCache.get(root);
  if (cached) return cached;
  const targets = new Map<string, string[]>();
  const seen = new Set<unknown>();
  const walk = (value: unknown) => {
    if (value === null || typeof value !== 'object' || seen.has(value)) return;
    seen.add(value);
    if (Array.isArray(value)) {
      value.forEach(walk);
      return;
    }
    const node = value as SchemaNode;
    if (typeof node.$ref === 'string') {
      const tokens = pointerTokens(node.$ref);
      if (tokens) targets.set(JSON.stringify(tokens), tokens);
    }
    for (const child of Object.values(node)) walk(child);
  };
  walk(root);
  const out = [...targets.values()];
  refTargetCache.set(root, out);
  return out;
}

/** The definition a local `$ref` points to (followed transitively), or the node itself. */
export function resolveRef(node: SchemaNode, root: SchemaNode = experimentSchema): SchemaNode {
  let current = node;
  for (let hops = 0; typeof current.$ref === 'string' && hops < 32; hops++) {
    const ref = current.$ref as string;
    if (!ref.startsWith('#/')) break;
    let target: unknown = root;
    for (const part of ref.slice(2).split('/')) target = isNode(target) ? target[part.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined;
    if (!isNode(target)) break;
    current = target;
  }
  return current;
}

/** The node, its `$ref` target and its anyOf/oneOf/allOf branches: every schema that applies here. */
export function alternatives(node: SchemaNode, root: SchemaNode = experimentSchema): SchemaNode[] {
  const out: SchemaNode[] = [];
  const seen = new Set<SchemaNode>();
  const add = (n: SchemaNode) => {
    if (seen.has(n)) return;
    seen.add(n);
    out.push(n);
    const target = resolveRef(n, root);
    if (target !== n) add(target);
    for (const key of ['anyOf', 'oneOf', 'allOf'] as const) {
      const branches = n[key];
      if (Array.isArray(branches)) for (const b of branches) if (isNode(b)) add(b);
    }
  };
  add(node);
  return out;
}

/** The schemas that describe the value at a data path (several where a union allows several). */
export function schemasAt(segments: PathSegments, root: SchemaNode = experimentSchema): SchemaNode[] {
  let current: SchemaNode[] = [root];
  for (const segment of segments) {
    const next: SchemaNode[] = [];
    for (const node of current) {
      for (const alt of alternatives(node, root)) {
        const properties = alt.properties;
        if (isNode(properties) && typeof segment === 'string' && isNode(properties[segment])) {
          next.push(properties[segment] as SchemaNode);
        } else if ((typeof segment === 'number' || /^\d+$/.test(segment)) && isNode(alt.items)) {
          next.push(alt.items);
        } else if (isNode(alt.additionalProperties) && !(isNode(properties) && typeof segment === 'string' && segment in properties)) {
          next.push(alt.additionalProperties);
        }
      }
    }
    current = next;
    if (current.length === 0) break;
  }
  return current;
}

/** True when the schema marks the field at this path as taking `${env:NAME}`. */
export function takesEnv(segments: PathSegments): boolean {
  return schemasAt(segments).some((node) => alternatives(node).some((alt) => alt['x-env'] === true));
}

/** Paths of the fields that take `${env:NAME}`, for messages: `evaluate.models[].model`. */
export function envFields(root: SchemaNode = experimentSchema): string[] {
  const out: string[] = [];
  const walk = (node: SchemaNode, path: string, depth: number) => {
    if (depth > 12) return;
    const alts = alternatives(node, root);
    if (path && alts.some((a) => a['x-env'] === true)) out.push(path);
    for (const alt of alts) {
      if (isNode(alt.properties)) {
        for (const [key, child] of Object.entries(alt.properties)) {
          if (isNode(child)) walk(child, path ? `${path}.${key}` : key, depth + 1);
        }
      }
      if (isNode(alt.items)) walk(alt.items, `${path}[]`, depth + 1);
    }
  };
  walk(root, '', 0);
  return [...new Set(out)];
}

/**
 * Dotted paths a matrix may set: every property reachable through nested objects (not
 * into lists or maps), except `name`, `extends` and `matrix` itself.
 */
export function settablePaths(root: SchemaNode = experimentSchema): string[] {
  const out: string[] = [];
  const walk = (node: SchemaNode, prefix: string) => {
    for (const alt of alternatives(node, root)) {
      if (!isNode(alt.properties)) continue;
      for (const [key, child] of Object.entries(alt.properties)) {
        if (!isNode(child)) continue;
        if (!prefix && key === 'name') continue;
        if (child['x-loader-only'] === true) continue;
        const path = prefix ? `${prefix}.${key}` : key;
        out.push(path);
        walk(child, path);
      }
    }
  };
  walk(root, '');
  return [...new Set(out)];
}

/** Canonical value of an enum value that the schema lists as an alias (`simple_python` -> `simple`). */
export function categoryAliases(root: SchemaNode = experimentSchema): Record<string, string> {
  const defs = root.$defs;
  const category = isNode(defs) ? defs.category : undefined;
  const aliases = isNode(category) ? category['x-aliases'] : undefined;
  return isNode(aliases) ? (aliases as Record<string, string>) : {};
}
