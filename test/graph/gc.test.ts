import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { collectGarbage } from '../../src/graph/gc.js';
import { pipeline, runner, tempProject, testKinds, writeProjectFile } from './helpers.js';

describe('collectGarbage', () => {
  let project: Awaited<ReturnType<typeof tempProject>>;
  beforeEach(async () => {
    project = await tempProject();
    await writeProjectFile(project.dir, 'templates/t.hbs', 'Tools: {{tools}}');
  });
  afterEach(() => project.cleanup());

  it('removes what no committed experiment reaches, and nothing else', async () => {
    const t = testKinds();
    const run = runner(project, t.lookup);
    const old = await run.run(pipeline({ fraction: 0.1 }));
    const now = await run.run(pipeline({ fraction: 0.2 }));
    const reachable = new Set(now.steps.map((s) => s.key!));
    const stale = old.steps.filter((s) => !reachable.has(s.key!));
    expect(stale.map((s) => s.id).sort()).toEqual(['export', 'infer', 'mixin', 'render', 'report']);

    // Leftovers: state of an unreachable key, a dead process's tmp dir; a live lock protects one key.
    const orphanState = 'f'.repeat(64);
    await mkdir(project.store.stateDir(orphanState), { recursive: true });
    await writeFile(join(project.store.stateDir(orphanState), 'job.json'), '{"arn":"x"}');
    const deadPid = spawnSync(process.execPath, ['-e', '']).pid!;
    const tmpName = `${'e'.repeat(64)}.${deadPid}.aaaaaa`;
    await mkdir(join(project.store.tmpDir, tmpName, 'out'), { recursive: true });
    await writeFile(join(project.store.tmpDir, tmpName, 'owner.json'), JSON.stringify({ pid: deadPid, host: hostname(), since: '' }));
    const busyKey = stale.find((s) => s.id === 'report')!.key!;
    const lock = await project.store.lock(busyKey);

    const dry = await collectGarbage(project.store, reachable, { dryRun: true });
    expect(dry.removed.filter((r) => r.what === 'artifact').map((r) => r.stepId).sort()).toEqual(['export', 'infer', 'mixin', 'render']);
    expect(dry.busy).toEqual([busyKey]);
    expect((await project.store.listKeys()).length).toBe(12);

    const result = await collectGarbage(project.store, reachable);
    expect(result.removed.map((r) => [r.what, r.stepId ?? r.key]).sort()).toEqual(
      [['artifact', 'export'], ['artifact', 'infer'], ['artifact', 'mixin'], ['artifact', 'render'], ['state', orphanState], ['tmp', tmpName]].sort(),
    );
    expect(result.bytesFreed).toBe(result.removed.reduce((n, r) => n + r.bytes, 0));
    expect(result.bytesFreed).toBeGreaterThan(0);
    expect(result.bytesFreed).toBe(dry.bytesFreed);
    expect(result.kept).toBe(7);
    expect(await project.store.listKeys()).toEqual([...reachable, busyKey].sort());
    expect(existsSync(project.store.stateDir(orphanState))).toBe(false);

    // Everything reachable is still cached; the gc'd steps are explained as such.
    const again = await run.resolve(pipeline({ fraction: 0.2 }));
    expect(again.every((s) => s.cached)).toBe(true);
    await lock.release();
    const back = await run.resolve(pipeline({ fraction: 0.1 }));
    expect(back.find((s) => s.id === 'mixin')!.reasons).toEqual(['fraction 0.2 -> 0.1']);
    expect(back.find((s) => s.id === 'report')!.cached).toBe(true); // was busy, so kept
    expect((await run.run(pipeline({ fraction: 0.1 }))).ranIds).toEqual(['export', 'infer', 'mixin', 'render']);
  });
});
