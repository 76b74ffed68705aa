import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument, isAlias, isMap, isScalar, isSeq, type Document, type Node } from 'yaml';
import type { SourcePosition } from '../errors.js';
import { quote, toPointer, type ConfigProblem, type PathSegments } from './problems.js';

/**
 * Reads one YAML file into plain JSON-like data plus the source position of every value,
 * keyed by JSON pointer, so that any later complaint about a value can say file:line:col.
 */

/** Where a value (and the key it is under) is written. */
export interface NodeLocation {
  value: SourcePosition;
  /** For values in a mapping: where the key is. */
  key?: SourcePosition;
  /** For strings holding `${env:NAME}` references: where each reference starts. */
  envRefs?: Record<string, SourcePosition>;
}

/** JSON pointer -> location. */
export type PositionMap = Map<string, NodeLocation>;

/** A value together with where its parts were written (possibly across several files). */
export interface LocatedValue {
  value: unknown;
  positions: PositionMap;
}

export interface YamlSource extends LocatedValue {
  /** The file as shown in messages. */
  file: string;
}

/** `${env:NAME}` as written in the source text. */
const ENV_REF_IN_SOURCE = /\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}/g;

export async function readYamlSource(absFile: string, displayFile: string): Promise<{ source?: YamlSource; problems: ConfigProblem[] }> {
  let text: string;
  try {
    text = await readFile(absFile, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory, not a file' : String((error as Error).message);
    return { problems: [{ message: `cannot read experiment file: ${why}`, position: { file: displayFile } }] };
  }
  return parseYamlSource(text, displayFile);
}

/** Parses YAML text; `file` is only used to label positions. */
export function parseYamlSource(text: string, file: string): { source?: YamlSource; problems: ConfigProblem[] } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, merge: true, uniqueKeys: true });
  const at = (offset: number): SourcePosition => {
    const { line, col } = lineCounter.linePos(offset);
    return { file, line, col };
  };
  const problems: ConfigProblem[] = [];
  const positions: PositionMap = new Map();
  const duplicates = walkDocument(doc, text, at, positions, problems);

  for (const error of [...doc.errors, ...doc.warnings]) {
    // Duplicate keys are reported by the walk, with the line of the first occurrence.
    if (error.code === 'DUPLICATE_KEY' && duplicates > 0) continue;
    problems.push({ message: `YAML syntax error: ${yamlMessage(error.code, error.message)}`, position: at(error.pos[0]) });
  }
  if (problems.length > 0) return { problems };

  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 1000 });
  } catch (error) {
    return { problems: [{ message: `YAML error: ${(error as Error).message}`, position: positions.get('')?.value ?? { file, line: 1, col: 1 } }] };
  }
  if (!positions.has('')) positions.set('', { value: { file, line: 1, col: 1 } });
  return { source: { file, value: value ?? null, positions }, problems };
}

function yamlMessage(code: string, message: string): string {
  switch (code) {
    case 'MULTIPLE_DOCS':
      return 'an experiment file holds one YAML document; remove the extra "---"';
    case 'TAB_AS_INDENT':
      return 'tabs are not allowed for indentation in YAML; indent with spaces';
    default:
      return message.replace(/\s+/g, ' ').trim();
  }
}

/** Records positions of every node; returns how many duplicate keys were found. */
function walkDocument(
  doc: Document,
  text: string,
  at: (offset: number) => SourcePosition,
  positions: PositionMap,
  problems: ConfigProblem[],
): number {
  let duplicates = 0;
  const active = new Set<Node>();

  const visit = (node: unknown, path: PathSegments, keyPos: SourcePosition | undefined): void => {
    const pointer = toPointer(path);
    if (isAlias(node)) {
      const target = node.resolve(doc);
      if (!target) {
        problems.push({ message: `unknown alias '*${node.source}': define the anchor '&${node.source}' before using it`, position: at(node.range?.[0] ?? 0) });
        return;
      }
      // Positions of an aliased value point at the anchored original.
      if (active.has(target)) return;
      active.add(target);
      visit(target, path, keyPos ?? at(node.range?.[0] ?? 0));
      active.delete(target);
      return;
    }
    const n = node as Node | null;
    const start = n?.range?.[0];
    const location: NodeLocation = { value: start !== undefined ? at(start) : (keyPos ?? at(0)) };
    if (keyPos) location.key = keyPos;
    positions.set(pointer, location);

    if (isScalar(node)) {
      if (typeof node.value === 'string' && node.value.includes('${') && node.range) {
        const raw = text.slice(node.range[0], node.range[1]);
        const refs: Record<string, SourcePosition> = {};
        for (const m of raw.matchAll(ENV_REF_IN_SOURCE)) {
          if (m[1] && !(m[1] in refs)) refs[m[1]] = at(node.range[0] + (m.index ?? 0));
        }
        if (Object.keys(refs).length > 0) location.envRefs = refs;
      }
      return;
    }
    if (isMap(node)) {
      const seen = new Map<string, SourcePosition>();
      for (const pair of node.items) {
        const keyNode = pair.key as Node | null;
        if (isScalar(keyNode) && typeof keyNode.value === 'symbol') continue; // `<<` merge key
        const key = isScalar(keyNode) ? String(keyNode.value) : String(keyNode);
        const kPos = keyNode?.range ? at(keyNode.range[0]) : location.value;
        const first = seen.get(key);
        if (first) {
          duplicates++;
          problems.push({ message: `duplicate key ${quote(key)} (first set on line ${first.line}): a key may appear only once in a mapping`, position: kPos });
          continue;
        }
        seen.set(key, kPos);
        visit(pair.value, [...path, key], kPos);
      }
      return;
    }
    if (isSeq(node)) {
      node.items.forEach((item, i) => visit(item, [...path, i], undefined));
    }
  };

  visit(doc.contents, [], undefined);
  return duplicates;
}
