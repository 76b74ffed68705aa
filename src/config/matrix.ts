import { createHash } from 'node:crypto';
import type { Json } from '../json.js';
import { copyPositions } from './extends.js';
import { describeValue, nearest, quote, toPointer, type ConfigProblem } from './problems.js';
import { settablePaths } from './schema.js';
import type { LocatedValue, PositionMap } from './yaml-source.js';

/**
 * `matrix:` sweeps. Each key is a dotted path of the schema, each value the list of values
 * to try there; every combination is a variant, named `<name>@<path>=<value>,...` (stable:
 * it depends only on the paths and values, not on their order in the list).
 */

export const MAX_VARIANTS = 1000;

export interface MatrixAxis {
  /** Dotted path, as written: `mixin.fraction`. */
  path: string;
  segments: string[];
  /** JSON pointer of the list in the file (`/matrix/mixin.fraction`). */
  pointer: string;
  values: Json[];
}

/** One value of one axis, as set in one variant. */
export interface MatrixAssignment {
  path: string;
  segments: string[];
  value: Json;
  /** JSON pointer of the value in the file (`/matrix/mixin.fraction/1`). */
  sourcePointer: string;
}

/** JSON with sorted keys: equal values give equal text. */
function canonicalize(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalize).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalize(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function escapeKey(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Checks the shape of `matrix` and that every key is a path the schema has. */
export function readMatrix(raw: unknown, positions: PositionMap, file: string): { axes: MatrixAxis[]; problems: ConfigProblem[] } {
  const problems: ConfigProblem[] = [];
  const here = (pointer: string, part: 'key' | 'value' = 'value') => {
    const location = positions.get(pointer);
    return (part === 'key' ? location?.key : undefined) ?? location?.value ?? positions.get('/matrix')?.value ?? { file, line: 1, col: 1 };
  };
  if (!isPlainObject(raw)) {
    problems.push({ message: `matrix must be a mapping of dotted paths to lists of values (e.g. mixin.fraction: [0, 0.1]), got ${describeValue(raw)}`, position: here('/matrix') });
    return { axes: [], problems };
  }
  if (Object.keys(raw).length === 0) {
    problems.push({ message: 'matrix is empty: list at least one dotted path with the values to try (e.g. mixin.fraction: [0, 0.1]), or remove it', position: here('/matrix') });
    return { axes: [], problems };
  }
  const valid = settablePaths();
  const axes: MatrixAxis[] = [];
  const known: { path: string; pointer: string }[] = [];
  for (const [path, values] of Object.entries(raw)) {
    const pointer = `/matrix/${escapeKey(path)}`;
    if (valid.includes(path)) known.push({ path, pointer });
    if (!valid.includes(path)) {
      const guess = nearest(path, valid) ?? nearest(path.split('.').pop() ?? path, valid.map((p) => p.split('.').pop() ?? p)) ?? undefined;
      const full = guess && !valid.includes(guess) ? undefined : guess;
      const byLeaf = guess && !full ? valid.filter((p) => p.endsWith(`.${guess}`) || p === guess) : [];
      const suggestion = full ?? (byLeaf.length === 1 ? byLeaf[0] : undefined);
      problems.push({
        message: `matrix key ${quote(path)} is not a settable path of the experiment; ${suggestion ? `did you mean ${quote(suggestion)}? ` : ''}expected a dotted path such as mixin.fraction, split.seed or teacher.model`,
        position: here(pointer, 'key'),
      });
      continue;
    }
    if (!Array.isArray(values)) {
      problems.push({ message: `matrix.${path} must be a list of the values to try (e.g. [${JSON.stringify(values)}]), got ${describeValue(values)}`, position: here(pointer) });
      continue;
    }
    if (values.length === 0) {
      problems.push({ message: `matrix.${path} lists no values: give at least one`, position: here(pointer) });
      continue;
    }
    const seen = new Map<string, number>();
    let duplicate = false;
    values.forEach((v, i) => {
      const key = canonicalize(v);
      const first = seen.get(key);
      if (first !== undefined) {
        duplicate = true;
        problems.push({ message: `matrix.${path} lists ${quote(v)} twice (items ${first + 1} and ${i + 1}); each value gives one variant`, position: here(`${pointer}/${i}`) });
      } else seen.set(key, i);
    });
    if (duplicate) continue;
    axes.push({ path, segments: path.split('.'), pointer, values: values as Json[] });
  }
  for (const a of known) {
    for (const b of known) {
      if (a !== b && b.path.startsWith(`${a.path}.`)) {
        problems.push({ message: `matrix keys ${quote(a.path)} and ${quote(b.path)} overlap: one sets a value inside the other`, position: here(b.pointer, 'key') });
      }
    }
  }
  const count = axes.reduce((n, a) => n * a.values.length, 1);
  if (count > MAX_VARIANTS) {
    problems.push({ message: `matrix expands to ${count} variants; at most ${MAX_VARIANTS} are allowed`, position: here('/matrix') });
  }
  return { axes, problems };
}

/** Every combination, the first axis varying slowest. */
export function expandMatrix(axes: readonly MatrixAxis[]): MatrixAssignment[][] {
  let combos: MatrixAssignment[][] = [[]];
  for (const axis of axes) {
    const next: MatrixAssignment[][] = [];
    for (const combo of combos) {
      axis.values.forEach((value, i) => {
        next.push([...combo, { path: axis.path, segments: axis.segments, value, sourcePointer: `${axis.pointer}/${i}` }]);
      });
    }
    combos = next;
  }
  return combos;
}

const SAFE = /^[A-Za-z0-9._+-]+$/;

function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 8);
}

/** A value as it appears in a variant name: as written when filesystem-safe, else made safe plus a short hash. */
function nameValue(value: Json): string {
  const text = typeof value === 'string' ? value : canonicalize(value);
  // A string that reads like a number or boolean would name the same variant as that value.
  const ambiguous = typeof value === 'string' && /^(?:-?\d[\d.e+-]*|true|false|null)$/.test(value);
  if (SAFE.test(text) && text.length <= 64 && !ambiguous) return text;
  const safe = text.replace(/[^A-Za-z0-9._+-]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 40);
  return `${safe}~${shortHash(canonicalize(value))}`;
}

/**
 * `nova-sweep@mixin.fraction=0.2,split.seed=1`. Filesystem-safe (no '/', ':', spaces) and
 * stable: a function of the experiment name and the assigned paths and values only.
 */
export function variantName(name: string, assignments: readonly MatrixAssignment[]): string {
  if (assignments.length === 0) return name;
  const full = `${name}@${assignments.map((a) => `${a.path}=${nameValue(a.value)}`).join(',')}`;
  if (full.length <= 200) return full;
  return `${full.slice(0, 180)}~${shortHash(full)}`;
}

/**
 * The experiment with the assignments made: each value replaces what is at its path
 * (creating the mappings on the way), and takes the position of the value in `matrix`.
 */
export function applyAssignments(base: LocatedValue, assignments: readonly MatrixAssignment[], matrixPositions: PositionMap): LocatedValue {
  const value = structuredClone(base.value) as Record<string, unknown>;
  const positions: PositionMap = new Map(base.positions);
  for (const a of assignments) {
    let target: Record<string, unknown> = value;
    for (const segment of a.segments.slice(0, -1)) {
      if (!isPlainObject(target[segment])) target[segment] = {};
      target = target[segment] as Record<string, unknown>;
    }
    target[a.segments[a.segments.length - 1]!] = structuredClone(a.value);
    const pointer = toPointer(a.segments);
    for (const p of [...positions.keys()]) if (p === pointer || p.startsWith(`${pointer}/`)) positions.delete(p);
    copyPositions(matrixPositions, a.sourcePointer, positions, pointer);
    const keyLocation = matrixPositions.get(a.sourcePointer.slice(0, a.sourcePointer.lastIndexOf('/')));
    const own = positions.get(pointer);
    if (own && keyLocation?.key) positions.set(pointer, { ...own, key: keyLocation.key });
  }
  return { value, positions };
}
