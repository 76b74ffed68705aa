import { createInterface } from 'node:readline/promises';
import { InputError } from '../errors.js';
import { ancestorsOf } from '../graph/resolve.js';
import type { ResolvedStep } from '../graph/resolve.js';
import { estimateCost, formatUsd, renderCostEstimate, type CostEstimate } from '../results/cost-estimate.js';
import type { ExperimentPlans } from './plans.js';

/**
 * `run`'s spending guard. Before any paid step runs, the cost of what this run would do is
 * estimated (src/results/cost-estimate.ts); above the budget (`--budget USD`, else
 * $FC_DISTILL_BUDGET, else DEFAULT_BUDGET_USD) the user is asked on a terminal, and without
 * one the run refuses (exit 2) unless `--yes`. Estimates that need local artifacts not yet
 * built (rendered prompts, training records) get them first: `buildLocal` runs those steps
 * (free) and returns the plans re-resolved.
 */

export const DEFAULT_BUDGET_USD = 5;

export interface BudgetOptions {
  budget?: string;
  yes?: boolean;
}

export function budgetUsd(options: BudgetOptions, env: NodeJS.ProcessEnv = process.env): number {
  const raw = options.budget ?? env.FC_DISTILL_BUDGET;
  if (raw === undefined || raw === '') return DEFAULT_BUDGET_USD;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) {
    throw new InputError(`${options.budget !== undefined ? '--budget' : 'FC_DISTILL_BUDGET'} ${raw}: expected an amount in USD (>= 0)`);
  }
  return value;
}

/** The local steps the pending estimates wait for, per variant. */
export function localPrerequisites(plans: ExperimentPlans['plans'], estimate: CostEstimate): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const { variant, steps } of plans) {
    const ids = new Set<string>();
    for (const e of estimate.steps) {
      if (!e.pending || !e.variants.includes(variant.name)) continue;
      for (const id of ancestorsOf(steps, e.id)) {
        const s = steps.find((x) => x.id === id)!;
        if (id !== e.id && !s.remote && s.runnable) ids.add(id);
      }
    }
    if (ids.size) out.set(variant.name, [...ids]);
  }
  return out;
}

export interface GateContext {
  plans: ExperimentPlans;
  /** Which steps this run will run: selected, not blocked. */
  willRun: (variant: string, step: ResolvedStep) => boolean;
  force?: string[];
  /** Runs the given local steps of each variant, returns the plans re-resolved. */
  buildLocal: (until: Map<string, string[]>) => Promise<ExperimentPlans>;
  isTTY?: boolean;
  ask?: (question: string) => Promise<string>;
  write?: (text: string) => void;
}

/** Returns the (possibly re-resolved) plans when the run may go on; throws InputError when it may not. */
export async function costGate(options: BudgetOptions, ctx: GateContext): Promise<ExperimentPlans> {
  const budget = budgetUsd(options);
  let plans = ctx.plans;
  let estimate = await estimateCost(plans.plans, { include: ctx.willRun, force: ctx.force });
  if (!estimate.complete) {
    const until = localPrerequisites(plans.plans, estimate);
    if (until.size) {
      plans = await ctx.buildLocal(until);
      estimate = await estimateCost(plans.plans, { include: ctx.willRun, force: ctx.force });
    }
  }
  const spending = estimate.steps.some((s) => !s.cached && (s.costUsd ?? 0) > 0);
  if (!spending || estimate.totalUsd <= budget || options.yes) return plans;
  const write = ctx.write ?? ((t: string) => process.stderr.write(t));
  write(`${renderCostEstimate(estimate).join('\n')}\n`);
  const over = `estimated cost ${formatUsd(estimate.totalUsd)} is above the budget of ${formatUsd(budget)} (--budget USD or FC_DISTILL_BUDGET)`;
  const tty = ctx.isTTY ?? (process.stdin.isTTY === true && process.stderr.isTTY === true);
  if (!tty) throw new InputError(`${over}: rerun with --yes to spend it, or raise the budget`);
  const ask =
    ctx.ask ??
    (async (question: string) => {
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      try {
        return await rl.question(question);
      } finally {
        rl.close();
      }
    });
  const answer = (await ask(`${over}. Continue? [y/N] `)).trim().toLowerCase();
  if (answer === 'y' || answer === 'yes') return plans;
  throw new InputError('not confirmed: nothing paid was run');
}
