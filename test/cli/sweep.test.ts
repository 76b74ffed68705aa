import { describe, expect, it } from 'vitest';
import { runCli, tempProject } from './helpers.js';

interface VariantReport {
  variant: string;
  steps: { id: string; key: string | null; status: string }[];
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

    const again = await runCli(['run', 'experiments/quickstart-mixin-sweep.yaml', '--json'], { cwd: project });
    const rerun = JSON.parse(again.stdout) as VariantReport[];
    expect(rerun.flatMap((r) => r.steps.map((s) => s.status)).every((s) => s === 'cached')).toBe(true);
  });
});
