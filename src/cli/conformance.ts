#!/usr/bin/env node
/**
 * Conformance of fc-distill's scorer with the official BFCL evaluator on real model outputs.
 *
 *   npm run conformance -- [DIR] [--data DATA_DIR] [--json]
 *
 * DIR (default ../shared/conformance beside the package) holds runs: any folder with `result/`
 * and `score/` as `bfcl generate` / `bfcl evaluate` wrote them, plus `bfcl-data-v4/` (the data
 * they were scored against; --data overrides it). For every run, model and category, the
 * results are scored in-process and compared with the official score files: the set of failing
 * ids, the error_type of each, the header (accuracy, correct_count, total_count) and each
 * failure line's text; then every cell of data_live.csv, data_non_live.csv and data_overall.csv
 * that both tables have and that depends only on categories scored here.
 * Prints the counts compared and every disagreement; exit 0 when there are none, 1 otherwise,
 * 2 when DIR is not usable.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { InputError } from '../errors.js';
import type { BfclVersion } from '../bfcl/records.js';
import { KNOWN_DATASET_SIZES, singleTurnCategories, type CategoryScore } from '../bfcl/scoring/aggregate.js';
import { leaderboardTables, parseCsv, renderCsv, type CsvTable, type LeaderboardModel } from '../bfcl/scoring/csv.js';
import { readDataDir, type DataSet } from '../bfcl/scoring/data-files.js';
import { parsePyJson } from '../bfcl/scoring/pyjson.js';
import { failureRecordText, failuresInOrder, readScoreHeaders, scoreFilePath } from '../bfcl/scoring/score-files.js';
import { scoreResultDir, type ScoreRun } from '../bfcl/scoring/score-run.js';

export interface CategoryComparison {
  run: string;
  model: string;
  category: string;
  entries: number;
  oursFailing: number;
  officialFailing: number;
  /** Ids failing on one side only. */
  idDiffs: string[];
  /** Ids failing on both sides with different error_type. */
  errorTypeDiffs: string[];
  headerDiffs: string[];
  /** Failure lines compared as text (same id on both sides). */
  linesCompared: number;
  lineDiffs: string[];
}

export interface CsvComparison {
  run: string;
  file: string;
  /** Tables made from our scores, or from the official score files' headers (aggregation only). */
  from: 'our scores' | 'official score headers';
  cellsCompared: number;
  cellsSkipped: number;
  diffs: string[];
}

export interface ConformanceReport {
  dir: string;
  data: string;
  categories: CategoryComparison[];
  csv: CsvComparison[];
  /** Result files that could not be scored (no data for their category) or had no official score file. */
  notCompared: string[];
  entriesCompared: number;
  disagreements: number;
  seconds: number;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** Folders under `dir` (depth <= 3) holding both result/ and score/. */
async function findRuns(dir: string, depth = 0): Promise<string[]> {
  if ((await exists(join(dir, 'result'))) && (await exists(join(dir, 'score')))) return [dir];
  if (depth >= 3) return [];
  const runs: string[] = [];
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (e.isDirectory() && !e.name.startsWith('.')) runs.push(...(await findRuns(join(dir, e.name), depth + 1)));
  }
  return runs;
}

interface OfficialScoreFile {
  header: Map<string, unknown>;
  failures: Map<string, { errorType: string; text: string }>;
}

async function readOfficial(path: string): Promise<OfficialScoreFile | null> {
  const text = await readFile(path, 'utf8').catch(() => null);
  if (text === null) return null;
  const lines = text.split('\n').filter((l) => l !== '');
  const header = parsePyJson(lines[0] ?? '{}') as Map<string, unknown>;
  const failures = new Map<string, { errorType: string; text: string }>();
  for (const line of lines.slice(1)) {
    const o = JSON.parse(line) as { id: string; error_type?: string };
    failures.set(o.id, { errorType: o.error_type ?? '', text: line });
  }
  return { header, failures };
}

function firstDifference(a: string, b: string): string {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  const from = Math.max(0, i - 40);
  return `at char ${i}: ours …${JSON.stringify(a.slice(from, i + 60))} official …${JSON.stringify(b.slice(from, i + 60))}`;
}

export async function runConformance(dir: string, options: { data?: string } = {}): Promise<ConformanceReport> {
  const started = performance.now();
  const root = resolve(dir);
  if (!(await exists(root))) throw new InputError(`conformance folder ${dir} does not exist`, { file: dir });
  const dataDir = resolve(options.data ?? join(root, 'bfcl-data-v4'));
  const runs = await findRuns(root);
  if (runs.length === 0) throw new InputError(`no runs (folders with result/ and score/) under ${dir}`, { file: dir });

  // Each version's data is read once for all runs.
  const dataCache = new Map<BfclVersion, Promise<DataSet>>();
  const loadData = (version: BfclVersion): Promise<DataSet> => {
    let p = dataCache.get(version);
    if (!p) {
      p = readDataDir(dataDir, version, singleTurnCategories(version));
      dataCache.set(version, p);
    }
    return p;
  };

  const report: ConformanceReport = {
    dir: root,
    data: dataDir,
    categories: [],
    csv: [],
    notCompared: [],
    entriesCompared: 0,
    disagreements: 0,
    seconds: 0,
  };

  for (const runDir of runs) {
    const runName = relative(root, runDir) || '.';
    const run: ScoreRun = await scoreResultDir({ resultDir: join(runDir, 'result'), loadData: (v) => loadData(v) });
    for (const model of run.models) {
      for (const u of model.unscored) report.notCompared.push(`${runName}: ${relative(runDir, u.path)}: ${u.reason}`);
      for (const cat of model.categories) {
        const officialPath = join(runDir, 'score', scoreFilePath(run.version, model.model, cat.category));
        const official = await readOfficial(officialPath);
        if (!official) {
          report.notCompared.push(`${runName}: ${model.model} ${cat.category}: no official score file ${relative(runDir, officialPath)}`);
          continue;
        }
        const cmp: CategoryComparison = {
          run: runName,
          model: model.model,
          category: cat.category,
          entries: cat.total,
          oursFailing: 0,
          officialFailing: official.failures.size,
          idDiffs: [],
          errorTypeDiffs: [],
          headerDiffs: [],
          linesCompared: 0,
          lineDiffs: [],
        };
        const ours = failuresInOrder(cat);
        cmp.oursFailing = ours.length;
        const ourIds = new Set(ours.map((e) => e.id));
        for (const e of ours) {
          const o = official.failures.get(e.id);
          if (!o) {
            cmp.idDiffs.push(`${e.id} fails here only (${e.errorType})`);
            continue;
          }
          if (o.errorType !== e.errorType) cmp.errorTypeDiffs.push(`${e.id}: ours ${e.errorType}, official ${o.errorType}`);
          const text = failureRecordText(run.version, cat, e);
          cmp.linesCompared++;
          if (text !== o.text) cmp.lineDiffs.push(`${e.id}: ${firstDifference(text, o.text)}`);
        }
        for (const [id, o] of official.failures) if (!ourIds.has(id)) cmp.idDiffs.push(`${id} fails in the official file only (${o.errorType})`);
        const h = official.header;
        const want: [string, unknown, unknown][] = [
          ['accuracy', h.get('accuracy'), cat.accuracy],
          ['correct_count', h.get('correct_count'), BigInt(cat.correct)],
          ['total_count', h.get('total_count'), BigInt(cat.total)],
        ];
        for (const [k, theirs, mine] of want) {
          if (theirs !== mine) cmp.headerDiffs.push(`${k}: ours ${String(mine)}, official ${String(theirs)}`);
        }
        report.entriesCompared += cat.total;
        report.categories.push(cmp);
      }
    }

    // Tables: built from this run's scores only (the official tables were made from these runs' score files).
    const models: LeaderboardModel[] = run.models.map((m) => ({
      model: m.model,
      scores: new Map<string, CategoryScore>(m.categories.map((c) => [c.category, { accuracy: c.accuracy, totalCount: c.total }])),
      costLatency: m.costLatency,
    }));
    const sizes = new Map<string, number>();
    for (const m of run.models) for (const c of m.categories) sizes.set(c.category, c.data.size);
    const tables = leaderboardTables(run.version, models, (c) => sizes.get(c) ?? KNOWN_DATASET_SIZES[run.version][c] ?? 0);
    await compareTables(report, runName, runDir, 'our scores', tables);

    // The aggregation alone, on every category BFCL scored: tables from the official score-file headers.
    const { headers } = await readScoreHeaders(join(runDir, 'score'), run.version);
    const byModel = new Map<string, Map<string, CategoryScore>>();
    for (const h of headers) {
      if (!byModel.has(h.model)) byModel.set(h.model, new Map());
      byModel.get(h.model)!.set(h.category, h.score);
    }
    const fromHeaders = leaderboardTables(
      run.version,
      [...byModel].map(([model, scores]) => ({ model, scores })),
      (c) => KNOWN_DATASET_SIZES[run.version][c] ?? 0,
    );
    await compareTables(report, runName, runDir, 'official score headers', fromHeaders);
  }

  report.disagreements =
    report.categories.reduce(
      (n, c) => n + c.idDiffs.length + c.errorTypeDiffs.length + c.headerDiffs.length + c.lineDiffs.length,
      0,
    ) + report.csv.reduce((n, c) => n + c.diffs.length, 0);
  report.seconds = (performance.now() - started) / 1000;
  return report;
}

async function compareTables(
  report: ConformanceReport,
  runName: string,
  runDir: string,
  from: CsvComparison['from'],
  tables: CsvTable[],
): Promise<void> {
  for (const table of tables) {
    const officialText = await readFile(join(runDir, 'score', table.file), 'utf8').catch(() => null);
    const cmp: CsvComparison = { run: runName, file: table.file, from, cellsCompared: 0, cellsSkipped: 0, diffs: [] };
    report.csv.push(cmp);
    if (officialText === null) {
      report.notCompared.push(`${runName}: no official ${table.file}`);
      continue;
    }
    const official = parseCsv(officialText);
    const ours = parseCsv(renderCsv(table));
    const modelCol = table.header.indexOf('Model');
    const officialModelCol = official.header.indexOf('Model');
    for (const [r, row] of table.rows.entries()) {
      const name = ours.rows[r]![modelCol]!;
      const theirs = official.rows.find((o) => o[officialModelCol] === name);
      if (!theirs) {
        cmp.diffs.push(`row ${name} is not in the official table`);
        continue;
      }
      for (const [c, cell] of row.cells.entries()) {
        const col = official.header.indexOf(table.header[c]!);
        if (col < 0) continue;
        if (!cell.comparable) {
          cmp.cellsSkipped++;
          continue;
        }
        cmp.cellsCompared++;
        if (theirs[col] !== cell.text) cmp.diffs.push(`${name} / ${table.header[c]}: ours ${cell.text}, official ${theirs[col]}`);
      }
    }
    for (const o of official.rows) {
      if (!ours.rows.some((r) => r[modelCol] === o[officialModelCol])) cmp.diffs.push(`official row ${o[officialModelCol]} has no results here`);
    }
  }
}

export function formatReport(r: ConformanceReport): string {
  const out: string[] = [];
  out.push(`conformance: ${r.dir}`);
  out.push(`data: ${r.data}`);
  out.push('');
  const head = ['run', 'model', 'category', 'entries', 'failing ours/official', 'id diffs', 'error_type diffs', 'header diffs', 'lines compared', 'line diffs'];
  const rows = r.categories.map((c) => [
    c.run,
    c.model,
    c.category,
    String(c.entries),
    `${c.oursFailing}/${c.officialFailing}`,
    String(c.idDiffs.length),
    String(c.errorTypeDiffs.length),
    String(c.headerDiffs.length),
    String(c.linesCompared),
    String(c.lineDiffs.length),
  ]);
  const csvHead = ['run', 'table', 'made from', 'cells compared', 'cells skipped', 'diffs'];
  const csvRows = r.csv.map((c) => [c.run, c.file, c.from, String(c.cellsCompared), String(c.cellsSkipped), String(c.diffs.length)]);
  const table = (h: string[], rs: string[][], textColumns: number): void => {
    const w = h.map((x, i) => Math.max(x.length, ...rs.map((row) => row[i]!.length)));
    out.push(h.map((x, i) => x.padEnd(w[i]!)).join('  '));
    for (const row of rs) out.push(row.map((x, i) => (i >= textColumns ? x.padStart(w[i]!) : x.padEnd(w[i]!))).join('  '));
  };
  table(head, rows, 3);
  out.push('');
  table(csvHead, csvRows, 3);
  out.push('');
  const sum = (f: (c: CategoryComparison) => number): number => r.categories.reduce((n, c) => n + f(c), 0);
  const cells = (from: CsvComparison['from']): number => r.csv.filter((c) => c.from === from).reduce((n, c) => n + c.cellsCompared, 0);
  out.push(
    `compared: ${r.categories.length} category files, ${r.entriesCompared} entries, ` +
      `${sum((c) => c.officialFailing)} official failures (ids and error_type), ${sum((c) => c.linesCompared)} failure lines as text, ` +
      `${r.categories.length * 3} header fields, ${cells('our scores')} CSV cells from our scores and ${cells('official score headers')} from the official score headers ` +
      `(${r.csv.reduce((n, c) => n + c.cellsSkipped, 0)} cells skipped: they depend on categories without data or results here)`,
  );
  if (r.notCompared.length > 0) {
    out.push(`not compared (${r.notCompared.length}):`);
    for (const n of r.notCompared) out.push(`  ${n}`);
  }
  const details: string[] = [];
  for (const c of r.categories) {
    const where = `${c.run} ${c.model} ${c.category}`;
    for (const d of [...c.headerDiffs, ...c.idDiffs, ...c.errorTypeDiffs, ...c.lineDiffs]) details.push(`  ${where}: ${d}`);
  }
  for (const c of r.csv) for (const d of c.diffs) details.push(`  ${c.run} ${c.file} (from ${c.from}): ${d}`);
  if (details.length > 0) {
    out.push(`disagreements (${details.length}):`);
    out.push(...details.slice(0, 200));
    if (details.length > 200) out.push(`  ... ${details.length - 200} more`);
  }
  out.push(`disagreements: ${r.disagreements}  (${r.seconds.toFixed(2)} s)`);
  return out.join('\n') + '\n';
}

async function cli(argv: string[]): Promise<number> {
  let dir: string | undefined;
  let data: string | undefined;
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--data') data = argv[++i];
    else if (a === '--json') json = true;
    else if (a === '--help' || a === '-h') {
      process.stdout.write('usage: npm run conformance -- [DIR (default ../shared/conformance)] [--data DATA_DIR] [--json]\n');
      return 0;
    } else if (dir === undefined) dir = a;
    else {
      process.stderr.write(`error: unexpected argument ${a}\n`);
      return 2;
    }
  }
  const packageRoot = fileURLToPath(new URL('../../', import.meta.url));
  dir ??= join(packageRoot, '..', 'shared', 'conformance');
  try {
    const report = await runConformance(dir, data ? { data } : {});
    process.stdout.write(json ? JSON.stringify(report, null, 2) + '\n' : formatReport(report));
    return report.disagreements === 0 ? 0 : 1;
  } catch (error) {
    if (error instanceof InputError) {
      process.stderr.write(`error: ${error.describe()}\n`);
      return 2;
    }
    process.stderr.write(`error: ${(error as Error)?.stack ?? String(error)}\n`);
    return 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = await cli(process.argv.slice(2));
}
