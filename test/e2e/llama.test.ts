import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempProject } from '../cli/helpers.js';
import { cli, expectFullSeedRun, secretLeaks, statuses } from './harness.js';
import { startServers, type E2eServers } from './servers.js';

/**
 * Issue #4: the Llama seed (experiments/llama-3b-entertainment.yaml: Llama 3.3 70B -> Llama 3.2
 * 3B on the entertainment slice of BFCL v3 live simple + multiple, us-west-2, provisioned
 * throughput) runs start to finish through the built CLI against moto and the fake Bedrock
 * control plane and runtime, writes results/, deletes the provisioned throughput, and reruns as
 * all cache hits with no new request. Nothing secret is written.
 */

const SEED = 'experiments/llama-3b-entertainment.yaml';
const NAME = 'llama-3b-entertainment';
const MODELS = ['teacher', 'student-base', 'student'];
const APPROACHES = ['prompt'];
const CATEGORIES = ['live_simple', 'live_multiple'];
const EVAL = 211; // 423 entries after the filter, 212 train / 211 eval


let servers: E2eServers;
let project: string;
const outputs: string[] = [];

beforeAll(async () => {
  servers = await startServers({ answerFormat: 'llama-json', region: 'us-west-2' });
  project = tempProject();
}, 600_000);
afterAll(async () => {
  await servers?.stop();
});

describe('the Llama seed end to end against the fake cloud', () => {
  it('runs every step, writes results/ with every model x approach x category, tears down; one job, one provisioned throughput, one request per example', async () => {
    const run = await cli(servers, project, ['run', SEED, '--json', '--yes']);
    outputs.push(run.stdout, run.stderr);
    expect(run.stderr).not.toMatch(/^error/m);
    expect(run.code).toBe(0);
    expectFullSeedRun(servers, project, run.stdout, { name: NAME, models: MODELS, approaches: APPROACHES, categories: CATEGORIES, evalExamples: EVAL });

    const { control } = servers;
    expect(control.counts.CreateModelCustomizationJob).toBe(1);
    expect(control.created).toEqual({ jobs: 1, deployments: 0, provisioned: 1 });
    expect(control.counts.CreateProvisionedModelThroughput).toBe(1);
    expect(control.counts.DeleteProvisionedModelThroughput).toBe(1);
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
  }, 60_000);

  it('no credential, secret, signature or env account id in the store, results/ or the output', () => {
    expect(outputs.length).toBeGreaterThan(0);
    expect(secretLeaks(project, outputs)).toEqual([]);
  });
});
