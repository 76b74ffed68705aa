import { mkdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from '../errors.js';
import type { DatasetReportLike, ReportData } from '../results/report-data.js';
import type { ReportOptions } from './report.js';
import { writeFileAtomic } from '../files.js';

/**
 * The `report` command's work. A results folder is reported as is (its dataset-report.json
 * when present); an experiment file is planned (keys only, nothing runs) and each variant's
 * results/<variant>/ is reported, with the dataset report from the store when the `report`
 * step is cached. Writes report.md / report.html (atomically) and prints their paths.
 */

async function isDirectory(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

async function readDataset(file: string): Promise<DatasetReportLike> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new InputError(`cannot read the dataset report ${file}: ${(error as Error).message}`, { file });
  }
  try {
    const value = JSON.parse(text) as unknown;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('expected a JSON object');
    return value as DatasetReportLike;
  } catch (error) {
    throw new InputError(`${file} is not a dataset report: ${(error as Error).message}`, { file });
  }
}

/** Writes the requested formats of one report into `dir`; returns the paths written. */
export async function writeReport(data: ReportData, dir: string, format: ReportOptions['format']): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  if (format === 'md' || format === 'both') {
    const { reportMarkdown } = await import('../results/report-markdown.js');
    const file = path.join(dir, 'report.md');
    await writeFileAtomic(file, reportMarkdown(data));
    written.push(file);
  }
  if (format === 'html' || format === 'both') {
    const { reportHtml } = await import('../results/report-html.js');
    const file = path.join(dir, 'report.html');
    await writeFileAtomic(file, reportHtml(data));
    written.push(file);
  }
  return written;
}

export async function runReportCommand(target: string, options: ReportOptions): Promise<string[]> {
  const { reportDataFromResults } = await import('../results/report-data.js');
  const format = options.format ?? 'both';
  const explicitDataset = options.dataset ? await readDataset(options.dataset) : undefined;
  const written: string[] = [];
  if (await isDirectory(target)) {
    const data = await reportDataFromResults(target, explicitDataset ? { dataset: explicitDataset } : {});
    written.push(...(await writeReport(data, options.out ?? target, format)));
  } else {
    const { planFile } = await import('./plans.js');
    const { plans, projectDir } = await planFile(target, options);
    const missing: string[] = [];
    for (const { variant, steps } of plans) {
      const resultsDir = path.join(projectDir, 'results', variant.name);
      try {
        await stat(path.join(resultsDir, 'summary.json'));
      } catch {
        missing.push(variant.name);
        continue;
      }
      let dataset = explicitDataset;
      const reportStep = steps.find((s) => s.kind === 'report');
      if (!dataset && reportStep?.artifact) dataset = await readDataset(path.join(reportStep.artifact.dir, 'dataset-report.json')).catch(() => undefined);
      const data = await reportDataFromResults(resultsDir, {
        ...(dataset ? { dataset } : {}),
        ...(variant.experiment.description ? { description: variant.experiment.description } : {}),
      });
      const outDir = options.out ? (plans.length > 1 ? path.join(options.out, variant.name) : options.out) : resultsDir;
      written.push(...(await writeReport(data, outDir, format)));
    }
    if (written.length === 0) {
      throw new InputError(
        `no results to report for ${target}: ${missing.map((m) => `results/${m}/summary.json`).join(', ')} missing (run the experiment's evaluation first: fc-distill run ${target})`,
      );
    }
    for (const m of missing) process.stderr.write(`warning: no results for variant ${m} (results/${m}/summary.json is missing)\n`);
  }
  for (const file of written) process.stdout.write(`${path.relative(process.cwd(), file) || file}\n`);
  return written;
}
