import { relative } from 'node:path';
import { redactArnAccounts } from '../arn.js';
import type { ResolvedStep } from '../graph/resolve.js';
import type { ExperimentPlans } from './plans.js';

/** Text and JSON views of a resolved plan. */

function stateText(step: ResolvedStep): string {
  switch (step.state) {
    case 'cached':
      return 'cached';
    case 'missing':
      return 'will run';
    case 'unresolved':
      return 'needs settings';
    case 'blocked':
      return 'blocked';
  }
}

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

export function renderPlan({ plans, projectDir }: ExperimentPlans): string {
  const out: string[] = [];
  const rel = (p: string) => relative(projectDir, p) || '.';
  for (const { variant, steps } of plans) {
    const cached = steps.filter((s) => s.state === 'cached').length;
    const toRun = steps.filter((s) => s.state === 'missing').length;
    const waiting = steps.length - cached - toRun;
    out.push(
      `${variant.name}: ${steps.length} steps, ${cached} cached, ${toRun} to run${waiting ? `, ${waiting} waiting for settings` : ''}`,
    );
    const idWidth = Math.max(...steps.map((s) => s.id.length)) + 2;
    for (const step of steps) {
      out.push(`  ${pad(step.id, idWidth)}${pad(step.shortKey ?? '-'.repeat(12), 14)}${stateText(step)}${step.remote ? '  (remote)' : ''}`);
      const indent = ' '.repeat(2 + idWidth);
      for (const reason of step.state === 'cached' ? [] : step.reasons) out.push(`${indent}why: ${reason}`);
      const inputs = step.reads.inputs.map((i) => `${i.role} <- ${i.stepId}${i.key ? ` ${i.key.slice(0, 12)}` : ''}`);
      const files = step.reads.files.map((f) => `${f.path} ${f.sha256.slice(0, 12)}`);
      if (inputs.length || files.length) out.push(`${indent}reads: ${[...inputs, ...files].join(', ')}`);
      for (const line of step.details ?? []) out.push(`${indent}${line}`);
      const settings = Object.entries(step.settings ?? {}).map(([name, value]) => `${name} ${redactArnAccounts(JSON.stringify(value))}`);
      if (settings.length) out.push(`${indent}settings (not in the key): ${settings.join(', ')}`);
      if (step.state !== 'cached' && step.unresolvedSettings?.length) {
        out.push(`${indent}needs to run: ${step.unresolvedSettings.map((u) => `${u.variable} (${u.path})`).join(', ')}`);
      }
      if (step.writes.dir) out.push(`${indent}writes: ${rel(step.writes.dir)}`);
    }
    out.push('');
  }
  if (plans.length > 1) {
    const { naive, distinct, toRun } = sweepCounts({ plans } as ExperimentPlans);
    out.push(
      `sweep: ${plans.length} variants, ${distinct} distinct steps (${naive} if each variant ran alone), ${toRun} distinct steps to run`,
    );
  }
  return out.join('\n');
}

/**
 * Steps that variants share have the same key and run once; a step whose key cannot be
 * computed yet (unset settings) counts as distinct per variant.
 */
export function sweepCounts({ plans }: Pick<ExperimentPlans, 'plans'>): { naive: number; distinct: number; toRun: number } {
  const keys = new Set<string>();
  const pending = new Set<string>();
  let naive = 0;
  let unknown = 0;
  for (const { steps } of plans) {
    for (const step of steps) {
      naive += 1;
      if (!step.key) unknown += 1;
      else {
        keys.add(step.key);
        if (!step.cached) pending.add(step.key);
      }
    }
  }
  return { naive, distinct: keys.size + unknown, toRun: pending.size };
}

export function planJson({ plans }: ExperimentPlans) {
  const variants = plans.map(({ variant, steps }) => ({
    variant: variant.name,
    matrix: variant.matrix ?? null,
    steps: steps.map((s) => ({
      id: s.id,
      kind: s.kind,
      key: s.key ?? null,
      state: s.state,
      remote: s.remote,
      reasons: s.reasons,
      params: s.params,
      // A role ARN from the environment: plan output lands in CI logs.
      settings: JSON.parse(redactArnAccounts(JSON.stringify(s.settings ?? {}))) as typeof s.settings,
      details: s.details ?? [],
      inputs: s.inputKeys,
      files: s.fileHashes,
      dir: s.writes.dir ?? null,
    })),
  }));
  return { ...sweepCounts({ plans }), variants };
}
