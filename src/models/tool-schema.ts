import { createHash } from 'node:crypto';
import type { BfclFunctionDoc, BfclParameterSchema } from '../bfcl/records.js';

/**
 * BFCL function docs -> native tool definitions (Bedrock toolSpec, OpenAI function tools).
 *
 * Types: BFCL's Python-flavoured names become JSON Schema ones, recursively (properties, items,
 * additionalProperties): dict -> object, float -> number (with a note in the description, as
 * BFCL's Nova handler does), tuple -> array, any -> unconstrained (no `type`), integer, string,
 * boolean, array, object, number kept; anything else (Java/JS types) -> unconstrained too.
 * `description`, `enum`, `required`, `default`, `format`, `minimum`... are kept.
 *
 * Nova's restriction on the top-level input schema (only `type: "object"`, `properties`,
 * `required`) is respected for every provider: it costs nothing elsewhere.
 *
 * Names: tools must match `[a-zA-Z0-9_-]{1,64}` (Bedrock and OpenAI); BFCL names have dots
 * (`math.factorial`) and can be long. `ToolNames` maps each BFCL name to a unique wire name and
 * back: disallowed characters become `_`, names over 64 characters are cut, and when two names
 * of one request would map to the same wire name (`a.b` and `a_b`) the later ones get a short
 * hash suffix. A wire name the model invents that maps to nothing is passed back unchanged.
 */

export const TOOL_NAME_PATTERN = /^[a-zA-Z0-9_-]{1,64}$/;
export const FLOAT_NOTE = ' This is a float type value.';

export interface JsonSchema {
  [key: string]: unknown;
}

const TYPE_MAP: Record<string, string | null> = {
  dict: 'object',
  object: 'object',
  float: 'number',
  double: 'number',
  number: 'number',
  tuple: 'array',
  array: 'array',
  list: 'array',
  integer: 'integer',
  int: 'integer',
  long: 'integer',
  string: 'string',
  str: 'string',
  char: 'string',
  boolean: 'boolean',
  bool: 'boolean',
  any: null,
};

const NESTED_KEYS = new Set(['properties', 'items', 'additionalProperties', 'type', 'description']);

/** One BFCL parameter schema -> JSON Schema (recursive). */
export function toJsonSchema(schema: BfclParameterSchema | undefined): JsonSchema {
  if (!schema || typeof schema !== 'object') return {};
  const out: JsonSchema = {};
  const bfclType = typeof schema.type === 'string' ? schema.type.toLowerCase() : undefined;
  const mapped = bfclType === undefined ? null : bfclType in TYPE_MAP ? TYPE_MAP[bfclType]! : null;
  if (mapped) out.type = mapped;
  let description = typeof schema.description === 'string' ? schema.description : undefined;
  if (bfclType === 'float' || bfclType === 'double') description = `${description ?? ''}${FLOAT_NOTE}`.trim();
  if (description !== undefined) out.description = description;
  for (const [key, value] of Object.entries(schema)) {
    if (NESTED_KEYS.has(key) || value === undefined) continue;
    out[key] = value;
  }
  if (schema.properties && typeof schema.properties === 'object') {
    out.properties = Object.fromEntries(Object.entries(schema.properties).map(([k, v]) => [k, toJsonSchema(v)]));
    if (!out.type) out.type = 'object';
  }
  if (schema.items && typeof schema.items === 'object') out.items = toJsonSchema(schema.items as BfclParameterSchema);
  else if (out.type === 'array' && bfclType === 'tuple') out.items = {};
  const ap = (schema as { additionalProperties?: unknown }).additionalProperties;
  if (ap && typeof ap === 'object') out.additionalProperties = toJsonSchema(ap as BfclParameterSchema);
  else if (typeof ap === 'boolean') out.additionalProperties = ap;
  return out;
}

/** A function's top-level input schema: `{type: "object", properties, required}` and nothing else. */
export function toInputSchema(doc: BfclFunctionDoc): JsonSchema {
  const params = doc.parameters ?? ({ type: 'dict', properties: {} } as BfclFunctionDoc['parameters']);
  const properties = Object.fromEntries(Object.entries(params.properties ?? {}).map(([k, v]) => [k, toJsonSchema(v)]));
  const schema: JsonSchema = { type: 'object', properties };
  const required = Array.isArray(params.required) ? params.required.filter((r) => typeof r === 'string' && r in properties) : [];
  if (required.length) schema.required = required;
  return schema;
}

function shortHash(text: string, n = 8): string {
  return createHash('sha256').update(text).digest('hex').slice(0, n);
}

/** Sanitised, not yet de-duplicated wire name. */
export function sanitizeToolName(name: string): string {
  let s = name.replace(/[^a-zA-Z0-9_-]/g, '_');
  if (s === '') s = `f_${shortHash(name)}`;
  if (s.length > 64) s = `${s.slice(0, 55)}_${shortHash(name)}`;
  return s;
}

/** BFCL name <-> wire name for the tools of one request. */
export class ToolNames {
  private readonly toWire = new Map<string, string>();
  private readonly fromWire = new Map<string, string>();

  constructor(names: Iterable<string>) {
    for (const name of names) this.add(name);
  }

  private add(name: string): void {
    if (this.toWire.has(name)) return;
    const base = sanitizeToolName(name);
    let wire = base;
    for (let attempt = 0; this.fromWire.has(wire); attempt++) {
      const suffix = `_${shortHash(`${name}#${attempt}`, 6)}`;
      wire = `${base.slice(0, 64 - suffix.length)}${suffix}`;
    }
    this.toWire.set(name, wire);
    this.fromWire.set(wire, name);
  }

  wire(name: string): string {
    const w = this.toWire.get(name);
    if (w === undefined) throw new Error(`no wire name for tool ${JSON.stringify(name)}`);
    return w;
  }

  /** The BFCL name for a wire name the model used; unknown names come back unchanged. */
  bfcl(wire: string): string {
    return this.fromWire.get(wire) ?? wire;
  }

  entries(): [bfcl: string, wire: string][] {
    return [...this.toWire];
  }
}

export interface NativeTool {
  name: string;
  description: string;
  inputSchema: JsonSchema;
}

/** Functions -> native tools (wire names) and the name map. */
export function nativeTools(functions: readonly BfclFunctionDoc[]): { tools: NativeTool[]; names: ToolNames } {
  const names = new ToolNames(functions.map((f) => f.name));
  const tools = functions.map((f) => ({
    name: names.wire(f.name),
    // Bedrock rejects an empty description.
    description: (f.description ?? '').trim() || f.name,
    inputSchema: toInputSchema(f),
  }));
  return { tools, names };
}
