import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { SourcePosition } from '../errors.js';
import { describeValue, quote, type ConfigProblem } from './problems.js';
import { readYamlSource, type LocatedValue, type PositionMap } from './yaml-source.js';

/**
 * `extends: base.yaml`: the base (itself possibly extending another) is merged deeply
 * under the file. The file's values win; arrays and scalars replace; `null` removes a key
 * the base sets. Positions follow the values, so a problem in a value that came from the
 * base is reported in the base file.
 */

export interface LayeredExperiment extends LocatedValue {
  /** Files that contributed, base first, as displayed in messages. */
  files: string[];
  /** Absolute paths of the same files. */
  absFiles: string[];
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export async function loadWithExtends(
  absFile: string,
  display: (abs: string) => string,
): Promise<{ layered?: LayeredExperiment; problems: ConfigProblem[] }> {
  return load(absFile, [], display, undefined);
}

async function load(
  absFile: string,
  chain: string[],
  display: (abs: string) => string,
  referencedAt: SourcePosition | undefined,
): Promise<{ layered?: LayeredExperiment; problems: ConfigProblem[] }> {
  const { source, problems } = await readYamlSource(absFile, display(absFile));
  if (!source) {
    // A base that cannot be read is reported where it is named; syntax errors stay in the base.
    if (referencedAt) {
      return {
        problems: problems.map((p) => (p.position?.line === undefined ? { message: `extends: ${p.message} (${display(absFile)})`, position: referencedAt } : p)),
      };
    }
    return { problems };
  }
  const own: LayeredExperiment = { value: source.value, positions: source.positions, files: [source.file], absFiles: [absFile] };
  if (!isPlainObject(source.value)) {
    if (referencedAt) {
      return { problems: [{ message: `base experiment ${source.file} must be a mapping of keys to values, got ${describeValue(source.value)}`, position: source.positions.get('')?.value ?? referencedAt }] };
    }
    return { layered: own, problems: [] };
  }
  if (!('extends' in source.value)) return { layered: own, problems: [] };

  const ext = source.value.extends;
  const extPos = source.positions.get('/extends');
  const where = extPos?.value ?? { file: source.file, line: 1, col: 1 };
  if (typeof ext !== 'string' || ext.trim() === '') {
    return { problems: [{ message: `extends must be the path of a base experiment file, relative to this file; got ${describeValue(ext)}`, position: where }] };
  }
  if (ext.includes('${')) {
    return { problems: [{ message: `extends does not take environment references; give the base file's path, relative to this file`, position: where }] };
  }
  const baseAbs = resolve(dirname(absFile), ext);
  if (baseAbs === absFile || chain.includes(baseAbs)) {
    const cycle = [...chain, absFile, baseAbs].slice(Math.max(0, [...chain, absFile].indexOf(baseAbs))).map(display);
    return { problems: [{ message: `extends cycle: ${cycle.join(' -> ')}; a base may not extend, directly or not, the file that extends it`, position: where }] };
  }
  if (!existsSync(baseAbs)) {
    return { problems: [{ message: `extends: base file ${quote(ext)} not found (looked for ${display(baseAbs)}); the path is relative to this file`, position: where }] };
  }
  if (!statSync(baseAbs).isFile()) {
    return { problems: [{ message: `extends: ${quote(ext)} is not a file (${display(baseAbs)})`, position: where }] };
  }

  const base = await load(baseAbs, [...chain, absFile], display, where);
  if (!base.layered) return { problems: base.problems };

  const childValue = { ...source.value };
  delete childValue.extends;
  const childPositions: PositionMap = new Map([...source.positions].filter(([pointer]) => pointer !== '/extends'));
  const merged = mergeLocated(base.layered, { value: childValue, positions: childPositions });
  return {
    layered: { ...merged, files: [...base.layered.files, source.file], absFiles: [...base.layered.absFiles, absFile] },
    problems: [],
  };
}

function escapeKey(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Copies the positions of the subtree at `pointer` (inclusive). */
export function copyPositions(from: PositionMap, pointer: string, to: PositionMap, toPointer: string = pointer): void {
  for (const [p, location] of from) {
    if (p === pointer || p.startsWith(`${pointer}/`)) to.set(toPointer + p.slice(pointer.length), location);
  }
}

/** Deep merge of `child` over `base`, with the positions of whichever value won. */
export function mergeLocated(base: LocatedValue, child: LocatedValue): LocatedValue {
  const positions: PositionMap = new Map();
  const merge = (b: unknown, c: unknown, pointer: string): unknown => {
    if (isPlainObject(b) && isPlainObject(c)) {
      const location = child.positions.get(pointer) ?? base.positions.get(pointer);
      if (location) positions.set(pointer, location);
      const out: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(b)) {
        if (key in c) continue;
        out[key] = value;
        copyPositions(base.positions, `${pointer}/${escapeKey(key)}`, positions);
      }
      for (const [key, value] of Object.entries(c)) {
        const p = `${pointer}/${escapeKey(key)}`;
        if (value === null && key in b) continue; // null removes what the base sets
        out[key] = key in b ? merge(b[key], value, p) : value;
        if (!(key in b)) copyPositions(child.positions, p, positions);
      }
      return out;
    }
    copyPositions(child.positions, pointer, positions);
    return c;
  };
  const value = merge(base.value, child.value, '');
  return { value, positions };
}
