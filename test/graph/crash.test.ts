import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolvePlan } from '../../src/graph/resolve.js';
import { Store } from '../../src/graph/store.js';
import { crashLookup, crashPlan } from './fixtures/kinds.js';
import { tempProject } from './helpers.js';

/**
 * The runner is SIGKILLed in the middle of a step (half its output written, a journal line
 * in its stateDir): the store must hold no artifact for that key and nothing corrupt, and
 * a new process must complete the run, seeing the journal, and publish.
 */
const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
const root = fileURLToPath(new URL('../../', import.meta.url));

interface Child {
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stdout: () => string;
  stderr: () => string;
  ready: Promise<void>;
  kill: (signal: NodeJS.Signals) => void;
  pid: number;
}

function runChild(storeDir: string, projectDir: string, mode: 'block' | 'complete'): Child {
  const child = spawn(
    process.execPath,
    ['--import', join(fixtures, 'register-ts.mjs'), join(fixtures, 'crash-runner.ts'), storeDir, projectDir],
    { cwd: root, env: { ...process.env, FX_MODE: mode, CI: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  let onReady: () => void;
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    if (out.includes('READY\n')) onReady();
  });
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return { exit, ready, stdout: () => out, stderr: () => err, kill: (signal) => child.kill(signal), pid: child.pid! };
}

describe('a runner killed with SIGKILL in the middle of a step', () => {
  let project: Awaited<ReturnType<typeof tempProject>>;
  beforeEach(async () => {
    project = await tempProject();
  });
  afterEach(() => project.cleanup());

  it('leaves the store intact, and a rerun completes', async () => {
    const storeDir = join(project.dir, 'store');
    const store = new Store({ root: storeDir });
    const keys = Object.fromEntries(
      (await resolvePlan(crashPlan(), { store, projectDir: project.dir, experiment: 'crash', kinds: crashLookup })).map((s) => [s.id, s.key!]),
    );

    const first = runChild(storeDir, project.dir, 'block');
    await Promise.race([first.ready, first.exit.then(() => Promise.reject(new Error(`child exited early: ${first.stderr()}`)))]);
    first.kill('SIGKILL');
    expect(await first.exit).toEqual({ code: null, signal: 'SIGKILL' });

    // a finished before the kill: published and intact. b was half-written: not published.
    expect((await store.check(keys.a!, { verify: 'full' })).status).toBe('ok');
    expect(await store.check(keys.b!)).toEqual({ status: 'missing' });
    expect(await store.listKeys()).toEqual([keys.a].sort());
    const leftovers = await readdir(store.tmpDir);
    expect(leftovers).toEqual([expect.stringMatching(new RegExp(`^${keys.b}\\.${first.pid}\\.[0-9a-f]+$`))]);
    expect((await readFile(join(store.tmpDir, leftovers[0]!, 'out', 'result.txt'))).length).toBe(60_000); // the half
    // The dead runner's lock is still on disk but recognised as stale; its journal survived.
    expect(existsSync(store.lockPath(keys.b!))).toBe(true);
    expect(await store.lockHolder(keys.b!)).toBeNull();
    expect(await readFile(join(store.stateDir(keys.b!), 'journal.txt'), 'utf8')).toBe(`pid ${first.pid} wrote the first half\n`);
    // Planning sees b as not cached, a as cached.
    const planned = await resolvePlan(crashPlan(), { store, projectDir: project.dir, experiment: 'crash', kinds: crashLookup });
    expect(planned.map((s) => [s.id, s.cached])).toEqual([['a', true], ['b', false]]);

    const second = runChild(storeDir, project.dir, 'complete');
    const { code } = await second.exit;
    expect(code, second.stderr()).toBe(0);
    expect(JSON.parse(second.stdout())).toEqual({
      statuses: { a: 'cached', b: 'ran' },
      b: { journalBefore: `pid ${first.pid} wrote the first half\n` },
      error: null,
    });
    const b = await store.check(keys.b!, { verify: 'full' });
    expect(b.status).toBe('ok');
    expect(b.status === 'ok' && b.artifact.manifest.outputs['result.txt']!.bytes).toBe(120_000);
    expect(await readdir(store.tmpDir)).toEqual([]); // the dead runner's leftovers were cleaned
    expect(existsSync(store.lockPath(keys.b!))).toBe(false);
    expect(existsSync(store.stateDir(keys.b!))).toBe(false); // state goes once the step completes
    expect(second.stderr()).toContain('[1/2] a ');
  }, 60_000);
});
