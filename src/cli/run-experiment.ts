import { isAbsolute, join, relative } from 'node:path';
import { existsSync } from 'node:fs';
import { InputError } from '../errors.js';
import { describeMissing, missingForStep } from '../aws/preflight.js';
import { preflightRun } from '../aws/run-preflight.js';
import { descendantsOf } from '../graph/resolve.js';
import { execute, selectSteps, type ExecutionReport } from '../graph/execute.js';
import { createReporter } from '../graph/progress.js';
import { atSetting, headlineOutputs } from '../graph/plan.js';
import { planFile, type ExperimentPlans, type StoreOptionValues } from './plans.js';
import type { ResolvedStep } from '../graph/resolve.js';

export interface RunOptions extends StoreOptionValues {
  until?: string[];
  only?: string[];
  force?: string[];
  concurrency: string;
  json?: boolean;
  /** USD above which paid steps need confirmation (default $FC_DISTILL_BUDGET, else 5). */
  budget?: string;
  /** Spend above the budget without asking. */
  yes?: boolean;
}

export async function runExperiment(file: string, options: RunOptions): Promise<void> {
  const concurrency = Number(options.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new InputError(`--concurrency ${options.concurrency}: expected a whole number of at least 1`);
  }
  const { plans, store, projectDir } = await spendingChecked(file, options, await planFile(file, options), concurrency);
  const controller = new AbortController();
  const onSignal = () => {
    if (controller.signal.aborted) process.exit(130);
    process.stderr.write('\ninterrupted: letting running steps stop cleanly (Ctrl-C again to quit at once)\n');
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const reports: { variant: string; report: ExecutionReport }[] = [];
  try {
    for (const { variant, steps } of plans) {
      const selected = selectSteps(steps, options);
      // Cloud steps are checked before anything runs, so that a missing credential or setting
      // is named once, after every local step has been done and cached.
      const remote = steps.filter((s) => selected.has(s.id) && s.remote && !s.cached);
      const blocked = remote.map((s) => ({ step: s, missing: missingForStep(s) })).filter((b) => b.missing.length > 0);
      // Then, once, what only the cloud can tell (credentials accepted, bucket there): before
      // any remote step starts, so nothing is paid for in a run that cannot finish.
      let refused: InputError | undefined;
      if (!blocked.length && remote.length) {
        try {
          await preflightRun(remote, controller.signal);
        } catch (error) {
          if (!(error instanceof InputError)) throw error;
          refused = error;
        }
      }
      let until = options.until;
      if (blocked.length || refused) {
        // No remote step starts (not even those that do not depend on the blocked one: the
        // teacher's evaluation would be paid for in a run that stops anyway); local ones do.
        const cut = new Set(remote.flatMap((s) => [s.id, ...descendantsOf(steps, s.id)]));
        until = steps.filter((s) => selected.has(s.id) && !cut.has(s.id)).map((s) => s.id);
      }
      const reporter = createReporter({ json: options.json });
      const report =
        until && until.length === 0
          ? undefined
          : await execute(steps, {
              store,
              projectDir,
              experiment: variant.name,
              only: blocked.length || refused ? undefined : options.only,
              until,
              force: options.force,
              concurrency,
              reporter,
              signal: controller.signal,
            });
      if (report) reports.push({ variant: variant.name, report });
      if (report?.error) {
        const failed = report.steps.find((s) => s.error === report.error);
        const configPath = failed && steps.find((s) => s.id === failed.id)?.configPath;
        throw report.error instanceof InputError && configPath ? atSetting(report.error, variant, configPath) : report.error;
      }
      if (!options.json) printOutputs(report, projectDir);
      if (blocked[0]) throw new InputError(describeMissing(blocked[0].step.id, blocked[0].missing));
      if (refused) throw refused;
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (options.json) process.stdout.write(`${JSON.stringify(reports.map(reportJson), null, 2)}\n`);
  }
}

/**
 * The cost gate (src/cli/budget.ts) over what this run would run: selected steps that are not
 * cached and not held back by missing credentials or settings. Local steps a cost estimate
 * needs (rendered prompts, training records) are run first.
 */
async function spendingChecked(file: string, options: RunOptions, planned: ExperimentPlans, concurrency: number): Promise<ExperimentPlans> {
  const { costGate } = await import('./budget.js');
  const willRun = (variant: string, step: ResolvedStep): boolean => {
    const steps = planned.plans.find((p) => p.variant.name === variant)?.steps ?? [];
    return step.runnable && selectSteps(steps, options).has(step.id) && missingForStep(step).length === 0;
  };
  return costGate(options, {
    plans: planned,
    willRun,
    ...(options.force ? { force: options.force } : {}),
    async buildLocal(until) {
      for (const { variant, steps } of planned.plans) {
        const ids = until.get(variant.name);
        if (!ids) continue;
        const report = await execute(steps, {
          store: planned.store,
          projectDir: planned.projectDir,
          experiment: variant.name,
          until: ids,
          concurrency,
          reporter: createReporter({ json: options.json }),
        });
        // A failure is reported (with the setting it came from) by the run proper, which tries it again.
        if (report.error) break;
      }
      return planFile(file, options);
    },
  });
}

function printOutputs(report: ExecutionReport | undefined, projectDir: string): void {
  if (!report) return;
  const lines: string[] = [];
  for (const outcome of report.steps) {
    const names = headlineOutputs[outcome.kind];
    if (!names || !outcome.artifact) continue;
    for (const name of names) {
      const path = join(outcome.artifact.dir, name);
      const rel = relative(projectDir, path);
      if (existsSync(path)) lines.push(`  ${rel.startsWith('..') || isAbsolute(rel) ? path : rel}`);
    }
  }
  if (lines.length) process.stderr.write(`outputs:\n${lines.join('\n')}\n`);
}

function reportJson({ variant, report }: { variant: string; report: ExecutionReport }) {
  return {
    variant,
    counts: report.counts,
    durationMs: report.durationMs,
    interrupted: report.interrupted,
    error: report.error?.message ?? null,
    steps: report.steps.map((s) => ({
      id: s.id,
      kind: s.kind,
      key: s.key ?? null,
      status: s.status,
      reasons: s.reasons,
      durationMs: s.durationMs ?? null,
      dir: s.artifact?.dir ?? null,
      summary: s.result?.summary ?? s.artifact?.manifest.result.summary ?? null,
    })),
  };
}
