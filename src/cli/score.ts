import { Option, type Command } from 'commander';
import type { BfclVersion } from '../bfcl/records.js';
import type { CategoryScore } from '../bfcl/scoring/aggregate.js';
import type { LeaderboardModel } from '../bfcl/scoring/csv.js';
import type { DataSet } from '../bfcl/scoring/data-files.js';
import type { DecoderMode, NamesMode, ScoreRun } from '../bfcl/scoring/score-run.js';

/**
 * `fc-distill score RESULT_DIR --data DATA_DIR --out SCORE_DIR`: BFCL's `evaluate` for the
 * single-turn categories, with the TypeScript checker. Reads RESULT_DIR/<model>/... result files
 * (v4 grouped in live/ and non_live/, v3 flat), prints a BFCL-style table, and with --out writes
 * BFCL's score files and CSV tables plus outcomes.jsonl per model. Exit 0 whenever scoring ran,
 * whatever the accuracy; 2 for bad input (no results, unreadable data).
 */
export interface ScoreCommandOptions {
  data?: string;
  out?: string;
  names: NamesMode;
  decoder: DecoderMode;
  model?: string[];
  partial?: boolean;
  json?: boolean;
}

export function registerScore(program: Command): void {
  program
    .command('score')
    .description('score BFCL result files (or our prediction files) with the TypeScript BFCL checker; write BFCL score files and tables')
    .argument('<result-dir>', 'folder with one folder per model: <model>/{live,non_live}/BFCL_v4_<category>_result.json (v3: <model>/BFCL_v3_<category>_result.json)')
    .option('--data <dir>', 'BFCL data folder: question files plus possible_answer/ (default: the pinned bfcl-eval release of the results\' version)')
    .option('--out <dir>', 'write <dir>/<model>/{live,non_live}/BFCL_v4_<category>_score.json, data_live.csv, data_non_live.csv, data_overall.csv and <model>/outcomes.jsonl')
    .addOption(
      new Option('--names <mode>', 'function names in the results: underscored (dots sent as _) or dotted; auto = underscored for function-calling results, dotted for text')
        .choices(['auto', 'dotted', 'underscored'])
        .default('auto'),
    )
    .addOption(
      new Option('--decoder <kind>', 'how results are decoded; auto = fc for lists of calls, python or json-text for text by its look')
        .choices(['auto', 'fc', 'python', 'json-text'])
        .default('auto'),
    )
    .option('--model <name>', 'score only this model folder (repeatable)', (v: string, acc: string[] | undefined) => [...(acc ?? []), v])
    .option('--partial', "BFCL's --partial-eval: entries absent from a result file are left out instead of counted as failures")
    .option('--json', 'print the results as JSON instead of the table')
    .action(async (resultDir: string, options: ScoreCommandOptions) => {
      await runScoreCommand(resultDir, options);
    });
}

/** The command's work, callable in-process. Returns nothing; errors are InputErrors (exit 2). */
export async function runScoreCommand(resultDir: string, options: ScoreCommandOptions): Promise<void> {
  const started = performance.now();
  const { scoreResultDir, CHECKER_FAILURES } = await import('../bfcl/scoring/score-run.js');
  const run = await scoreResultDir({
    resultDir,
    loadData: (version, categories) => loadData(options.data, version, categories),
    names: options.names ?? 'auto',
    decoder: options.decoder ?? 'auto',
    ...(options.model ? { models: options.model } : {}),
    partial: options.partial ?? false,
  });
  const scoredAt = performance.now();

  const { KNOWN_DATASET_SIZES, modelFigures, formatPercent } = await import('../bfcl/scoring/aggregate.js');
  const { leaderboardTables, writeLeaderboardCsvs } = await import('../bfcl/scoring/csv.js');
  const sizes = new Map<string, number>();
  for (const m of run.models) for (const c of m.categories) sizes.set(c.category, c.data.size);
  const datasetSize = (c: string): number => sizes.get(c) ?? KNOWN_DATASET_SIZES[run.version][c] ?? 0;

  let written: { scoreFiles: string[]; outcomeFiles: string[]; csvFiles: string[]; fromEarlier: string[] } | undefined;
  if (options.out) {
    const { writeScoreFiles, readScoreHeaders } = await import('../bfcl/scoring/score-files.js');
    const files = await writeScoreFiles(run, options.out);
    // Like BFCL, fold in every score file already in SCORE_DIR (other models, categories scored earlier).
    const { headers } = await readScoreHeaders(options.out, run.version, { skip: new Set(files.scoreFiles) });
    const models = new Map<string, LeaderboardModel & { scores: Map<string, CategoryScore> }>();
    for (const m of run.models) {
      models.set(m.model, {
        model: m.model,
        scores: new Map(m.categories.map((c) => [c.category, { accuracy: c.accuracy, totalCount: c.total }])),
        costLatency: m.costLatency,
      });
    }
    const fromEarlier = new Set<string>();
    for (const h of headers) {
      let entry = models.get(h.model);
      if (!entry) {
        entry = { model: h.model, scores: new Map() };
        models.set(h.model, entry);
      }
      if (!entry.scores.has(h.category)) {
        entry.scores.set(h.category, h.score);
        fromEarlier.add(h.path);
      }
    }
    const tables = leaderboardTables(run.version, [...models.values()], datasetSize);
    const csvFiles = await writeLeaderboardCsvs(options.out, tables);
    written = { ...files, csvFiles, fromEarlier: [...fromEarlier].sort() };
  }
  const seconds = (performance.now() - started) / 1000;

  const summaries = run.models.map((m) => ({
    model: m,
    figures: modelFigures(run.version, new Map(m.categories.map((c) => [c.category, { accuracy: c.accuracy, totalCount: c.total }])), datasetSize),
  }));

  if (options.json) {
    process.stdout.write(JSON.stringify(jsonReport(run, summaries, written, seconds, formatPercent), null, 2) + '\n');
  } else {
    process.stdout.write(textReport(run, summaries, written, seconds, (scoredAt - started) / 1000, formatPercent));
  }
  for (const line of warnings(run, CHECKER_FAILURES)) process.stderr.write(`warning: ${line}\n`);
}

async function loadData(dataDir: string | undefined, version: BfclVersion, categories: string[]): Promise<DataSet> {
  const { readDataDir, dataSetFromFiles, dataFileNames } = await import('../bfcl/scoring/data-files.js');
  if (dataDir) return readDataDir(dataDir, version, categories);
  // Default: the pinned bfcl-eval release of this BFCL version (its files are checked against the pinned sums).
  const { PINNED_BFCL_DATA } = await import('../bfcl/data-sums.js');
  const { readBfclEvalFiles } = await import('../bfcl/sources/bfcl-eval.js');
  const pinned = PINNED_BFCL_DATA[version];
  const names = categories.flatMap((c) => {
    const n = dataFileNames(version, c);
    return [n.question, ...(n.answer ? [n.answer] : [])];
  });
  const available = names.filter((n) => n in pinned.files);
  const files = await readBfclEvalFiles(version, available);
  const texts = new Map(files.map((f) => [f.name, { text: f.bytes.toString('utf8'), origin: f.origin }]));
  return dataSetFromFiles(version, `bfcl-eval ${pinned.bfclEval.release}`, categories, texts);
}

type Summary = { model: ScoreRun['models'][number]; figures: import('../bfcl/scoring/aggregate.js').ModelFigures };

function textReport(
  run: ScoreRun,
  summaries: Summary[],
  written: { scoreFiles: string[]; outcomeFiles: string[]; csvFiles: string[]; fromEarlier: string[] } | undefined,
  seconds: number,
  scoringSeconds: number,
  pctExact: (x: number) => string,
): string {
  const out: string[] = [];
  const cell = (d: number | 'N/A'): string => (d === 'N/A' ? 'N/A' : pctExact(d));
  for (const { model, figures } of summaries) {
    out.push(`Model ${model.model}  (BFCL ${run.version}, decoder ${model.decoder}, names ${model.underscoreToDot ? 'underscored' : 'dotted'})`);
    if (model.categories.length > 0) {
      const w = Math.max(...model.categories.map((c) => c.category.length), 'category'.length);
      out.push(`  ${'category'.padEnd(w)}  ${'correct'.padStart(7)}  ${'total'.padStart(5)}  accuracy  problems`);
      for (const c of model.categories) {
        const problems = c.entries.filter((e) => e.problem).length + c.ignored.length;
        out.push(
          `  ${c.category.padEnd(w)}  ${String(c.correct).padStart(7)}  ${String(c.total).padStart(5)}  ${pctExact(c.accuracy).padStart(8)}  ${problems || ''}`,
        );
      }
    }
    const f = figures;
    const rows: [string, { display: number | 'N/A'; complete: boolean }][] = [
      ['Live Overall Acc', f.live.overall],
      ['Live AST Summary', f.live.astSummary],
      ['Non-Live Overall Acc', f.nonLive.overall],
      ['Non-Live AST Summary', f.nonLive.astSummary],
      ['Irrelevance Detection (non-live + live)', f.totalIrrelevance],
      ['Relevance Detection', f.totalRelevance],
    ];
    out.push('  summary');
    let partial = false;
    for (const [name, fig] of rows) {
      const mark = fig.display !== 'N/A' && !fig.complete ? ' *' : '';
      partial ||= mark !== '';
      out.push(`    ${name.padEnd(40)} ${cell(fig.display).padStart(8)}${mark}`);
    }
    if (partial) out.push('    * counts categories without scores as 0, as BFCL does');
    for (const u of model.unscored) out.push(`  not scored: ${u.path}: ${u.reason}`);
    out.push('');
  }
  for (const s of run.skipped) out.push(`skipped ${s.path}: ${s.reason}`);
  if (written) {
    out.push(`wrote ${written.scoreFiles.length} score files, ${written.outcomeFiles.length} outcomes files and ${written.csvFiles.join(', ')}`);
    if (written.fromEarlier.length > 0) {
      out.push(`  (the tables also include ${written.fromEarlier.length} score files that were already in the output folder, as BFCL does)`);
    }
  }
  const entries = run.models.reduce((n, m) => n + m.categories.reduce((k, c) => k + c.total, 0), 0);
  out.push(`scored ${entries} entries in ${scoringSeconds.toFixed(2)} s (${seconds.toFixed(2)} s in all); data: ${run.dataOrigin}`);
  return out.join('\n') + '\n';
}

/** Lines shown per category and kind before the rest is summed up (all of them are in --json and outcomes.jsonl). */
const WARNINGS_SHOWN = 20;

function warnings(run: ScoreRun, checkerFailures: readonly string[]): string[] {
  const out: string[] = [];
  const capped = (where: string, lines: string[], what: string): void => {
    out.push(...lines.slice(0, WARNINGS_SHOWN).map((l) => `${where}: ${l}`));
    if (lines.length > WARNINGS_SHOWN) out.push(`${where}: ... and ${lines.length - WARNINGS_SHOWN} more ${what} (all listed by --json and in outcomes.jsonl)`);
  };
  for (const m of run.models) {
    for (const c of m.categories) {
      const where = `${m.model} ${c.category} (${c.resultPath})`;
      const failed = c.entries.filter((e) => e.problem);
      capped(where, failed.map((e) => `${e.id}: ${e.problem!.message} (counted as a failure)`), 'entries with result-file problems');
      capped(where, c.ignored.map((p) => p.message), 'ignored lines');
      if (c.bfclNote && (failed.length > 0 || c.ignored.length > 0)) out.push(`${where}: note: ${c.bfclNote}`);
      const crashed = c.entries.filter((e) => e.errorType !== undefined && checkerFailures.includes(e.errorType));
      capped(
        where,
        crashed.map((e) => `${e.id}: the checker could not judge this entry (${e.errorType}: ${String(e.error?.[0])}); counted as a failure`),
        'entries the checker could not judge',
      );
    }
  }
  return out;
}

function jsonReport(
  run: ScoreRun,
  summaries: Summary[],
  written: { scoreFiles: string[]; outcomeFiles: string[]; csvFiles: string[]; fromEarlier: string[] } | undefined,
  seconds: number,
  pctExact: (x: number) => string,
): unknown {
  const figure = (f: { accuracy: number; display: number | 'N/A' }): unknown => ({
    accuracy: f.accuracy,
    display: f.display === 'N/A' ? 'N/A' : pctExact(f.display),
  });
  return {
    version: run.version,
    results: run.resultRoot,
    data: run.dataOrigin,
    seconds,
    models: summaries.map(({ model, figures }) => ({
      model: model.model,
      decoder: model.decoder,
      names: model.underscoreToDot ? 'underscored' : 'dotted',
      categories: model.categories.map((c) => ({
        category: c.category,
        resultFile: c.resultPath,
        correct: c.correct,
        total: c.total,
        accuracy: c.accuracy,
        problems: c.entries.filter((e) => e.problem).map((e) => ({ id: e.id, kind: e.problem!.kind, line: e.problem!.line, message: e.problem!.message })),
        ignoredLines: c.ignored.map((p) => ({ kind: p.kind, line: p.line, id: p.id, message: p.message })),
        ...(c.bfclNote ? { bfclNote: c.bfclNote } : {}),
      })),
      summary: {
        liveOverall: figure(figures.live.overall),
        liveAstSummary: figure(figures.live.astSummary),
        nonLiveOverall: figure(figures.nonLive.overall),
        nonLiveAstSummary: figure(figures.nonLive.astSummary),
        irrelevance: figure(figures.totalIrrelevance),
        relevance: figure(figures.totalRelevance),
        overall: figure(figures.overall),
      },
      notScored: model.unscored,
    })),
    skipped: run.skipped,
    ...(written ? { written } : {}),
  };
}

