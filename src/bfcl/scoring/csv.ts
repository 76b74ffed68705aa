/**
 * BFCL's leaderboard tables: data_live.csv, data_non_live.csv and data_overall.csv, with the
 * columns, order, rounding and ranking of `bfcl evaluate` (eval_runner_helper.py's
 * generate_leaderboard_csv / write_score_csv_file) for the data version:
 *   - cells are `"{:.2f}%"` of 100 x accuracy (Python rounding), "N/A" for a category not run
 *     (which still counts as 0 in the overall figures, as BFCL does);
 *   - rows sorted by the table's overall column, descending, "N/A" last, ties in model order;
 *   - lines joined by "\n", no newline after the last.
 * Each cell also says whether it can be compared with a table made from more results
 * (`comparable`): false when it depends on a category we did not score.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BfclVersion } from '../records.js';
import {
  costLatencyCells,
  formatDisplay,
  modelFigures,
  scoringCategories,
  type CategoryScore,
  type CostLatencyInput,
  type Display,
  type Figure,
  type ModelFigures,
} from './aggregate.js';

/** What BFCL's model config says about a model (display name, link, prices). */
export interface ModelInfo {
  displayName: string;
  url: string;
  org: string;
  license: string;
  /** USD per million tokens; null for locally hosted models (v4 then prices GPU time from latency). */
  inputPrice: number | null;
  outputPrice: number | null;
}

/**
 * The models we meet, keyed by BFCL's registry name (result folder names have `/` as `_`).
 * The gpt-oss rows are those of the vLLM runs in the conformance data.
 */
export const KNOWN_MODELS: Readonly<Record<string, ModelInfo>> = {
  'openai/gpt-oss-120b': {
    displayName: 'openai/gpt-oss-120b (FC) (vLLM)',
    url: 'https://huggingface.co/openai/gpt-oss-120b',
    org: 'OpenAI',
    license: 'apache-2.0',
    inputPrice: null,
    outputPrice: null,
  },
  'openai/gpt-oss-20b': {
    displayName: 'openai/gpt-oss-20b (FC) (vLLM)',
    url: 'https://huggingface.co/openai/gpt-oss-20b',
    org: 'OpenAI',
    license: 'apache-2.0',
    inputPrice: null,
    outputPrice: null,
  },
  'nova-pro-v1.0': nova('Pro', 0.8, 3.2),
  'nova-lite-v1.0': nova('Lite', 0.06, 0.24),
  'nova-micro-v1.0': nova('Micro', 0.035, 0.14),
  'meta-llama/Llama-3.1-8B-Instruct': llama('Llama-3.1-8B-Instruct (Prompt)'),
  'meta-llama/Llama-3.1-8B-Instruct-FC': llama('Llama-3.1-8B-Instruct (FC)'),
  'meta-llama/Llama-3.2-1B-Instruct-FC': llama('Llama-3.2-1B-Instruct (FC)'),
  'meta-llama/Llama-3.2-3B-Instruct-FC': llama('Llama-3.2-3B-Instruct (FC)'),
  'meta-llama/Llama-3.3-70B-Instruct-FC': llama('Llama-3.3-70B-Instruct (FC)'),
};

function nova(size: string, inputPrice: number, outputPrice: number): ModelInfo {
  return {
    displayName: `Amazon-Nova-${size}-v1:0 (FC)`,
    url: 'https://aws.amazon.com/cn/ai/generative-ai/nova/',
    org: 'Amazon',
    license: 'Proprietary',
    inputPrice,
    outputPrice,
  };
}

function llama(displayName: string): ModelInfo {
  return { displayName, url: 'https://llama.meta.com/llama3', org: 'Meta', license: 'Meta Llama 3 Community', inputPrice: null, outputPrice: null };
}

/** Model info for a result folder name (BFCL turns every `_` back into `/` to look it up). */
export function modelInfo(folderName: string): ModelInfo {
  const registry = folderName.replaceAll('_', '/');
  return (
    KNOWN_MODELS[registry] ??
    KNOWN_MODELS[folderName] ?? {
      displayName: registry,
      url: 'N/A',
      org: 'N/A',
      license: 'N/A',
      inputPrice: null,
      outputPrice: null,
    }
  );
}

/** One model's row inputs. */
export interface LeaderboardModel {
  /** Result/score folder name, e.g. `openai_gpt-oss-20b`. */
  model: string;
  scores: ReadonlyMap<string, CategoryScore>;
  /** Token counts and latencies of the results scored now (absent for rows read from old score files). */
  costLatency?: CostLatencyInput;
}

export interface CsvCell {
  text: string;
  comparable: boolean;
}

export interface CsvRow {
  model: string;
  cells: CsvCell[];
}

export interface CsvTable {
  file: 'data_live.csv' | 'data_non_live.csv' | 'data_overall.csv';
  header: string[];
  rows: CsvRow[];
}

const COLUMNS_NON_LIVE: Record<BfclVersion, string[]> = {
  v3: ['Rank', 'Model', 'Non_Live Overall Acc', 'AST Summary', 'Simple AST', 'Python Simple AST', 'Java Simple AST', 'JavaScript Simple AST', 'Multiple AST', 'Parallel AST', 'Parallel Multiple AST', 'Irrelevance Detection'],
  v4: ['Rank', 'Model', 'Non-Live Overall Acc', 'AST Summary', 'Simple AST', 'Python Simple AST', 'Java Simple AST', 'JavaScript Simple AST', 'Multiple AST', 'Parallel AST', 'Parallel Multiple AST', 'Irrelevance Detection'],
};

const COLUMNS_LIVE = ['Rank', 'Model', 'Live Overall Acc', 'AST Summary', 'Python Simple AST', 'Python Multiple AST', 'Python Parallel AST', 'Python Parallel Multiple AST', 'Irrelevance Detection', 'Relevance Detection'];

const COLUMNS_OVERALL: Record<BfclVersion, string[]> = {
  v3: ['Rank', 'Overall Acc', 'Model', 'Model Link', 'Cost ($ Per 1k Function Calls)', 'Latency Mean (s)', 'Latency Standard Deviation (s)', 'Latency 95th Percentile (s)', 'Non-Live AST Acc', 'Non-Live Simple AST', 'Non-Live Multiple AST', 'Non-Live Parallel AST', 'Non-Live Parallel Multiple AST', 'Live Acc', 'Live Simple AST', 'Live Multiple AST', 'Live Parallel AST', 'Live Parallel Multiple AST', 'Multi Turn Acc', 'Multi Turn Base', 'Multi Turn Miss Func', 'Multi Turn Miss Param', 'Multi Turn Long Context', 'Relevance Detection', 'Irrelevance Detection', 'Organization', 'License'],
  v4: ['Rank', 'Overall Acc', 'Model', 'Model Link', 'Total Cost ($)', 'Latency Mean (s)', 'Latency Standard Deviation (s)', 'Latency 95th Percentile (s)', 'Non-Live AST Acc', 'Non-Live Simple AST', 'Non-Live Multiple AST', 'Non-Live Parallel AST', 'Non-Live Parallel Multiple AST', 'Live Acc', 'Live Simple AST', 'Live Multiple AST', 'Live Parallel AST', 'Live Parallel Multiple AST', 'Multi Turn Acc', 'Multi Turn Base', 'Multi Turn Miss Func', 'Multi Turn Miss Param', 'Multi Turn Long Context', 'Web Search Acc', 'Web Search Base', 'Web Search No Snippet', 'Memory Acc', 'Memory KV', 'Memory Vector', 'Memory Recursive Summarization', 'Relevance Detection', 'Irrelevance Detection', 'Format Sensitivity Max Delta', 'Format Sensitivity Standard Deviation', 'Organization', 'License'],
};

/** A cell before ranking: the sort value (a number, or -1 for N/A) travels with it. */
interface PendingRow {
  model: string;
  sortValue: number;
  cells: CsvCell[];
}

const text = (t: string): CsvCell => ({ text: t, comparable: true });
const fig = (f: Figure): CsvCell => ({ text: formatDisplay(f.display), comparable: f.complete });
const sortValueOf = (d: Display): number => (d === 'N/A' ? -1 : d);

function rank(file: CsvTable['file'], header: string[], rows: PendingRow[]): CsvTable {
  const sorted = rows.map((r, i) => ({ r, i })).sort((a, b) => b.r.sortValue - a.r.sortValue || a.i - b.i);
  const rankComparable = rows.every((r) => r.cells[0]!.comparable);
  return {
    file,
    header,
    rows: sorted.map(({ r }, i) => ({
      model: r.model,
      cells: [{ text: String(i + 1), comparable: rankComparable }, ...r.cells.slice(1)],
    })),
  };
}

/**
 * The three tables for a set of models. `datasetSize` gives the size of a category not run.
 * Model order (for ties) is the order given.
 */
export function leaderboardTables(
  version: BfclVersion,
  models: readonly LeaderboardModel[],
  datasetSize: (category: string) => number,
): CsvTable[] {
  const live: PendingRow[] = [];
  const nonLive: PendingRow[] = [];
  const overall: PendingRow[] = [];
  const allCategories = scoringCategories(version);
  for (const m of models) {
    const info = modelInfo(m.model);
    const f: ModelFigures = modelFigures(version, m.scores, datasetSize);
    const nl = f.nonLive;
    const lv = f.live;
    // The overall column is the sort key: the rank is comparable only if every row's is.
    nonLive.push({
      model: m.model,
      sortValue: sortValueOf(nl.overall.display),
      cells: [
        { text: '', comparable: nl.overall.complete },
        text(info.displayName),
        fig(nl.overall),
        fig(nl.astSummary),
        fig(nl.simpleAst),
        fig(nl.pythonSimple),
        fig(nl.javaSimple),
        fig(nl.javascriptSimple),
        fig(nl.multiple),
        fig(nl.parallel),
        fig(nl.parallelMultiple),
        fig(nl.irrelevance),
      ],
    });
    live.push({
      model: m.model,
      sortValue: sortValueOf(lv.overall.display),
      cells: [
        { text: '', comparable: lv.overall.complete },
        text(info.displayName),
        fig(lv.overall),
        fig(lv.astSummary),
        fig(lv.simple),
        fig(lv.multiple),
        fig(lv.parallel),
        fig(lv.parallelMultiple),
        fig(lv.irrelevance),
        fig(lv.relevance),
      ],
    });
    const cl = m.costLatency
      ? costLatencyCells(version, m.costLatency, info)
      : { cost: 'N/A', mean: 'N/A', std: 'N/A', p95: 'N/A' };
    // Cost and latency cover every category's results: comparable only when all were scored now.
    const clComparable = m.costLatency !== undefined && allCategories.every((c) => m.scores.has(c));
    const clCell = (t: string): CsvCell => ({ text: t, comparable: clComparable });
    const cells: CsvCell[] = [
      { text: '', comparable: f.overall.complete },
      fig(f.overall),
      text(info.displayName),
      text(info.url),
      clCell(cl.cost),
      clCell(cl.mean),
      clCell(cl.std),
      clCell(cl.p95),
      fig(nl.astSummary),
      fig(nl.simpleAst),
      fig(nl.multiple),
      fig(nl.parallel),
      fig(nl.parallelMultiple),
      fig(lv.overall),
      fig(lv.simple),
      fig(lv.multiple),
      fig(lv.parallel),
      fig(lv.parallelMultiple),
      fig(f.multiTurn.overall),
      fig(f.multiTurn.base),
      fig(f.multiTurn.missFunc),
      fig(f.multiTurn.missParam),
      fig(f.multiTurn.longContext),
    ];
    if (version === 'v4') {
      const a = f.agentic;
      cells.push(
        fig(a.webSearch),
        fig(a.webSearchBase),
        fig(a.webSearchNoSnippet),
        fig(a.memory),
        fig(a.memoryKv),
        fig(a.memoryVector),
        fig(a.memoryRecSum),
      );
    }
    cells.push(fig(f.totalRelevance), fig(f.totalIrrelevance));
    if (version === 'v4') cells.push({ text: 'N/A', comparable: false }, { text: 'N/A', comparable: false });
    cells.push(text(info.org), text(info.license));
    overall.push({ model: m.model, sortValue: sortValueOf(f.overall.display), cells });
  }
  return [
    rank('data_non_live.csv', COLUMNS_NON_LIVE[version], nonLive),
    rank('data_live.csv', COLUMNS_LIVE, live),
    rank('data_overall.csv', COLUMNS_OVERALL[version], overall),
  ];
}

/** The file text: header and rows joined by "\n", no trailing newline (as BFCL writes it). */
export function renderCsv(table: CsvTable): string {
  return [table.header.join(','), ...table.rows.map((r) => r.cells.map((c) => c.text).join(','))].join('\n');
}

/** Parses a BFCL CSV (plain: no quoting, as BFCL writes it) into header and rows. */
export function parseCsv(text: string): { header: string[]; rows: string[][] } {
  const lines = text.split(/\r?\n/).filter((l) => l !== '');
  return { header: (lines[0] ?? '').split(','), rows: lines.slice(1).map((l) => l.split(',')) };
}

export async function writeLeaderboardCsvs(dir: string, tables: readonly CsvTable[]): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  return Promise.all(
    tables.map(async (t) => {
      const path = join(dir, t.file);
      await writeFile(path, renderCsv(t), 'utf8');
      return path;
    }),
  );
}
