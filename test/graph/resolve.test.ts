import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { ancestorsOf, descendantsOf, topologicalOrder } from '../../src/graph/resolve.js';
import { pipeline, runner, step, tempProject, testKinds, writeProjectFile } from './helpers.js';

describe('topologicalOrder', () => {
  it('puts inputs first and otherwise keeps the given order', () => {
    const steps = [step('c', 'value', {}, { x: 'b' }), step('a', 'value'), step('b', 'value', {}, { x: 'a' }), step('z', 'value')];
    expect(topologicalOrder(steps).map((s) => s.id)).toEqual(['a', 'b', 'c', 'z']);
  });

  it('rejects cycles, unknown inputs and duplicate ids', () => {
    expect(() => topologicalOrder([step('a', 'value', {}, { x: 'c' }), step('b', 'value', {}, { x: 'a' }), step('c', 'value', {}, { x: 'b' })])).toThrow(
      "the plan's steps form a cycle: a -> b -> c -> a",
    );
    expect(() => topologicalOrder([step('a', 'value', {}, { dataset: 'lod' })])).toThrow("step 'a': input 'dataset' refers to 'lod', which is not a step of this plan");
    expect(() => topologicalOrder([step('a', 'value'), step('a', 'value')])).toThrow("two steps with id 'a'");
  });

  it('finds ancestors and descendants', () => {
    const steps = pipeline();
    expect([...ancestorsOf(steps, 'render')].sort()).toEqual(['load', 'mixin', 'render', 'split']);
    expect([...descendantsOf(steps, 'mixin')].sort()).toEqual(['export', 'infer', 'render', 'report']);
  });
});

describe('resolvePlan', () => {
  let project: Awaited<ReturnType<typeof tempProject>>;
  beforeEach(async () => {
    project = await tempProject();
    await writeProjectFile(project.dir, 'templates/t.hbs', 'Tools: {{tools}}');
  });
  afterEach(() => project.cleanup());

  it('computes keys from inputs, says what each step reads and writes, and why it is not cached', async () => {
    const { lookup } = testKinds();
    const resolved = await runner(project, lookup).resolve(pipeline());
    expect(resolved.map((s) => s.id)).toEqual(['load', 'split', 'mixin', 'render', 'export', 'infer', 'report']);
    for (const s of resolved) {
      expect(s.key).toMatch(/^[0-9a-f]{64}$/);
      expect(s.shortKey).toBe(s.key!.slice(0, 12));
      expect(s.cached).toBe(false);
      expect(s.state).toBe('missing');
      expect(s.reasons).toEqual(['never run in this experiment']);
    }
    const render = resolved.find((s) => s.id === 'render')!;
    const byId = Object.fromEntries(resolved.map((s) => [s.id, s]));
    expect(render.inputKeys).toEqual({ train: byId.mixin!.key, eval: byId.split!.key });
    expect(render.reads.inputs).toEqual([
      { role: 'train', stepId: 'mixin', key: byId.mixin!.key, dir: project.store.artifactDir(byId.mixin!.key!) },
      { role: 'eval', stepId: 'split', key: byId.split!.key, dir: project.store.artifactDir(byId.split!.key!) },
    ]);
    expect(render.reads.files).toEqual([{ path: 'templates/t.hbs', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) }]);
    expect(render.writes).toEqual({ dir: project.store.artifactDir(render.key!), stateDir: project.store.stateDir(render.key!) });
    expect(render.dependsOn).toEqual(['mixin', 'split']);
    expect(render.description).toBe('writes its params and its inputs into value.json');
  });

  it('keys do not depend on where the project is', async () => {
    const { lookup } = testKinds();
    const other = await tempProject();
    try {
      await writeProjectFile(other.dir, 'templates/t.hbs', 'Tools: {{tools}}');
      const here = await runner(project, lookup).resolve(pipeline());
      const there = await runner(other, lookup).resolve(pipeline());
      expect(there.map((s) => s.key)).toEqual(here.map((s) => s.key));
    } finally {
      await other.cleanup();
    }
  });

  it('reports every missing file as an input error', async () => {
    const { lookup } = testKinds();
    const steps = [step('a', 'value', {}, {}, ['templates/none.hbs']), step('b', 'value', {}, {}, ['data/none.json', 'templates/none.hbs'])];
    const error = await runner(project, lookup).resolve(steps).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).describe()).toBe(
      'data/none.json does not exist (read by step b)\ntemplates/none.hbs does not exist (read by step a, b)',
    );
  });

  it('an unresolved step has no key and blocks its dependents, not the rest', async () => {
    const { lookup } = testKinds();
    const steps = [
      ...pipeline(),
      { ...step('upload', 'value', { bucket: null }, { export: 'export' }), unresolved: [{ path: 'distillation.s3', variable: 'FC_DISTILL_BUCKET', file: 'x.yaml', line: 9, col: 7 }] },
      step('distill', 'value', {}, { upload: 'upload' }),
      step('deploy', 'value', {}, { model: 'distill' }),
    ];
    const resolved = await runner(project, lookup).resolve(steps);
    const byId = Object.fromEntries(resolved.map((s) => [s.id, s]));
    expect(byId.upload).toMatchObject({ key: undefined, state: 'unresolved', runnable: false, reasons: ['needs ${env:FC_DISTILL_BUCKET} for distillation.s3 (x.yaml:9:7)'] });
    expect(byId.distill).toMatchObject({ key: undefined, state: 'blocked', runnable: false, reasons: ['waits for upload, which needs ${env:FC_DISTILL_BUCKET} for distillation.s3 (x.yaml:9:7)'] });
    expect(byId.deploy).toMatchObject({ state: 'blocked', reasons: ['waits for distill, which needs ${env:FC_DISTILL_BUCKET} for distillation.s3 (x.yaml:9:7)'] });
    expect(byId.report).toMatchObject({ state: 'missing', runnable: true });
  });

  it('an unknown step kind is an error', async () => {
    const { lookup } = testKinds();
    await expect(runner(project, lookup).resolve([step('a', 'nope')])).rejects.toThrow('unknown test kind nope');
  });
});
