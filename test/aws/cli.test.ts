import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliPath, runCli, tempProject, type CliResult } from '../cli/helpers.js';
import { BUCKET, FAKE, ROLE, startCloud, type Cloud } from './helpers.js';

/**
 * The built CLI end to end against moto and the fake Bedrock control plane: no credentials
 * stop the run before any call; a runner SIGKILLed inside the distillation poll is rerun and
 * follows the same job (one create); deploy, status and cleanup; a forced redeploy is one new
 * deployment; nothing secret written (the fake's ARNs are in the env's account, so a kept ARN
 * is found by the scan).
 */

const EXPERIMENT = `name: cloud-e2e
region: us-east-1
dataset: { source: bfcl-eval, version: v3, categories: [live_multiple] }
split: { train: 0.5, seed: 42, stratify: category }
mixin: { fraction: 0.1, seed: 7 }
prompt: { template: templates/nova-json.hbs, answerFormat: json-list }
teacher: { provider: bedrock, model: us.amazon.nova-premier-v1:0 }
student: { provider: bedrock, base: amazon.nova-lite-v1:0:300k }
distillation:
  role: \${env:FC_DISTILL_ROLE_ARN}
  s3: s3://\${env:FC_DISTILL_BUCKET}/fc-distill
  maxResponseLength: 1000
  deploy: on-demand
  teardown: keep
`;

let cloud: Cloud;
let project: string;
const outputs: string[] = [];

function cloudEnv(): Record<string, string> {
  return { ...cloud.env, FC_DISTILL_ROLE_ARN: ROLE, FC_DISTILL_BUCKET: BUCKET, HOME: mkdtempSync(join(tmpdir(), 'fc-home-')) };
}

async function cli(args: string[], env: Record<string, string> = cloudEnv()): Promise<CliResult> {
  const result = await runCli(args, { cwd: project, env });
  outputs.push(result.stdout, result.stderr);
  return result;
}

function walk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

beforeAll(async () => {
  cloud = await startCloud();
  project = tempProject();
  writeFileSync(join(project, 'experiments', 'cloud.yaml'), EXPERIMENT);
}, 600_000);
afterAll(async () => {
  await cloud?.stop();
});

describe('fc-distill run against the fake cloud', () => {
  it('without credentials: every local step runs, then one message naming what to set, and no call is made', async () => {
    const result = await cli(['run', 'experiments/cloud.yaml'], { FC_DISTILL_ROLE_ARN: ROLE, FC_DISTILL_BUCKET: BUCKET, AWS_ENDPOINT_URL_BEDROCK: cloud.fake.url, AWS_ENDPOINT_URL_S3: cloud.moto.url });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/step 'upload' calls AWS and cannot start: missing AWS credentials.*AWS_PROFILE/);
    expect(Object.keys(cloud.fake.counts)).toEqual([]);
  }, 120_000);

  it('SIGKILL inside the distillation poll, then a rerun: the same job is followed to completion, created once', async () => {
    cloud.fake.getsPerStage = 100_000; // the job stays in validation until the runner is killed
    const env: Record<string, string | undefined> = { ...process.env, CI: '1' };
    for (const name of Object.keys(env)) if (name.startsWith('AWS_')) delete env[name];
    Object.assign(env, cloudEnv());
    const child = spawn(process.execPath, [cliPath, 'run', 'experiments/cloud.yaml'], { cwd: project, env: env as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    const deadline = Date.now() + 60_000;
    while ((cloud.fake.counts.GetModelCustomizationJob ?? 0) < 3) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`the job was never polled: ${err}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    child.kill('SIGKILL');
    expect((await exited).signal).toBe('SIGKILL');
    outputs.push(err);
    expect(cloud.fake.created.jobs).toBe(1);
    const recorded = walk(join(project, '.fc-distill', 'state')).filter((p) => p.endsWith('job.json'));
    expect(recorded).toHaveLength(1);

    cloud.fake.getsPerStage = 1;
    const rerun = await cli(['run', 'experiments/cloud.yaml', '--json']);
    expect(rerun.stderr).not.toMatch(/^error/m);
    expect(rerun.code).toBe(0);
    expect(rerun.stderr).toMatch(/following job fc-distill-[0-9a-f]{20} recorded by an earlier run/);
    expect(cloud.fake.created.jobs).toBe(1);
    expect(cloud.fake.created.deployments).toBe(1);
    const report = JSON.parse(rerun.stdout) as { steps: { id: string; status: string }[] }[];
    expect(Object.fromEntries(report[0]!.steps.map((s) => [s.id, s.status]))).toMatchObject({ upload: 'cached', distill: 'ran', deploy: 'ran' });
    expect(rerun.stderr).toMatch(/prompt insights: 2 accepted, 2 rejected/);

    const again = await cli(['run', 'experiments/cloud.yaml']);
    expect(again.code).toBe(0);
    expect(cloud.fake.created).toEqual({ jobs: 1, deployments: 1, provisioned: 0 });
  }, 120_000);

  it('status lists the job and the deployment with their live states; cleanup lists and deletes', async () => {
    const status = await cli(['status', 'experiments/cloud.yaml', '--json']);
    expect(status.code).toBe(0);
    const resources = JSON.parse(status.stdout) as { kind: string; state: string }[];
    expect(resources.map((r) => [r.kind, r.state])).toEqual([
      ['customization-job', 'Completed'],
      ['custom-model-deployment', 'Active'],
    ]);
    const dry = await cli(['cleanup', 'experiments/cloud.yaml', '--dry-run']);
    expect(dry.stdout).toMatch(/would delete: custom-model-deployment fc-distill-deploy-/);
    expect(cloud.fake.deployments.size).toBe(1);
    const noYes = await cli(['cleanup', 'experiments/cloud.yaml']);
    expect(noYes.code).toBe(2);
    const done = await cli(['cleanup', 'experiments/cloud.yaml', '--yes']);
    expect(done.code).toBe(0);
    expect(done.stdout).toMatch(/^deleted: custom-model-deployment fc-distill-deploy-[0-9a-f]{20}/m);
    expect(cloud.fake.deployments.size).toBe(0);
    const after = await cli(['status', 'experiments/cloud.yaml']);
    expect(after.stdout).toMatch(/custom-model-deployment .* gone/);
    const twice = await cli(['cleanup', 'experiments/cloud.yaml', '--yes']);
    expect(twice.stdout).toMatch(/already gone: custom-model-deployment/);
  }, 60_000);

  it('--force deploy after cleanup deleted the deployment: exactly one new one, under a new name; the rerun creates none', async () => {
    const before = { ...cloud.fake.created };
    const forced = await cli(['run', 'experiments/cloud.yaml', '--force', 'deploy', '--json']);
    expect(forced.stderr).not.toMatch(/^error/m);
    expect(forced.code).toBe(0);
    expect(cloud.fake.created).toEqual({ ...before, deployments: before.deployments + 1 });
    const live = [...cloud.fake.deployments.values()];
    expect(live).toHaveLength(1);
    expect(live[0]!.name).toMatch(/^fc-distill-deploy-[0-9a-f]{20}-[0-9a-f]{8}$/);
    expect(live[0]!.status).toBe('Active');
    const report = JSON.parse(forced.stdout) as { steps: { id: string; status: string }[] }[];
    expect(Object.fromEntries(report[0]!.steps.map((s) => [s.id, s.status]))).toMatchObject({ distill: 'cached', deploy: 'ran' });

    const again = await cli(['run', 'experiments/cloud.yaml', '--json']);
    expect(again.code).toBe(0);
    expect(cloud.fake.created).toEqual({ ...before, deployments: before.deployments + 1 });
    const status = await cli(['status', 'experiments/cloud.yaml', '--json']);
    expect((JSON.parse(status.stdout) as { kind: string; name: string; state: string }[]).find((r) => r.kind === 'custom-model-deployment')).toMatchObject({ name: live[0]!.name, state: 'Active' });
  }, 60_000);

  it('no access key, secret, session token or env account id in the store or the output', () => {
    const files = walk(join(project, '.fc-distill'));
    expect(files.length).toBeGreaterThan(10);
    const texts = [...files.map((p) => readFileSync(p, 'latin1')), ...outputs];
    for (const secret of [FAKE.accessKeyId, FAKE.secretAccessKey, FAKE.sessionToken, FAKE.accountId]) {
      expect(texts.filter((t) => t.includes(secret))).toEqual([]);
    }
  });
});
