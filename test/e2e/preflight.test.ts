import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempProject } from '../cli/helpers.js';
import { NOVA_SMALL, cli, resetCloud, secretLeaks, writeNovaSmall } from './harness.js';
import { startServers, type E2eServers } from './servers.js';

/**
 * Issue #4: with no credentials, an expired credential, a wrong region, a missing role or a
 * missing bucket, `fc-distill run` fails fast with a message naming what to set, before any
 * paid call: the fakes record no CreateModelCustomizationJob, no deployment and no Converse.
 * One project for the matrix, so the local steps run once.
 */

let servers: E2eServers;
let project: string;
const outputs: string[] = [];

beforeAll(async () => {
  servers = await startServers({ answerFormat: 'json-list', region: 'us-east-1' });
  project = tempProject();
  writeNovaSmall(project);
  writeFileSync(join(project, 'experiments', 'wrong-region.yaml'), `name: wrong-region\nextends: nova-small.yaml\nregion: us-west-2\n`);
}, 600_000);
afterAll(async () => {
  await servers?.stop();
});

function without(...names: string[]): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...servers.env };
  for (const n of names) env[n] = undefined;
  return env;
}

const CASES: { name: string; file?: string; env?: () => Record<string, string | undefined>; setup?: () => void; message: RegExp }[] = [
  {
    name: 'no credentials',
    env: () => without('AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'),
    message: /missing AWS credentials.*set AWS_PROFILE \(or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY\)/,
  },
  {
    name: 'an expired credential (the service answers ExpiredTokenException)',
    setup: () => (servers.control.expiredToken = true),
    message: /AWS credentials have expired \(ExpiredTokenException.*AWS_SESSION_TOKEN/,
  },
  {
    name: 'an expired credential (AWS_CREDENTIAL_EXPIRATION in the past)',
    env: () => ({ ...servers.env, AWS_CREDENTIAL_EXPIRATION: '2020-01-01T00:00:00Z' }),
    message: /expired.*AWS_SESSION_TOKEN/,
  },
  { name: 'a wrong region (the pair is not offered there)', file: 'experiments/wrong-region.yaml', message: /supported in us-east-1 only, not in us-west-2.*set region: us-east-1/ },
  { name: 'a missing role', env: () => without('FC_DISTILL_ROLE_ARN'), message: /FC_DISTILL_ROLE_ARN.*export FC_DISTILL_ROLE_ARN=/ },
  {
    name: 'a missing bucket',
    env: () => ({ ...servers.env, FC_DISTILL_BUCKET: 'no-such-bucket-fc' }),
    message: /S3 bucket no-such-bucket-fc does not exist.*FC_DISTILL_BUCKET/,
  },
];

describe('cloud preflight through the CLI: fails fast, names what to set, pays for nothing', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_, c) => {
    await resetCloud(servers);
    c.setup?.();
    const started = Date.now();
    const run = await cli(servers, project, ['run', c.file ?? NOVA_SMALL.file, '--yes'], c.env?.());
    const ms = Date.now() - started;
    outputs.push(run.stdout, run.stderr);
    expect(run.code, run.stderr.slice(-2000)).toBe(2);
    expect(run.stderr).toMatch(c.message);
    expect(ms).toBeLessThan(20_000);
    const { control, runtime } = servers;
    expect(control.counts.CreateModelCustomizationJob ?? 0).toBe(0);
    expect((control.counts.CreateCustomModelDeployment ?? 0) + (control.counts.CreateProvisionedModelThroughput ?? 0)).toBe(0);
    expect(runtime.requests.length).toBe(0);
  }, 60_000);

  it('then, with everything set, the same project runs to the end', async () => {
    await resetCloud(servers);
    const run = await cli(servers, project, ['run', NOVA_SMALL.file, '--yes']);
    outputs.push(run.stdout, run.stderr);
    expect(run.code, run.stderr.slice(-2000)).toBe(0);
    expect(servers.control.created.jobs).toBe(1);
  }, 60_000);

  it('after teardown: a new evaluation does not call the deleted deployment; it names --force deploy, which brings it back', async () => {
    // The same experiment with another inference setting: new infer steps, the same (cached) deploy step.
    writeFileSync(join(project, 'experiments', 'nova-small-512.yaml'), `name: ${NOVA_SMALL.name}\nextends: nova-small.yaml\nevaluate: { inference: { temperature: 0, maxTokens: 512 } }\n`);
    expect(servers.control.deployments.size).toBe(0);
    const studentCalls = () => servers.runtime.requests.filter((r) => /:custom-model-deployment\//.test(r.modelId)).length;
    const before = studentCalls();
    const run = await cli(servers, project, ['run', 'experiments/nova-small-512.yaml', '--yes']);
    outputs.push(run.stdout, run.stderr);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/custom-model-deployment fc-distill-deploy-[0-9a-f]+ \(made by step 'deploy'\) no longer exists in us-east-1.*--force deploy/);
    expect(studentCalls()).toBe(before);

    const forced = await cli(servers, project, ['run', 'experiments/nova-small-512.yaml', '--force', 'deploy', '--yes']);
    outputs.push(forced.stdout, forced.stderr);
    expect(forced.code, forced.stderr.slice(-2000)).toBe(0);
    expect(servers.control.created.deployments).toBe(2);
    // A new request, not a retry of the first (deleted) one: Bedrock would answer a repeated token with the old deployment.
    const creates = servers.control.requests.filter((r) => r.op === 'CreateCustomModelDeployment').map((r) => r.body as Record<string, string>);
    expect(creates).toHaveLength(2);
    expect(creates[1]!.clientRequestToken).not.toBe(creates[0]!.clientRequestToken);
    expect(creates[1]!.modelDeploymentName).toBe(`${creates[0]!.modelDeploymentName}-${creates[1]!.clientRequestToken!.slice(-8)}`);
    expect(servers.control.created.jobs).toBe(1);
    expect(servers.control.deployments.size).toBe(0);
    expect(studentCalls()).toBe(before + 2 * 158);

    // The first settings again, on yet another deployment of the same custom model: its answers
    // are journalled under the model, not the deployment, so nothing is asked twice.
    const again = await cli(servers, project, ['run', NOVA_SMALL.file, '--force', 'deploy', '--yes']);
    outputs.push(again.stdout, again.stderr);
    expect(again.code, again.stderr.slice(-2000)).toBe(0);
    expect(servers.control.created.deployments).toBe(3);
    expect(studentCalls()).toBe(before + 2 * 158);
  }, 90_000);

  it('no credential, secret, signature or env account id in any message, the store or results/', () => {
    expect(secretLeaks(project, outputs)).toEqual([]);
  });
});
