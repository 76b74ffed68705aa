import { existsSync } from 'node:fs';
import { relative, resolve, sep } from 'node:path';
import { closest } from 'fastest-levenshtein';
import { InputError } from '../errors.js';
import type { JsonObject } from '../json.js';
import { PINNED_BFCL_DATA } from './data-sums.js';
import { formatExampleLine, type DatasetInfo } from './example-files.js';
import { memberText, topLevelMembers } from './json-spans.js';
import {
  BFCL_VERSIONS,
  bfclFileCategory,
  CATEGORIES,
  type BfclExample,
  type BfclVersion,
  type Category,
} from './records.js';
import { readBfclEvalFiles } from './sources/bfcl-eval.js';
import { readGorillaFiles } from './sources/gorilla.js';
import { readLocalFiles } from './sources/local.js';
import { sha256Hex, type DataFile } from './sources/source.js';

/**
 * Loading BFCL single-turn datasets: resolve (source, version, categories) to data files,
 * parse and check every line, join questions with possible answers by id, and hash.
 *
 * Ids: a BFCL id that occurs more than once (v3 live_relevance has `live_relevance_3-3-0`
 * on lines 4 and 5, two different questions) is kept on every line; the first occurrence
 * keeps the id and each later one gets `#<occurrence>` appended (`live_relevance_3-3-0#2`),
 * since everything downstream (split, journals, per-example results) needs unique ids.
 * `#` never occurs in BFCL ids; `bfclId()` strips the suffix. Renamings are listed in
 * dataset.json (`renamedIds`). A repeated id in a category WITH possible answers is an
 * error instead, because the join by id would be ambiguous.
 */

export const DATASET_SOURCES = ['bfcl-eval', 'gorilla', 'local'] as const;
export type DatasetSource = (typeof DATASET_SOURCES)[number];

/** `dataset` of an experiment file. */
export interface DatasetSpec {
  source?: DatasetSource;
  version?: BfclVersion;
  categories: string[];
  /** source local: the data folder (project-relative or absolute). */
  path?: string;
  /** source gorilla: base URL of the raw bfcl_eval/data folder (default: the pinned commit on GitHub). */
  url?: string;
  /** Fail unless each listed category has exactly this many examples. */
  expectedCounts?: Record<string, number | undefined>;
}

export interface LoadOptions {
  /** Where source gorilla caches downloads (e.g. inside the store). */
  cacheDir: string;
  /** Base for a relative `path` (default: the current directory). */
  projectDir?: string;
  signal?: AbortSignal;
  log?: (message: string) => void;
  /** Download behaviour for source gorilla. */
  download?: { retries?: number; retryDelayMs?: number; timeoutMs?: number };
}

export interface LoadedDataset extends DatasetInfo {
  source: DatasetSource;
  /** In file order, categories in the requested order. */
  examples: BfclExample[];
  /** The examples as JSONL lines (parallel to `examples`), keeping BFCL's original JSON text. */
  jsonl: string[];
}

/** The categories without possible answers. */
export function hasPossibleAnswers(category: Category): boolean {
  return category !== 'irrelevance' && category !== 'live_irrelevance' && category !== 'live_relevance';
}

/** The data files a category needs, as paths under bfcl_eval/data. */
export function categoryFiles(category: Category, version: BfclVersion): { question: string; answer?: string } {
  const base = `BFCL_${version}_${bfclFileCategory(category, version)}.json`;
  return hasPossibleAnswers(category) ? { question: base, answer: `possible_answer/${base}` } : { question: base };
}

/** Normalises and checks a spec's source, version and categories (aliases: `simple_python` = `simple`). */
export function resolveSpec(spec: DatasetSpec): { source: DatasetSource; version: BfclVersion; categories: Category[] } {
  const source = spec.source ?? 'bfcl-eval';
  if (!DATASET_SOURCES.includes(source)) {
    throw new InputError(`unknown dataset.source '${String(source)}': use one of ${DATASET_SOURCES.join(', ')}.`);
  }
  const version = spec.version ?? 'v3';
  if (!BFCL_VERSIONS.includes(version)) {
    throw new InputError(`unknown dataset.version '${String(version)}': use one of ${BFCL_VERSIONS.join(', ')}.`);
  }
  if (!Array.isArray(spec.categories) || spec.categories.length === 0) {
    throw new InputError(`dataset.categories is empty: list at least one of ${CATEGORIES.join(', ')}.`);
  }
  const categories: Category[] = [];
  for (const name of spec.categories) {
    const category = toCategory(name, 'dataset.categories');
    if (categories.includes(category)) throw new InputError(`dataset.categories lists '${name}' twice: remove one.`);
    categories.push(category);
  }
  if (source === 'local' && !spec.path) {
    throw new InputError(`dataset.source local needs dataset.path: the folder holding the BFCL_${version}_*.json files.`);
  }
  return { source, version, categories };
}

/** A category name from a config (`simple_python` is accepted for `simple`); unknown names are an InputError. */
export function toCategory(name: string, where: string): Category {
  if (name === 'simple_python') return 'simple';
  if ((CATEGORIES as readonly string[]).includes(name)) return name as Category;
  const suggestion = typeof name === 'string' ? closest(name, [...CATEGORIES]) : undefined;
  throw new InputError(
    `unknown category '${String(name)}' in ${where}${suggestion ? ` (did you mean '${suggestion}'?)` : ''}: ` +
      `the single-turn categories are ${CATEGORIES.join(', ')}.`,
  );
}

function sortedFileNames(version: BfclVersion, categories: readonly Category[]): string[] {
  return categories
    .flatMap((c) => {
      const f = categoryFiles(c, version);
      return f.answer ? [f.question, f.answer] : [f.question];
    })
    .sort();
}

function toPosix(path: string): string {
  return sep === '/' ? path : path.split(sep).join('/');
}

/**
 * What decides a `load` step's output, without reading any data: its params (for the key
 * and for running it) and, for source local, the project-relative data files to hash.
 * For the pinned sources the params carry the expected sums of the files read, so a change
 * of the sums table changes the key; the files list is empty.
 */
export function datasetPlanInfo(spec: DatasetSpec, projectDir: string): { params: JsonObject; files: string[] } {
  const { source, version, categories } = resolveSpec(spec);
  const names = sortedFileNames(version, categories);
  const params: JsonObject = { source, version, categories };
  let files: string[] = [];
  if (source === 'local') {
    const dir = resolve(projectDir, spec.path as string);
    params.path = toPosix(relative(projectDir, dir)) || '.';
    files = names.map((name) => {
      const absolute = resolve(dir, name);
      if (!existsSync(absolute)) {
        throw new InputError(
          `the local dataset has no ${name} (looked for ${absolute}): point dataset.path at a folder laid out like bfcl_eval/data, or remove the category.`,
          { file: absolute },
        );
      }
      return toPosix(relative(projectDir, absolute));
    });
  } else {
    if (source === 'gorilla' && spec.url) params.url = spec.url;
    const pinned = PINNED_BFCL_DATA[version];
    params.sums = Object.fromEntries(
      names.map((name) => {
        const sum = pinned.files[name];
        if (!sum) throw new Error(`internal: ${name} is not in the pinned ${version} sums table`);
        return [name, { sha256: sum.sha256, lines: sum.lines }];
      }),
    );
  }
  if (spec.expectedCounts) {
    const counts: JsonObject = {};
    for (const [name, n] of Object.entries(spec.expectedCounts)) if (n !== undefined) counts[name] = n;
    params.expectedCounts = counts;
  }
  return { params, files };
}

/** SHA-256 over the sorted file sums: one `<sha256>  <name>\n` line per file, sorted by name. */
export function datasetContentHash(files: readonly { name: string; sha256: string }[]): string {
  const sorted = [...files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return sha256Hex(sorted.map((f) => `${f.sha256}  ${f.name}\n`).join(''));
}

export async function loadBfclDataset(spec: DatasetSpec, options: LoadOptions): Promise<LoadedDataset> {
  const { source, version, categories } = resolveSpec(spec);
  const expectedCounts = checkExpectedCountKeys(spec.expectedCounts, categories);
  const names = sortedFileNames(version, categories);
  let files: DataFile[];
  if (source === 'bfcl-eval') files = await readBfclEvalFiles(version, names);
  else if (source === 'gorilla') {
    files = await readGorillaFiles(version, names, {
      cacheDir: options.cacheDir,
      ...(spec.url ? { url: spec.url } : {}),
      ...options.download,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.log ? { log: options.log } : {}),
    });
  } else {
    files = await readLocalFiles(resolve(options.projectDir ?? process.cwd(), spec.path as string), names);
  }
  const byName = new Map(files.map((f) => [f.name, f]));

  const errors = new ErrorList();
  const examples: BfclExample[] = [];
  const jsonl: string[] = [];
  const renamedIds: DatasetInfo['renamedIds'] = [];
  const seen = new Map<string, number>();
  for (const category of categories) {
    const paths = categoryFiles(category, version);
    const questionFile = byName.get(paths.question) as DataFile;
    const questions = parseQuestions(questionFile, errors);
    const answers = paths.answer ? parseAnswers(byName.get(paths.answer) as DataFile, errors) : undefined;
    if (answers) {
      const questionIds = new Set<string>();
      for (const q of questions) {
        if (questionIds.has(q.id)) {
          errors.add(
            `id '${q.id}' occurs twice in a category with possible answers, so questions and answers cannot be joined by id. Make the ids unique in both files.`,
            questionFile.origin,
            q.line,
          );
        }
        questionIds.add(q.id);
        if (!answers.byId.has(q.id)) {
          errors.add(`no possible answer with id '${q.id}' in ${answers.origin}: add it, or remove the question.`, questionFile.origin, q.line);
        }
      }
      for (const [id, a] of answers.byId) {
        if (!questionIds.has(id)) {
          errors.add(`possible answer for id '${id}' has no question in ${questionFile.origin}: remove it, or add the question.`, answers.origin, a.line);
        }
      }
    }
    for (const q of questions) {
      let id = q.id;
      const occurrence = (seen.get(q.id) ?? 0) + 1;
      seen.set(q.id, occurrence);
      if (occurrence > 1) {
        id = `${q.id}#${occurrence}`;
        renamedIds.push({ id, originalId: q.id, file: paths.question, line: q.line });
      }
      const answerJson = answers?.byId.get(q.id)?.groundTruth ?? null;
      examples.push({ id, category, question: q.question, functions: q.functions, answerJson } as BfclExample);
      jsonl.push(formatExampleLine(id, category, q.questionJson, q.functionsJson, answerJson));
    }
  }
  errors.throwIfAny();

  const counts: Record<string, number> = {};
  for (const c of categories) counts[c] = 0;
  for (const e of examples) counts[e.category] = (counts[e.category] ?? 0) + 1;
  checkExpectedCounts(expectedCounts, counts, version, source);

  const fileInfo = files
    .map((f) => ({ name: f.name, sha256: f.sha256, lines: f.lines }))
    .sort((a, b) => (a.name < b.name ? -1 : 1));
  const pin = PINNED_BFCL_DATA[version];
  const matchesPin = fileInfo.every((f) => pin.files[f.name]?.sha256 === f.sha256);
  return {
    version,
    source,
    categories,
    files: fileInfo,
    contentHash: datasetContentHash(fileInfo),
    pinned: matchesPin ? { commit: pin.commit, bfclEval: pin.bfclEval.release } : null,
    counts,
    total: examples.length,
    renamedIds,
    examples,
    jsonl,
  };
}

function checkExpectedCountKeys(
  expected: Record<string, number | undefined> | undefined,
  categories: readonly Category[],
): Map<Category, number> {
  const result = new Map<Category, number>();
  if (!expected) return result;
  for (const [name, count] of Object.entries(expected)) {
    if (count === undefined) continue;
    const category = toCategory(name, 'dataset.expectedCounts');
    if (!categories.includes(category)) {
      throw new InputError(
        `dataset.expectedCounts names '${name}', which is not in dataset.categories (${categories.join(', ')}): add the category or remove the count.`,
      );
    }
    if (!Number.isInteger(count) || count < 0) {
      throw new InputError(`dataset.expectedCounts.${name} must be a whole number, not ${JSON.stringify(count)}.`);
    }
    result.set(category, count);
  }
  return result;
}

function checkExpectedCounts(
  expected: Map<Category, number>,
  counts: Record<string, number>,
  version: BfclVersion,
  source: DatasetSource,
): void {
  const problems = [...expected]
    .filter(([category, n]) => counts[category] !== n)
    .map(([category, n]) => `${category} has ${counts[category]} examples, expected ${n}`);
  if (problems.length === 0) return;
  throw new InputError(
    `the loaded BFCL ${version} data (source ${source}) does not have the expected counts: ${problems.join('; ')}. ` +
      `Check dataset.version and dataset.source (v3 and v4 differ in live_irrelevance and live_relevance), or update dataset.expectedCounts.`,
  );
}

/** Collects line errors so that one run reports many (up to a limit) instead of only the first. */
class ErrorList {
  private readonly errors: InputError[] = [];
  private dropped = 0;
  add(message: string, file: string, line: number, col?: number): void {
    if (this.errors.length >= 20) this.dropped++;
    else this.errors.push(new InputError(message, col === undefined ? { file, line } : { file, line, col }));
  }
  throwIfAny(): void {
    const [first, ...more] = this.errors;
    if (!first) return;
    if (this.dropped > 0) more.push(new InputError(`... and ${this.dropped} more problems`));
    throw new InputError(first.message, first.position, more);
  }
}

interface ParsedQuestion {
  id: string;
  line: number;
  question: BfclExample['question'];
  functions: BfclExample['functions'];
  questionJson: string;
  functionsJson: string;
}

function dataLines(file: DataFile): string[] {
  let text = file.bytes.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return text.split('\n');
}

const NOT_JSON_TODO = 'each line of a BFCL data file must be one JSON object: fix or remove the line, or restore the file from its source.';

function parseLine(raw: string, file: DataFile, lineNo: number, errors: ErrorList): { text: string; value: Record<string, unknown> } | undefined {
  const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
  if (text.trim() === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const position = /at position (\d+)/.exec((error as Error).message);
    errors.add(`not valid JSON (${(error as Error).message}): ${NOT_JSON_TODO}`, file.origin, lineNo, position ? Number(position[1]) + 1 : undefined);
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    errors.add(`not a JSON object: ${NOT_JSON_TODO}`, file.origin, lineNo);
    return undefined;
  }
  return { text, value: value as Record<string, unknown> };
}

function parseQuestions(file: DataFile, errors: ErrorList): ParsedQuestion[] {
  const result: ParsedQuestion[] = [];
  const lines = dataLines(file);
  for (let i = 0; i < lines.length; i++) {
    const parsed = parseLine(lines[i] as string, file, i + 1, errors);
    if (!parsed) continue;
    const { text, value } = parsed;
    const problem = questionProblem(value);
    if (problem) {
      errors.add(`${problem}: a BFCL question line needs "id" (string), "question" (a list of turns of {role, content}) and "function" (a list of function docs).`, file.origin, i + 1);
      continue;
    }
    const members = topLevelMembers(text);
    result.push({
      id: value.id as string,
      line: i + 1,
      question: value.question as BfclExample['question'],
      functions: value.function as BfclExample['functions'],
      questionJson: memberText(text, members, 'question') as string,
      functionsJson: memberText(text, members, 'function') as string,
    });
  }
  return result;
}

function questionProblem(value: Record<string, unknown>): string | undefined {
  if (typeof value.id !== 'string' || value.id === '') return 'no "id" string';
  if (value.id.includes('#')) return `id '${value.id}' contains '#', which fc-distill reserves for renamed duplicates`;
  const turns = value.question;
  if (!Array.isArray(turns) || turns.length === 0) return `"question" of '${value.id}' is not a non-empty list of turns`;
  for (const turn of turns) {
    if (!Array.isArray(turn)) return `"question" of '${value.id}' has a turn that is not a list of messages`;
    for (const m of turn as unknown[]) {
      const message = m as { role?: unknown; content?: unknown } | null;
      if (typeof message !== 'object' || message === null || !['system', 'user', 'assistant'].includes(message.role as string) || typeof message.content !== 'string') {
        return `"question" of '${value.id}' has a message that is not {role: system|user|assistant, content: string}`;
      }
    }
  }
  const functions = value.function;
  if (!Array.isArray(functions)) return `"function" of '${value.id}' is not a list`;
  for (const f of functions as unknown[]) {
    const doc = f as { name?: unknown } | null;
    if (typeof doc !== 'object' || doc === null || typeof doc.name !== 'string') {
      return `"function" of '${value.id}' has an entry without a "name" string`;
    }
  }
  return undefined;
}

function parseAnswers(file: DataFile, errors: ErrorList): { origin: string; byId: Map<string, { groundTruth: string; line: number }> } {
  const byId = new Map<string, { groundTruth: string; line: number }>();
  const lines = dataLines(file);
  for (let i = 0; i < lines.length; i++) {
    const parsed = parseLine(lines[i] as string, file, i + 1, errors);
    if (!parsed) continue;
    const { text, value } = parsed;
    if (typeof value.id !== 'string' || !Array.isArray(value.ground_truth)) {
      errors.add(`a possible-answer line needs "id" (string) and "ground_truth" (a list of expected calls).`, file.origin, i + 1);
      continue;
    }
    const earlier = byId.get(value.id);
    if (earlier) {
      errors.add(`possible answer id '${value.id}' already occurred on line ${earlier.line}: remove one of them.`, file.origin, i + 1);
      continue;
    }
    byId.set(value.id, { groundTruth: memberText(text, topLevelMembers(text), 'ground_truth') as string, line: i + 1 });
  }
  return { origin: file.origin, byId };
}
