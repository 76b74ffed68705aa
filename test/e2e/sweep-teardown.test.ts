import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempProject } from '../cli/helpers.js';
import { NOVA_SMALL, cli, secretLeaks, walk } from './harness.js';
import { startServers, type E2eServers } from './servers.js';

/**
 * Issue #5 x issue #4: a sweep whose variants differ only in evaluation (the temperature)
 * shares one distillation job and one deployment, but each variant has its own student
 * inference and so its own teardown. No teardown may delete the deployment while another
 * variant still has student requests to send: every request is answered, and the deployment
 * is deleted once, after the last of them.
 */

const FILE = 'experiments/nova-small-temperature.yaml';
const NAME = 'nova-small-temperature';
const EVAL = 158; // NOVA_SMALL: 316 entries, half held out
const APPROACHES = ['prompt', 'tool-config'];

interface VariantReport {
  variant: string;
  steps: { id: string; key: string | null; status: string; dir: string | null; summary: Record<string, unknown> | null; finishedAt: string | null }[];
}

let servers: E2eServers;
let project: string;
const outputs: string[] = [];

beforeAll(async () => {
  servers = await startServers({ answerFormat: 'json-list', region: 'us-east-1' });
  project = tempProject();
  // NOVA_SMALL's data and pace; only the distilled student is evaluated, at two temperatures.
  writeFileSync(
    join(project, FILE),
    `name: ${NAME}\nextends: nova-lite-bfcl-live.yaml\nfilter: { categories: [${NOVA_SMALL.categories.join(', ')}] }\n` +
      `evaluate: { models: [student], requestsPerMinute: 60000, concurrency: 16 }\n` +
      `matrix:\n  evaluate.inference.temperature: [0, 0.7]\n`,
  );
}, 600_000);
afterAll(async () => {
  await servers?.stop();
});

/** Journal lines of the infer steps that hold an error instead of a response. */
function journalledErrors(dir: string): string[] {
  return walk(join(dir, '.fc-distill', 'shared', 'infer'))
    .filter((p) => p.endsWith('.jsonl'))
    .flatMap((p) => readFileSync(p, 'utf8').split('\n').filter((l) => l.includes('"error"')));
}

describe('a sweep over the evaluation temperature that shares its deployment, with teardown: after-eval', () => {
  it('one job, one deployment, every student request answered, the deployment deleted after the last one', async () => {
    const { control, runtime } = servers;
    // Student requests that arrive after a delete call (or at a deleted deployment) are
    // refused, as Bedrock would. Those of one variant are answered slowly (its 158 requests per
    // approach go out in ~10 waves of 16), so the other variant's student inference finishes
    // first and its teardown is ready while later waves are still to be sent.
    const late: string[] = [];
    runtime.options.fault = (req) => {
      if (!/:custom-model-deployment\//.test(req.modelId)) return undefined;
      if ((control.counts.DeleteCustomModelDeployment ?? 0) > 0 || !control.deployments.has(req.modelId)) {
        late.push(`${req.body?.inferenceConfig?.temperature} ${req.exampleId}`);
        return 'validation';
      }
      return req.body?.inferenceConfig?.temperature === 0.7 ? { delayMs: 500 } : undefined;
    };
    const run = await cli(servers, project, ['run', FILE, '--json', '--yes']);
    outputs.push(run.stdout, run.stderr);
    runtime.options.fault = undefined;
    expect(run.stderr).not.toMatch(/^error/m);
    expect(run.code, run.stderr.slice(-3000)).toBe(0);

    const reports = JSON.parse(run.stdout) as VariantReport[];
    expect(reports.map((r) => r.variant).sort()).toEqual([`${NAME}@evaluate.inference.temperature=0`, `${NAME}@evaluate.inference.temperature=0.7`]);
    const step = (r: VariantReport, id: string) => r.steps.find((s) => s.id === id)!;
    // Shared: one distill and one deploy key, built in one variant and taken by the other.
    for (const id of ['distill', 'deploy']) {
      expect(new Set(reports.map((r) => step(r, id).key)).size, id).toBe(1);
      expect(reports.map((r) => step(r, id).status).sort(), id).toEqual(['cached', 'ran']);
    }
    // Not shared: student inference and teardown, one of each per variant.
    for (const id of APPROACHES.map((a) => `infer.student.${a}`).concat('teardown')) {
      expect(new Set(reports.map((r) => step(r, id).key)).size, id).toBe(2);
      expect(reports.map((r) => step(r, id).status), id).toEqual(['ran', 'ran']);
    }

    // The first teardown to be ready waited for the other variant's student inference.
    expect(run.stderr).toMatch(/teardown: waiting until no variant still needs its deployment \([0-9a-f]{12}\): .*infer\.student\./);
    expect(late).toEqual([]);
    expect(journalledErrors(project)).toEqual([]);
    expect(control.counts.CreateModelCustomizationJob).toBe(1);
    expect(control.created).toEqual({ jobs: 1, deployments: 1, provisioned: 0 });
    expect(control.counts.CreateCustomModelDeployment).toBe(1);
    expect(control.deployments.size).toBe(0);
    // Each variant's teardown deleted it or found it gone: one did the deleting, the other
    // (a different key) found nothing to delete and says so in its artifact.
    const teardowns = reports.map((r) => step(r, 'teardown'));
    expect(teardowns.map((t) => t.summary?.alreadyGone).sort()).toEqual([false, true]);
    const written = teardowns.map((t) => JSON.parse(readFileSync(join(t.dir!, 'teardown.json'), 'utf8')) as { name: string; alreadyGone: boolean });
    expect(written.map((w) => w.alreadyGone).sort()).toEqual([false, true]);
    expect(new Set(written.map((w) => w.name)).size).toBe(1);
    expect(control.counts.DeleteCustomModelDeployment).toBe(2);
    // The delete came after the last student answer of either variant.
    const lastInfer = Math.max(...reports.flatMap((r) => APPROACHES.map((a) => Date.parse(step(r, `infer.student.${a}`).finishedAt!))));
    const firstTeardown = Math.min(...teardowns.map((t) => Date.parse(t.finishedAt!)));
    expect(firstTeardown).toBeGreaterThanOrEqual(lastInfer);

    // Every student request of both variants was answered once.
    expect(servers.converseBy()).toEqual(Object.fromEntries(APPROACHES.map((a) => [`student.${a}`, { received: 2 * EVAL, completed: 2 * EVAL }])));
    for (const r of reports) expect(existsSync(join(project, 'results', r.variant, 'summary.json')), r.variant).toBe(true);
  }, 300_000);

  it('reruns as all cache hits: no request, no control-plane call', async () => {
    const before = { control: { ...servers.control.counts }, converse: servers.runtime.requests.length };
    const again = await cli(servers, project, ['run', FILE, '--json', '--yes']);
    outputs.push(again.stdout, again.stderr);
    expect(again.code, again.stderr.slice(-2000)).toBe(0);
    const reports = JSON.parse(again.stdout) as VariantReport[];
    expect(reports.flatMap((r) => r.steps.map((s) => s.status)).every((s) => s === 'cached')).toBe(true);
    expect(servers.runtime.requests.length).toBe(before.converse);
    expect(servers.control.counts).toEqual(before.control);
  }, 120_000);

  it('no credential, secret, signature or account id in the store, results/ or the output', () => {
    expect(outputs.length).toBeGreaterThan(0);
    expect(secretLeaks(project, outputs)).toEqual([]);
  });
});
