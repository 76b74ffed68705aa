import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { loadBfclDataset } from '../../src/bfcl/datasets.js';
import { LIVE_CATEGORIES, type BfclExample } from '../../src/bfcl/records.js';
import { chooseAnswer, parseGroundTruth, type AnswerFormat } from '../../src/prompts/answer.js';
import { startFakeBedrock, type FakeBedrock } from '../support/fake-bedrock/control-plane.js';
import { startFakeRuntime, type Behaviour, type FakeRequest, type FakeRuntime } from '../support/fake-bedrock/runtime.js';
import { startMoto, type Moto } from '../support/moto.js';

/**
 * The whole fake cloud for end-to-end runs of the built CLI: moto (S3, with the bucket), the
 * fake Bedrock control plane (HTTP/1.1) and the fake runtime (h2c), plus the environment a CLI
 * child needs to reach them through the SDK's own AWS_ENDPOINT_URL_* settings.
 *
 * The credentials and account id are fake; the control plane builds its ARNs in that
 * account, as Bedrock does for the caller: the secret scan looks for exactly these values, so
 * it also finds any ARN that was written down.
 *
 * The runtime answers every model of the seed experiments from the BFCL v3 live ground truth,
 * deterministically per (model role, example): the teacher is mostly right, the base student
 * often wrong, the distilled student (the deployment / provisioned-model ARN) in between.
 */

export const SECRETS = {
  accessKeyId: 'AKIAE2EFCDISTILL0042',
  secretAccessKey: 'e2eSecretKeyForFcDistill/Do+Not+Leak/0123456789',
  sessionToken: 'E2eSessionTokenFcDistill//+/abcdefghijklmnopqrstuvwxyzABCDEFGH0123456789==',
  accountId: '444455556666',
};
export const E2E_BUCKET = 'fc-distill-e2e';
/** The role ARN, from the environment as the seed experiments take it: in the caller's account, so the scans catch it. */
export const E2E_ROLE = `arn:aws:iam::${SECRETS.accountId}:role/fc-distill-e2e-role`;

/** Share of examples each role answers correctly (by a hash of the example id). */
export const ACCURACY = { teacher: 0.9, 'student-base': 0.35, student: 0.65, other: 0 } as const;
export type ModelRole = keyof typeof ACCURACY;

export interface E2eServers {
  moto: Moto;
  control: FakeBedrock;
  runtime: FakeRuntime;
  /** Environment for a CLI child (merge over a clean env). */
  env: Record<string, string>;
  examples: Map<string, BfclExample>;
  /** The role the runtime gave each model id it has seen. */
  roles: Map<string, ModelRole>;
  /** Paid calls so far: customization jobs and deployments created (requests), Converse requests received. */
  paid(): { createJob: number; createDeployment: number; converse: number };
  /** Runtime counters by (model role, approach): requests received and completed. */
  converseBy(): Record<string, { received: number; completed: number }>;
  stop(): Promise<void>;
}

export interface ServerOptions {
  /** Answer format of the prompt approach (nova json-list, llama llama-json). */
  answerFormat?: AnswerFormat;
  teacher?: string[];
  studentBase?: string[];
  region?: string;
  /** Per-request delay of the runtime (ms). */
  delayMs?: number;
}

let examplesCache: Promise<Map<string, BfclExample>> | undefined;

/** Every BFCL v3 live example by id (the experiments' ids are the dataset's). */
export function liveExamples(): Promise<Map<string, BfclExample>> {
  examplesCache ??= loadBfclDataset({ source: 'bfcl-eval', version: 'v3', categories: [...LIVE_CATEGORIES] }, { cacheDir: tmpdir() }).then(
    (d) => new Map(d.examples.map((e) => [e.id, e])),
  );
  return examplesCache;
}

function fraction(text: string): number {
  return createHash('sha256').update(text).digest().readUInt32BE(0) / 2 ** 32;
}

export function roleOf(modelId: string, options: ServerOptions): ModelRole {
  if (/:(custom-model-deployment|provisioned-model)\//.test(modelId)) return 'student';
  if ((options.teacher ?? ['us.amazon.nova-premier-v1:0', 'us.meta.llama3-3-70b-instruct-v1:0']).includes(modelId)) return 'teacher';
  if ((options.studentBase ?? ['amazon.nova-lite-v1:0', 'meta.llama3-2-3b-instruct-v1:0']).includes(modelId)) return 'student-base';
  return 'other';
}

export async function startServers(options: ServerOptions = {}): Promise<E2eServers> {
  const region = options.region ?? 'us-east-1';
  const examples = await liveExamples();
  const roles = new Map<string, ModelRole>();
  // Entries whose ground truth has no acceptable value for some parameter: nobody can pass them.
  const unpassable = new Set<string>();
  for (const e of examples.values()) {
    if (e.answerJson === null) continue;
    try {
      chooseAnswer(parseGroundTruth(e.answerJson));
    } catch {
      unpassable.add(e.id);
    }
  }
  const moto = await startMoto();
  const control = await startFakeBedrock({ s3Endpoint: moto.url, region, accountId: SECRETS.accountId });
  const behaviour = (req: FakeRequest): Behaviour => {
    const role = roleOf(req.modelId, options);
    roles.set(req.modelId, role);
    if (role === 'other') return 'text';
    if (unpassable.has(req.exampleId)) return 'wrong';
    const approach = String(req.body?.requestMetadata?.approach ?? '');
    // Same role and example: same answer in every run; the two approaches differ a little.
    return fraction(`${role} ${approach} ${req.exampleId}`) < ACCURACY[role] ? 'correct' : 'wrong';
  };
  const runtime = await startFakeRuntime({
    examples: [...examples.values()],
    behaviour,
    answerFormat: options.answerFormat ?? 'json-list',
    ...(options.delayMs ? { delayMs: options.delayMs } : {}),
  });
  const s3 = new S3Client({ region, endpoint: moto.url, forcePathStyle: true, credentials: { accessKeyId: 'setup', secretAccessKey: 'setup' } });
  await s3.send(new CreateBucketCommand({ Bucket: E2E_BUCKET }));
  s3.destroy();
  const env: Record<string, string> = {
    AWS_ACCESS_KEY_ID: SECRETS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: SECRETS.secretAccessKey,
    AWS_SESSION_TOKEN: SECRETS.sessionToken,
    AWS_ACCOUNT_ID: SECRETS.accountId,
    AWS_REGION: region,
    AWS_ENDPOINT_URL_S3: moto.url,
    AWS_ENDPOINT_URL_BEDROCK: control.url,
    AWS_ENDPOINT_URL_BEDROCK_RUNTIME: runtime.endpoint,
    AWS_EC2_METADATA_DISABLED: 'true',
    FC_DISTILL_ROLE_ARN: E2E_ROLE,
    FC_DISTILL_BUCKET: E2E_BUCKET,
    FC_DISTILL_POLL_MS: '5,20',
    FC_DISTILL_AWS_MAX_ATTEMPTS: '3',
    FC_DISTILL_AWS_RETRY_MODE: 'standard',
    HOME: mkdtempSync(join(tmpdir(), 'fc-e2e-home-')),
  };
  return {
    moto,
    control,
    runtime,
    env,
    examples,
    roles,
    paid: () => ({
      createJob: control.counts.CreateModelCustomizationJob ?? 0,
      createDeployment: (control.counts.CreateCustomModelDeployment ?? 0) + (control.counts.CreateProvisionedModelThroughput ?? 0),
      converse: runtime.requests.length,
    }),
    converseBy: () => {
      const out: Record<string, { received: number; completed: number }> = {};
      for (const [key, n] of runtime.received) {
        const [modelId, approach] = key.split(' ');
        const k = `${roleOf(modelId!, options)}.${approach}`;
        out[k] ??= { received: 0, completed: 0 };
        out[k].received += n;
        out[k].completed += runtime.completed.get(key) ?? 0;
      }
      return out;
    },
    async stop() {
      await runtime.close().catch(() => undefined);
      await control.stop().catch(() => undefined);
      await moto.stop();
    },
  };
}
