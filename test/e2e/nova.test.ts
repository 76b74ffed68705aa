import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempProject } from '../cli/helpers.js';
import { cli, expectFullSeedRun, secretLeaks, statuses } from './harness.js';
import { startServers, type E2eServers } from './servers.js';

/**
 * Issue #4, item 7: the Nova seed (experiments/nova-lite-bfcl-live.yaml, BFCL v3 live, 2,251
 * entries) runs start to finish through the built CLI against moto and the fake Bedrock
 * control plane and runtime, writes results/, tears the deployment down, and reruns as all
 * cache hits with no new request. Nothing secret is written.
 */

const SEED = 'experiments/nova-lite-bfcl-live.yaml';
const NAME = 'nova-lite-bfcl-live';
const MODELS = ['teacher', 'student-base', 'student'];
const APPROACHES = ['prompt', 'tool-config'];
const CATEGORIES = ['live_simple', 'live_multiple', 'live_parallel', 'live_parallel_multiple', 'live_irrelevance', 'live_relevance'];
const EVAL = 1125; // 2,251 entries, 50/50 split stratified by category


let servers: E2eServers;
let project: string;
const outputs: string[] = [];

beforeAll(async () => {
  servers = await startServers({ answerFormat: 'json-list', region: 'us-east-1' });
  project = tempProject();
}, 600_000);
afterAll(async () => {
  await servers?.stop();
});

describe('the Nova seed end to end against the fake cloud', () => {
  it('runs every step, writes results/ with every model x approach x category, tears down; one job, one deployment, one request per example', async () => {
    const run = await cli(servers, project, ['run', SEED, '--json', '--yes']);
    outputs.push(run.stdout, run.stderr);
    expect(run.stderr).not.toMatch(/^error/m);
    // Thousands of concurrent requests share the run's abort signal: no listener-leak warning.
    expect(run.stderr).not.toMatch(/MaxListenersExceededWarning/);
    expect(run.code).toBe(0);
    expectFullSeedRun(servers, project, run.stdout, { name: NAME, models: MODELS, approaches: APPROACHES, categories: CATEGORIES, evalExamples: EVAL });

    const { control } = servers;
    expect(control.counts.CreateModelCustomizationJob).toBe(1);
    expect(control.created).toEqual({ jobs: 1, deployments: 1, provisioned: 0 });
    expect(control.counts.CreateCustomModelDeployment).toBe(1);
    expect(control.counts.DeleteCustomModelDeployment).toBe(1);
    expect(control.deployments.size).toBe(0);
  }, 180_000);

  it('reruns as all cache hits with zero new requests', async () => {
    const before = { control: { ...servers.control.counts }, converse: servers.runtime.requests.length };
    const again = await cli(servers, project, ['run', SEED, '--json', '--yes']);
    outputs.push(again.stdout, again.stderr);
    expect(again.code).toBe(0);
    expect(Object.values(statuses(again.stdout)).every((s) => s === 'cached')).toBe(true);
    expect(servers.runtime.requests.length).toBe(before.converse);
    expect(servers.control.counts).toEqual(before.control);

    // Without the role (a teammate re-running the analysis): the role is not in any key, so
    // everything is still a cache hit and nothing asks for it.
    const { FC_DISTILL_ROLE_ARN: _role, ...noRole } = servers.env;
    const cached = await cli(servers, project, ['run', SEED, '--json', '--yes'], noRole);
    outputs.push(cached.stdout, cached.stderr);
    expect(cached.code, cached.stderr.slice(-2000)).toBe(0);
    expect(Object.values(statuses(cached.stdout)).every((s) => s === 'cached')).toBe(true);
    expect(cached.stderr).not.toMatch(/FC_DISTILL_ROLE_ARN/);
  }, 60_000);

  it('new execution settings in the YAML (concurrency, rate cap, timeout, attempts) leave inference cached: plan says so, run sends nothing', async () => {
    const file = 'experiments/nova-lite-exec.yaml';
    writeFileSync(
      join(project, file),
      `name: ${NAME}\nextends: nova-lite-bfcl-live.yaml\nevaluate: { concurrency: 3, requestsPerMinute: 120, tokensPerMinute: 50000, timeoutMs: 30000, maxAttempts: 5 }\n`,
    );
    const plan = await cli(servers, project, ['plan', file, '--json']);
    expect(plan.code, plan.stderr).toBe(0);
    const infer = (JSON.parse(plan.stdout) as { variants: { steps: { id: string; state: string; settings: Record<string, unknown> }[] }[] }).variants[0]!.steps.filter((s) => s.id.startsWith('infer.'));
    expect(infer).toHaveLength(MODELS.length * APPROACHES.length);
    for (const step of infer) {
      expect(step.state, step.id).toBe('cached');
      expect(step.settings).toMatchObject({ concurrency: 3, requestsPerMinute: 120, timeoutMs: 30000 });
    }
    const before = servers.runtime.requests.length;
    const run = await cli(servers, project, ['run', file, '--json', '--yes']);
    outputs.push(run.stdout, run.stderr);
    expect(run.code, run.stderr.slice(-2000)).toBe(0);
    const ran = statuses(run.stdout);
    for (const step of infer) expect(ran[step.id], step.id).toBe('cached');
    expect(servers.runtime.requests.length).toBe(before);
  }, 60_000);

  it('no credential, secret, signature or env account id in the store, results/ or the output', () => {
    expect(outputs.length).toBeGreaterThan(0);
    expect(secretLeaks(project, outputs)).toEqual([]);
  });
});
