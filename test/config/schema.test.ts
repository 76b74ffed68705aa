import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generateTypes, typesPath } from '../../scripts/gen-types.mjs';
import { CATEGORIES } from '../../src/bfcl/records.js';
import { envFields, experimentSchema, settablePaths, type SchemaNode } from '../../src/config/schema.js';

/** Every subschema with its JSON pointer in the schema document. */
function subschemas(node: unknown, pointer = ''): { pointer: string; node: SchemaNode }[] {
  if (node === null || typeof node !== 'object' || Array.isArray(node)) return [];
  const out = [{ pointer, node: node as SchemaNode }];
  const n = node as SchemaNode;
  for (const key of ['properties', '$defs'] as const) {
    const children = n[key];
    if (children && typeof children === 'object') {
      for (const [name, child] of Object.entries(children)) out.push(...subschemas(child, `${pointer}/${key}/${name}`));
    }
  }
  for (const key of ['items', 'additionalProperties', 'propertyNames', 'if', 'then'] as const) out.push(...subschemas(n[key], `${pointer}/${key}`));
  for (const key of ['anyOf', 'oneOf', 'allOf'] as const) {
    const branches = n[key];
    if (Array.isArray(branches)) branches.forEach((b, i) => out.push(...subschemas(b, `${pointer}/${key}/${i}`)));
  }
  return out;
}

describe('experiment schema', () => {
  it('is draft 2020-12', () => {
    expect(experimentSchema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
  });

  it('closes every object with fixed keys (additionalProperties: false)', () => {
    for (const { pointer, node } of subschemas(experimentSchema)) {
      if (node.properties && !pointer.endsWith('/if')) expect(node.additionalProperties, pointer).toBe(false);
    }
  });

  it('describes every field, so editors can show it', () => {
    for (const { pointer, node } of subschemas(experimentSchema)) {
      const props = node.properties as Record<string, SchemaNode> | undefined;
      if (!props || pointer.endsWith('/if')) continue;
      for (const [name, prop] of Object.entries(props)) {
        const target = typeof prop.$ref === 'string' ? (experimentSchema.$defs as Record<string, SchemaNode>)[prop.$ref.slice(8)] : undefined;
        expect(prop.description ?? target?.description, `${pointer}/properties/${name}`).toEqual(expect.any(String));
      }
    }
  });

  it('lists exactly the categories of src/bfcl/records.ts, plus the simple_python alias', () => {
    const category = (experimentSchema.$defs as Record<string, SchemaNode>).category!;
    expect(category.enum).toEqual([...CATEGORIES, 'simple_python']);
    expect(category['x-aliases']).toEqual({ simple_python: 'simple' });
  });

  it('marks the fields that take ${env:NAME}', () => {
    expect(envFields()).toEqual([
      'region',
      'dataset.path',
      'dataset.url',
      'teacher.model',
      'student.base',
      'distillation.role',
      'distillation.s3',
      'distillation.trainingData.invocationLogs.s3',
      'evaluate.models[].model',
    ]);
  });

  it('lets a matrix set nested fields but not name, extends or matrix', () => {
    const paths = settablePaths();
    expect(paths).toContain('mixin.fraction');
    expect(paths).toContain('teacher.model');
    expect(paths).toContain('distillation.trainingData.invocationLogs.usePromptResponse');
    expect(paths).toContain('evaluate.inference.temperature');
    for (const p of ['name', 'extends', 'matrix']) expect(paths).not.toContain(p);
  });
});

describe('generated types', () => {
  it('src/config/experiment.types.ts is what scripts/gen-types.mjs generates from the schema (run npm run gen:types)', async () => {
    const generated = await generateTypes();
    expect(readFileSync(typesPath, 'utf8')).toBe(generated);
  });
});
