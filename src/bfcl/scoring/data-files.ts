/**
 * The question and possible-answer files of a BFCL data folder, read once per category, kept as
 * their line texts (numbers in ground truth and prompts matter to the letter, so values are
 * parsed with the lossless parser, and only when needed).
 *
 * Order: BFCL v4 loads questions and possible answers in file order and pairs them by index;
 * v3 sorted both by id first (stable). Either way `entries[i]` holds question i and its answer.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../../errors.js';
import type { BfclFunctionDoc, BfclVersion } from '../records.js';
import { parsePyJson } from './pyjson.js';
import type { PyValue } from './types.js';

export interface DataEntry {
  id: string;
  category: string;
  /** 1-based line of the question in its file. */
  line: number;
  /** The question line (BFCL writes this entry, re-serialised, as a failure's `prompt`). */
  questionText: string;
  /** The possible-answer line; null for relevance and irrelevance. */
  answerText: string | null;
  /** 1-based line of the possible answer in its file. */
  answerLine: number | null;
}

/**
 * One category's data. Lines are parsed on first use and cached (`functions(i)`,
 * `groundTruth(i)`, `prompt(i)`): relevance entries never need their function docs, and only
 * failures need the whole prompt. A line that turns out not to parse is an InputError naming
 * the file and line.
 */
export class CategoryData {
  private readonly truths: (PyValue | null | undefined)[];
  private readonly prompts: (PyValue | undefined)[];
  private readonly docs: (BfclFunctionDoc[] | undefined)[];
  private indexById: Map<string, number[]> | undefined;

  constructor(
    readonly version: BfclVersion,
    readonly category: string,
    readonly entries: DataEntry[],
    /** Where the question file came from (a path), for messages. */
    readonly origin: string,
    /** Where the possible-answer file came from. */
    readonly answerOrigin: string | null = null,
  ) {
    this.truths = new Array(entries.length);
    this.prompts = new Array(entries.length);
    this.docs = new Array(entries.length);
  }

  get size(): number {
    return this.entries.length;
  }

  /**
   * The function docs offered (plain JSON: the checker reads names, types and required lists).
   * @param keep false when no one else will ask for them (one model scored): parsed but not
   *   cached, so they die young instead of being copied by the collector for the whole run.
   */
  functions(index: number, keep = true): BfclFunctionDoc[] {
    let v = this.docs[index];
    if (v === undefined) {
      const e = this.entries[index]!;
      let obj: { function?: unknown };
      try {
        obj = JSON.parse(e.questionText) as { function?: unknown };
      } catch {
        // Python-only number forms (NaN, Infinity) are valid for BFCL: fall back to the lossless parser.
        obj = toPlain(this.prompt(index)) as { function?: unknown };
      }
      if (obj.function !== undefined && !Array.isArray(obj.function)) {
        throw new InputError(`entry ${e.id}: "function" must be a list`, { file: this.origin, line: e.line });
      }
      v = (obj.function as BfclFunctionDoc[] | undefined) ?? [];
      if (keep) this.docs[index] = v;
    }
    return v;
  }

  /** The possible answer's `ground_truth`, lossless; null for relevance/irrelevance. `keep` as for functions(). */
  groundTruth(index: number, keep = true): PyValue | null {
    let v = this.truths[index];
    if (v === undefined) {
      const e = this.entries[index]!;
      if (e.answerText === null) {
        v = null;
      } else {
        const where = { file: this.answerOrigin ?? this.origin, line: e.answerLine ?? e.line };
        let parsed: PyValue;
        try {
          parsed = parsePyJson(e.answerText);
        } catch (error) {
          throw new InputError(`not a JSON line: ${(error as Error).message}`, where);
        }
        if (!(parsed instanceof Map) || !parsed.has('ground_truth')) {
          throw new InputError(`possible answer for ${e.id} has no "ground_truth"`, where);
        }
        v = parsed.get('ground_truth') as PyValue;
      }
      if (keep) this.truths[index] = v;
    }
    return v;
  }

  /** The whole question entry (id, question, function), lossless. */
  prompt(index: number): PyValue {
    let v = this.prompts[index];
    if (v === undefined) {
      const e = this.entries[index]!;
      try {
        v = parsePyJson(e.questionText);
      } catch (error) {
        throw new InputError(`not a JSON line: ${(error as Error).message}`, { file: this.origin, line: e.line });
      }
      this.prompts[index] = v;
    }
    return v;
  }

  /** Positions of each id (an id may repeat: v3 live_relevance has `live_relevance_3-3-0` twice). */
  positions(): Map<string, number[]> {
    if (!this.indexById) {
      this.indexById = new Map();
      this.entries.forEach((e, i) => {
        const list = this.indexById!.get(e.id);
        if (list) list.push(i);
        else this.indexById!.set(e.id, [i]);
      });
    }
    return this.indexById;
  }
}

/** Relevance and irrelevance categories have no possible answers. */
export function hasPossibleAnswers(category: string): boolean {
  return !category.includes('relevance');
}

/** File names, relative to a BFCL data folder, of a category's question and possible-answer files. */
export function dataFileNames(version: BfclVersion, category: string): { question: string; answer: string | null } {
  const base = `BFCL_${version}_${category}.json`;
  return { question: base, answer: hasPossibleAnswers(category) ? `possible_answer/${base}` : null };
}

/** Lines as Python's text-mode readlines() splits them; blank lines dropped (with their numbers kept). */
export function splitLines(text: string): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  // Splitting on a plain '\n' is several times faster than on the regular expression, and
  // exact when the text has no '\r' (the usual case).
  const parts = text.includes('\r') ? text.split(/\r\n|\r|\n/) : text.split('\n');
  for (let i = 0; i < parts.length; i++) {
    const t = parts[i]!;
    // Same as `t.trim() !== ''` (\S is what trim keeps), without trim's copy of every line.
    if (NON_BLANK.test(t)) out.push({ line: i + 1, text: t });
  }
  return out;
}

const NON_BLANK = /\S/;

/** BFCL's sort_key for an id: (category, leading integer); null when the id has no such form. */
export function idSortKey(id: string): { category: string; index: number } | null {
  const colon = id.indexOf(':');
  const base = colon < 0 ? id : id.slice(0, colon);
  const at = base.lastIndexOf('_');
  if (at < 0) return null;
  const dash = base.indexOf('-', at + 1);
  const digits = (dash < 0 ? base.slice(at + 1) : base.slice(at + 1, dash)).trim();
  if (!/^[+-]?\d+$/.test(digits)) return null;
  return { category: base.slice(0, at), index: Number.parseInt(digits, 10) };
}

export function compareSortKeys(a: { category: string; index: number }, b: { category: string; index: number }): number {
  if (a.category !== b.category) return a.category < b.category ? -1 : 1;
  return a.index - b.index;
}

/** v3 sorted entries by id before pairing (stable; unparseable ids stay in place at the end). */
function sortV3<T>(items: T[], id: (t: T) => string): T[] {
  const keyed = items.map((t, i) => ({ t, i, k: idSortKey(id(t)) }));
  keyed.sort((a, b) => {
    if (a.k && b.k) return compareSortKeys(a.k, b.k) || a.i - b.i;
    if (a.k) return -1;
    if (b.k) return 1;
    return a.i - b.i;
  });
  return keyed.map((x) => x.t);
}

interface RawLine {
  line: number;
  text: string;
  id: string;
}

/** `{"id": "<id without escapes>"` at the start of a line: the id without parsing the line. */
const LEADING_ID = /^\s*\{\s*"id"\s*:\s*"([^"\\]*)"/;

function parseDataLines(text: string, origin: string, errors: InputError[]): RawLine[] {
  const out: RawLine[] = [];
  for (const { line, text: t } of splitLines(text)) {
    const m = LEADING_ID.exec(t);
    if (m) {
      out.push({ line, text: t, id: m[1]! });
      continue;
    }
    // Unusual layout: parse the line to find its id.
    let obj: PyValue;
    try {
      obj = parsePyJson(t);
    } catch (error) {
      errors.push(new InputError(`not a JSON line: ${(error as Error).message}`, { file: origin, line }));
      continue;
    }
    const id = obj instanceof Map ? obj.get('id') : undefined;
    if (typeof id !== 'string') {
      errors.push(new InputError('a data line must be a JSON object with a string "id"', { file: origin, line }));
      continue;
    }
    out.push({ line, text: t, id });
  }
  return out;
}

/** A lossless value as plain JSON-like data (dicts as objects), for the few places that need it. */
function toPlain(v: PyValue): unknown {
  if (typeof v === 'bigint') return Number(v);
  if (Array.isArray(v)) return v.map(toPlain);
  if (v instanceof Map) {
    const o: Record<string, unknown> = {};
    for (const [k, x] of v) o[String(k)] = toPlain(x);
    return o;
  }
  if (v !== null && typeof v === 'object') return (v as { items: PyValue[] }).items.map(toPlain);
  return v;
}

/**
 * Builds a category's data from the texts of its question file and (for AST categories) its
 * possible-answer file.
 * @throws InputError naming every bad line, or a count mismatch between the two files.
 */
export function parseCategoryData(
  version: BfclVersion,
  category: string,
  question: { text: string; origin: string },
  answer: { text: string; origin: string } | null,
): CategoryData {
  const errors: InputError[] = [];
  let questions = parseDataLines(question.text, question.origin, errors);
  let answers = answer ? parseDataLines(answer.text, answer.origin, errors) : null;
  if (answers) {
    if (answers.length !== questions.length) {
      errors.push(
        new InputError(
          `${answers.length} possible answers for ${questions.length} questions in ${question.origin}: the files must pair line by line`,
          { file: answer!.origin },
        ),
      );
    }
  } else if (hasPossibleAnswers(category)) {
    errors.push(new InputError(`no possible-answer file for ${category}`, { file: question.origin }));
  }
  if (errors[0]) throw new InputError(errors[0].message, errors[0].position, errors.slice(1));
  if (version === 'v3') {
    questions = sortV3(questions, (q) => q.id);
    if (answers) answers = sortV3(answers, (a) => a.id);
  }
  const entries: DataEntry[] = questions.map((q, i) => ({
    id: q.id,
    category,
    line: q.line,
    questionText: q.text,
    answerText: answers ? answers[i]!.text : null,
    answerLine: answers ? answers[i]!.line : null,
  }));
  return new CategoryData(version, category, entries, question.origin, answer?.origin ?? null);
}

export interface DataSet {
  version: BfclVersion;
  /** Where the data came from (a folder or a source name), for messages. */
  origin: string;
  categories: Map<string, CategoryData>;
  /** Categories asked for whose files are not there. */
  missing: { category: string; file: string }[];
}

/**
 * Reads the given categories from a folder laid out like BFCL's `bfcl_eval/data/`. Categories
 * whose question file is absent are listed in `missing`; a question file without its
 * possible-answer file, or with bad lines, is an InputError.
 */
export async function readDataDir(dir: string, version: BfclVersion, categories: readonly string[]): Promise<DataSet> {
  const set: DataSet = { version, origin: dir, categories: new Map(), missing: [] };
  const errors: InputError[] = [];
  await Promise.all(
    categories.map(async (category) => {
      const names = dataFileNames(version, category);
      const qPath = join(dir, names.question);
      const qText = await readText(qPath);
      if (qText === null) {
        set.missing.push({ category, file: qPath });
        return;
      }
      let answer: { text: string; origin: string } | null = null;
      if (names.answer) {
        const aPath = join(dir, names.answer);
        const aText = await readText(aPath);
        if (aText === null) {
          errors.push(new InputError(`${category} has questions but no possible answers (${aPath} is missing)`, { file: aPath }));
          return;
        }
        answer = { text: aText, origin: aPath };
      }
      try {
        set.categories.set(category, parseCategoryData(version, category, { text: qText, origin: qPath }, answer));
      } catch (error) {
        if (error instanceof InputError) errors.push(error, ...error.more);
        else throw error;
      }
    }),
  );
  if (errors[0]) throw new InputError(errors[0].message, errors[0].position, errors.slice(1));
  set.missing.sort((a, b) => a.category.localeCompare(b.category));
  return set;
}

/** Builds a data set from file contents handed over by a data source (names as in dataFileNames). */
export function dataSetFromFiles(
  version: BfclVersion,
  origin: string,
  categories: readonly string[],
  files: ReadonlyMap<string, { text: string; origin: string }>,
): DataSet {
  const set: DataSet = { version, origin, categories: new Map(), missing: [] };
  const errors: InputError[] = [];
  for (const category of categories) {
    const names = dataFileNames(version, category);
    const q = files.get(names.question);
    if (!q) {
      set.missing.push({ category, file: names.question });
      continue;
    }
    const a = names.answer ? files.get(names.answer) ?? null : null;
    try {
      set.categories.set(category, parseCategoryData(version, category, q, a));
    } catch (error) {
      if (error instanceof InputError) errors.push(error, ...error.more);
      else throw error;
    }
  }
  if (errors[0]) throw new InputError(errors[0].message, errors[0].position, errors.slice(1));
  return set;
}

/**
 * A whole file as text, read in one system call and decoded once. fs/promises' readFile reads
 * 512 KiB at a time, each a round trip through the thread pool (idle waits on a busy machine),
 * and with an encoding decodes chunk by chunk into a string of pieces that the first search then
 * copies whole. The files are read before any scoring can start, so blocking costs nothing.
 */
export function readTextSync(path: string): string {
  return readFileSync(path).toString('utf8');
}

async function readText(path: string): Promise<string | null> {
  try {
    return readTextSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw new InputError(`cannot read ${path}: ${(error as Error).message}`, { file: path });
  }
}
