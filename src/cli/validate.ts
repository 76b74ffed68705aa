import type { Command } from 'commander';
import { formatPosition, type SourcePosition } from '../errors.js';

/**
 * `fc-distill validate <experiment.yaml...> [--strict] [--json]`: loads each file as `plan`
 * and `run` would (extends, matrix, ${env:NAME}, defaults, semantic checks, Bedrock pairs)
 * and prints, per file, OK with its variants, warnings, or errors as file:line:col.
 * Exit code 2 if any file has errors (with --strict: also warnings and unset variables).
 */

interface Finding {
  file?: string;
  line?: number;
  col?: number;
  message: string;
}

interface FileReport {
  file: string;
  ok: boolean;
  variants: { name: string; matrix?: Record<string, unknown>; unresolved: { path: string; variable: string; file?: string; line?: number; col?: number }[] }[];
  warnings: Finding[];
  errors: Finding[];
}

interface ValidateOptions {
  strict?: boolean;
  json?: boolean;
  project?: string;
}

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description('check experiment files (schema, extends, matrix, ${env:NAME}, templates, Bedrock teacher/student pairs); errors as file:line:col')
    .argument('<experiment...>', 'experiment YAML files')
    .option('--strict', 'treat warnings and unset ${env:NAME} variables as errors')
    .option('--json', 'print the result as JSON on stdout')
    .option('--project <dir>', 'project root: template and local data paths are relative to it (default: current directory)')
    .action(async (files: string[], options: ValidateOptions) => {
      const reports = await validateFiles(files, options);
      const failed = reports.some((r) => !r.ok);
      if (options.json) {
        process.stdout.write(`${JSON.stringify({ ok: !failed, files: reports }, null, 2)}\n`);
      } else {
        for (const report of reports) printReport(report);
      }
      if (failed) process.exitCode = 2;
    });
}

function finding(message: string, position?: SourcePosition): Finding {
  return position ? { file: position.file, line: position.line, col: position.col, message } : { message };
}

function show(f: Finding, severity: 'error' | 'warning'): string {
  const where = f.file ? `${formatPosition({ file: f.file, line: f.line, col: f.col })}: ` : '';
  return `${where}${severity}: ${f.message}`;
}

async function validateFiles(files: string[], options: ValidateOptions): Promise<FileReport[]> {
  const { loadExperiment, displayFile } = await import('../config/load.js');
  const { unresolvedHint } = await import('../config/env.js');
  const { InputError } = await import('../errors.js');
  const { resolve } = await import('node:path');
  const reports: FileReport[] = [];
  for (const file of files) {
    const report: FileReport = { file: displayFile(resolve(file)), ok: true, variants: [], warnings: [], errors: [] };
    try {
      const loaded = await loadExperiment(file, { projectDir: options.project });
      const seen = new Set<string>();
      const note = (f: Finding) => {
        const key = `${f.file}:${f.line}:${f.col}:${f.message}`;
        if (seen.has(key)) return;
        seen.add(key);
        (options.strict ? report.errors : report.warnings).push(f);
      };
      for (const variant of loaded.variants) {
        report.variants.push({ name: variant.name, ...(variant.matrix ? { matrix: variant.matrix } : {}), unresolved: variant.unresolved });
        for (const u of variant.unresolved) note(finding(unresolvedHint(u), u.file ? { file: u.file, line: u.line, col: u.col } : undefined));
        for (const w of variant.warnings) note(finding(w.message, w.position));
      }
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      for (const e of [error, ...error.more]) report.errors.push(finding(e.message, e.position));
    }
    report.ok = report.errors.length === 0;
    reports.push(report);
  }
  return reports;
}

function printReport(report: FileReport): void {
  for (const e of report.errors) process.stderr.write(`${show(e, 'error')}\n`);
  for (const w of report.warnings) process.stdout.write(`${show(w, 'warning')}\n`);
  if (!report.ok) {
    process.stderr.write(`FAIL ${report.file}: ${report.errors.length} error${report.errors.length === 1 ? '' : 's'}\n`);
    return;
  }
  const names = report.variants.map((v) => v.name);
  const variants = names.length === 1 ? names[0] : `${names.length} variants: ${names.join(', ')}`;
  const warned = report.warnings.length > 0 ? ` (${report.warnings.length} warning${report.warnings.length === 1 ? '' : 's'})` : '';
  process.stdout.write(`OK ${report.file}: ${variants}${warned}\n`);
}
