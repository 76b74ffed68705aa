import { isAbsolute, relative, resolve } from 'node:path';
import type { SourcePosition } from '../errors.js';
import type { Json } from '../json.js';
import { checkExperiment } from './checks.js';
import { resolveEnv, type UnresolvedEnv } from './env.js';
import type { Experiment } from './experiment.types.js';
import { loadWithExtends } from './extends.js';
import { applyAssignments, expandMatrix, readMatrix, variantName, type MatrixAssignment } from './matrix.js';
import { describeValue, fromPointer, sortProblems, toInputError, toPointer, type ConfigProblem, type PathSegments } from './problems.js';
import { schemaProblems } from './schema-errors.js';
import { alternatives, categoryAliases, experimentSchema, experimentValidator, type SchemaNode } from './schema.js';
import type { LocatedValue, PositionMap } from './yaml-source.js';

/**
 * Experiment file -> typed, validated variants:
 *   read YAML with positions -> merge `extends` bases -> expand `matrix` -> substitute set
 *   `${env:NAME}` -> validate with the schema (filling defaults) -> normalise aliases ->
 *   semantic checks (split shares, regex, template, categories, Bedrock pair and region).
 * Every problem of every file and variant is collected and thrown as one InputError
 * (exit code 2) whose describe() prints `file:line:col: message` per line.
 */

export type { Experiment } from './experiment.types.js';
export type { UnresolvedEnv } from './env.js';
export type { ConfigProblem } from './problems.js';

export interface LoadOptions {
  /** Environment for `${env:NAME}`; default process.env. */
  env?: Record<string, string | undefined>;
  /** Project root: template and local dataset paths are relative to it. Default: the current directory. */
  projectDir?: string;
}

export interface ExperimentVariant {
  /** The experiment name, or for a matrix `<name>@<path>=<value>,...` (filesystem-safe, stable). */
  name: string;
  /** Defaults applied, aliases normalised, set `${env:NAME}` substituted (unset ones left literal). */
  experiment: Experiment;
  /** For a matrix variant: dotted path -> the value set there. */
  matrix?: Record<string, Json>;
  /** `${env:NAME}` references whose variable is not set: steps needing these paths cannot run. */
  unresolved: UnresolvedEnv[];
  /**
   * The experiment with every value that came from the environment written back as its
   * `${env:NAME}` reference: what may go into committed files (results), since environment
   * values are machine-specific and can carry account ids.
   */
  portable: Experiment;
  /** Non-fatal findings (ignored settings, Legacy models...), with positions. */
  warnings: ConfigProblem[];
  /**
   * Where the value at a path was written: a dotted path (`distillation.role`,
   * `evaluate.models.1`) or a JSON pointer (`/distillation/role`). For a value that was not
   * written (a default) this is where its nearest written ancestor is.
   */
  positionOf(path: string): SourcePosition | undefined;
}

export interface LoadedExperiment {
  /** Absolute path of the experiment file. */
  file: string;
  /** Absolute project root. */
  projectDir: string;
  /** Absolute paths of every file read: `extends` bases first, the experiment file last. */
  files: string[];
  variants: ExperimentVariant[];
}

/** How a file is named in messages: relative to the current directory when inside it. */
export function displayFile(abs: string): string {
  const rel = relative(process.cwd(), abs);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : abs;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A position lookup over a position map, falling back to the nearest written ancestor. */
function locator(positions: PositionMap, file: string) {
  const locate = (segments: PathSegments, part: 'key' | 'value' = 'value'): SourcePosition => {
    for (let n = segments.length; n >= 0; n--) {
      const location = positions.get(toPointer(segments.slice(0, n)));
      if (!location) continue;
      // An ancestor stands in for a missing value: point at its key (`prompt:`), if it has one.
      if (part === 'key' || n < segments.length) return location.key ?? location.value;
      return location.value;
    }
    return { file, line: 1, col: 1 };
  };
  const isWritten = (segments: PathSegments) => positions.has(toPointer(segments));
  const positionOf = (path: string): SourcePosition | undefined => {
    const segments = path.startsWith('/') || path === '' ? fromPointer(path) : path.split('.');
    return locate(segments, 'value');
  };
  return { locate, isWritten, positionOf };
}

interface VariantOutcome {
  name: string;
  variant?: ExperimentVariant;
  errors: ConfigProblem[];
}

export async function loadExperiment(file: string, options: LoadOptions = {}): Promise<LoadedExperiment> {
  const absFile = resolve(file);
  const projectDir = resolve(options.projectDir ?? process.cwd());
  const env = options.env ?? process.env;
  const shown = displayFile(absFile);

  const { layered, problems } = await loadWithExtends(absFile, displayFile);
  if (!layered) throw toInputError(sortProblems(problems, [shown]));
  const fileOrder = [...layered.files].reverse();

  const root = layered.value;
  const rootPosition = layered.positions.get('')?.value ?? { file: shown, line: 1, col: 1 };
  if (root === null || root === undefined) {
    throw toInputError([{ message: 'the experiment file is empty: expected a mapping with at least name and student', position: { file: shown, line: 1, col: 1 } }]);
  }
  if (!isPlainObject(root)) {
    throw toInputError([{ message: `the experiment must be a mapping of keys to values (name: ..., student: ...), got ${describeValue(root)}`, position: rootPosition }]);
  }

  // Matrix: read and remove it; each combination of values becomes a variant.
  const errors: ConfigProblem[] = [];
  let combos: MatrixAssignment[][] = [[]];
  let base: LocatedValue = layered;
  const sweepWarnings: ConfigProblem[] = [];
  if ('matrix' in root) {
    const matrix = readMatrix(root.matrix, layered.positions, shown);
    // The teardown policy is not in the deployment's key: variants that differ only in it share
    // one deployment, and an after-eval variant deletes it (once every variant is done with it).
    const teardown = matrix.axes.find((a) => a.path === 'distillation.teardown');
    if (teardown && new Set(teardown.values.map((v) => JSON.stringify(v))).size > 1) {
      sweepWarnings.push({
        message:
          'matrix over distillation.teardown: the variants share one deployment (the teardown policy does not change it), so an after-eval variant deletes it for all of them once every variant has finished its evaluation; set distillation.teardown outside the matrix',
        position: layered.positions.get(teardown.pointer)?.key ?? rootPosition,
      });
    }
    errors.push(...matrix.problems);
    if (matrix.axes.length > 0 && matrix.problems.length === 0) combos = expandMatrix(matrix.axes);
    const value = { ...root };
    delete value.matrix;
    base = { value, positions: new Map([...layered.positions].filter(([p]) => p !== '/matrix' && !p.startsWith('/matrix/'))) };
  }

  const baseName = typeof root.name === 'string' ? root.name : 'experiment';
  const outcomes: VariantOutcome[] = combos.map((combo) => {
    const located = combo.length > 0 ? applyAssignments(base, combo, layered.positions) : base;
    const name = variantName(baseName, combo);
    return loadVariant(name, combo, located, { env, projectDir, file: shown });
  });

  // Report each problem once; in a sweep, say which variants have it if not all do.
  const byKey = new Map<string, { problem: ConfigProblem; variants: string[] }>();
  for (const outcome of outcomes) {
    for (const problem of outcome.errors) {
      const key = `${problem.position?.file}:${problem.position?.line}:${problem.position?.col}:${problem.message}`;
      const entry = byKey.get(key) ?? { problem, variants: [] };
      entry.variants.push(outcome.name);
      byKey.set(key, entry);
    }
  }
  for (const { problem, variants } of byKey.values()) {
    if (outcomes.length > 1 && variants.length < outcomes.length) {
      const listed = variants.slice(0, 3).join(', ') + (variants.length > 3 ? ` and ${variants.length - 3} more` : '');
      errors.push({ ...problem, message: `${problem.message} (in matrix variant${variants.length > 1 ? 's' : ''} ${listed})` });
    } else {
      errors.push(problem);
    }
  }
  if (errors.length > 0) throw toInputError(sortProblems(errors, fileOrder));
  for (const outcome of outcomes) outcome.variant!.warnings.push(...sweepWarnings);

  return {
    file: absFile,
    projectDir,
    files: layered.absFiles,
    variants: outcomes.map((o) => o.variant!),
  };
}

function loadVariant(
  name: string,
  combo: readonly MatrixAssignment[],
  located: LocatedValue,
  ctx: { env: Record<string, string | undefined>; projectDir: string; file: string },
): VariantOutcome {
  const { locate, isWritten, positionOf } = locator(located.positions, ctx.file);
  const errors: ConfigProblem[] = [];

  // ${env:NAME}: substitute what is set; what is not stays literal and is reported.
  const env = resolveEnv(located.value, ctx.env, (segments, variable) => {
    const location = located.positions.get(toPointer(segments));
    return (variable && location?.envRefs?.[variable]) || locate(segments, 'value');
  });
  errors.push(...env.problems);

  // Schema, on a copy that ajv fills with defaults.
  const data = structuredClone(env.value) as Record<string, unknown>;
  const validate = experimentValidator();
  const valid = validate(data);
  const schemaErrors = valid ? [] : (validate.errors ?? []);
  errors.push(...schemaProblems(schemaErrors, { data, locate, skip: env.reported, substituted: env.substituted }));

  const warnings: ConfigProblem[] = [];
  // Semantic checks need known fields of the right types: run them unless the schema found
  // more than unknown keys (which do not affect the known fields).
  const onlyUnknownKeys = schemaErrors.every((e) => e.keyword === 'additionalProperties');
  if (onlyUnknownKeys && env.problems.length === 0) {
    normalise(data);
    const experiment = inSchemaOrder(data, experimentSchema) as Experiment;
    const checks = checkExperiment(experiment, {
      projectDir: ctx.projectDir,
      locate,
      isWritten,
      unresolvedPaths: new Set(env.unresolved.map((u) => u.path)),
    });
    errors.push(...checks.errors);
    warnings.push(...checks.warnings);
  }
  if (errors.length > 0) return { name, errors };

  const experiment = inSchemaOrder(data, experimentSchema) as Experiment;
  const variant: ExperimentVariant = {
    name,
    experiment,
    portable: withEnvReferences(experiment, located.value, [...env.substituted.keys()]),
    unresolved: env.unresolved,
    warnings,
    positionOf,
  };
  if (combo.length > 0) variant.matrix = Object.fromEntries(combo.map((a) => [a.path, a.value]));
  return { name, variant, errors };
}

/** A copy of `experiment` with the values at `pointers` taken from the unresolved document. */
function withEnvReferences(experiment: Experiment, unresolved: unknown, pointers: string[]): Experiment {
  const copy = structuredClone(experiment) as unknown as Record<string, unknown>;
  for (const pointer of pointers) {
    const segments = fromPointer(pointer);
    let source: unknown = unresolved;
    let target: unknown = copy;
    for (const [i, segment] of segments.entries()) {
      source = (source as Record<string, unknown> | undefined)?.[segment];
      if (i < segments.length - 1) target = (target as Record<string, unknown> | undefined)?.[segment];
    }
    const last = segments[segments.length - 1];
    if (typeof source === 'string' && last !== undefined && target && typeof target === 'object') {
      (target as Record<string, unknown>)[last] = source;
    }
  }
  return copy as unknown as Experiment;
}

/** Aliases to canonical names; computed defaults. Runs on schema-valid data. */
function normalise(data: Record<string, unknown>): void {
  const aliases = categoryAliases();
  const canonical = (c: unknown) => (typeof c === 'string' && c in aliases ? aliases[c]! : c);
  const dataset = data.dataset as { categories?: unknown[]; expectedCounts?: Record<string, unknown> } | undefined;
  if (dataset?.categories) dataset.categories = dataset.categories.map(canonical);
  if (dataset?.expectedCounts) {
    dataset.expectedCounts = Object.fromEntries(Object.entries(dataset.expectedCounts).map(([k, v]) => [canonical(k) as string, v]));
  }
  const filter = data.filter as { categories?: unknown[] } | undefined;
  if (filter?.categories) filter.categories = filter.categories.map(canonical);
  const split = data.split as { train: number; eval?: number } | undefined;
  if (split && split.eval === undefined) split.eval = Number((1 - split.train).toFixed(10));
}


/** A copy with keys in the schema's order (as the schema documents them), unknown keys last. */
function inSchemaOrder(value: unknown, node: SchemaNode | undefined): unknown {
  const alts = node ? alternatives(node) : [];
  if (Array.isArray(value)) {
    const items = alts.find((a) => typeof a.items === 'object')?.items as SchemaNode | undefined;
    return value.map((item) => inSchemaOrder(item, items));
  }
  if (!isPlainObject(value)) return value;
  const withProps = alts.find((a) => isPlainObject(a.properties));
  const properties = (withProps?.properties ?? {}) as Record<string, SchemaNode>;
  const additional = alts.find((a) => isPlainObject(a.additionalProperties))?.additionalProperties as SchemaNode | undefined;
  const keys = [...Object.keys(properties).filter((k) => k in value), ...Object.keys(value).filter((k) => !(k in properties))];
  return Object.fromEntries(keys.map((k) => [k, inSchemaOrder(value[k], properties[k] ?? additional)]));
}
