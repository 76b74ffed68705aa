import { isAbsolute, join, relative } from 'node:path';
import { existsSync } from 'node:fs';
import { InputError } from '../errors.js';
import { describeMissing, missingForStep } from '../aws/preflight.js';
import { preflightRun } from '../aws/run-preflight.js';
import { descendantsOf } from '../graph/resolve.js';
import { execute, selectSteps, type ExecuteOptions, type ExecutionReport } from '../graph/execute.js';
import { createReporter, SharedReporter } from '../graph/progress.js';
import { SharedRun } from '../graph/shared-run.js';
import type { Store } from '../graph/store.js';
import type { ExperimentVariant } from '../config/load.js';
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
    const prepared = plans.map((plan) => {
      const selected = selectSteps(plan.steps, options);
      // Cloud steps are checked before anything runs, so that a missing credential or setting
      // is named once, after every local step has been done and cached.
      const remote = plan.steps.filter((s) => selected.has(s.id) && s.remote && !s.cached);
      const blocked = remote.map((s) => ({ step: s, missing: missingForStep(s) })).filter((b) => b.missing.length > 0);
      return { ...plan, selected, remote, blocked };
    });
    const remote = prepared.flatMap((p) => p.remote);
    const blocked = prepared.flatMap((p) => p.blocked);
    // Then, once for every variant, what only the cloud can tell (credentials accepted, bucket
    // there): before any remote step starts, so nothing is paid for in a run that cannot finish.
    let refused: InputError | undefined;
    if (!blocked.length && remote.length) {
      try {
        await preflightRun(remote, controller.signal);
      } catch (error) {
        if (!(error instanceof InputError)) throw error;
        refused = error;
      }
    }
    const held = blocked.length > 0 || refused !== undefined;
    const runs = prepared.map(({ variant, steps, selected, remote: mine }) => {
      let until = options.until;
      if (held) {
        // No remote step starts in any variant (not even those that do not depend on the
        // blocked one: the teacher's evaluation would be paid for in a run that stops anyway);
        // local ones do.
        const cut = new Set(mine.flatMap((s) => [s.id, ...descendantsOf(steps, s.id)]));
        until = steps.filter((s) => selected.has(s.id) && !cut.has(s.id)).map((s) => s.id);
      }
      return { variant, steps, options: { only: held ? undefined : options.only, until, force: options.force } };
    });
    const done = await executeVariants(runs, { store, projectDir, concurrency, json: options.json, signal: controller.signal });
    for (const [i, report] of done.entries()) {
      if (!report) continue;
      const { variant, steps } = runs[i]!;
      reports.push({ variant: variant.name, report });
      if (report.error) {
        const failed = report.steps.find((s) => s.error === report.error);
        const configPath = failed && steps.find((s) => s.id === failed.id)?.configPath;
        throw report.error instanceof InputError && configPath ? atSetting(report.error, variant, configPath) : report.error;
      }
      if (!options.json) printOutputs(report, projectDir, runs.length > 1 ? variant.name : undefined);
    }
    if (blocked[0]) throw new InputError(describeMissing(blocked[0].step.id, blocked[0].missing));
    if (refused) throw refused;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (options.json) process.stdout.write(`${JSON.stringify(reports.map(reportJson), null, 2)}\n`);
  }
}

interface VariantRun {
  variant: ExperimentVariant;
  steps: ResolvedStep[];
  options: Pick<ExecuteOptions, 'only' | 'until' | 'force'>;
}

/**
 * Every variant's execution at once, in one display. A sweep's executions share one limit of
 * `concurrency` running steps and build each shared key once (src/graph/shared-run.ts), and a
 * teardown waits until no variant still uses its deployment; a single experiment runs exactly
 * as execute() alone. Variants with nothing selected (an empty `until`) get no report.
 */
async function executeVariants(
  runs: VariantRun[],
  common: { store: Store; projectDir: string; concurrency: number; json?: boolean; signal?: AbortSignal },
): Promise<(ExecutionReport | undefined)[]> {
  const base = createReporter({ json: common.json });
  const active = runs.filter((r) => !(r.options.until && r.options.until.length === 0));
  const sweep = active.length > 1;
  const shared = sweep
    ? new SharedRun(
        common.concurrency,
        new Set(active.flatMap((r) => r.steps.flatMap((s) => (s.key ? [s.key] : [])))),
        active.map((r) => r.variant.name),
      )
    : undefined;
  const display = sweep ? new SharedReporter(base, active.reduce((n, r) => n + selectSteps(r.steps, r.options).size, 0)) : undefined;
  const began = performance.now();
  const reports = await Promise.all(
    runs.map((r) =>
      active.includes(r)
        ? execute(r.steps, {
            store: common.store,
            projectDir: common.projectDir,
            experiment: r.variant.name,
            ...r.options,
            concurrency: common.concurrency,
            reporter: display ? display.for(variantLabel(r.variant)) : base,
            ...(common.signal ? { signal: common.signal } : {}),
            ...(shared ? { shared } : {}),
          })
        : undefined,
    ),
  );
  if (display) {
    const done = reports.filter((r): r is ExecutionReport => r !== undefined);
    const counts = Object.fromEntries(Object.keys(done[0]!.counts).map((k) => [k, done.reduce((n, r) => n + r.counts[k as keyof ExecutionReport['counts']], 0)]));
    const error = done.find((r) => r.error)?.error;
    display.finish({
      steps: done.flatMap((r) => r.steps),
      counts: counts as ExecutionReport['counts'],
      durationMs: performance.now() - began,
      interrupted: done.some((r) => r.interrupted),
      ...(error ? { error } : {}),
    });
  }
  return reports;
}

/** How a variant's steps are named on a sweep's display: its matrix assignments (`mixin.fraction=0.1`). */
function variantLabel(variant: ExperimentVariant): string {
  const at = variant.name.indexOf('@');
  return at < 0 ? variant.name : variant.name.slice(at + 1);
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
      const runs = planned.plans.flatMap(({ variant, steps }) => {
        const ids = until.get(variant.name);
        return ids ? [{ variant, steps, options: { until: ids } }] : [];
      });
      // A failure is reported (with the setting it came from) by the run proper, which tries it again.
      await executeVariants(runs, { store: planned.store, projectDir: planned.projectDir, concurrency, json: options.json });
      return planFile(file, options);
    },
  });
}

function printOutputs(report: ExecutionReport | undefined, projectDir: string, variant?: string): void {
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
  if (lines.length) process.stderr.write(`outputs${variant ? ` of ${variant}` : ''}:\n${lines.join('\n')}\n`);
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
      startedAt: s.startedAt ?? null,
      finishedAt: s.finishedAt ?? null,
      dir: s.artifact?.dir ?? null,
      summary: s.result?.summary ?? s.artifact?.manifest.result.summary ?? null,
    })),
  };
}
