import { distance } from 'fastest-levenshtein';
import { InputError, type SourcePosition } from '../errors.js';

/**
 * Small shared vocabulary of the config loader: problems found in a file, JSON pointers
 * into the experiment, and how values and paths are named in messages.
 */

/** One thing wrong (or worth a warning) in an experiment file. */
export interface ConfigProblem {
  message: string;
  position?: SourcePosition;
}

/** A path into the experiment as segments: object keys and array indices. */
export type PathSegments = readonly (string | number)[];

/** RFC 6901 JSON pointer of a path: `/distillation/role`, `/evaluate/models/1`. */
export function toPointer(segments: PathSegments): string {
  return segments.map((s) => `/${String(s).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

export function fromPointer(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** The dotted path used in the API (`unresolved[].path`, `positionOf`): `evaluate.models.1.model`. */
export function toDotted(segments: PathSegments): string {
  return segments.map(String).join('.');
}

/** The path as printed in messages: `evaluate.models[1].model`; the root is "the top level". */
export function displayPath(segments: PathSegments): string {
  if (segments.length === 0) return 'the top level';
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number' || /^\d+$/.test(s)) out += `[${s}]`;
    else out += out === '' ? s : `.${s}`;
  }
  return out;
}

/** "in mixin" / "at the top level", for sentences about keys of an object. */
export function inPlace(segments: PathSegments): string {
  return segments.length === 0 ? 'at the top level' : `in ${displayPath(segments)}`;
}

/** A short rendering of a value for a message: `'half' (a string)`, `a list`, `3 (a number)`. */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'nothing (null)';
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : 'a list';
  switch (typeof value) {
    case 'string':
      return `${quote(value)} (a string)`;
    case 'number':
      return `${value} (a number)`;
    case 'boolean':
      return `${value} (a boolean)`;
    case 'object':
      return 'a mapping';
    default:
      return String(value);
  }
}

/** A value quoted for a message, shortened when long. */
export function quote(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  const short = text.length > 80 ? `${text.slice(0, 77)}...` : text;
  return `'${short}'`;
}

/** Same file order as given, then by line and column; duplicates (same place and text) removed. */
export function sortProblems(problems: readonly ConfigProblem[], fileOrder: readonly string[] = []): ConfigProblem[] {
  const seen = new Set<string>();
  const unique = problems.filter((p) => {
    const key = `${p.position?.file}:${p.position?.line}:${p.position?.col}:${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const rank = (file: string | undefined) => {
    const i = file === undefined ? -1 : fileOrder.indexOf(file);
    return i === -1 ? fileOrder.length : i;
  };
  return unique
    .map((p, i) => ({ p, i }))
    .sort(
      (a, b) =>
        rank(a.p.position?.file) - rank(b.p.position?.file) ||
        (a.p.position?.file ?? '').localeCompare(b.p.position?.file ?? '') ||
        (a.p.position?.line ?? 0) - (b.p.position?.line ?? 0) ||
        (a.p.position?.col ?? 0) - (b.p.position?.col ?? 0) ||
        a.i - b.i,
    )
    .map(({ p }) => p);
}

/** One InputError carrying every problem (InputError.describe() prints them one per line). */
export function toInputError(problems: readonly ConfigProblem[]): InputError {
  const [first, ...rest] = problems;
  if (!first) return new InputError('invalid experiment');
  return new InputError(
    first.message,
    first.position,
    rest.map((p) => new InputError(p.message, p.position)),
  );
}

/**
 * The candidate closest to `word` by edit distance, if close enough to be a plausible typo
 * (case differences count as nothing; at most about a third of the word may differ).
 */
export function nearest(word: string, candidates: readonly string[]): string | undefined {
  const lower = word.toLowerCase();
  const exact = candidates.find((c) => c.toLowerCase() === lower);
  if (exact) return exact;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = distance(lower, candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  const allowed = Math.max(2, Math.floor(Math.max(word.length, best?.length ?? 0) / 3));
  return bestDistance <= allowed ? best : undefined;
}
