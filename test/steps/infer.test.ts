import { spawn } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeRuntime, type FakeRuntime } from '../support/fake-bedrock/runtime.js';
import { FAKE_ENV } from '../models/fixtures.js';
import { evalPlan, lookup, manyExamples, type EvalPlanOptions } from './fixtures/eval-plan.js';
import { execute } from '../../src/graph/execute.js';
import { SilentReporter } from '../../src/graph/progress.js';
import { resolvePlan } from '../../src/graph/resolve.js';
import { Store } from '../../src/graph/store.js';

/** The same run as the child's, in this process (children cost ~5 s of start-up each). */
async function runHere(storeDir: string, projectDir: string, endpoint: string, options: EvalPlanOptions = {}) {
  Object.assign(process.env, FAKE_ENV, { AWS_ENDPOINT_URL_BEDROCK_RUNTIME: endpoint });
  const store = new Store({ root: storeDir });
  const base = { store, projectDir, experiment: 'fake-exp', kinds: lookup };
  const report = await execute(await resolvePlan(evalPlan(options), base), { ...base, concurrency: 4, reporter: new SilentReporter() });
  return { code: report.error ? 1 : 0, statuses: Object.fromEntries(report.steps.map((st) => [st.id, st.status])), error: report.error?.message ?? null };
}

const root = fileURLToPath(new URL('../../', import.meta.url));
const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
const register = join(root, 'test/graph/fixtures/register-ts.mjs');

interface Child {
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stdout: () => string;
  stderr: () => string;
  kill: (s: NodeJS.Signals) => void;
}

function runChild(storeDir: string, projectDir: string, endpoint: string, options: EvalPlanOptions = {}): Child {
  const child = spawn(process.execPath, ['--import', register, join(fixtures, 'eval-runner.ts'), storeDir, projectDir, JSON.stringify(options)], {
    cwd: root,
    env: { ...process.env, ...FAKE_ENV, AWS_ENDPOINT_URL_BEDROCK_RUNTIME: endpoint, CI: '1', AWS_PROFILE: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return { exit, stdout: () => out, stderr: () => err, kill: (s) => child.kill(s) };
}

async function project(n: number) {
  const dir = await mkdtemp(join(tmpdir(), 'fc-infer-'));
  const examples = manyExamples(n);
  await writeFile(join(dir, 'eval.jsonl'), examples.map((e) => `${JSON.stringify(e)}\n`).join(''));
  return { dir, storeDir: join(dir, 'store'), examples };
}

async function filesUnder(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true, withFileTypes: true })).filter((d) => d.isFile()).map((d) => join(d.parentPath, d.name));
}

/** Resolved infer steps of a plan: state and key by id. */
async function planned(storeDir: string, projectDir: string, options: EvalPlanOptions) {
  const steps = await resolvePlan(evalPlan(options), { store: new Store({ root: storeDir }), projectDir, experiment: 'fake-exp', kinds: lookup });
  return Object.fromEntries(steps.filter((st) => st.kind === 'infer').map((st) => [st.id, { state: st.state, key: st.key, reasons: st.reasons }]));
}

async function journalLines(storeDir: string): Promise<number> {
  let n = 0;
  for (const f of await filesUnder(join(storeDir, 'shared', 'infer')).catch(() => [])) {
    n += (await readFile(f, 'utf8')).split('\n').filter(Boolean).length;
  }
  return n;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function fakeServer(examples: ReturnType<typeof manyExamples>, extra: Parameters<typeof startFakeRuntime>[0] = {}): Promise<FakeRuntime> {
  const fake = await startFakeRuntime({ examples, delayMs: 5, ...extra });
  cleanups.push(() => fake.close());
  return fake;
}

describe('infer step, end to end through the executor (child process, fake Bedrock runtime over h2c)', () => {
  it('SIGKILL mid-inference, then a rerun: same results, zero re-sent completed requests; no credentials in the store', async () => {
    const N = 24;
    // Reference: one uninterrupted run.
    const ref = await project(N);
    cleanups.push(() => rm(ref.dir, { recursive: true, force: true }));
    const refServer = await fakeServer(ref.examples);
    const clean = await runHere(ref.storeDir, ref.dir, refServer.endpoint);
    expect(clean.code, clean.error ?? '').toBe(0);
    const reference = await readFile(join(ref.dir, 'results/fake-exp/outcomes.jsonl'), 'utf8');
    const refSummary = JSON.parse(await readFile(join(ref.dir, 'results/fake-exp/summary.json'), 'utf8'));
    expect(refSummary.models.map((m: any) => [m.approach, m.overall.accuracy])).toEqual([['prompt', 1], ['tool-config', 1]]);

    // Crash run: answer the first 10 requests, then hang every other one; kill when 10 are journalled.
    const p = await project(N);
    cleanups.push(() => rm(p.dir, { recursive: true, force: true }));
    let answered = 0;
    const fake = await fakeServer(p.examples, { fault: () => (answered++ < 10 ? undefined : 'hang') });
    const first = runChild(p.storeDir, p.dir, fake.endpoint);
    const deadline = Date.now() + 20_000;
    while ((fake.totalCompleted() < 10 || (await journalLines(p.storeDir)) < 10) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    expect(fake.totalCompleted()).toBe(10);
    first.kill('SIGKILL');
    expect((await first.exit).signal).toBe('SIGKILL');
    const completedBefore = new Map(fake.completed);

    fake.options.fault = undefined;
    const second = runChild(p.storeDir, p.dir, fake.endpoint);
    expect((await second.exit).code, second.stderr()).toBe(0);
    // Every (model, example) completed exactly once over both runs; those completed before the kill were not sent again.
    expect([...fake.completed.values()].every((n) => n === 1)).toBe(true);
    expect(fake.completed.size).toBe(2 * N);
    for (const key of completedBefore.keys()) expect(fake.received.get(key)).toBe(1);
    expect(await readFile(join(p.dir, 'results/fake-exp/outcomes.jsonl'), 'utf8')).toBe(reference);

    // No credential, secret or signature from the environment in the store or the results.
    for (const f of [...(await filesUnder(p.storeDir)), ...(await filesUnder(join(p.dir, 'results')))]) {
      const text = await readFile(f, 'utf8');
      for (const secret of [FAKE_ENV.AWS_ACCESS_KEY_ID, FAKE_ENV.AWS_SECRET_ACCESS_KEY, FAKE_ENV.AWS_SESSION_TOKEN, 'Signature=', 'AWS4-HMAC-SHA256']) {
        expect(text.includes(secret), `${secret} in ${f}`).toBe(false);
      }
    }
  });

  it('infrastructure errors are journalled, the step fails naming the missing count, a rerun retries only those', async () => {
    const N = 8;
    const p = await project(N);
    cleanups.push(() => rm(p.dir, { recursive: true, force: true }));
    const failing = new Set([p.examples[1]!.id, p.examples[5]!.id]);
    const fake = await fakeServer(p.examples, { fault: (req) => (failing.has(req.exampleId) ? 'server' : undefined) });
    const out = await runHere(p.storeDir, p.dir, fake.endpoint, { approaches: ['tool-config'], maxAttempts: 2, retryPauseMs: 50 });
    expect(out.code).toBe(1);
    expect(out.statuses['infer.teacher.tool-config']).toBe('failed');
    expect(out.error).toMatch(/2 of 8 examples are missing an answer from teacher \(tool-config\): 2 server/);
    // 3 rounds x 2 SDK attempts for each failing example; one request for each other.
    for (const e of p.examples) expect(fake.received.get(`us.amazon.nova-premier-v1:0 tool-config ${e.id}`)).toBe(failing.has(e.id) ? 6 : 1);

    fake.options.fault = undefined;
    const again = await runHere(p.storeDir, p.dir, fake.endpoint, { approaches: ['tool-config'], maxAttempts: 2, retryPauseMs: 50 });
    expect(again.code, again.error ?? '').toBe(0);
    for (const e of p.examples) expect(fake.received.get(`us.amazon.nova-premier-v1:0 tool-config ${e.id}`)).toBe(failing.has(e.id) ? 7 : 1);
    const summary = JSON.parse(await readFile(join(p.dir, 'results/fake-exp/summary.json'), 'utf8'));
    expect(summary.models[0].overall).toMatchObject({ n: N, correct: N, accuracy: 1, ci95: { high: 1 } });
  });

  it('access denied stops sending: recorded, not scored, the run fails', async () => {
    const p = await project(6);
    cleanups.push(() => rm(p.dir, { recursive: true, force: true }));
    const fake = await fakeServer(p.examples, { fault: () => 'access' });
    const run = await runHere(p.storeDir, p.dir, fake.endpoint, { approaches: ['prompt'], concurrency: 1 });
    expect(run.code).toBe(1);
    expect(run.error).toMatch(/6 of 6 examples are missing.*1 access, 5 not attempted.*stopped sending after an access error/);
    expect(fake.requests.length).toBe(1);
  });

  it('execution settings do not re-key it; what is asked does, and a re-keyed step reuses answers already paid for', async () => {
    const N = 6;
    const p = await project(N);
    cleanups.push(() => rm(p.dir, { recursive: true, force: true }));
    const fake = await fakeServer(p.examples);
    const base: EvalPlanOptions = { approaches: ['prompt'], concurrency: 4 };
    const first = await runHere(p.storeDir, p.dir, fake.endpoint, base);
    expect(first.code, first.error ?? '').toBe(0);
    expect(fake.requests.length).toBe(N);
    const before = await planned(p.storeDir, p.dir, base);

    // How it runs: concurrency, rate cap, timeout, attempts, and the request tag of another sweep variant.
    const execution: EvalPlanOptions = { ...base, concurrency: 1, requestsPerMinute: 30, timeoutMs: 5000, maxAttempts: 5, retryPauseMs: 10, experiment: 'fake-exp@mixin.fraction=0.2' };
    const after = await planned(p.storeDir, p.dir, execution);
    expect(after['infer.teacher.prompt']).toEqual({ state: 'cached', key: before['infer.teacher.prompt']!.key, reasons: [] });
    const again = await runHere(p.storeDir, p.dir, fake.endpoint, execution);
    expect(again.statuses['infer.teacher.prompt']).toBe('cached');
    expect(fake.requests.length).toBe(N);

    // What is asked: a new temperature is a new key and new requests.
    const hotter = await planned(p.storeDir, p.dir, { ...base, temperature: 0.7 });
    expect(hotter['infer.teacher.prompt']!.state).toBe('missing');
    expect(hotter['infer.teacher.prompt']!.reasons.join('\n')).toMatch(/inference\.temperature 0 -> 0\.7/);
    expect((await runHere(p.storeDir, p.dir, fake.endpoint, { ...base, temperature: 0.7 })).code).toBe(0);
    expect(fake.requests.length).toBe(2 * N);
    expect(new Set(fake.requests.map((r) => r.body?.inferenceConfig?.temperature))).toEqual(new Set([0, 0.7]));

    // What is recorded: a price override re-keys (the artifact holds the cost) but sends nothing:
    // every request is answered in the shared journal.
    const priced: EvalPlanOptions = { ...base, prices: { 'us.amazon.nova-premier-v1:0': { input: 1000, output: 1000 } } };
    expect((await planned(p.storeDir, p.dir, priced))['infer.teacher.prompt']!.state).toBe('missing');
    const repriced = await runHere(p.storeDir, p.dir, fake.endpoint, priced);
    expect(repriced.code, repriced.error ?? '').toBe(0);
    expect(repriced.statuses['infer.teacher.prompt']).toBe('ran');
    expect(fake.requests.length).toBe(2 * N);
    const key = (await planned(p.storeDir, p.dir, priced))['infer.teacher.prompt']!.key!;
    const info = JSON.parse(await readFile(join(p.storeDir, 'steps', key, 'out', 'infer.json'), 'utf8'));
    expect(info).toMatchObject({ sentThisRun: 0, answeredBefore: N, price: { input: 1000, output: 1000, source: 'prices.yaml' } });
    expect(info.costUsd).toBeCloseTo((info.tokens.input + info.tokens.output) / 1000, 9);
  });
});
