/**
 * Result files as `bfcl generate` writes them, found and read without losing a digit and
 * without giving up on a damaged file: every line that cannot be used is reported with its line
 * number and the reason, and the entries it should have held are named later (pairing.ts).
 *
 * Layouts (RESULT_DIR is the folder holding one folder per model):
 *   v4: RESULT_DIR/<model>/{live,non_live}/BFCL_v4_<category>_result.json
 *   v3: RESULT_DIR/<model>/BFCL_v3_<category>_result.json (flat)
 * Files are looked for recursively under each model folder, as BFCL v4 does (rglob). If
 * RESULT_DIR itself holds result files, it is taken as a single model's folder.
 */
import { readdir, stat } from 'node:fs/promises';
import { basename, join, relative, resolve } from 'node:path';
import { InputError } from '../../errors.js';
import type { BfclVersion } from '../records.js';
import { singleTurnCategories } from './aggregate.js';
import { readTextSync, splitLines } from './data-files.js';
import { parsePyJson } from './pyjson.js';
import type { PyDict, PyValue } from './types.js';

export interface ResultFileRef {
  model: string;
  version: BfclVersion;
  category: string;
  path: string;
}

export interface SkippedFile {
  path: string;
  reason: string;
}

export interface DiscoveredResults {
  root: string;
  /** Model folder names, sorted. */
  models: string[];
  files: ResultFileRef[];
  /** Result files that are not scored (multi-turn, agentic, unknown category or version). */
  skipped: SkippedFile[];
}

const RESULT_FILE = /^BFCL_(v\d+)_(\w+?)_result\.json$/;

async function isDir(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

async function walk(dir: string, out: string[]): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) await walk(p, out);
    else if (RESULT_FILE.test(e.name)) out.push(p);
  }
}

/**
 * Finds the result files under RESULT_DIR.
 * @throws InputError when RESULT_DIR does not exist or holds no result file at all.
 */
export async function discoverResultFiles(resultDir: string, options: { models?: readonly string[] } = {}): Promise<DiscoveredResults> {
  const root = resolve(resultDir);
  if (!(await isDir(root))) {
    throw new InputError(`result folder ${resultDir} does not exist (expected RESULT_DIR/<model>/{live,non_live}/BFCL_v4_<category>_result.json)`, {
      file: resultDir,
    });
  }
  const top = await readdir(root, { withFileTypes: true });
  const direct = top.some((e) => e.isFile() && RESULT_FILE.test(e.name)) ||
    (await Promise.all(
      top.filter((e) => e.isDirectory() && (e.name === 'live' || e.name === 'non_live')).map(async (e) => {
        const found: string[] = [];
        await walk(join(root, e.name), found);
        return found.length > 0;
      }),
    )).some(Boolean);

  const modelDirs: { model: string; dir: string }[] = direct
    ? [{ model: basename(root), dir: root }]
    : top
        .filter((e) => e.isDirectory())
        .map((e) => ({ model: e.name, dir: join(root, e.name) }))
        .sort((a, b) => (a.model < b.model ? -1 : a.model > b.model ? 1 : 0));

  const wanted = options.models && options.models.length > 0 ? new Set(options.models) : null;
  const result: DiscoveredResults = { root, models: [], files: [], skipped: [] };
  for (const { model, dir } of modelDirs) {
    if (wanted && !wanted.has(model) && !wanted.has(model.replaceAll('_', '/'))) continue;
    const paths: string[] = [];
    await walk(dir, paths);
    let any = false;
    for (const path of paths) {
      const m = RESULT_FILE.exec(basename(path))!;
      const version = m[1]!;
      const category = m[2]!;
      if (version !== 'v3' && version !== 'v4') {
        result.skipped.push({ path, reason: `BFCL ${version} files are not supported (v3 and v4 are)` });
        continue;
      }
      if (!singleTurnCategories(version).includes(category)) {
        const why = /multi_turn|web_search|memory|format_sensitivity/.test(category)
          ? 'not a single-turn category; fc-distill scores single-turn categories only'
          : `unknown ${version} category "${category}"`;
        result.skipped.push({ path, reason: why });
        continue;
      }
      result.files.push({ model, version, category, path });
      any = true;
    }
    if (any) result.models.push(model);
  }
  if (wanted) {
    const found = new Set(result.models);
    const absent = [...wanted].filter((m) => !found.has(m) && !found.has(m.replaceAll('/', '_')));
    if (absent.length > 0) {
      const have = modelDirs.map((d) => d.model).join(', ') || 'none';
      throw new InputError(`no results for model ${absent.join(', ')} in ${resultDir} (models there: ${have})`, { file: resultDir });
    }
  }
  if (result.files.length === 0) {
    const rel = result.skipped.map((s) => `${relative(root, s.path)}: ${s.reason}`);
    throw new InputError(
      `no single-turn BFCL result files under ${resultDir}: expected RESULT_DIR/<model>/{live,non_live}/BFCL_v4_<category>_result.json` +
        ` (v3: RESULT_DIR/<model>/BFCL_v3_<category>_result.json)` +
        (rel.length > 0 ? `; skipped ${rel.join('; ')}` : ''),
      { file: resultDir },
    );
  }
  return result;
}

/** Why a result line or entry cannot be scored. */
export type ProblemKind =
  | 'invalid-json'
  | 'truncated'
  | 'not-object'
  | 'no-id'
  | 'no-result'
  | 'unknown-id'
  | 'duplicate-id'
  | 'missing';

export interface ResultProblem {
  kind: ProblemKind;
  /** 1-based line in the result file (absent for `missing`). */
  line?: number;
  /** The entry id, when known (recovered from a damaged line where possible). */
  id?: string;
  message: string;
}

/** One usable line of a result file. */
export interface ResultLine {
  line: number;
  id: string;
  /** The `result` field, lossless; undefined when the line has none. */
  result: PyValue | undefined;
  /** The whole line, lossless (for token counts and latency). */
  record: PyDict;
}

export interface ResultFile {
  path: string;
  lines: ResultLine[];
  /** Lines that could not be read as an entry; `id` set when it could be recovered from the text. */
  problems: ResultProblem[];
}

const ID_IN_TEXT = /"id"\s*:\s*"((?:[^"\\]|\\.)*)"/;

function recoverId(text: string): string | undefined {
  const m = ID_IN_TEXT.exec(text);
  if (!m) return undefined;
  try {
    return JSON.parse(`"${m[1]}"`) as string;
  } catch {
    return undefined;
  }
}

function looksTruncated(text: string, error: unknown): boolean {
  const t = text.trimEnd();
  if (!t.startsWith('{')) return false;
  const msg = (error as Error).message ?? '';
  // Python's messages for input that stops early all point at the end of the text.
  const pos = (error as { pos?: number }).pos;
  return !t.endsWith('}') || (typeof pos === 'number' && pos >= [...t].length - 1) || /Unterminated string/.test(msg);
}

/** Reads a result file's text; never throws on bad content. */
export function parseResultText(text: string, path: string): ResultFile {
  const file: ResultFile = { path, lines: [], problems: [] };
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  for (const { line, text: t } of splitLines(text)) {
    let value: PyValue;
    try {
      value = parsePyJson(t);
    } catch (error) {
      const id = recoverId(t);
      const truncated = looksTruncated(t, error);
      file.problems.push({
        kind: truncated ? 'truncated' : 'invalid-json',
        line,
        ...(id === undefined ? {} : { id }),
        message: truncated
          ? `line ${line} is truncated (${(error as Error).message})`
          : `line ${line} is not valid JSON (${(error as Error).message})`,
      });
      continue;
    }
    if (!(value instanceof Map)) {
      file.problems.push({ kind: 'not-object', line, message: `line ${line} is not a JSON object` });
      continue;
    }
    const id = value.get('id');
    if (typeof id !== 'string') {
      file.problems.push({
        kind: 'no-id',
        line,
        message: id === undefined ? `line ${line} has no "id"` : `line ${line} has an "id" that is not a string`,
      });
      continue;
    }
    file.lines.push({ line, id, result: value.has('result') ? (value.get('result') as PyValue) : undefined, record: value });
  }
  return file;
}

/**
 * Reads a result file.
 * @throws InputError only when the file cannot be read at all (permissions, a folder).
 */
export async function readResultFile(path: string): Promise<ResultFile> {
  let text: string;
  try {
    text = readTextSync(path);
  } catch (error) {
    throw new InputError(`cannot read result file ${path}: ${(error as Error).message}`, { file: path });
  }
  return parseResultText(text, path);
}
