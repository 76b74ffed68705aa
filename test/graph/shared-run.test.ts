import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { execute, type ExecutionReport } from '../../src/graph/execute.js';
import { SilentReporter } from '../../src/graph/progress.js';
import { resolvePlan } from '../../src/graph/resolve.js';
import { SharedRun } from '../../src/graph/shared-run.js';
import type { PlannedStep, StepKind } from '../../src/graph/step.js';
import { step, tempProject, testKinds } from './helpers.js';

/** Executions of several variants at once, as `run` does for a sweep. */
describe('executions sharing a SharedRun', () => {
  let project: Awaited<ReturnType<typeof tempProject>>;
  beforeEach(async () => {
    project = await tempProject();
  });
  afterEach(() => project.cleanup());

  async function runAll(
    variants: Record<string, PlannedStep[]>,
    lookup: (kind: string) => StepKind<any>,
    options: { concurrency?: number; force?: string[] } = {},
  ): Promise<Record<string, ExecutionReport>> {
    const resolved = Object.fromEntries(
      await Promise.all(
        Object.entries(variants).map(async ([name, steps]) => [name, await resolvePlan(steps, { store: project.store, projectDir: project.dir, experiment: name, kinds: lookup })] as const),
      ),
    );
    const shared = new SharedRun(options.concurrency ?? 4, new Set(Object.values(resolved).flatMap((r) => r.map((s) => s.key!))));
    const reports = await Promise.all(
      Object.entries(resolved).map(async ([name, steps]) => {
        const report = await execute(steps, {
          store: project.store,
          projectDir: project.dir,
          experiment: name,
          kinds: lookup,
          reporter: new SilentReporter(),
          shared,
          ...(options.force ? { force: options.force } : {}),
        });
        return [name, report] as const;
      }),
    );
    return Object.fromEntries(reports);
  }

  const status = (r: ExecutionReport, id: string) => r.steps.find((s) => s.id === id)!;

  it('a key shared by two variants runs once; the global limit holds across variants, and their own steps overlap', async () => {
    const t = testKinds();
    const variant = (n: number): PlannedStep[] => [
      step('shared', 'sleep', { ms: 40 }),
      step(`own${n}a`, 'sleep', { ms: 60, n, part: 'a' }, { input: 'shared' }),
      step(`own${n}b`, 'sleep', { ms: 60, n, part: 'b' }, { input: 'shared' }),
    ];
    const reports = await runAll({ x: variant(1), y: variant(2) }, t.lookup, { concurrency: 2 });
    expect(t.ran.filter((id) => id === 'shared')).toHaveLength(1);
    const shared = [status(reports.x!, 'shared'), status(reports.y!, 'shared')];
    expect(shared.map((s) => s.status).sort()).toEqual(['cached', 'ran']);
    expect(shared.find((s) => s.status === 'cached')!.reasons[0]).toMatch(/^built by [xy]$/);

    // At most 2 of the 4 own steps at any moment (not 2 per variant), and some ran together.
    const spans = ['own1a', 'own1b', 'own2a', 'own2b'].map((id) => t.timeline[id]!);
    const peak = Math.max(...spans.map((s) => spans.filter((o) => o.start <= s.start && s.start < o.end).length));
    expect(peak).toBe(2);
    const again = await runAll({ x: variant(1), y: variant(2) }, t.lookup);
    expect(Object.values(again).flatMap((r) => r.steps.map((s) => s.status)).every((s) => s === 'cached')).toBe(true);
  });

  it('a shared step that fails runs once: the other variant reports it blocked, and no variant starts anything new', async () => {
    const t = testKinds();
    const variant = (n: number): PlannedStep[] => [step('broken', 'fail', { ms: 30 }), step(`after${n}`, 'value', { n }, { input: 'broken' }), step(`late${n}`, 'sleep', { ms: 1, n }, { input: 'slow' }), step('slow', 'sleep', { ms: 80 })];
    const reports = await runAll({ x: variant(1), y: variant(2) }, t.lookup);
    expect(t.ran.filter((id) => id === 'broken')).toHaveLength(1);
    const broken = [status(reports.x!, 'broken'), status(reports.y!, 'broken')];
    expect(broken.map((s) => s.status).sort()).toEqual(['blocked', 'failed']);
    expect(broken.find((s) => s.status === 'blocked')!.reasons[0]).toMatch(/^failed in [xy]$/);
    // `late` waits for `slow`, which was running when `broken` failed: not started afterwards.
    expect([status(reports.x!, 'late1').status, status(reports.y!, 'late2').status]).toEqual(['skipped', 'skipped']);
    expect([reports.x!.error, reports.y!.error].filter(Boolean)).toHaveLength(1);
  });

  it('--force of a shared step rebuilds it once; when its output changes, every variant rebuilds what depends on it', async () => {
    const t = testKinds();
    const variant = (n: number): PlannedStep[] => [step('count', 'counter'), step(`use${n}`, 'value', { n }, { input: 'count' })];
    await runAll({ x: variant(1), y: variant(2) }, t.lookup);
    t.ran.length = 0;
    const reports = await runAll({ x: variant(1), y: variant(2) }, t.lookup, { force: ['count'] });
    expect(t.ran.filter((id) => id === 'count')).toHaveLength(1);
    expect([status(reports.x!, 'use1').status, status(reports.y!, 'use2').status]).toEqual(['ran', 'ran']);
  });
});
