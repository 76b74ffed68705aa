import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, open, readdir, readFile, rm, stat, symlink, truncate, unlink, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stepKey } from '../../src/graph/keys.js';
import type { Manifest } from '../../src/graph/step.js';
import { Store, storeRoot } from '../../src/graph/store.js';
import { tempProject } from './helpers.js';

const fields = (stepId = 'split'): Omit<Manifest, 'key' | 'outputs'> => ({
  kind: 'split',
  version: 1,
  stepId,
  params: { train: 0.5 },
  inputs: {},
  files: {},
  started: new Date().toISOString(),
  finished: new Date().toISOString(),
  durationMs: 1,
  result: { summary: { n: 1 } },
});

const keyOf = (n: number) => stepKey({ kind: 'test', version: 1, params: { n }, inputs: {}, files: {} });

/** The pid of a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '']);
  return child.pid!;
}

describe('Store', () => {
  let project: Awaited<ReturnType<typeof tempProject>>;
  let store: Store;
  beforeEach(async () => {
    project = await tempProject();
    store = project.store;
  });
  afterEach(() => project.cleanup());

  async function publish(key: string, files: Record<string, string | Buffer>) {
    const pending = await store.open(key);
    for (const [rel, content] of Object.entries(files)) {
      await mkdir(join(pending.outDir, rel, '..'), { recursive: true });
      await writeFile(join(pending.outDir, rel), content);
    }
    return store.commit(pending, fields());
  }

  it('lives in <project>/.fc-distill unless told otherwise', () => {
    expect(store.root).toBe(join(project.dir, '.fc-distill'));
    expect(storeRoot({ projectDir: project.dir, env: { FC_DISTILL_STORE: '/elsewhere/store' } })).toBe('/elsewhere/store');
    expect(storeRoot({ projectDir: project.dir, root: '/explicit', env: { FC_DISTILL_STORE: '/elsewhere' } })).toBe('/explicit');
  });

  it('publishes atomically: nothing visible until commit, then a verified artifact with a manifest', async () => {
    const key = keyOf(1);
    const pending = await store.open(key);
    await writeFile(join(pending.outDir, 'train.jsonl'), '{"a":1}\n');
    await mkdir(join(pending.outDir, 'sub'));
    await writeFile(join(pending.outDir, 'sub', 'eval.jsonl'), '{"b":2}\n');
    expect(await store.check(key)).toEqual({ status: 'missing' });
    expect(pending.outDir.startsWith(store.tmpDir)).toBe(true);
    expect(existsSync(pending.stateDir)).toBe(true);

    const artifact = await store.commit(pending, fields());
    expect(artifact.dir).toBe(join(store.root, 'steps', key, 'out'));
    expect(artifact.manifest.outputs).toEqual({
      'sub/eval.jsonl': { sha256: expect.stringMatching(/^[0-9a-f]{64}$/), bytes: 8 },
      'train.jsonl': { sha256: expect.stringMatching(/^[0-9a-f]{64}$/), bytes: 8 },
    });
    expect(existsSync(pending.tmpDir)).toBe(false);
    expect(existsSync(pending.stateDir)).toBe(false); // state is kept only until the step completes
    expect(await readdir(join(store.root, 'steps', key))).toEqual(['manifest.json', 'out', 'verified.json']);
    const again = await store.get(key, { verify: 'full' });
    expect(again?.manifest).toEqual(artifact.manifest);
    expect(await store.listKeys()).toEqual([key]);
  });

  it('abandon leaves nothing published and keeps the state directory for the rerun', async () => {
    const key = keyOf(2);
    const pending = await store.open(key);
    await writeFile(join(pending.outDir, 'half.jsonl'), 'x');
    await writeFile(join(pending.stateDir, 'journal.jsonl'), '{"id":1}\n');
    await store.abandon(pending);
    expect(await store.check(key)).toEqual({ status: 'missing' });
    expect(existsSync(pending.tmpDir)).toBe(false);
    const reopened = await store.open(key);
    expect(reopened.stateDir).toBe(pending.stateDir);
    expect(await readFile(join(reopened.stateDir, 'journal.jsonl'), 'utf8')).toBe('{"id":1}\n');
    expect(reopened.outDir).not.toBe(pending.outDir);
    expect(await readdir(reopened.outDir)).toEqual([]);
  });

  it('detects a truncated, a deleted and a rewritten output, and a missing manifest', async () => {
    const key = keyOf(3);
    const artifact = await publish(key, { 'a.txt': 'hello world', 'b.txt': 'second' });
    await truncate(join(artifact.dir, 'a.txt'), 5);
    expect(await store.check(key)).toEqual({ status: 'corrupt', problem: 'out/a.txt has 5 bytes, the manifest says 11' });
    expect(await store.get(key)).toBeUndefined();

    await writeFile(join(artifact.dir, 'a.txt'), 'hello world');
    expect((await store.check(key)).status).toBe('ok');
    await unlink(join(artifact.dir, 'b.txt'));
    expect(await store.check(key)).toEqual({ status: 'corrupt', problem: 'out/b.txt is missing' });
    await writeFile(join(artifact.dir, 'b.txt'), 'second');

    // Same size, new content: the changed mtime makes even the fast check hash it.
    await writeFile(join(artifact.dir, 'b.txt'), 'SECOND');
    const check = await store.check(key);
    expect(check.status).toBe('corrupt');
    expect(check.status === 'corrupt' && check.problem).toMatch(/^out\/b\.txt has changed \(sha256 [0-9a-f]{12}, the manifest says [0-9a-f]{12}\)$/);

    await rm(join(store.root, 'steps', key, 'manifest.json'));
    expect(await store.check(key)).toEqual({ status: 'corrupt', problem: 'manifest.json is missing' });
  });

  it('fast verification trusts an unchanged (size, mtime, inode); full verification rehashes', async () => {
    const key = keyOf(4);
    const artifact = await publish(key, { 'a.txt': 'hello world' });
    const path = join(artifact.dir, 'a.txt');
    // A whole-millisecond mtime that utimes can restore exactly; the check re-records it.
    const then = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000);
    await utimes(path, then, then);
    expect((await store.check(key)).status).toBe('ok');
    // Flip content in place and put the mtime back: only a full hash can notice.
    const handle = await open(path, 'r+');
    await handle.write('J', 0);
    await handle.close();
    await utimes(path, then, then);
    expect((await stat(path)).mtimeMs).toBe(then.getTime());
    expect((await store.check(key)).status).toBe('ok');
    expect((await store.check(key, { verify: 'full' })).status).toBe('corrupt');
  });

  it('a commit replaces a damaged entry under the same key', async () => {
    const key = keyOf(5);
    const first = await publish(key, { 'a.txt': 'one' });
    await writeFile(join(first.dir, 'a.txt'), 'broken!');
    expect((await store.check(key)).status).toBe('corrupt');
    const second = await publish(key, { 'a.txt': 'two' });
    expect((await store.check(key, { verify: 'full' })).status).toBe('ok');
    expect(await readFile(join(second.dir, 'a.txt'), 'utf8')).toBe('two');
    expect(await readdir(store.tmpDir)).toEqual([]);
  });

  it('refuses symlinks in an artifact', async () => {
    const key = keyOf(6);
    const pending = await store.open(key);
    await symlink('/etc/hostname', join(pending.outDir, 'link'));
    await expect(store.commit(pending, fields())).rejects.toThrow(/link, which is not a regular file/);
    await store.abandon(pending);
    expect(await store.check(key)).toEqual({ status: 'missing' });
  });

  it('cleans what dead processes left in tmp/, keeps what live ones are writing', async () => {
    const pid = deadPid();
    const deadName = `${keyOf(7)}.${pid}.abcdef`;
    const dead = join(store.tmpDir, deadName);
    await mkdir(join(dead, 'out'), { recursive: true });
    await writeFile(join(dead, 'owner.json'), JSON.stringify({ pid, host: hostname(), since: '' }));
    await writeFile(join(dead, 'out', 'half.jsonl'), 'x'.repeat(100));
    await writeFile(join(store.tmpDir, `write.${pid}.123456`), 'torn');
    const live = await store.open(keyOf(8));
    expect((await store.cleanTmp({ dryRun: true })).length).toBe(2);
    expect(existsSync(dead)).toBe(true);
    const removed = await store.cleanTmp();
    expect(removed.map((r) => r.name).sort()).toEqual([deadName, `write.${pid}.123456`]);
    expect(removed.find((r) => r.name === deadName)!.bytes).toBeGreaterThanOrEqual(100);
    expect(existsSync(dead)).toBe(false);
    expect(existsSync(live.outDir)).toBe(true);
  });

  it('records the last run of a step per experiment, whatever the names', async () => {
    const record = {
      stepId: 'infer.teacher.prompt',
      key: keyOf(9),
      kind: 'infer',
      version: 1,
      params: { model: 'x' },
      inputs: { eval: { stepId: 'split', key: keyOf(10) } },
      files: {},
      at: new Date().toISOString(),
      status: 'ran' as const,
    };
    await store.recordRun('sweeps/mixin fraction=0.2', record);
    expect(await store.lastRun('sweeps/mixin fraction=0.2', 'infer.teacher.prompt')).toEqual(record);
    expect(await store.lastRun('other', 'infer.teacher.prompt')).toBeUndefined();
    await store.recordRun('..', { ...record, stepId: '..' });
    expect(await store.lastRun('..', '..')).toMatchObject({ stepId: '..' });
    expect(existsSync(join(store.root, 'runs'))).toBe(true);
  });

  it('removes entries atomically and reports the bytes freed', async () => {
    const key = keyOf(11);
    await publish(key, { 'a.txt': 'x'.repeat(1000) });
    expect(await store.remove(key)).toBeGreaterThanOrEqual(1000);
    expect(await store.listKeys()).toEqual([]);
    expect(await store.remove(key)).toBe(0);
  });

  it('rejects anything that is not a key (no path tricks)', async () => {
    await expect(store.check('../../etc')).rejects.toThrow(/not a step key/);
    expect(() => store.stateDir('abc')).toThrow(/not a step key/);
  });

  it('measures verification cost on a 10 MB artifact', async () => {
    const key = keyOf(12);
    await publish(key, { 'big.bin': randomBytes(10 * 1024 * 1024) });
    const time = async (verify: 'fast' | 'full') => {
      const runs: number[] = [];
      for (let i = 0; i < 5; i++) {
        const t = performance.now();
        expect((await store.check(key, { verify })).status).toBe('ok');
        runs.push(performance.now() - t);
      }
      return Math.min(...runs);
    };
    const fast = await time('fast');
    const full = await time('full');
    console.log(`verification of a 10 MB artifact: fast ${fast.toFixed(2)} ms, full ${full.toFixed(1)} ms`);
    expect(fast).toBeLessThan(full);
  });
});

describe('Store locks', () => {
  let project: Awaited<ReturnType<typeof tempProject>>;
  beforeEach(async () => {
    project = await tempProject();
  });
  afterEach(() => project.cleanup());

  it('one holder at a time; the next waits until release', async () => {
    const key = keyOf(20);
    const first = await project.store.lock(key);
    let waitedFor: unknown;
    let second: { release(): Promise<void> } | undefined;
    const pending = project.store.lock(key, { onWait: (owner) => (waitedFor = owner), pollMs: 20 }).then((l) => (second = l));
    await new Promise((r) => setTimeout(r, 100));
    expect(second).toBeUndefined();
    expect(waitedFor).toMatchObject({ pid: process.pid });
    expect(await project.store.lockHolder(key)).toMatchObject({ pid: process.pid });
    await first.release();
    await pending;
    expect(second).toBeDefined();
    await second!.release();
    expect(await project.store.lockHolder(key)).toBeNull();
  });

  it('takes over the lock of a dead process', async () => {
    const key = keyOf(21);
    await mkdir(project.store.locksDir, { recursive: true });
    await writeFile(project.store.lockPath(key), JSON.stringify({ pid: deadPid(), host: hostname(), since: 'then', token: 'old' }));
    expect(await project.store.lockHolder(key)).toBeNull();
    const lock = await project.store.lock(key);
    expect(JSON.parse(await readFile(project.store.lockPath(key), 'utf8'))).toMatchObject({ pid: process.pid });
    await lock.release();
    expect(existsSync(project.store.lockPath(key))).toBe(false);
  });

  it('stops waiting when aborted', async () => {
    const key = keyOf(22);
    const held = await project.store.lock(key);
    const controller = new AbortController();
    const waiting = project.store.lock(key, { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('stop')), 50);
    await expect(waiting).rejects.toThrow('stop');
    await held.release();
  });
});
