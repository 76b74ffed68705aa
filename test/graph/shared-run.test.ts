import { setTimeout as sleep } from 'node:timers/promises';
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
    options: { concurrency?: number; force?: string[]; keepGoing?: boolean; signal?: AbortSignal; startAfterMs?: Record<string, number> } = {},
  ): Promise<Record<string, ExecutionReport>> {
    const resolved = Object.fromEntries(
      await Promise.all(
        Object.entries(variants).map(async ([name, steps]) => [name, await resolvePlan(steps, { store: project.store, projectDir: project.dir, experiment: name, kinds: lookup })] as const),
      ),
    );
    const shared = new SharedRun(options.concurrency ?? 4, new Set(Object.values(resolved).flatMap((r) => r.map((s) => s.key!))), Object.keys(resolved));
    const reports = await Promise.all(
      Object.entries(resolved).map(async ([name, steps]) => {
        if (options.startAfterMs?.[name]) await sleep(options.startAfterMs[name]);
        const report = await execute(steps, {
          store: project.store,
          projectDir: project.dir,
          experiment: name,
          kinds: lookup,
          reporter: new SilentReporter(),
          shared,
          ...(options.force ? { force: options.force } : {}),
          ...(options.keepGoing ? { keepGoing: true } : {}),
          ...(options.signal ? { signal: options.signal } : {}),
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

  it('a shared step left unstarted after a failure is reported so in every variant: skipped for that reason, not as an interrupt', async () => {
    const t = testKinds();
    // One slot: `broken` takes it first, `waiting` queues behind it (registered as x's build,
    // which y then awaits) and is not started once `broken` has failed.
    const variant = (): PlannedStep[] => [step('first', 'sleep', { ms: 20 }), step('broken', 'fail', { ms: 30 }, { input: 'first' }), step('waiting', 'sleep', { ms: 1 }, { input: 'first' })];
    const reports = await runAll({ x: variant(), y: variant() }, t.lookup, { concurrency: 1 });
    const waiting = [status(reports.x!, 'waiting'), status(reports.y!, 'waiting')];
    expect(waiting.map((s) => s.status)).toEqual(['skipped', 'skipped']);
    const reasons = waiting.flatMap((s) => s.reasons).join('; ');
    expect(reasons).toMatch(/not started after an earlier failure \(in [xy]\)/);
    expect(reasons).not.toMatch(/interrupted/);
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

  describe('a step that deletes what another step made (a teardown), in variants that share it', () => {
    /** The test kinds plus `release`, which "deletes" its `thing` input's resource (20 ms); `released` lists when. */
    function kindsWithRelease() {
      const t = testKinds();
      const released: { id: string; start: number; end: number; at: number }[] = [];
      const release: StepKind<any> = {
        kind: 'release',
        version: 1,
        description: 'deletes the resource of its thing input',
        releases: 'thing',
        async run(ctx) {
          const [start, at] = [performance.now(), Date.now()];
          await sleep(20, undefined, { signal: ctx.signal });
          released.push({ id: ctx.stepId, start, end: performance.now(), at });
        },
      };
      return { ...t, released, lookup: (kind: string) => (kind === 'release' ? release : t.lookup(kind)) };
    }

    /** `make` (shared by every variant), this variant's user of it, and its own teardown after that user. */
    const variant = (n: number, use: PlannedStep = step(`use${n}`, 'sleep', { ms: n === 1 ? 10 : 150, n }, { thing: 'make' })): PlannedStep[] => [
      step('make', 'value', { what: 'deployment' }),
      use,
      step(`teardown${n}`, 'release', {}, { thing: 'make', [`after.${use.id}`]: use.id }),
    ];

    it("waits for every variant's users, not only its own; the second deleter runs after the first", async () => {
      const t = kindsWithRelease();
      const reports = await runAll({ x: variant(1), y: variant(2) }, t.lookup);
      expect(t.ran.filter((id) => id === 'make')).toHaveLength(1);
      expect(t.released.map((r) => r.id).sort()).toEqual(['teardown1', 'teardown2']);
      // teardown1 was ready after use1 (10 ms) but waited for y's use2 (150 ms).
      const first = Math.min(...t.released.map((r) => r.start));
      expect(first).toBeGreaterThanOrEqual(t.timeline.use2!.end);
      const [a, b] = [...t.released].sort((p, q) => p.start - q.start);
      expect(b!.start).toBeGreaterThanOrEqual(a!.end);
      expect([status(reports.x!, 'teardown1').status, status(reports.y!, 'teardown2').status]).toEqual(['ran', 'ran']);
    });

    it('under --concurrency 1, with the other variant starting late: the deleter waits for it, holding no slot meanwhile', async () => {
      const t = kindsWithRelease();
      // y has not joined when teardown1 is ready: it is expected, so it is waited for; and
      // were the slot held while waiting, y's use2 could never start.
      const reports = await runAll({ x: variant(1), y: variant(2) }, t.lookup, { concurrency: 1, startAfterMs: { y: 100 } });
      expect(Object.values(reports).every((r) => r.error === undefined)).toBe(true);
      expect(Math.min(...t.released.map((r) => r.start))).toBeGreaterThanOrEqual(t.timeline.use2!.end);
    });

    it('a failure in the other variant lets the run end: the waiting deleter is not started', async () => {
      const t = kindsWithRelease();
      const reports = await runAll({ x: variant(1), y: variant(2, step('use2', 'fail', { ms: 100 }, { thing: 'make' })) }, t.lookup);
      expect(status(reports.y!, 'use2').status).toBe('failed');
      expect(status(reports.x!, 'teardown1')).toMatchObject({ status: 'skipped', reasons: ['not started after an earlier failure'] });
      expect(t.released).toEqual([]);
    });

    it('an interrupt lets the run end: the waiting deleter is not started', async () => {
      const t = kindsWithRelease();
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 60);
      const reports = await runAll({ x: variant(1), y: variant(2, step('use2', 'sleep', { ms: 5_000 }, { thing: 'make' })) }, t.lookup, { signal: controller.signal });
      expect(status(reports.y!, 'use2')).toMatchObject({ status: 'failed', interrupted: true });
      expect(status(reports.x!, 'teardown1').status).toBe('skipped');
      expect(t.released).toEqual([]);
    });

    it('with --keep-going, a user blocked by a failure upstream counts as settled: the deleter runs', async () => {
      const t = kindsWithRelease();
      const y = [step('broken', 'fail', { ms: 150 }), ...variant(2, step('use2', 'sleep', { ms: 10 }, { thing: 'make', before: 'broken' }))];
      const reports = await runAll({ x: variant(1), y }, t.lookup, { keepGoing: true });
      expect(status(reports.y!, 'use2').status).toBe('blocked');
      expect(status(reports.y!, 'teardown2').status).toBe('blocked');
      expect(t.released.map((r) => r.id)).toEqual(['teardown1']);
      // It waited for y to settle use2 (after `broken` failed at 150 ms), not just for use1.
      expect(t.released[0]!.at).toBeGreaterThanOrEqual(Date.parse(status(reports.y!, 'broken').finishedAt!));
    });
  });
});
