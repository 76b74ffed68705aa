import { expect } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DeleteObjectsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { cliPath, runCli, type CliResult } from '../cli/helpers.js';
import { E2E_BUCKET, SECRETS, type E2eServers } from './servers.js';

/**
 * Shared pieces of the end-to-end tests: running the built CLI against the fake cloud (to the
 * end, or SIGKILLed at a chosen point), reading what a run wrote, resetting the fakes between
 * scenarios, and the secret scan.
 */

export interface StepReport {
  id: string;
  status: string;
}

export function statuses(stdout: string): Record<string, string> {
  const report = JSON.parse(stdout) as { steps: StepReport[] }[];
  return Object.fromEntries(report.flatMap((v) => v.steps.map((s) => [s.id, s.status])));
}

export function cli(servers: E2eServers, project: string, args: string[], env: Record<string, string | undefined> = servers.env): Promise<CliResult> {
  return runCli(args, { cwd: project, env });
}

/** Where to SIGKILL the runner. */
export type KillPoint =
  /** Right after the step's artifact is published (its `done` progress line). */
  | { after: string }
  /** Inside the distillation poll: the job is held in validation until the kill. */
  | { distillPoll: true }
  /** Right after the deployment's create reached the service: it is held in Creating until the kill. */
  | { deployCreated: true }
  /** Inside inference: after `completed` Converse answers are journalled (the rest hang until the kill). */
  | { inference: number };

export function describeKill(point: KillPoint): string {
  if ('after' in point) return `after ${point.after}`;
  if ('distillPoll' in point) return 'inside the distillation poll';
  if ('deployCreated' in point) return 'right after the deployment was created';
  return `inside inference (${point.inference} answers journalled)`;
}

function files(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}
export { files as walk };

/** The infer steps' response journals (shared by every key of a model x approach: src/models/journal.ts). */
function journals(project: string): string[] {
  return files(join(project, '.fc-distill', 'shared', 'infer')).filter((p) => p.endsWith('.jsonl'));
}

function journalLines(project: string): number {
  let n = 0;
  for (const f of journals(project)) {
    n += readFileSync(f, 'utf8').split('\n').filter((l) => l.endsWith('}')).length;
  }
  return n;
}

/**
 * Starts `fc-distill run <file>` and SIGKILLs it at `point`. Resolves with its output once it is
 * dead; throws if it ended by itself first. Leaves the fakes as they were before.
 */
export async function runAndKill(servers: E2eServers, project: string, file: string, point: KillPoint, timeoutMs = 60_000): Promise<{ stderr: string; stdout: string }> {
  const env: Record<string, string | undefined> = { ...process.env, CI: '1' };
  for (const name of Object.keys(env)) if (name.startsWith('AWS_') || name.startsWith('FC_DISTILL_')) delete env[name];
  Object.assign(env, servers.env);
  const { control, runtime } = servers;
  let answered = 0;
  if ('distillPoll' in point) control.getsPerStage = 1_000_000;
  if ('deployCreated' in point) control.getsToReady = 1_000_000;
  if ('inference' in point) runtime.options.fault = () => (answered++ < point.inference ? undefined : 'hang');
  const child = spawn(process.execPath, [cliPath, 'run', file, '--yes'], { cwd: project, env: env as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let stdout = '';
  let reached = false;
  const doneLine = 'after' in point ? new RegExp(`^\\[\\d+/\\d+\\] ${point.after.replace(/\./g, '\\.')} [0-9a-f]{12} done in`, 'm') : undefined;
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    if (doneLine && !reached && doneLine.test(stderr)) {
      reached = true;
      child.kill('SIGKILL');
    }
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const deadline = Date.now() + timeoutMs;
  try {
    while (!reached && child.exitCode === null && child.signalCode === null) {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`kill point ${describeKill(point)} not reached in ${timeoutMs} ms:\n${stderr.slice(-3000)}`);
      }
      if ('distillPoll' in point && (control.counts.GetModelCustomizationJob ?? 0) >= 3 && control.created.jobs === 1) reached = true;
      if ('deployCreated' in point && control.created.deployments === 1) reached = true;
      if ('inference' in point && runtime.totalCompleted() >= point.inference && journalLines(project) >= point.inference) reached = true;
      if (reached) child.kill('SIGKILL');
      else await new Promise((r) => setTimeout(r, 10));
    }
    const exit = await exited;
    // The last step's `done` line can race the process's own exit; the boundary was still
    // crossed, and what is on disk is what a kill there leaves, so that counts as reached.
    if (exit.signal !== 'SIGKILL' && !(doneLine && reached)) throw new Error(`the run ended by itself (code ${exit.code}) before ${describeKill(point)}:\n${stderr.slice(-3000)}`);
    return { stderr, stdout };
  } finally {
    control.getsPerStage = 1;
    control.getsToReady = 2;
    runtime.options.fault = undefined;
  }
}

/** Forgets everything the fakes did (jobs, deployments, counters, S3 objects), so a scenario starts from a clean cloud. */
export async function resetCloud(servers: E2eServers): Promise<void> {
  const { control, runtime } = servers;
  control.jobs.clear();
  control.deployments.clear();
  control.tokens.clear();
  for (const k of Object.keys(control.counts)) delete control.counts[k];
  control.created.jobs = 0;
  control.created.deployments = 0;
  control.created.provisioned = 0;
  control.requests.length = 0;
  control.expiredToken = false;
  control.getsPerStage = 1;
  control.getsToReady = 2;
  runtime.received.clear();
  runtime.completed.clear();
  runtime.requests.length = 0;
  runtime.options.fault = undefined;
  const s3 = new S3Client({ region: 'us-east-1', endpoint: servers.moto.url, forcePathStyle: true, credentials: { accessKeyId: 'setup', secretAccessKey: 'setup' } });
  try {
    for (;;) {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: E2E_BUCKET }));
      const keys = (page.Contents ?? []).map((o) => ({ Key: o.Key! }));
      if (keys.length === 0) break;
      await s3.send(new DeleteObjectsCommand({ Bucket: E2E_BUCKET, Delete: { Objects: keys } }));
    }
  } finally {
    s3.destroy();
  }
}

export interface Results {
  summary: unknown;
  outcomes: string;
}

export function readResults(project: string, experiment: string): Results {
  const dir = join(project, 'results', experiment);
  return { summary: JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')), outcomes: readFileSync(join(dir, 'outcomes.jsonl'), 'utf8') };
}

/**
 * summary.json without what is measured, not computed: wall-clock latencies and the git commit
 * of the project. Everything else (accuracies, counts, error types, tokens, cost, step keys)
 * must be identical between two runs of the same experiment.
 */
export function comparable(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(comparable);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([k]) => k !== 'latencyMs' && k !== 'gitCommit')
        .map(([k, v]) => [k, comparable(v)]),
    );
  }
  return value;
}

/** Every model x approach of the summary with its per-category accuracies. */
export function modelRows(summary: unknown): { model: string; approach: string; perCategory: Record<string, { n: number; correct: number; accuracy: number }>; overall: { n: number; correct: number; accuracy: number } }[] {
  return (summary as { models: never[] }).models;
}

/** The strings that must never be written anywhere. */
export const FORBIDDEN = [SECRETS.accessKeyId, SECRETS.secretAccessKey, SECRETS.sessionToken, SECRETS.accountId, 'Signature=', 'AWS4-HMAC-SHA256', 'X-Amz-Signature', 'X-Amz-Security-Token', 'X-Amz-Credential'];

/** Files under the project's store and results/, plus captured outputs, that contain a forbidden string. */
export function secretLeaks(project: string, outputs: string[]): string[] {
  const leaks: string[] = [];
  const all = [...files(join(project, '.fc-distill')), ...files(join(project, 'results'))];
  for (const path of all) {
    const text = readFileSync(path, 'latin1');
    for (const s of FORBIDDEN) if (text.includes(s)) leaks.push(`${s} in ${path}`);
  }
  outputs.forEach((text, i) => {
    for (const s of FORBIDDEN) if (text.includes(s)) leaks.push(`${s} in output #${i}: ${text.slice(Math.max(0, text.indexOf(s) - 200), text.indexOf(s) + 100)}`);
  });
  return leaks;
}

/** The reduced Nova experiment for the kill matrix: the seed, filtered to 316 entries (158 train / 158 eval), paced for a local fake. */
export const NOVA_SMALL = {
  file: 'experiments/nova-small.yaml',
  name: 'nova-small',
  categories: ['live_simple', 'live_parallel', 'live_parallel_multiple', 'live_relevance'],
};

export function writeNovaSmall(project: string, extra = ''): void {
  writeFileSync(
    join(project, NOVA_SMALL.file),
    `name: ${NOVA_SMALL.name}\nextends: nova-lite-bfcl-live.yaml\nfilter: { categories: [${NOVA_SMALL.categories.join(', ')}] }\n` +
      // A fixed pace instead of the slow start meant for a real endpoint's quota.
      `evaluate: { requestsPerMinute: 60000, concurrency: 16 }\n${extra}`,
  );
}

/** `${stepKey12} ${exampleId}` of every answer journalled in the project's store (by the step that paid for it). */
export function journalledAnswers(project: string): Set<string> {
  const out = new Set<string>();
  for (const path of journals(project)) {
    for (const line of readFileSync(path, 'utf8').split('\n')) {
      try {
        const entry = JSON.parse(line) as { id: string; step?: string; response?: unknown };
        if (entry.response) out.add(`${entry.step} ${entry.id}`);
      } catch {
        // a torn last line: not journalled
      }
    }
  }
  return out;
}

/** Converse requests received by the fake runtime per `${stepKey12} ${exampleId}` (from the request metadata). */
export function receivedByStep(servers: E2eServers): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of servers.runtime.requests) {
    const k = `${String(r.body?.requestMetadata?.step)} ${r.exampleId}`;
    out.set(k, (out.get(k) ?? 0) + 1);
  }
  return out;
}

/** Steps that make no cloud call: the cost gate's pre-pass may already have built them. */
export const LOCAL_STEPS = ['load', 'filter', 'split', 'mixin', 'render', 'render.eval', 'export', 'report'];

/** What a seed experiment's full run must produce. */
export interface SeedExpectations {
  name: string;
  models: string[];
  approaches: string[];
  categories: string[];
  /** Eval examples per model x approach. */
  evalExamples: number;
}

const pairs = (e: SeedExpectations) => e.models.flatMap((m) => e.approaches.map((a) => `${m}.${a}`));

/**
 * A first full run: every cloud step ran (local ones ran or were built by the pre-pass),
 * results/ has every model x approach x category, accuracies are ordered as the fake scripts
 * them, and every Converse request was received and completed exactly once.
 */
export function expectFullSeedRun(servers: E2eServers, project: string, stdout: string, e: SeedExpectations): void {
  const ran = statuses(stdout);
  for (const [id, status] of Object.entries(ran)) expect([LOCAL_STEPS.includes(id) ? 'cached' : 'ran', 'ran'], `${id} ${status}`).toContain(status);
  const evaluation = pairs(e).flatMap((p) => [`infer.${p}`, `score.${p}`]);
  expect(Object.keys(ran)).toEqual(expect.arrayContaining(['load', 'split', 'mixin', 'render', 'export', 'report', 'upload', 'distill', 'deploy', 'results', 'teardown', ...evaluation]));

  expect(existsSync(join(project, 'results', e.name, 'summary.json'))).toBe(true);
  const { summary, outcomes } = readResults(project, e.name);
  const rows = modelRows(summary);
  expect(rows.map((r) => `${r.model}.${r.approach}`).sort()).toEqual(pairs(e).sort());
  for (const row of rows) {
    expect(Object.keys(row.perCategory).sort()).toEqual([...e.categories].sort());
    for (const c of Object.values(row.perCategory)) expect(c.accuracy).toBeCloseTo(c.correct / c.n, 10);
    expect(row.overall.n).toBe(e.evalExamples);
  }
  expect(outcomes.trim().split('\n')).toHaveLength(pairs(e).length * e.evalExamples);
  // Non-trivial and ordered as scripted: teacher > distilled student > base student.
  const acc = (m: string) => rows.filter((r) => r.model === m).map((r) => r.overall.accuracy);
  for (const a of acc('teacher')) expect(a).toBeGreaterThan(0.8);
  for (const a of acc('student')) expect(a).toBeGreaterThan(0.5), expect(a).toBeLessThan(0.8);
  for (const a of acc('student-base')) expect(a).toBeGreaterThan(0.2), expect(a).toBeLessThan(0.5);

  const { runtime } = servers;
  expect(runtime.requests.length).toBe(pairs(e).length * e.evalExamples);
  expect([...runtime.completed.values()].every((n) => n === 1)).toBe(true);
  expect(servers.converseBy()).toEqual(Object.fromEntries(pairs(e).map((p) => [p, { received: e.evalExamples, completed: e.evalExamples }])));
}
