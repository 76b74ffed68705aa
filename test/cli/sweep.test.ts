import { describe, expect, it } from 'vitest';
import { runCli, tempProject } from './helpers.js';

interface VariantReport {
  variant: string;
  steps: { id: string; key: string | null; status: string; startedAt: string | null; finishedAt: string | null }[];
}

/** Pairs of ran steps of different variants whose [start, finish] intervals overlap. */
function overlapping(reports: VariantReport[]): string[] {
  const ran = reports.flatMap((r) =>
    r.steps
      .filter((s) => s.status === 'ran')
      .map((s) => ({ name: `${r.variant.split('@')[1]}/${s.id}`, variant: r.variant, start: Date.parse(s.startedAt!), end: Date.parse(s.finishedAt!) })),
  );
  for (const s of ran) expect(s.end).toBeGreaterThanOrEqual(s.start);
  const pairs: string[] = [];
  for (const a of ran) for (const b of ran) if (a.variant < b.variant && a.start < b.end && b.start < a.end) pairs.push(`${a.name} ${b.name}`);
  return pairs;
}

describe('a sweep over mixin.fraction', () => {
  it('plans and executes exactly the distinct steps, then reruns as all cache hits', async () => {
    const project = tempProject();
    const plan = await runCli(['plan', 'experiments/quickstart-mixin-sweep.yaml', '--json'], { cwd: project });
    expect(plan.code).toBe(0);
    const planned = JSON.parse(plan.stdout) as { naive: number; distinct: number; toRun: number; variants: { variant: string }[] };
    expect(planned.variants.map((v) => v.variant)).toEqual([
      'quickstart-mixin-sweep@mixin.fraction=0',
      'quickstart-mixin-sweep@mixin.fraction=0.1',
      'quickstart-mixin-sweep@mixin.fraction=0.2',
    ]);
    // load and split are shared; mixin, render, export and report differ per variant.
    expect(planned).toMatchObject({ naive: 18, distinct: 14, toRun: 14 });

    const run = await runCli(['run', 'experiments/quickstart-mixin-sweep.yaml', '--json'], { cwd: project });
    expect(run.stderr).not.toMatch(/^error/m);
    expect(run.code).toBe(0);
    const reports = JSON.parse(run.stdout) as VariantReport[];
    const ran = reports.flatMap((r) => r.steps.filter((s) => s.status === 'ran').map((s) => s.key));
    expect(ran).toHaveLength(14);
    expect(new Set(ran).size).toBe(14);
    // The variants ran at once: their own steps (mixin, render, export, report) overlap in time.
    expect(overlapping(reports).length).toBeGreaterThan(0);
    // A shared step ran in one variant; the others took its artifact.
    const loads = reports.map((r) => r.steps.find((s) => s.id === 'load')!);
    expect(loads.map((s) => s.status).sort()).toEqual(['cached', 'cached', 'ran']);
    expect(new Set(loads.map((s) => s.key)).size).toBe(1);

    const again = await runCli(['run', 'experiments/quickstart-mixin-sweep.yaml', '--json'], { cwd: project });
    const rerun = JSON.parse(again.stdout) as VariantReport[];
    expect(rerun.flatMap((r) => r.steps.map((s) => s.status)).every((s) => s === 'cached')).toBe(true);
  });
});

describe('a sweep under --concurrency 1', () => {
  it('runs one step at a time across all variants: the limit is global, not per variant', async () => {
    const project = tempProject();
    const run = await runCli(['run', 'experiments/quickstart-mixin-sweep.yaml', '--json', '--concurrency', '1'], { cwd: project });
    expect(run.code).toBe(0);
    const reports = JSON.parse(run.stdout) as VariantReport[];
    expect(reports.flatMap((r) => r.steps.filter((s) => s.status === 'ran'))).toHaveLength(14);
    expect(overlapping(reports)).toEqual([]);
    // Progress names each variant's steps.
    expect(run.stderr).toMatch(/^\[\d+\/18\] mixin\.fraction=0\.1\/render [0-9a-f]{12} done in/m);
    expect(run.stderr).toMatch(/^mixin\.fraction=0\.2: done: 4 ran, 2 cached/m);
  });
});
