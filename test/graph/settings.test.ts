import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PlannedStep, StepKind } from '../../src/graph/step.js';
import { runner, tempProject } from './helpers.js';

/** A step kind that records what it was given and bumps a counter kept in its shared directory. */
function recordingKind(seen: { settings: unknown; sharedDir?: string }[]): StepKind<any> {
  return {
    kind: 'recorder',
    version: 1,
    description: 'records ctx.settings and counts its runs in ctx.sharedDir',
    async run(ctx) {
      seen.push({ settings: ctx.settings, ...(ctx.sharedDir ? { sharedDir: ctx.sharedDir } : {}) });
      await mkdir(ctx.sharedDir!, { recursive: true });
      const counter = join(ctx.sharedDir!, 'runs');
      const runs = Number(await readFile(counter, 'utf8').catch(() => '0')) + 1;
      await writeFile(counter, String(runs));
      await writeFile(join(ctx.outDir, 'out.json'), JSON.stringify({ params: ctx.params, runs }));
    },
  };
}

const planned = (params: Record<string, number>, settings?: Record<string, number | string>): PlannedStep[] => [
  { id: 'r', kind: 'recorder', params, inputs: {}, files: [], ...(settings ? { settings } : {}) },
];

describe('step settings: passed to the step, shown, not part of the key', () => {
  let project: Awaited<ReturnType<typeof tempProject>>;
  beforeEach(async () => {
    project = await tempProject();
  });
  afterEach(() => project.cleanup());

  it('a settings change keeps the key and the cache; a params change does not; sharedDir outlives keys', async () => {
    const seen: { settings: unknown; sharedDir?: string }[] = [];
    const kind = recordingKind(seen);
    const run = runner(project, () => kind);

    const first = await run.run(planned({ n: 1 }, { concurrency: 2, tag: 'a' }));
    expect(first.ranIds).toEqual(['r']);
    expect(seen).toEqual([{ settings: { concurrency: 2, tag: 'a' }, sharedDir: project.store.sharedDir('recorder') }]);
    const key = first.steps[0]!.key!;
    const manifest = JSON.parse(await readFile(join(project.store.entryDir(key), 'manifest.json'), 'utf8'));
    expect(manifest.settings).toEqual({ concurrency: 2, tag: 'a' });
    expect(manifest.params).toEqual({ n: 1 });

    const [resolved] = await run.resolve(planned({ n: 1 }, { concurrency: 64, tag: 'b' }));
    expect(resolved).toMatchObject({ key, state: 'cached', settings: { concurrency: 64, tag: 'b' } });
    const second = await run.run(planned({ n: 1 }, { concurrency: 64, tag: 'b' }));
    expect(second.ranIds).toEqual([]);
    expect(seen).toHaveLength(1);

    const third = await run.run(planned({ n: 2 }));
    expect(third.ranIds).toEqual(['r']);
    expect(third.steps[0]!.key).not.toBe(key);
    expect(seen[1]!.settings).toEqual({});
    // The shared directory survived the first key's commit (its stateDir did not).
    const out = JSON.parse(await readFile(join(project.store.artifactDir(third.steps[0]!.key!), 'out.json'), 'utf8'));
    expect(out.runs).toBe(2);
  });
});
