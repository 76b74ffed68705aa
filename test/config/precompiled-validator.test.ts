import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ErrorObject } from 'ajv';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadExperiment } from '../../src/config/load.js';
import { failingSchema } from '../../src/config/schema-errors.js';
import { ajvOptions, experimentSchema, pointerTokens, SCHEMA_ANNOTATIONS, schemaValueAt, useExperimentValidator } from '../../src/config/schema.js';
import { InputError } from '../../src/errors.js';

/**
 * The built CLI validates with a validator precompiled by scripts/build-validator.mjs (ajv
 * standalone code, whose errors carry copies of schema nodes); tests from src/ compile the
 * schema at run time. Every fixture must give the same problems (and, when it loads, the
 * same variants) with both.
 */

const require = createRequire(import.meta.url);
const standaloneCode = require('ajv/dist/standalone/index.js') as typeof import('ajv/dist/standalone/index.js').default;

const projectDir = fileURLToPath(new URL('../fixtures/config-project/', import.meta.url));
const fixtureDirs = ['bad-configs', 'good-configs']
  .map((d) => fileURLToPath(new URL(`../fixtures/${d}/`, import.meta.url)))
  .filter((d) => existsSync(d));
const fixtures = fixtureDirs.flatMap((dir) =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => join(dir, f)),
);

/** As scripts/build-validator.mjs does, but in memory: CommonJS evaluated with a real require. */
function standaloneValidator(): ValidateFunction {
  const ajv = new Ajv2020({ ...ajvOptions, code: { source: true } });
  ajv.addVocabulary([...SCHEMA_ANNOTATIONS]);
  const code = standaloneCode(ajv, ajv.compile(experimentSchema));
  const module = { exports: {} as unknown };
  new Function('module', 'exports', 'require', code)(module, module.exports, require);
  return module.exports as ValidateFunction;
}

/** As src/config/schema.ts does when no precompiled validator is present. */
function runtimeValidator(): ValidateFunction {
  const ajv = new Ajv2020(ajvOptions);
  ajv.addVocabulary([...SCHEMA_ANNOTATIONS]);
  return ajv.compile(experimentSchema);
}

/** The validator, keeping the errors of each call (the loader validates each variant once). */
function recording(validate: ValidateFunction, calls: ErrorObject[][]): ValidateFunction {
  const wrapped = Object.assign(
    (data: unknown) => {
      const valid = validate(data);
      wrapped.errors = validate.errors;
      calls.push([...(validate.errors ?? [])]);
      return valid;
    },
    { errors: null as ErrorObject[] | null | undefined },
  );
  return wrapped as unknown as ValidateFunction;
}

/** `# env: NAME=value` lines, as in the bad-configs corpus. */
function envOf(file: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const v = /^# env: ([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (v) env[v[1]!] = v[2]!;
  }
  return env;
}

/** What loading gives, as plain data: the problems, or the variants with their warnings. */
async function outcome(file: string, validate: ValidateFunction): Promise<unknown> {
  useExperimentValidator(validate);
  try {
    const loaded = await loadExperiment(file, { projectDir, env: envOf(file) });
    return {
      files: loaded.files,
      variants: loaded.variants.map((v) => ({ name: v.name, experiment: v.experiment, matrix: v.matrix, unresolved: v.unresolved, warnings: v.warnings })),
    };
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    return { problems: [error, ...error.more].map((e) => ({ message: e.message, position: e.position })), exitCode: error.exitCode };
  }
}

describe('precompiled (standalone) validator', () => {
  let standalone: ValidateFunction;
  let runtime: ValidateFunction;

  beforeAll(() => {
    standalone = standaloneValidator();
    runtime = runtimeValidator();
  });

  afterEach(() => useExperimentValidator(undefined));

  it('the corpus holds the bad configs (and the good ones when present)', () => {
    expect(fixtures.filter((f) => f.includes('bad-configs')).length).toBeGreaterThanOrEqual(20);
  });

  it.each(fixtures.map((f) => [f.slice(f.lastIndexOf('fixtures/') + 'fixtures/'.length), f]))('%s: same outcome as the run-time compiled validator', async (_, file) => {
    const runtimeCalls: ErrorObject[][] = [];
    const standaloneCalls: ErrorObject[][] = [];
    const expected = await outcome(file, recording(runtime, runtimeCalls));
    const actual = await outcome(file, recording(standalone, standaloneCalls));
    expect(actual).toEqual(expected);

    // The raw errors agree too, and each locates the loaded schema object it came from.
    expect(standaloneCalls.length).toBe(runtimeCalls.length);
    runtimeCalls.forEach((errors, call) => {
      const others = standaloneCalls[call]!;
      expect(others.map((e) => [e.keyword, e.instancePath, e.schemaPath])).toEqual(errors.map((e) => [e.keyword, e.instancePath, e.schemaPath]));
      errors.forEach((e, i) => {
        expect(failingSchema(e)?.node, `${e.schemaPath} at ${e.instancePath}`).toBe(e.parentSchema);
        expect(failingSchema(others[i]!)?.node, `${e.schemaPath} at ${e.instancePath}`).toBe(e.parentSchema);
      });
    });
  });

  it('errors from a $ref compiled on its own (schemaPath relative to the $ref target) are located', () => {
    // evalModel holds a $ref, so ajv compiles it as a function: its errors' schemaPath is `#/anyOf...`.
    const data = { name: 'x', student: { base: 'amazon.nova-lite-v1:0:300k' }, evaluate: { models: ['teacher', 'studnet'] } };
    for (const validate of [runtime, standalone]) {
      expect(validate(structuredClone(data))).toBe(false);
      const union = validate.errors?.find((e) => e.keyword === 'anyOf');
      expect(union?.schemaPath).toBe('#/anyOf');
      expect(failingSchema(union!)?.tokens).toEqual(['$defs', 'evalModel']);
      expect(failingSchema(union!)?.node).toBe(schemaValueAt(['$defs', 'evalModel']));
    }
    // The standalone validator's nodes are copies: identity alone could not tell.
    standalone(structuredClone(data));
    expect(standalone.errors?.find((e) => e.keyword === 'anyOf')?.parentSchema).not.toBe(schemaValueAt(['$defs', 'evalModel']));
  });

  it('reads JSON pointers and ajv schema paths', () => {
    expect(pointerTokens('#')).toEqual([]);
    expect(pointerTokens('')).toEqual([]);
    expect(pointerTokens('#/$defs/evalModel/anyOf/0')).toEqual(['$defs', 'evalModel', 'anyOf', '0']);
    expect(pointerTokens('#/properties/a~1b/properties/%24c~0')).toEqual(['properties', 'a/b', 'properties', '$c~']);
    expect(pointerTokens('/a/b')).toEqual(['a', 'b']);
    expect(pointerTokens('other.json#/a')).toBeUndefined();
    expect(schemaValueAt(['$defs', 'evalModel', 'anyOf', '1', '$ref'])).toBe('#/$defs/baselineModel');
    expect(schemaValueAt(['$defs', 'nope'])).toBeUndefined();
  });
});
