import { existsSync } from 'node:fs';
import { open, readdir, readFile, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InputError, StepError } from '../../src/errors.js';
import { execute } from '../../src/graph/execute.js';
import { SilentReporter } from '../../src/graph/progress.js';
import { resolvePlan } from '../../src/graph/resolve.js';
import { Store } from '../../src/graph/store.js';
import { pipeline, runner, step, tempProject, testKinds, writeProjectFile } from './helpers.js';

describe('execute', () => {
  let project: Awaited<ReturnType<typeof tempProject>>;
  beforeEach(async () => {
    project = await tempProject();
    await writeProjectFile(project.dir, 'templates/t.hbs', 'Tools: {{tools}}');
  });
  afterEach(() => project.cleanup());

  it('runs everything once; a rerun is all cache hits and takes a few ms', async () => {
    const t = testKinds();
    const run = runner(project, t.lookup);
    const first = await run.run(pipeline());
    expect(first.error).toBeUndefined();
    expect(first.ranIds).toEqual(['export', 'infer', 'load', 'mixin', 'render', 'report', 'split']);
    expect(first.counts).toEqual({ cached: 0, ran: 7, failed: 0, skipped: 0, blocked: 0 });

    // What a step gets to see: its inputs' artifacts.
    const report = first.steps.find((s) => s.id === 'report')!;
    const value = JSON.parse(await readFile(join(report.artifact!.dir, 'value.json'), 'utf8'));
    expect(Object.keys(value.upstream).sort()).toEqual(['dataset', 'export', 'infer']);
    expect(value.upstream.export.upstream.rendered.files['templates/t.hbs']).toBe('Tools: {{tools}}');

    // The manifest has what produced it, timing and the result (without display lines).
    const manifest = report.artifact!.manifest;
    expect(manifest).toMatchObject({ kind: 'value', version: 1, stepId: 'report', params: {}, result: { summary: { step: 'report' }, tokens: { input: 1, output: 2 }, costUsd: 0.5 } });
    expect(manifest.result).not.toHaveProperty('display');
    expect(Date.parse(manifest.finished) - Date.parse(manifest.started)).toBe(manifest.durationMs);

    t.ran.length = 0;
    const timings: number[] = [];
    for (let i = 0; i < 5; i++) {
      const started = performance.now();
      const resolved = await resolvePlan(pipeline(), { store: project.store, projectDir: project.dir, experiment: 'exp', kinds: t.lookup });
      const again = await execute(resolved, { store: project.store, projectDir: project.dir, experiment: 'exp', kinds: t.lookup, reporter: new SilentReporter() });
      timings.push(performance.now() - started);
      expect(again.counts).toEqual({ cached: 7, ran: 0, failed: 0, skipped: 0, blocked: 0 });
    }
    expect(t.ran).toEqual([]);
    const best = Math.min(...timings);
    console.log(`resolve + execute of a fully cached 7-step plan: best ${best.toFixed(2)} ms, first ${timings[0]!.toFixed(2)} ms`);
    expect(best).toBeLessThan(50);
  });

  it('changing one parameter re-runs exactly the steps downstream of it, and says why', async () => {
    const t = testKinds();
    const run = runner(project, t.lookup);
    await run.run(pipeline());
    const resolved = await run.resolve(pipeline({ fraction: 0.2 }));
    const why = Object.fromEntries(resolved.filter((s) => !s.cached).map((s) => [s.id, s.reasons]));
    expect(Object.keys(why).sort()).toEqual(['export', 'infer', 'mixin', 'render', 'report']);
    expect(why.mixin).toEqual(['fraction 0.1 -> 0.2']);
    expect(why.render).toEqual([expect.stringMatching(/^input train changed \(mixin [0-9a-f]{12} -> [0-9a-f]{12}\)$/)]);
    expect(why.report).toEqual([
      expect.stringMatching(/^input export changed \(export [0-9a-f]{12} -> [0-9a-f]{12}\)$/),
      expect.stringMatching(/^input infer changed \(infer [0-9a-f]{12} -> [0-9a-f]{12}\)$/),
    ]);

    const second = await run.run(pipeline({ fraction: 0.2 }));
    expect(second.ranIds).toEqual(['export', 'infer', 'mixin', 'render', 'report']);
    expect(second.steps.filter((s) => s.status === 'cached').map((s) => s.id)).toEqual(['load', 'split']);

    // Back to 0.1: everything is still in the store, and the explanation follows the latest run.
    const back = await run.run(pipeline({ fraction: 0.1 }));
    expect(back.ranIds).toEqual([]);
    const again = await run.resolve(pipeline({ fraction: 0.2 }));
    expect(again.every((s) => s.cached)).toBe(true);
  });

  it('editing a template re-runs the steps that read it and what depends on them', async () => {
    const t = testKinds();
    const run = runner(project, t.lookup);
    await run.run(pipeline());
    await writeProjectFile(project.dir, 'templates/t.hbs', 'Tools:\n{{tools}}');
    const resolved = await run.resolve(pipeline());
    expect(resolved.find((s) => s.id === 'render')!.reasons).toEqual(['file templates/t.hbs changed']);
    const second = await run.run(pipeline());
    expect(second.ranIds).toEqual(['export', 'infer', 'render', 'report']);
  });

  it('a bumped step version re-runs that kind and what depends on it', async () => {
    const t = testKinds();
    const run = runner(project, t.lookup);
    await run.run(pipeline());
    t.kinds.value = { ...t.kinds.value!, version: 2 };
    const steps = pipeline().map((s) => (s.id === 'export' || s.id === 'report' ? s : { ...s, kind: 'value2' }));
    const resolved = await run.resolve(steps);
    expect(resolved.find((s) => s.id === 'load')!.reasons).toEqual(['step kind value -> value2', 'step version 1 -> 2']);
  });

  it('runs independent steps in parallel, up to the concurrency', async () => {
    const t = testKinds();
    const run = runner(project, t.lookup);
    const steps = [step('a', 'sleep', { ms: 300, n: 1 }), step('b', 'sleep', { ms: 300, n: 2 }), step('c', 'value', {}, { a: 'a', b: 'b' })];
    const report = await run.run(steps, { concurrency: 2 });
    expect(report.ranIds).toEqual(['a', 'b', 'c']);
    const { a, b } = t.timeline as Record<string, { start: number; end: number }>;
    expect(a!.start < b!.end && b!.start < a!.end).toBe(true); // overlapping

    const serial = runner({ dir: project.dir, store: new Store({ root: join(project.dir, 'store2') }) }, t.lookup);
    const before = performance.now();
    await serial.run([step('a', 'sleep', { ms: 200, n: 1 }), step('b', 'sleep', { ms: 200, n: 2 })], { concurrency: 1 });
    const { a: a2, b: b2 } = t.timeline as Record<string, { start: number; end: number }>;
    expect(a2!.end <= b2!.start || b2!.end <= a2!.start).toBe(true);
    expect(performance.now() - before).toBeGreaterThanOrEqual(390);
  });

  it('--until runs a step and its ancestors only', async () => {
    const t = testKinds();
    const run = runner(project, t.lookup);
    const report = await run.run(pipeline(), { until: 'mixin' });
    expect(report.ranIds).toEqual(['load', 'mixin', 'split']);
    expect(report.steps.find((s) => s.id === 'render')).toMatchObject({ status: 'skipped', reasons: ['not selected for this run'] });
    expect(report.counts).toEqual({ cached: 0, ran: 3, failed: 0, skipped: 0, blocked: 0 });
    const rest = await run.run(pipeline());
    expect(rest.ranIds).toEqual(['export', 'infer', 'render', 'report']);
  });

  it('--only runs just that step, and needs its inputs cached', async () => {
    const t = testKinds();
    const run = runner(project, t.lookup);
    const refused = await run.run(pipeline(), { only: 'render' }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(InputError);
    expect((refused as Error).message).toMatch(/^--only render needs its inputs in the store, but input train \(mixin [0-9a-f]{12} is not in the store\); run with --until mixin first, or use --until render$/);
    expect(t.ran).toEqual([]);

    await run.run(pipeline(), { until: 'mixin' });
    t.ran.length = 0;
    const only = await run.run(pipeline(), { only: 'render' });
    expect(only.ranIds).toEqual(['render']);
    expect(t.ran).toEqual(['render']);
  });

  it('rejects unknown step names with a suggestion', async () => {
    const t = testKinds();
    const run = runner(project, t.lookup);
    await expect(run.run(pipeline(), { until: 'mixn' })).rejects.toThrow("--until mixn: no step with that id (did you mean 'mixin'?)");
    await expect(run.run(pipeline(), { force: ['rendr'] })).rejects.toBeInstanceOf(InputError);
    await expect(run.run(pipeline(), { until: 'split', force: ['render'] })).rejects.toThrow('--force render: that step is not part of this run (--until split)');
  });

  it('--force re-runs a cached step; dependents stay cached when its output is the same', async () => {
    const t = testKinds();
    const run = runner(project, t.lookup);
    await run.run(pipeline());
    const forced = await run.run(pipeline(), { force: ['split'] });
    expect(forced.ranIds).toEqual(['split']);
    expect(forced.steps.find((s) => s.id === 'split')!.reasons).toEqual(['forced']);
  });

  it('--force of a step whose output changed re-runs what was built from it', async () => {
    const t = testKinds();
    const run = runner(project, t.lookup);
    const steps = [step('sample', 'counter'), step('train', 'value', {}, { data: 'sample' }), step('other', 'value')];
    await run.run(steps);
    const forced = await run.run(steps, { force: ['sample'] });
    expect(forced.ranIds).toEqual(['sample', 'train']);
    expect(forced.steps.find((s) => s.id === 'train')!.reasons).toEqual(['input from sample was rebuilt (forced) with a different result']);
    const value = JSON.parse(await readFile(join(forced.steps.find((s) => s.id === 'train')!.artifact!.dir, 'value.json'), 'utf8'));
    expect(value.upstream.data).toEqual({ counter: 2 });
  });

  it('--force with --until removes artifacts built from the old output that this run does not rebuild', async () => {
    const t = testKinds();
    const run = runner(project, t.lookup);
    const steps = [step('sample', 'counter'), step('train', 'value', {}, { data: 'sample' }), step('score', 'value', {}, { model: 'train' })];
    const first = await run.run(steps);
    const forced = await run.run(steps, { until: 'sample', force: ['sample'] });
    expect(forced.ranIds).toEqual(['sample']);
    expect(forced.reporter.events.filter((e) => e.event === 'message').map((e) => e.detail)).toEqual([
      'sample: its output changed, so 2 artifact(s) built from the old one were removed from the store; they will be rebuilt when next needed',
    ]);
    const resolved = await run.resolve(steps);
    expect(resolved.map((s) => [s.id, s.cached])).toEqual([['sample', true], ['train', false], ['score', false]]);
    expect(resolved[1]!.reasons).toEqual([`artifact missing from store (deleted or gc'd)`]);
    const rest = await run.run(steps);
    expect(rest.ranIds).toEqual(['score', 'train']);
    expect(rest.steps.map((s) => s.key)).toEqual(first.steps.map((s) => s.key));
  });

  it('a failing step publishes nothing, keeps its state, blocks its dependents and lets running siblings finish', async () => {
    const t = testKinds();
    const run = runner(project, t.lookup);
    const steps = [
      step('slow', 'sleep', { ms: 300 }),
      step('broken', 'fail', { ms: 50 }),
      step('after', 'value', {}, { x: 'broken' }),
      step('later', 'value', {}, { x: 'slow' }),
    ];
    const report = await run.run(steps, { concurrency: 2 });
    const status = Object.fromEntries(report.steps.map((s) => [s.id, s.status]));
    expect(status).toEqual({ slow: 'ran', broken: 'failed', after: 'blocked', later: 'skipped' });
    expect(report.error).toBeInstanceOf(StepError);
    expect(report.error).toMatchObject({ step: 'broken', message: 'remote job failed: ValidationException' });
    expect(report.steps.find((s) => s.id === 'after')!.reasons).toEqual(['input broken failed']);
    const broken = report.steps.find((s) => s.id === 'broken')!;
    expect(await project.store.check(broken.key!)).toEqual({ status: 'missing' });
    expect(await readFile(join(project.store.stateDir(broken.key!), 'journal.txt'), 'utf8')).toBe('attempted\n');
    expect(await readdir(project.store.tmpDir)).toEqual([]);
    expect(await project.store.lockHolder(broken.key!)).toBeNull();
    expect(existsSync(project.store.lockPath(broken.key!))).toBe(false);

    // With keepGoing, independent work continues.
    const again = await run.run(steps, { concurrency: 2, keepGoing: true });
    expect(Object.fromEntries(again.steps.map((s) => [s.id, s.status]))).toEqual({ slow: 'cached', broken: 'failed', after: 'blocked', later: 'ran' });
  });

  it('an InputError from a step stays an InputError', async () => {
    const t = testKinds();
    const report = await runner(project, t.lookup).run([step('render', 'badInput')]);
    expect(report.error).toBeInstanceOf(InputError);
    expect((report.error as InputError).describe()).toBe('templates/t.hbs:3:5: template templates/t.hbs: unknown helper {{toolz}}');
  });

  it('an interrupt stops scheduling, aborts running steps and publishes nothing half-done', async () => {
    const t = testKinds();
    const controller = new AbortController();
    const steps = [step('a', 'sleep', { ms: 5000 }), step('b', 'value', {}, { x: 'a' }), step('c', 'value')];
    setTimeout(() => controller.abort(), 100);
    const started = performance.now();
    const report = await runner(project, t.lookup).run(steps, { concurrency: 1, signal: controller.signal });
    // Well under the step's 5 s: the abort reached the running step instead of being waited out.
    expect(performance.now() - started).toBeLessThan(4000);
    expect(report.interrupted).toBe(true);
    const a = report.steps.find((s) => s.id === 'a')!;
    expect(a).toMatchObject({ status: 'failed', interrupted: true });
    expect(report.steps.find((s) => s.id === 'b')!.status).toBe('skipped');
    expect(report.steps.find((s) => s.id === 'c')!.status).toBe('skipped');
    expect(await project.store.check(a.key!)).toEqual({ status: 'missing' });
    expect(await readdir(project.store.tmpDir)).toEqual([]);
  });

  it('steps that need unset variables are not run; the rest is, and the run ends with an input error', async () => {
    const t = testKinds();
    const steps = [
      step('export', 'value'),
      { ...step('upload', 'value', {}, { export: 'export' }), unresolved: [{ path: 'distillation.s3', variable: 'FC_DISTILL_BUCKET', file: 'q.yaml', line: 4, col: 3 }] },
      step('distill', 'value', {}, { upload: 'upload' }),
    ];
    const report = await runner(project, t.lookup).run(steps);
    expect(Object.fromEntries(report.steps.map((s) => [s.id, s.status]))).toEqual({ export: 'ran', upload: 'blocked', distill: 'blocked' });
    expect(report.error).toBeInstanceOf(InputError);
    expect((report.error as InputError).describe()).toBe('q.yaml:4:3: step upload needs ${env:FC_DISTILL_BUCKET} (for distillation.s3); set FC_DISTILL_BUCKET and rerun');
  });

  it('a damaged artifact is detected, treated as not cached, and rebuilt', async () => {
    const t = testKinds();
    const run = runner(project, t.lookup);
    const first = await run.run(pipeline());
    const split = first.steps.find((s) => s.id === 'split')!;
    const file = join(split.artifact!.dir, 'value.json');
    const text = await readFile(file, 'utf8');
    await writeFile(file, text.replace('"train":0.5', '"train":0.7')); // same size, new content
    const resolved = await run.resolve(pipeline());
    const s = resolved.find((r) => r.id === 'split')!;
    expect(s.cached).toBe(false);
    expect(s.reasons).toEqual([expect.stringMatching(/^artifact in the store is damaged \(out\/value\.json has changed/)]);
    t.ran.length = 0;
    const second = await run.run(pipeline());
    expect(second.ranIds).toEqual(['split']);
    expect(await readFile(file, 'utf8')).toBe(text);
    expect((await project.store.check(split.key!, { verify: 'full' })).status).toBe('ok');
  });

  it('--verify (full) catches damage that kept size and mtime', async () => {
    const t = testKinds();
    const run = runner(project, t.lookup);
    const first = await run.run(pipeline());
    const load = first.steps.find((s) => s.id === 'load')!;
    const file = join(load.artifact!.dir, 'value.json');
    const then = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000); // whole seconds: utimes restores it exactly
    await utimes(file, then, then);
    await project.store.check(load.key!, { verify: 'full' }); // records the new mtime
    const handle = await open(file, 'r+');
    await handle.write('X', 2);
    await handle.close();
    await utimes(file, then, then);
    expect((await stat(file)).mtimeMs).toBe(then.getTime());
    expect((await run.resolve(pipeline())).find((s) => s.id === 'load')!.cached).toBe(true);
    const report = await run.run(pipeline(), { verify: 'full' });
    expect(report.ranIds).toEqual(['load']);
  });

  it('two runs of the same plan at once build each step once', async () => {
    const t = testKinds();
    const run = runner(project, t.lookup);
    const steps = [step('a', 'sleep', { ms: 200 }), step('b', 'value', {}, { x: 'a' })];
    const [one, two] = await Promise.all([run.run(steps), run.run(steps)]);
    expect(t.ran.sort()).toEqual(['a', 'b']);
    const statuses = [one, two].map((r) => r.steps.map((s) => s.status).join(','));
    expect(statuses.sort()).toEqual(['cached,cached', 'ran,ran']);
    const waited = [one, two].flatMap((r) => r.reporter.events.filter((e) => e.event === 'message').map((e) => e.detail));
    expect(waited).toEqual([expect.stringMatching(/^a [0-9a-f]{12}: another process is building it \(pid \d+ on .+\); waiting$/)]);
  });

  it('reports progress and logs through the reporter', async () => {
    const t = testKinds();
    const report = await runner(project, t.lookup).run([step('a', 'value')]);
    expect(report.reporter.events.map((e) => e.event)).toEqual(['start', 'started', 'progress', 'finished', 'finish']);
  });
});
