import { topLevelMembers, memberText } from '../bfcl/json-spans.js';
import { bfclFileCategory, type BfclExample, type BfclVersion } from '../bfcl/records.js';
import { KNOWN_DATASET_SIZES, type CategoryScore } from '../bfcl/scoring/aggregate.js';
import { leaderboardTables, renderCsv, type CsvTable } from '../bfcl/scoring/csv.js';
import { CategoryData, type DataEntry } from '../bfcl/scoring/data-files.js';
import type { ScoreFileHeader } from '../bfcl/scoring/score-files.js';
import { scoreFilePath, scoreFileText } from '../bfcl/scoring/score-files.js';
import type { CategoryRun, EntryScore } from '../bfcl/scoring/score-run.js';
import type { EntryOutcome, PyValue } from '../bfcl/scoring/types.js';

/**
 * BFCL-compatible score files of an experiment's evaluations, as `bfcl evaluate` writes them
 * (the text itself is src/bfcl/scoring/score-files.ts and csv.ts): the score step writes one
 * model x approach's, the results step gathers every one into results/<experiment>/bfcl/ with
 * BFCL's tables for the live and non-live categories.
 *
 * The model folder (and each failure's `model_name`) is `<model>.<approach>`: one experiment
 * scores a model role under several approaches, and BFCL has one folder per scored "model".
 */

/** Folder of the score files inside the score and results artifacts (and results/<experiment>/). */
export const BFCL_SCORE_DIR = 'bfcl';

/**
 * BFCL's tables written next to the score files. data_overall.csv is left out: most of its
 * columns are categories an experiment does not run (multi-turn, agentic), which BFCL counts as
 * 0, and its cost and latency columns are measured, not computed, so they would churn in diffs.
 */
export const BFCL_TABLES: readonly CsvTable['file'][] = ['data_live.csv', 'data_non_live.csv'];

export function scoreFolderName(model: string, approach: string): string {
  return `${model}.${approach}`;
}

/** One scored example: the eval.jsonl line it came from, what the decoder saw, the verdict. */
export interface ScoredExample {
  example: BfclExample;
  /** The example's eval.jsonl line: its `question` and `functions` hold BFCL's original text. */
  line: string;
  result: PyValue;
  outcome: EntryOutcome;
}

/**
 * The question-file line BFCL has for the example (`{"id", "question", "function"}`), rebuilt
 * from the original texts of the members, so that a failure's `prompt` keeps numbers as written.
 */
function questionText(scored: ScoredExample): string {
  const members = topLevelMembers(scored.line);
  const question = memberText(scored.line, members, 'question') ?? JSON.stringify(scored.example.question);
  const functions = memberText(scored.line, members, 'functions') ?? JSON.stringify(scored.example.functions);
  return `{"id": ${JSON.stringify(scored.example.id)}, "question": ${question}, "function": ${functions}}`;
}

/** The category's runs, as score-run.ts would have made them from a result file and the data. */
function categoryRuns(version: BfclVersion, folder: string, scored: readonly ScoredExample[]): CategoryRun[] {
  const byCategory = new Map<string, ScoredExample[]>();
  for (const s of scored) {
    const category = bfclFileCategory(s.example.category, version);
    const list = byCategory.get(category);
    if (list) list.push(s);
    else byCategory.set(category, [s]);
  }
  const runs: CategoryRun[] = [];
  for (const [category, items] of byCategory) {
    const entries: DataEntry[] = items.map((s, i) => ({
      id: s.example.id,
      category,
      line: i + 1,
      questionText: questionText(s),
      answerText: s.example.answerJson === null ? null : `{"id": ${JSON.stringify(s.example.id)}, "ground_truth": ${s.example.answerJson}}`,
      answerLine: s.example.answerJson === null ? null : i + 1,
    }));
    const data = new CategoryData(version, category, entries, `eval split (${category})`);
    const scores: EntryScore[] = items.map((s, index) => {
      const o = s.outcome;
      return {
        index,
        id: s.example.id,
        valid: o.valid,
        line: { line: index + 1, id: s.example.id, result: s.result, record: new Map<string, PyValue>([['id', s.example.id], ['result', s.result]]) },
        ...(o.errorType === undefined ? {} : { errorType: o.errorType }),
        ...(o.error === undefined ? {} : { error: o.error }),
        ...(o.decoded === undefined ? {} : { decoded: o.decoded }),
      };
    });
    const correct = scores.filter((e) => e.valid).length;
    runs.push({
      model: folder,
      category,
      resultPath: `${folder}/${category}`,
      data,
      entries: scores,
      correct,
      total: scores.length,
      accuracy: scores.length === 0 ? 0 : correct / scores.length,
      ignored: [],
    });
  }
  return runs.sort((a, b) => (a.category < b.category ? -1 : a.category > b.category ? 1 : 0));
}

/**
 * The score files of one model x approach: path (relative to the score folder, BFCL's layout
 * for the version: v3 flat, v4 under live/ and non_live/) -> text.
 */
export function bfclScoreFiles(version: BfclVersion, folder: string, scored: readonly ScoredExample[]): Map<string, string> {
  return new Map(categoryRuns(version, folder, scored).map((run) => [scoreFilePath(version, folder, run.category), scoreFileText(version, run)]));
}

/**
 * BFCL's live and non-live tables over score-file headers (read back with readScoreHeaders),
 * one row per model folder in the order given; a category not run is "N/A", as BFCL shows it.
 */
export function bfclTables(version: BfclVersion, folders: readonly string[], headers: readonly ScoreFileHeader[]): Map<string, string> {
  const models = folders.map((model) => ({
    model,
    scores: new Map<string, CategoryScore>(headers.filter((h) => h.model === model).map((h) => [h.category, h.score])),
  }));
  const tables = leaderboardTables(version, models, (c) => KNOWN_DATASET_SIZES[version][c] ?? 0);
  return new Map(tables.filter((t) => BFCL_TABLES.includes(t.file)).map((t) => [t.file, renderCsv(t)]));
}
