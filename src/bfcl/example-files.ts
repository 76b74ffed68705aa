import { readFile, writeFile } from 'node:fs/promises';
import { InputError } from '../errors.js';
import type { Json } from '../json.js';
import type { BfclExample, BfclVersion, Category } from './records.js';

/**
 * The artifact files the data steps (load, filter, split, mixin) write and read.
 *
 * `*.jsonl`: one BfclExample per line, `{"id", "category", "question", "functions",
 * "answerJson"}`. `question` and `functions` are the original JSON text of BFCL's `question`
 * and `function` members (so numbers such as `5.0` in function docs stay as written for a
 * lossless reader; `JSON.parse` reads them as usual), and `answerJson` is the possible
 * answer's `ground_truth` as a JSON string holding its original text (null for relevance
 * and irrelevance). The mixin step's `train.jsonl` adds `"labelled": true|false`.
 * Steps pass lines through unchanged (filter, split) so nothing is re-serialised.
 */

export interface ExampleRecord {
  example: BfclExample;
  /** The example's JSONL line (no newline). */
  line: string;
}

/** A labelled training example, as in the mixin step's train.jsonl. */
export interface LabelledExample extends BfclExample {
  labelled: boolean;
}

export function formatExampleLine(
  id: string,
  category: Category,
  questionJson: string,
  functionsJson: string,
  answerJson: string | null,
): string {
  return `{"id":${JSON.stringify(id)},"category":${JSON.stringify(category)},"question":${questionJson},"functions":${functionsJson},"answerJson":${answerJson === null ? 'null' : JSON.stringify(answerJson)}}`;
}

/** The same line with `"labelled": <value>` appended. */
export function withLabelled(line: string, labelled: boolean): string {
  return `${line.slice(0, line.lastIndexOf('}'))},"labelled":${labelled}}`;
}

export function parseExampleLines(text: string, file: string): ExampleRecord[] {
  const records: ExampleRecord[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.trim() === '') continue;
    let example: BfclExample;
    try {
      example = JSON.parse(line) as BfclExample;
    } catch (error) {
      throw new InputError(`not a JSON line (${(error as Error).message}): the artifact is damaged; rerun the step with --force.`, {
        file,
        line: i + 1,
      });
    }
    records.push({ example, line });
  }
  return records;
}

export async function readExampleRecords(path: string): Promise<ExampleRecord[]> {
  return parseExampleLines(await readFile(path, 'utf8'), path);
}

/** Reads a data artifact's examples (examples.jsonl, train.jsonl, eval.jsonl). */
export async function readExamples(path: string): Promise<BfclExample[]> {
  return (await readExampleRecords(path)).map((r) => r.example);
}

export async function writeLines(path: string, lines: readonly string[]): Promise<void> {
  await writeFile(path, lines.length === 0 ? '' : lines.join('\n') + '\n');
}

/** `dataset.json`, written by load and filter. */
export interface DatasetInfo {
  version: BfclVersion;
  source: string;
  categories: Category[];
  /** The data files read, sorted by name: path under bfcl_eval/data, sha256, number of lines. */
  files: { name: string; sha256: string; lines: number }[];
  /** SHA-256 over the sorted file sums (`<sha256>  <name>\n` per file): what the data is. */
  contentHash: string;
  /** When the files equal a pinned release: its gorilla commit (and bfcl-eval release). */
  pinned: { commit: string; bfclEval: string } | null;
  /** Examples per category, in category order (filtered counts after a filter). */
  counts: Record<string, number>;
  total: number;
  /** Ids changed to keep ids unique (a repeated BFCL id gets `#<occurrence>` appended). */
  renamedIds: { id: string; originalId: string; file: string; line: number }[];
  /** Filters applied, in order (filter step). */
  filters?: { params: Json; before: number; after: number; removedByCategory: Record<string, number> }[];
}

export async function readDatasetInfo(path: string): Promise<DatasetInfo> {
  return JSON.parse(await readFile(path, 'utf8')) as DatasetInfo;
}

export async function writeJson(path: string, value: unknown): Promise<void> {
  await writeFile(path, JSON.stringify(value, null, 2) + '\n');
}

/** The BFCL id an id of ours stands for (`live_relevance_3-3-0#2` -> `live_relevance_3-3-0`). */
export function bfclId(id: string): string {
  const hash = id.indexOf('#');
  return hash === -1 ? id : id.slice(0, hash);
}

/** Examples per category, in the given category order (categories without examples: 0). */
export function countByCategory(examples: readonly BfclExample[], categories: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const c of categories) counts[c] = 0;
  for (const e of examples) counts[e.category] = (counts[e.category] ?? 0) + 1;
  return counts;
}
