import { Option, type Command } from 'commander';
import { addStoreOptions, type StoreOptionValues } from './options.js';

/**
 * `fc-distill report <experiment.yaml | results-folder> [--out DIR] [--format md|html|both]`:
 * report.md and/or report.html (self-contained, inline SVG charts) from the committed results.
 * The work lives in report-command.ts, imported inside the action so `--help` stays fast.
 */

export interface ReportOptions extends StoreOptionValues {
  out?: string;
  format: 'md' | 'html' | 'both';
  dataset?: string;
}

export function registerReport(program: Command): void {
  addStoreOptions(
    program
      .command('report')
      .description('write report.md and report.html (charts: per-category accuracy by model, accuracy vs latency and cost, the dataset report) from results/<experiment>/')
      .argument('<experiment>', 'experiment YAML file (every variant is reported) or a results folder (results/<experiment>/ with summary.json)')
      .option('--out <dir>', 'write the reports here (default: the results folder, results/<experiment>/)')
      .addOption(new Option('--format <format>', 'what to write').choices(['md', 'html', 'both']).default('both'))
      .option('--dataset <file>', 'dataset-report.json to include (default: from the store for an experiment file, <folder>/dataset-report.json for a folder)'),
  ).action(async (target: string, options: ReportOptions) => {
    const { runReportCommand } = await import('./report-command.js');
    await runReportCommand(target, options);
  });
}
