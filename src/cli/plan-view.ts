import { relative } from 'node:path';
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
      if (step.writes.dir) out.push(`${indent}writes: ${rel(step.writes.dir)}`);
    }
    out.push('');
  }
  return out.join('\n');
}

export function planJson({ plans }: ExperimentPlans) {
  return plans.map(({ variant, steps }) => ({
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
      inputs: s.inputKeys,
      files: s.fileHashes,
      dir: s.writes.dir ?? null,
    })),
  }));
}
