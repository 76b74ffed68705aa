import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError, StepError } from '../../src/errors.js';
import { uploadStep } from '../../src/steps/upload.js';
import { distillStep, type DistillParams } from '../../src/steps/distill.js';
import { deployStep, type DeployParams } from '../../src/steps/deploy.js';
import { teardownStep } from '../../src/steps/teardown.js';
import { buildRequestMetadataFilters, customModelName, jobName, requestToken } from '../../src/aws/customization.js';
import { deploymentName, deploymentToken } from '../../src/aws/deployments.js';
import { BUCKET, FAKE, ROLE, StepBench, startCloud, trainingJsonl, type Cloud } from './helpers.js';

let cloud: Cloud;
const bench = new StepBench();

beforeAll(async () => {
  cloud = await startCloud();
}, 300_000);
afterAll(async () => {
  await cloud?.stop();
  bench.cleanup();
});

const distillParams = (over: Partial<DistillParams> = {}): DistillParams => ({
  region: 'us-east-1',
  teacher: 'us.amazon.nova-premier-v1:0',
  student: 'amazon.nova-lite-v1:0:300k',
  role: ROLE,
  s3: `s3://${BUCKET}/fc-distill`,
  maxResponseLength: 1000,
  trainingData: { source: 'prompts' },
  ...over,
});

async function uploaded(seed: string) {
  const exported = bench.input('export', 'export', { 'train.bedrock.jsonl': trainingJsonl(120) + seed });
  const ctx = bench.context('upload', bench.key(`upload-${seed}`), { s3: `s3://${BUCKET}/fc-distill`, region: 'us-east-1' }, { export: exported });
  await uploadStep.run(ctx);
  return bench.input('upload', 'upload', { 'upload.json': readFileSync(join(ctx.outDir, 'upload.json'), 'utf8') });
}

describe('upload', () => {
  it('puts the JSONL under <prefix>/data/<sha256>/train.jsonl and skips it the second time', async () => {
    const text = trainingJsonl(150);
    const exported = bench.input('export', 'export', { 'train.bedrock.jsonl': text });
    const first = bench.context('upload', bench.key('u1'), { s3: `s3://${BUCKET}/fc-distill`, region: 'us-east-1' }, { export: exported });
    await uploadStep.run(first);
    const one = JSON.parse(readFileSync(join(first.outDir, 'upload.json'), 'utf8'));
    expect(one.key).toMatch(/^fc-distill\/data\/[0-9a-f]{64}\/train\.jsonl$/);
    expect(one.skipped).toBe(false);
    const object = await cloud.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: one.key }));
    expect(await object.Body!.transformToString()).toBe(text);
    expect(object.Metadata?.['fc-distill-sha256']).toBe(one.sha256);

    const second = bench.context('upload', bench.key('u2'), { s3: `s3://${BUCKET}/fc-distill`, region: 'us-east-1' }, { export: exported });
    await uploadStep.run(second);
    const two = JSON.parse(readFileSync(join(second.outDir, 'upload.json'), 'utf8'));
    expect(two).toMatchObject({ key: one.key, sha256: one.sha256, skipped: true });
  });

  it('goes multipart above the threshold', async () => {
    process.env.FC_DISTILL_MULTIPART_BYTES = String(5 * 1024 * 1024);
    try {
      const exported = bench.input('export', 'export', { 'train.bedrock.jsonl': trainingJsonl(1100, 6000) });
      const ctx = bench.context('upload', bench.key('mp'), { s3: `s3://${BUCKET}/fc-distill`, region: 'us-east-1' }, { export: exported });
      await uploadStep.run(ctx);
      const result = JSON.parse(readFileSync(join(ctx.outDir, 'upload.json'), 'utf8'));
      expect(result.multipart).toBe(true);
      expect(result.bytes).toBeGreaterThan(5 * 1024 * 1024);
      const head = await cloud.s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: result.key }));
      expect(head.ContentLength).toBe(result.bytes);
      expect(head.ETag).toMatch(/-\d+"?$/); // a multipart ETag
    } finally {
      delete process.env.FC_DISTILL_MULTIPART_BYTES;
    }
  });

  it('a missing bucket is a clear InputError before anything is written', async () => {
    const exported = bench.input('export', 'export', { 'train.bedrock.jsonl': trainingJsonl(100) });
    const ctx = bench.context('upload', bench.key('nb'), { s3: 's3://no-such-bucket-fcd/x', region: 'us-east-1' }, { export: exported });
    const error = await uploadStep.run(ctx).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toMatch(/bucket no-such-bucket-fcd does not exist.*FC_DISTILL_BUCKET/);
  });
});

describe('distill', () => {
  it('creates one job, follows its status details, and downloads and summarises its output', async () => {
    const upload = await uploaded('happy');
    const key = bench.key('distill-happy');
    const before = cloud.fake.created.jobs;
    cloud.fake.throttle(2, 'GetModelCustomizationJob');
    cloud.fake.serverError(1, 'GetModelCustomizationJob');
    const ctx = bench.context('distill', key, distillParams(), { upload });
    const result = await distillStep.run(ctx);
    expect(cloud.fake.created.jobs).toBe(before + 1);
    const create = cloud.fake.requests.filter((r) => r.op === 'CreateModelCustomizationJob').at(-1)!.body as Record<string, any>;
    expect(create).toMatchObject({
      jobName: jobName(key),
      customizationType: 'DISTILLATION',
      roleArn: ROLE,
      baseModelIdentifier: 'amazon.nova-lite-v1:0:300k',
      clientRequestToken: `fcd-job-${key}`,
      customizationConfig: { distillationConfig: { teacherModelConfig: { teacherModelIdentifier: 'us.amazon.nova-premier-v1:0', maxResponseLengthForInference: 1000 } } },
    });
    expect(create.trainingDataConfig.s3Uri).toMatch(/^s3:\/\/fc-distill-test\/fc-distill\/data\/[0-9a-f]{64}\/train\.jsonl$/);
    expect(bench.logs.join('\n')).toMatch(/checked before creating the job: Nova Premier -> amazon\.nova-lite-v1:0:300k is supported in us-east-1; teacher amazon\.nova-premier-v1:0 ACTIVE, student amazon\.nova-lite-v1:0:300k ACTIVE/);
    expect(bench.logs.join('\n')).toMatch(/validation InProgress, data processing NotStarted, training NotStarted/);
    expect(bench.logs.join('\n')).toMatch(/training InProgress/);
    const job = JSON.parse(readFileSync(join(ctx.outDir, 'job.json'), 'utf8'));
    expect(job).toMatchObject({ status: 'Completed', jobName: jobName(key), metrics: { training: { trainingLoss: 0.4213 } } });
    // Names only: the job's and the model's ARNs carry the account id.
    expect(job.outputModelName).toBe(customModelName(key));
    expect(job).not.toHaveProperty('jobArn');
    expect(job).not.toHaveProperty('outputModelArn');
    expect(JSON.stringify(job)).not.toMatch(/arn:aws:bedrock:[^:]*:\d{12}:/);
    const outputs = JSON.parse(readFileSync(join(ctx.outDir, 'outputs.json'), 'utf8'));
    expect(outputs.counts).toEqual({ syntheticSamples: 3, promptsAccepted: 2, promptsRejected: 2 });
    expect(outputs.unknown).toEqual([expect.stringMatching(/manifest\.json$/)]);
    expect((result as { display: string[] }).display.join('\n')).toMatch(/prompt insights: 2 accepted, 2 rejected \(1x Prompt exceeds/);
    expect(existsSync(join(ctx.stateDir, 'job.json'))).toBe(true);

    // A rerun of the same key (say, after a crash before publishing) follows the recorded job.
    const again = bench.context('distill', key, distillParams(), { upload });
    await distillStep.run(again);
    expect(cloud.fake.created.jobs).toBe(before + 1);
    expect(bench.logs.at(-3) ?? '').toBeDefined();
    expect(bench.logs.join('\n')).toMatch(/following job .* recorded by an earlier run/);
  });

  it('a stalled response times out and is retried by the SDK', async () => {
    const upload = await uploaded('slow');
    process.env.FC_DISTILL_AWS_TIMEOUT_MS = '400';
    try {
      const before = cloud.fake.counts.GetFoundationModel ?? 0;
      cloud.fake.slow(1, 1500, 'GetFoundationModel');
      const ctx = bench.context('distill', bench.key('distill-slow'), distillParams(), { upload });
      await distillStep.run(ctx);
      expect(cloud.fake.counts.GetFoundationModel).toBe(before + 3); // teacher (timed out, retried) + student
      expect(JSON.parse(readFileSync(join(ctx.outDir, 'job.json'), 'utf8')).status).toBe('Completed');
    } finally {
      delete process.env.FC_DISTILL_AWS_TIMEOUT_MS;
    }
  });

  it('finds the job by name when the ARN was never recorded (crash right after create)', async () => {
    const upload = await uploaded('byname');
    const key = bench.key('distill-byname');
    cloud.fake.jobFailure = undefined;
    const first = bench.context('distill', key, distillParams(), { upload });
    const controller = new AbortController();
    // Create, then lose the state dir, as if the process died before writing job.json.
    const before = cloud.fake.created.jobs;
    const running = distillStep.run({ ...first, signal: controller.signal });
    // Abort once the service has the job (not after a fixed delay, which may fall before the
    // create or while it is still in flight).
    for (let waited = 0; cloud.fake.created.jobs === before && waited < 30_000; waited += 10) await new Promise((r) => setTimeout(r, 10));
    controller.abort();
    await running.catch(() => undefined);
    const created = cloud.fake.created.jobs;
    expect(created).toBe(before + 1);
    const { rmSync } = await import('node:fs');
    rmSync(join(first.stateDir, 'job.json'), { force: true });
    await distillStep.run(bench.context('distill', key, distillParams(), { upload }));
    expect(cloud.fake.created.jobs).toBe(created);
    expect(cloud.fake.counts.CreateModelCustomizationJob).toBeGreaterThan(0);
  });

  it('a job that fails in validation ends the step with the service failure message', async () => {
    const upload = await uploaded('fails');
    // The service's message names an ARN (in an account not known from the env): printed without the account.
    cloud.fake.jobFailure = 'Validation failed: the training data has 42 valid records; at least 100 are required (arn:aws:bedrock:us-east-1:210987654321:custom-model/x)';
    try {
      const error = await distillStep.run(bench.context('distill', bench.key('distill-fail'), distillParams(), { upload })).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StepError);
      expect((error as Error).message).toMatch(/Failed: Validation failed: the training data has 42 valid records.*arn:aws:bedrock:us-east-1:<account>:custom-model\/x.*validation Failed/);
      expect((error as Error).message).toMatch(/rerun with `--force distill` to create a new job/);
    } finally {
      cloud.fake.jobFailure = undefined;
    }
  });

  it('an unsupported pair or a Legacy model is an InputError before any create', async () => {
    const upload = await uploaded('pair');
    const creates = cloud.fake.counts.CreateModelCustomizationJob ?? 0;
    const wrong = await distillStep
      .run(bench.context('distill', bench.key('pair-1'), distillParams({ student: 'meta.llama3-1-8b-instruct-v1:0:128k' }), { upload }))
      .catch((e: unknown) => e);
    expect(wrong).toBeInstanceOf(InputError);
    expect((wrong as Error).message).toMatch(/cannot be distilled from Nova Premier.*checked before creating any job/);
    cloud.fake.lifecycle['amazon.nova-premier-v1:0'] = 'LEGACY';
    try {
      const legacy = await distillStep.run(bench.context('distill', bench.key('pair-2'), distillParams(), { upload })).catch((e: unknown) => e);
      expect(legacy).toBeInstanceOf(InputError);
      expect((legacy as Error).message).toMatch(/teacher us\.amazon\.nova-premier-v1:0 is LEGACY \(legacy since 2026-01-01\).*No job was created/);
    } finally {
      delete cloud.fake.lifecycle['amazon.nova-premier-v1:0'];
    }
    expect(cloud.fake.counts.CreateModelCustomizationJob ?? 0).toBe(creates);
  });

  it('expired credentials: a message that says to refresh them, before any create', async () => {
    const upload = await uploaded('expired');
    const creates = cloud.fake.created.jobs;
    cloud.fake.expiredToken = true;
    try {
      const error = await distillStep.run(bench.context('distill', bench.key('expired'), distillParams(), { upload })).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InputError);
      expect((error as Error).message).toMatch(/AWS credentials have expired.*aws sso login/);
    } finally {
      cloud.fake.expiredToken = false;
    }
    expect(cloud.fake.created.jobs).toBe(creates);
  });

  it("access denied on the create names the permission and the role, without the role's account id", async () => {
    const upload = await uploaded('denied');
    const role = `arn:aws:iam::${FAKE.accountId}:role/fc-distill-denied`;
    cloud.fake.deny(1, 'CreateModelCustomizationJob');
    const error = await distillStep.run(bench.context('distill', bench.key('denied'), distillParams({ role }), { upload })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    const message = (error as Error).message;
    expect(message).toMatch(/access denied: bedrock:CreateModelCustomizationJob.*grant bedrock:CreateModelCustomizationJob, and iam:PassRole on arn:aws:iam::<account>:role\/fc-distill-denied/);
    expect(message).not.toContain(FAKE.accountId);
  });

  it('a malformed role ARN or region is reported before any call', async () => {
    const calls = Object.values(cloud.fake.counts).reduce((a, b) => a + b, 0);
    const error = await distillStep
      .run(bench.context('distill', bench.key('role'), distillParams({ role: 'my-role', region: 'us-east' }), {}))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toMatch(/valid AWS region.*us-east.*IAM role ARN for distillation\.role \(got 'my-role'\)/);
    expect(Object.values(cloud.fake.counts).reduce((a, b) => a + b, 0)).toBe(calls);
  });
});

/** What the store does once a step's artifact is published: its state directory goes. */
function published(stateDir: string): void {
  rmSync(stateDir, { recursive: true, force: true });
  mkdirSync(stateDir, { recursive: true });
}

/** Runs `run`, aborting it as soon as `created()` exceeds its value at the start (a kill right after the create). */
async function killAfterCreate(created: () => number, run: (signal: AbortSignal) => Promise<unknown>): Promise<void> {
  const before = created();
  const controller = new AbortController();
  const running = run(controller.signal);
  for (let waited = 0; created() === before && waited < 30_000; waited += 5) await new Promise((r) => setTimeout(r, 5));
  controller.abort();
  await running.catch(() => undefined);
  expect(created()).toBe(before + 1);
}

const lastCreate = (op: string) => cloud.fake.requests.filter((r) => r.op === op).at(-1)!.body as Record<string, string>;

describe('attempts: a rebuild is a new request, a rerun after a crash is not', () => {
  it('distill: a plain rerun follows the completed job found by name; a rebuild creates one new job (new name, model name, token), and its crash-rerun creates none', async () => {
    const upload = await uploaded('force');
    const key = bench.key('distill-force');
    const before = cloud.fake.created.jobs;
    const first = bench.context('distill', key, distillParams(), { upload });
    await distillStep.run(first);
    expect(cloud.fake.created.jobs).toBe(before + 1);
    expect(lastCreate('CreateModelCustomizationJob')).toMatchObject({ jobName: jobName(key), customModelName: customModelName(key), clientRequestToken: requestToken(key) });

    published(first.stateDir);
    await distillStep.run(bench.context('distill', key, distillParams(), { upload }));
    expect(cloud.fake.created.jobs).toBe(before + 1);

    published(first.stateDir);
    await killAfterCreate(
      () => cloud.fake.created.jobs,
      (signal) => distillStep.run({ ...bench.context('distill', key, distillParams(), { upload }, signal), rebuild: true }),
    );
    const create = lastCreate('CreateModelCustomizationJob');
    const attempt = /-([0-9a-f]{8})$/.exec(create.jobName!)?.[1];
    expect(attempt).toBeDefined();
    expect(create).toMatchObject({ jobName: jobName(key, attempt), customModelName: customModelName(key, attempt), clientRequestToken: requestToken(key, 'job', attempt) });
    // The rerun after the crash (still forced: the step was not published) follows the recorded attempt.
    const rerun = { ...bench.context('distill', key, distillParams(), { upload }), rebuild: true };
    await distillStep.run(rerun);
    expect(cloud.fake.created.jobs).toBe(before + 2);
    expect(JSON.parse(readFileSync(join(rerun.outDir, 'job.json'), 'utf8'))).toMatchObject({ jobName: jobName(key, attempt), attempt, outputModelName: customModelName(key, attempt), status: 'Completed' });
  });

  it('distill: an attempt recorded before a create that never reached the service is created with the recorded name and token', async () => {
    const upload = await uploaded('intent');
    const key = bench.key('distill-intent');
    const ctx = bench.context('distill', key, distillParams(), { upload });
    const recorded = { jobName: jobName(key, '0badc0de'), attempt: '0badc0de', createdAt: new Date().toISOString(), outputS3Uri: `s3://${BUCKET}/fc-distill/jobs/${jobName(key, '0badc0de')}/` };
    writeFileSync(join(ctx.stateDir, 'job.json'), JSON.stringify(recorded));
    const before = cloud.fake.created.jobs;
    await distillStep.run(ctx);
    expect(cloud.fake.created.jobs).toBe(before + 1);
    expect(lastCreate('CreateModelCustomizationJob')).toMatchObject({ jobName: recorded.jobName, clientRequestToken: requestToken(key, 'job', '0badc0de') });
  });

  async function distilledModel(seed: string) {
    const upload = await uploaded(seed);
    const ctx = bench.context('distill', bench.key(`dm-${seed}`), distillParams(), { upload });
    await distillStep.run(ctx);
    return bench.input('distill', 'distill', { 'job.json': readFileSync(join(ctx.outDir, 'job.json'), 'utf8') });
  }

  it('--force deploy after the teardown: exactly one new deployment (new name and token); a kill right after its create, then a rerun, creates none', async () => {
    const distill = await distilledModel('redeploy');
    const params: DeployParams = { region: 'us-east-1', mode: 'on-demand', student: 'amazon.nova-lite-v1:0:300k', provisioned: null };
    const key = bench.key('deploy-redeploy');
    const first = bench.context('deploy', key, params, { distill });
    await deployStep.run(first);
    const one = JSON.parse(readFileSync(join(first.outDir, 'deployment.json'), 'utf8'));
    const firstToken = lastCreate('CreateCustomModelDeployment').clientRequestToken;
    published(first.stateDir);
    await teardownStep.run(bench.context('teardown', bench.key('td-redeploy'), { region: 'us-east-1' }, { deployment: bench.input('deploy', 'deploy', { 'deployment.json': JSON.stringify(one) }) }));
    expect([...cloud.fake.deployments.values()].some((d) => d.name === one.name)).toBe(false);

    const before = cloud.fake.created.deployments;
    await killAfterCreate(
      () => cloud.fake.created.deployments,
      (signal) => deployStep.run({ ...bench.context('deploy', key, params, { distill }, signal), rebuild: true }),
    );
    const create = lastCreate('CreateCustomModelDeployment');
    expect(create.clientRequestToken).not.toBe(firstToken);
    expect(create.modelDeploymentName).toMatch(new RegExp(`^${deploymentName(key)}-[0-9a-f]{8}$`));

    const rerun = { ...bench.context('deploy', key, params, { distill }), rebuild: true };
    await deployStep.run(rerun);
    expect(cloud.fake.created.deployments).toBe(before + 1);
    const two = JSON.parse(readFileSync(join(rerun.outDir, 'deployment.json'), 'utf8'));
    expect(two).toMatchObject({ kind: 'custom-model-deployment', name: create.modelDeploymentName, status: 'Active' });
    expect(bench.logs.join('\n')).toMatch(new RegExp(`following custom-model-deployment ${two.name} recorded by an earlier run`));
  });

  it('deploy: a recorded attempt that is gone is resent with its token on a plain rerun, and replaced by a new attempt on a rebuild', async () => {
    const distill = await distilledModel('gone');
    const params: DeployParams = { region: 'us-east-1', mode: 'on-demand', student: 'amazon.nova-lite-v1:0:300k', provisioned: null };
    const key = bench.key('deploy-gone');
    const ctx = bench.context('deploy', key, params, { distill });
    const recorded = { kind: 'custom-model-deployment', name: deploymentName(key, 'deadbeef'), attempt: 'deadbeef' };
    writeFileSync(join(ctx.stateDir, 'deployment.json'), JSON.stringify(recorded));
    // The service remembers the token: it created that deployment, which has been deleted since.
    cloud.fake.tokens.set(deploymentToken(key, 'custom-model-deployment', 'deadbeef'), `arn:aws:bedrock:us-east-1:${FAKE.accountId}:custom-model-deployment/deleted`);
    const before = cloud.fake.created.deployments;
    const plain = await deployStep.run(ctx).catch((e: unknown) => e);
    expect(plain).toBeInstanceOf(StepError);
    expect((plain as Error).message).toMatch(/no longer exists; rerun with `--force deploy` to create a new one/);
    expect(lastCreate('CreateCustomModelDeployment').clientRequestToken).toBe(deploymentToken(key, 'custom-model-deployment', 'deadbeef'));
    expect(cloud.fake.created.deployments).toBe(before);

    const forced = { ...bench.context('deploy', key, params, { distill }), rebuild: true };
    await deployStep.run(forced);
    expect(cloud.fake.created.deployments).toBe(before + 1);
    const name = JSON.parse(readFileSync(join(forced.outDir, 'deployment.json'), 'utf8')).name as string;
    expect(name).not.toBe(recorded.name);
    expect(name.startsWith(`${deploymentName(key)}-`)).toBe(true);
  });

  it('--force deploy while the earlier provisioned throughput still exists: one new one, and the superseded one is deleted', async () => {
    const distill = await distilledModel('supersede');
    const params = { region: 'us-east-1', mode: 'provisioned', student: 'amazon.nova-lite-v1:0:300k', provisioned: { modelUnits: 1, commitment: null } } as DeployParams;
    const key = bench.key('deploy-supersede');
    const first = bench.context('deploy', key, params, { distill });
    await deployStep.run(first);
    const one = JSON.parse(readFileSync(join(first.outDir, 'deployment.json'), 'utf8'));
    published(first.stateDir);
    const before = cloud.fake.created.provisioned;
    const forced = { ...bench.context('deploy', key, params, { distill }), rebuild: true };
    await deployStep.run(forced);
    const two = JSON.parse(readFileSync(join(forced.outDir, 'deployment.json'), 'utf8'));
    expect(cloud.fake.created.provisioned).toBe(before + 1);
    const live = [...cloud.fake.deployments.values()].filter((d) => d.name.startsWith(deploymentName(key))).map((d) => d.name);
    expect(live).toEqual([two.name]);
    expect(two.name).not.toBe(one.name);
    expect(bench.logs.join('\n')).toMatch(new RegExp(`deleted provisioned-throughput ${one.name}: superseded by ${two.name}`));
  });
});

describe('invocation-log filters', () => {
  it('never puts several keys in one equals map', () => {
    expect(buildRequestMetadataFilters({ equals: { project: 'fc' } })).toEqual({ equals: { project: 'fc' } });
    expect(buildRequestMetadataFilters({ equals: { project: 'fc', stage: 'prod' } })).toEqual({ andAll: [{ equals: { project: 'fc' } }, { equals: { stage: 'prod' } }] });
    expect(buildRequestMetadataFilters({ andAll: [{ equals: { a: '1', b: '2' } }, { notEquals: { c: '3' } }] })).toEqual({
      andAll: [{ equals: { a: '1' } }, { equals: { b: '2' } }, { notEquals: { c: '3' } }],
    });
    expect(buildRequestMetadataFilters({ orAll: [{ equals: { a: '1' } }, { equals: { a: '2' } }] })).toEqual({ orAll: [{ equals: { a: '1' } }, { equals: { a: '2' } }] });
    expect(() => buildRequestMetadataFilters({ orAll: [{ equals: { a: '1', b: '2' } }] })).toThrow(InputError);
    expect(() => buildRequestMetadataFilters({ equals: { 'bad key!': '1' } })).toThrow(/characters/);
  });

  it('invocation-log jobs send the filter as andAll of single-key equals', async () => {
    const ctx = bench.context(
      'distill',
      bench.key('logs'),
      distillParams({ trainingData: { source: 'invocation-logs', invocationLogs: { s3: `s3://${BUCKET}/logs/`, usePromptResponse: false, filter: { equals: { project: 'fc', stage: 'prod' } } } } }),
      {},
    );
    await distillStep.run(ctx);
    const create = cloud.fake.requests.filter((r) => r.op === 'CreateModelCustomizationJob').at(-1)!.body as Record<string, any>;
    expect(create.trainingDataConfig).toEqual({
      invocationLogsConfig: {
        invocationLogSource: { s3Uri: `s3://${BUCKET}/logs/` },
        usePromptResponse: false,
        requestMetadataFilters: { andAll: [{ equals: { project: 'fc' } }, { equals: { stage: 'prod' } }] },
      },
    });
  });
});

describe('deploy and teardown', () => {
  async function distilled(seed: string) {
    const upload = await uploaded(seed);
    const ctx = bench.context('distill', bench.key(`d-${seed}`), distillParams(), { upload });
    await distillStep.run(ctx);
    return bench.input('distill', 'distill', { 'job.json': readFileSync(join(ctx.outDir, 'job.json'), 'utf8') });
  }

  it('on-demand: one custom model deployment, waited on until Active; teardown deletes it, idempotently', async () => {
    const distill = await distilled('od');
    const before = cloud.fake.created.deployments;
    const params: DeployParams = { region: 'us-east-1', mode: 'on-demand', student: 'amazon.nova-lite-v1:0:300k', provisioned: null };
    const key = bench.key('deploy-od');
    const ctx = bench.context('deploy', key, params, { distill });
    await deployStep.run(ctx);
    const deployment = JSON.parse(readFileSync(join(ctx.outDir, 'deployment.json'), 'utf8'));
    expect(deployment).toMatchObject({ kind: 'custom-model-deployment', status: 'Active', name: deploymentName(key) });
    expect(Object.keys(deployment).sort()).toEqual(['attempt', 'kind', 'modelName', 'name', 'region', 'status']);
    expect(cloud.fake.created.deployments).toBe(before + 1);
    // The custom model was given to the create by its ARN, resolved in memory from its name.
    const create = cloud.fake.requests.filter((r) => r.op === 'CreateCustomModelDeployment').at(-1)!.body as Record<string, string>;
    expect(create.modelArn).toMatch(new RegExp(`^arn:aws:bedrock:us-east-1:${FAKE.accountId}:custom-model/`));
    // Rerun of the same key: follows, does not create.
    await deployStep.run(bench.context('deploy', key, params, { distill }));
    expect(cloud.fake.created.deployments).toBe(before + 1);

    const dep = bench.input('deploy', 'deploy', { 'deployment.json': JSON.stringify(deployment) });
    const t1 = bench.context('teardown', bench.key('td1'), { region: 'us-east-1' }, { deployment: dep });
    await teardownStep.run(t1);
    expect(JSON.parse(readFileSync(join(t1.outDir, 'teardown.json'), 'utf8'))).toMatchObject({ alreadyGone: false });
    expect([...cloud.fake.deployments.values()].some((d) => d.name === deployment.name)).toBe(false);
    const t2 = bench.context('teardown', bench.key('td2'), { region: 'us-east-1' }, { deployment: dep });
    await teardownStep.run(t2);
    expect(JSON.parse(readFileSync(join(t2.outDir, 'teardown.json'), 'utf8'))).toMatchObject({ alreadyGone: true });
  });

  it('provisioned: warns loudly with units and commitment, waits until InService', async () => {
    const distill = await distilled('pt');
    const ctx = bench.context(
      'deploy',
      bench.key('deploy-pt'),
      { region: 'us-east-1', mode: 'provisioned', student: 'amazon.nova-lite-v1:0:300k', provisioned: { modelUnits: 2, commitment: 'OneMonth' } } as DeployParams,
      { distill },
    );
    await deployStep.run(ctx);
    const deployment = JSON.parse(readFileSync(join(ctx.outDir, 'deployment.json'), 'utf8'));
    expect(deployment).toMatchObject({ kind: 'provisioned-throughput', status: 'InService' });
    expect(bench.logs.join('\n')).toMatch(/WARNING: creating PROVISIONED THROUGHPUT \(2 model units, commitment OneMonth: it CANNOT be deleted/);
    const create = cloud.fake.requests.filter((r) => r.op === 'CreateProvisionedModelThroughput').at(-1)!.body as Record<string, unknown>;
    expect(create).toMatchObject({ modelUnits: 2, commitmentDuration: 'OneMonth' });
  });

  it('on-demand for a non-Nova student is an InputError; a failed deployment a StepError', async () => {
    const distill = await distilled('bad');
    const llama = await deployStep
      .run(bench.context('deploy', bench.key('dl'), { region: 'us-east-1', mode: 'on-demand', student: 'meta.llama3-2-3b-instruct-v1:0:128k', provisioned: null }, { distill }))
      .catch((e: unknown) => e);
    expect(llama).toBeInstanceOf(InputError);
    cloud.fake.deploymentFailure = 'Insufficient capacity for custom model deployment';
    try {
      const failed = await deployStep
        .run(bench.context('deploy', bench.key('df'), { region: 'us-east-1', mode: 'on-demand', student: 'amazon.nova-lite-v1:0:300k', provisioned: null }, { distill }))
        .catch((e: unknown) => e);
      expect(failed).toBeInstanceOf(StepError);
      expect((failed as Error).message).toMatch(/failed: Insufficient capacity/);
    } finally {
      cloud.fake.deploymentFailure = undefined;
    }
  });
});

describe('secrets', () => {
  it('no access key, secret, session token or env account id in anything written or logged', () => {
    const secrets = [FAKE.accessKeyId, FAKE.secretAccessKey, FAKE.sessionToken, FAKE.accountId];
    const walk = (dir: string): string[] =>
      readdirSync(dir).flatMap((name) => {
        const path = join(dir, name);
        return statSync(path).isDirectory() ? walk(path) : [path];
      });
    const texts = [...walk(bench.root).map((p) => readFileSync(p, 'utf8')), bench.logs.join('\n'), bench.progress.join('\n')];
    for (const secret of secrets) for (const text of texts) expect(text.includes(secret)).toBe(false);
  });
});
