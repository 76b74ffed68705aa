import type { Command } from 'commander';

interface DiffOptions {
  json?: boolean;
  flips?: boolean;
  failIfWorse?: string;
  model?: string[];
  project?: string;
}

const collect = (value: string, previous: string[] = []) => [...previous, ...value.split(',').filter(Boolean)];

/**
 * `fc-distill diff A B`: config changes, step keys and per-category accuracy deltas with an
 * exact McNemar test (src/results/diff.ts). With --fail-if-worse PP the exit code is 1 when a
 * named model (--model; every model when none is named) x approach drops by more than PP
 * points with p < 0.05, overall or in any single category; the offending rows are named on
 * stderr. Bad input (a source that cannot be read) exits 2.
 */
export function registerDiff(program: Command): void {
  program
    .command('diff')
    .description('compare two results: config changes, step keys, per-category accuracy deltas with an exact McNemar test')
    .argument('<a>', 'results folder, experiment file, experiment name, or <git-rev>:<one of these>')
    .argument('<b>', 'the same, for the other side')
    .option('--json', 'print the comparison as JSON')
    .option('--flips', 'list the ids of the examples that flipped')
    .option('--fail-if-worse <pp>', 'exit 1 if a model drops by more than PP points with p < 0.05 (overall or in a category)')
    .option('--model <name>', 'with --fail-if-worse: only these models (label, or label.approach; repeatable)', collect)
    .option('--project <dir>', 'project root: relative sources and results/<name> are looked up there (default: current directory)')
    .action(async (a: string, b: string, options: DiffOptions) => {
      const { InputError } = await import('../errors.js');
      const { loadResultSource, diffResults, diffJson, regressions, renderDiffMarkdown } = await import('../results/diff.js');
      let threshold: number | undefined;
      if (options.failIfWorse !== undefined) {
        threshold = Number(options.failIfWorse);
        if (!Number.isFinite(threshold) || threshold < 0) throw new InputError(`--fail-if-worse ${options.failIfWorse}: expected a number of percentage points (>= 0)`);
      }
      const base = options.project ?? process.cwd();
      const [sa, sb] = await Promise.all([loadResultSource(a, base), loadResultSource(b, base)]);
      const diff = diffResults(sa, sb);
      const flips = options.flips === true;
      process.stdout.write(options.json ? `${JSON.stringify(diffJson(diff, { flips }), null, 2)}\n` : `${renderDiffMarkdown(diff, { flips })}\n`);
      if (threshold === undefined) return;
      const models = options.model ?? [];
      const known = new Set(diff.rows.flatMap((r) => [r.model, `${r.model}.${r.approach}`]));
      const unknown = models.filter((m) => !known.has(m));
      if (unknown.length) throw new InputError(`--model ${unknown.join(', ')}: not in the results (models: ${[...new Set(diff.rows.map((r) => r.model))].join(', ')})`);
      const worse = regressions(diff, threshold, models);
      if (worse.length) {
        for (const r of worse) {
          process.stderr.write(`worse: ${r.model} ${r.approach} ${r.category}: ${r.deltaPp!.toFixed(1)} points (p = ${r.p.toPrecision(3)}, ${r.worse} right -> wrong, ${r.better} wrong -> right)\n`);
        }
        process.exitCode = 1;
      }
    });
}
