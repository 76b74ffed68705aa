/**
 * Score files as `bfcl evaluate` writes them, and our per-example outcomes.
 *
 *   v4: SCORE_DIR/<model>/{live,non_live}/BFCL_v4_<category>_score.json
 *   v3: SCORE_DIR/<model>/BFCL_v3_<category>_score.json
 * Line 1 `{"accuracy", "correct_count", "total_count"}`, then one line per FAILED entry in id
 * order, with BFCL's fields in BFCL's order, written as Python's json.dumps(ensure_ascii=False).
 * Entries that fail because of the result file (missing, unreadable line) are written like a
 * checker failure, with an error_type `result_file:*` and the reason as the error.
 *
 *   SCORE_DIR/<model>/outcomes.jsonl: one line per entry scored, every category:
 *   {"id", "category", "model", "valid", "errorType"} (+ "reason" for result-file problems).
 */
import { mkdir, open, readdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { BfclVersion } from '../records.js';
import { categoryGroup, type CategoryScore } from './aggregate.js';
import { compareSortKeys, idSortKey } from './data-files.js';
import { parsePyJson } from './pyjson.js';
import { floatRepr, makeJsonSerializable, pyJsonStringify, pyStr } from './pyvalue.js';
import type { CategoryRun, EntryScore, ModelRun, ScoreRun } from './score-run.js';
import type { PyDict, PyValue } from './types.js';
import { writeFileAtomic } from '../../files.js';

/** Path of a category's score file, relative to SCORE_DIR. */
export function scoreFilePath(version: BfclVersion, model: string, category: string): string {
  const name = `BFCL_${version}_${category}_score.json`;
  return version === 'v3' ? join(model, name) : join(model, categoryGroup(category), name);
}

/** The header line's value: accuracy is a float even when it is 0 or 1. */
export function scoreHeader(run: Pick<CategoryRun, 'accuracy' | 'correct' | 'total'>): PyDict {
  return new Map<string, PyValue>([
    ['accuracy', run.accuracy],
    ['correct_count', BigInt(run.correct)],
    ['total_count', BigInt(run.total)],
  ]);
}

/**
 * True when `text` (valid JSON) is already exactly what Python's json.dumps(json.loads(text),
 * ensure_ascii=False) writes: separators `, ` and `: ` and no other whitespace, no escapes but
 * the ones json.dumps itself makes, numbers as Python prints them, no repeated keys. Most BFCL
 * data lines are, and then the line can be copied instead of parsed and re-serialised.
 */
const STRING_STOP = /["\\\ud800-\udfff]/g;

export function isPyJsonCanonical(text: string): boolean {
  const n = text.length;
  const keys: (Set<string> | null)[] = [];
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      // string: jump from one quote, backslash or surrogate to the next
      const start = i;
      i++;
      for (;;) {
        STRING_STOP.lastIndex = i;
        if (!STRING_STOP.test(text)) return false;
        i = STRING_STOP.lastIndex - 1;
        const d = text.charCodeAt(i);
        if (d === 34) break;
        if (d === 92) {
          const e = text.charCodeAt(i + 1);
          // json.dumps escapes only these (and control characters as \u00XX: let the slow path handle those).
          if (e !== 34 && e !== 92 && e !== 110 && e !== 114 && e !== 116 && e !== 98 && e !== 102) return false;
          i += 2;
          continue;
        }
        // A surrogate pair is fine; a lone surrogate is not.
        if (d > 0xdbff) return false;
        const e = text.charCodeAt(i + 1);
        if (!(e >= 0xdc00 && e <= 0xdfff)) return false;
        i += 2;
      }
      i++;
      if (text.charCodeAt(i) === 58) {
        // an object key: must not repeat in its object
        const set = keys[keys.length - 1];
        if (set) {
          const k = text.slice(start, i);
          if (set.has(k)) return false;
          set.add(k);
        }
      }
      continue;
    }
    if (c === 123) {
      keys.push(new Set());
      i++;
      continue;
    }
    if (c === 91) {
      keys.push(null);
      i++;
      continue;
    }
    if (c === 125 || c === 93) {
      keys.pop();
      i++;
      continue;
    }
    if (c === 44 || c === 58) {
      if (text.charCodeAt(i + 1) !== 32) return false;
      const after = text.charCodeAt(i + 2);
      if (after === 32 || after === 9 || after === 10 || after === 13) return false;
      i += 2;
      continue;
    }
    if (c === 45 || (c >= 48 && c <= 57)) {
      const start = i;
      i++;
      let float = false;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d >= 48 && d <= 57) i++;
        else if (d === 46 || d === 101 || d === 69 || d === 43 || d === 45) {
          float = true;
          i++;
        } else break;
      }
      const tok = text.slice(start, i);
      if (tok === '-Infinity') continue;
      if (float) {
        if (floatRepr(Number(tok)) !== tok) return false;
      } else if (tok === '-0' || (tok.length > 15 && !Number.isSafeInteger(Number(tok)) && BigInt(tok).toString() !== tok)) {
        return false;
      }
      continue;
    }
    if (c === 116 || c === 102 || c === 110 || c === 78 || c === 73) {
      // true, false, null, NaN, Infinity
      i++;
      for (;;) {
        const d = text.charCodeAt(i) | 32;
        if (d >= 97 && d <= 122) i++;
        else break;
      }
      continue;
    }
    return false; // whitespace anywhere else, or anything unexpected
  }
  return keys.length === 0;
}

/** A data line as json.dumps would write the parsed entry: the line itself when it already is. */
function promptJson(run: CategoryRun, index: number): string {
  const text = run.data.entries[index]!.questionText;
  return isPyJsonCanonical(text) ? text : pyJsonStringify(promptValue(run, index));
}

/** The parsed prompt; a damaged data line is written as its text (the entry already failed for it). */
function promptValue(run: CategoryRun, index: number): PyValue {
  try {
    return run.data.prompt(index);
  } catch {
    return run.data.entries[index]!.questionText;
  }
}

function groundTruthValue(run: CategoryRun, index: number): PyValue {
  try {
    return run.data.groundTruth(index);
  } catch {
    return run.data.entries[index]!.answerText;
  }
}

/** Marks the prompt field, whose text is taken from the data line when possible. */
const PROMPT = Symbol('prompt');
type Field = [string, PyValue | typeof PROMPT];

function failureFields(version: BfclVersion, run: CategoryRun, entry: EntryScore): Field[] {
  const relevance = run.category.includes('relevance');
  const raw: PyValue = entry.line?.result ?? null;
  const error: PyValue = (entry.error ?? []) as PyValue[];
  const errorType = entry.errorType ?? '';
  const head: Field[] = [
    ['id', entry.id],
    ['model_name', run.model],
    ['test_category', run.category],
    ['valid', false],
  ];
  if (relevance) {
    const decoded = entry.decoded === undefined ? null : makeJsonSerializable(entry.decoded);
    const body: Field[] = [
      ['prompt', PROMPT],
      ['model_result', raw],
      ['decoded_result', decoded],
    ];
    const err: Field[] = [
      ['error', error],
      ['error_type', errorType],
    ];
    // v3 wrote error and error_type before the prompt; v4 after decoded_result.
    return version === 'v3' ? [...head, ...err, ...body] : [...head, ...body, ...err];
  }
  const fields: Field[] = [...head, ['error', error], ['error_type', errorType], ['prompt', PROMPT]];
  if (entry.errorType === 'ast_decoder:decoder_failed' || entry.problem) {
    fields.push(['model_result_raw', raw]);
  } else if (entry.errorType === 'ast_decoder:decoder_wrong_output_format') {
    fields.push(['model_result_raw', pyStr(raw)], ['model_result_decoded', pyStr(entry.decoded ?? null)]);
  } else {
    fields.push(['model_result_raw', raw], ['model_result_decoded', makeJsonSerializable(entry.decoded ?? null)]);
  }
  fields.push(['possible_answer', groundTruthValue(run, entry.index)]);
  return fields;
}

/** The failure record BFCL writes for an entry, fields in BFCL's order for the version. */
export function failureRecord(version: BfclVersion, run: CategoryRun, entry: EntryScore): PyDict {
  return new Map(failureFields(version, run, entry).map(([k, v]) => [k, v === PROMPT ? promptValue(run, entry.index) : v]));
}

/** The record's line in the score file: json.dumps(record, ensure_ascii=False). */
export function failureRecordText(version: BfclVersion, run: CategoryRun, entry: EntryScore): string {
  let out = '{';
  for (const [k, v] of failureFields(version, run, entry)) {
    if (out.length > 1) out += ', ';
    out += `${JSON.stringify(k)}: ${v === PROMPT ? promptJson(run, entry.index) : pyJsonStringify(v)}`;
  }
  return out + '}';
}

/** Failing entries in BFCL's order (sort_key of the id, stable). */
export function failuresInOrder(run: CategoryRun): EntryScore[] {
  const failed = run.entries.filter((e) => !e.valid).map((e, i) => ({ e, i, k: idSortKey(e.id) }));
  failed.sort((a, b) => (a.k && b.k ? compareSortKeys(a.k, b.k) || a.i - b.i : a.i - b.i));
  return failed.map((x) => x.e);
}

/** The full text of a category's score file. */
export function scoreFileText(version: BfclVersion, run: CategoryRun): string {
  // Lines joined once: appending each to the text built a rope that writing had to flatten.
  const lines = [pyJsonStringify(scoreHeader(run))];
  for (const e of failuresInOrder(run)) lines.push(failureRecordText(version, run, e));
  lines.push('');
  return lines.join('\n');
}

/** One outcomes.jsonl line per entry. */
export function outcomeLines(model: ModelRun): string[] {
  const lines: string[] = [];
  for (const run of model.categories) {
    for (const e of run.entries) {
      const o: Record<string, unknown> = {
        id: e.id,
        category: run.category,
        model: model.model,
        valid: e.valid,
        errorType: e.valid ? null : e.errorType ?? null,
      };
      if (e.problem) o.reason = e.problem.message;
      lines.push(JSON.stringify(o));
    }
  }
  return lines;
}

async function writeAtomic(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFileAtomic(path, text);
}

export interface WrittenScoreFiles {
  scoreFiles: string[];
  outcomeFiles: string[];
}

/** Writes every category's score file and each model's outcomes.jsonl under `outDir`. */
export async function writeScoreFiles(run: ScoreRun, outDir: string): Promise<WrittenScoreFiles> {
  const written: WrittenScoreFiles = { scoreFiles: [], outcomeFiles: [] };
  const jobs: Promise<void>[] = [];
  for (const model of run.models) {
    for (const cat of model.categories) {
      const path = join(outDir, scoreFilePath(run.version, model.model, cat.category));
      written.scoreFiles.push(path);
      jobs.push(writeAtomic(path, scoreFileText(run.version, cat)));
    }
    if (model.categories.length > 0) {
      const path = join(outDir, model.model, 'outcomes.jsonl');
      written.outcomeFiles.push(path);
      jobs.push(writeAtomic(path, outcomeLines(model).join('\n') + '\n'));
    }
  }
  await Promise.all(jobs);
  return written;
}

/** A score file's header, as BFCL's update_leaderboard_table_with_local_score_file reads it. */
export interface ScoreFileHeader {
  model: string;
  category: string;
  path: string;
  score: CategoryScore;
}

/** The first line of a file, without reading the rest. */
async function readFirstLine(path: string): Promise<string> {
  const fh = await open(path, 'r');
  try {
    const chunks: Buffer[] = [];
    const buf = Buffer.alloc(64 * 1024);
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      const nl = buf.subarray(0, bytesRead).indexOf(10);
      if (nl >= 0) {
        chunks.push(Buffer.from(buf.subarray(0, nl)));
        break;
      }
      chunks.push(Buffer.from(buf.subarray(0, bytesRead)));
    }
    return Buffer.concat(chunks).toString('utf8');
  } finally {
    await fh.close();
  }
}

const SCORE_FILE = (version: BfclVersion): RegExp => new RegExp(`^BFCL_${version}_(\\w+?)_score\\.json$`);

/**
 * The headers of the score files already in SCORE_DIR (BFCL folds them into its tables, so a
 * model scored earlier still has its row). Unreadable headers are skipped and reported.
 */
export async function readScoreHeaders(
  scoreDir: string,
  version: BfclVersion,
  options: { skip?: ReadonlySet<string> } = {},
): Promise<{ headers: ScoreFileHeader[]; unreadable: { path: string; reason: string }[] }> {
  const headers: ScoreFileHeader[] = [];
  const unreadable: { path: string; reason: string }[] = [];
  const pattern = SCORE_FILE(version);
  const top = await readdir(scoreDir, { withFileTypes: true }).catch(() => []);
  for (const d of top) {
    if (!d.isDirectory()) continue;
    const files: string[] = [];
    const walk = async (dir: string, deep: boolean): Promise<void> => {
      for (const e of await readdir(dir, { withFileTypes: true })) {
        const p = join(dir, e.name);
        if (e.isDirectory() && deep) await walk(p, deep);
        else if (e.isFile() && pattern.test(e.name)) files.push(p);
      }
    };
    await walk(join(scoreDir, d.name), version === 'v4');
    files.sort();
    for (const path of files) {
      if (options.skip?.has(path)) continue;
      const category = pattern.exec(basename(path))![1]!;
      try {
        const h = parsePyJson(await readFirstLine(path));
        const acc = h instanceof Map ? h.get('accuracy') : undefined;
        const total = h instanceof Map ? h.get('total_count') : undefined;
        const correct = h instanceof Map ? h.get('correct_count') : undefined;
        if ((typeof acc !== 'number' && typeof acc !== 'bigint') || typeof total !== 'bigint') {
          unreadable.push({ path, reason: 'first line is not {accuracy, correct_count, total_count}' });
          continue;
        }
        headers.push({
          model: d.name,
          category,
          path,
          score: {
            accuracy: Number(acc),
            totalCount: Number(total),
            ...(typeof correct === 'bigint' ? { correctCount: Number(correct) } : {}),
          },
        });
      } catch (error) {
        unreadable.push({ path, reason: (error as Error).message });
      }
    }
  }
  return { headers, unreadable };
}
