import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import type { Manifest, StepContext, StepInput } from '../../src/graph/step.js';
import type { JsonObject } from '../../src/json.js';
import { resetCredentialCache } from '../../src/aws/preflight.js';
import { startFakeBedrock, type FakeBedrock } from '../support/fake-bedrock/control-plane.js';
import { startMoto, type Moto } from '../support/moto.js';

/** Fake credentials and account: the secret scan asserts none of these is written anywhere. */
export const FAKE = {
  accessKeyId: 'AKIAFAKEFCDISTILL0001',
  secretAccessKey: 'fakeSecretKeyForFcDistillTests/0123456789ab',
  sessionToken: 'FakeSessionTokenFcDistill+tests/abcdefghijklmnopqrstuvwxyz0123456789',
  accountId: '999988887777',
};
export const BUCKET = 'fc-distill-test';
export const ROLE = 'arn:aws:iam::123456789012:role/fc-distill-test-role';

export interface Cloud {
  moto: Moto;
  fake: FakeBedrock;
  env: Record<string, string>;
  s3: S3Client;
  stop(): Promise<void>;
}

/** moto + the fake Bedrock control plane, a bucket, and the process env pointed at them. */
export async function startCloud(): Promise<Cloud> {
  const moto = await startMoto();
  // ARNs in the environment's account: the scans then fail on any ARN that was kept.
  const fake = await startFakeBedrock({ s3Endpoint: moto.url, accountId: FAKE.accountId });
  const env: Record<string, string> = {
    AWS_ACCESS_KEY_ID: FAKE.accessKeyId,
    AWS_SECRET_ACCESS_KEY: FAKE.secretAccessKey,
    AWS_SESSION_TOKEN: FAKE.sessionToken,
    AWS_ACCOUNT_ID: FAKE.accountId,
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL_S3: moto.url,
    AWS_ENDPOINT_URL_BEDROCK: fake.url,
    AWS_EC2_METADATA_DISABLED: 'true',
    FC_DISTILL_POLL_MS: '5,20',
    FC_DISTILL_AWS_MAX_ATTEMPTS: '4',
    FC_DISTILL_AWS_RETRY_MODE: 'standard',
  };
  const saved: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(env)) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
  resetCredentialCache();
  const s3 = new S3Client({ region: 'us-east-1', endpoint: moto.url, forcePathStyle: true, credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  return {
    moto,
    fake,
    env,
    s3,
    async stop() {
      s3.destroy();
      await fake.stop();
      await moto.stop();
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      resetCredentialCache();
    },
  };
}

/** A throwaway StepContext with a real-looking 64-hex key. */
export class StepBench {
  readonly root = mkdtempSync(join(tmpdir(), 'fc-aws-step-'));
  readonly logs: string[] = [];
  readonly progress: string[] = [];

  key(seed: string): string {
    return createHash('sha256').update(seed).digest('hex');
  }

  input(stepId: string, kind: string, files: Record<string, string>): StepInput {
    const dir = join(this.root, 'in', stepId, randomBytes(4).toString('hex'));
    mkdirSync(dir, { recursive: true });
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    return { stepId, kind, key: this.key(dir), dir, manifest: {} as Manifest };
  }

  context<P extends JsonObject>(stepId: string, key: string, params: P, inputs: Record<string, StepInput>, signal = new AbortController().signal): StepContext<P> {
    const outDir = join(this.root, 'out', `${stepId}-${randomBytes(4).toString('hex')}`);
    const stateDir = join(this.root, 'state', key);
    mkdirSync(outDir, { recursive: true });
    mkdirSync(stateDir, { recursive: true });
    return {
      stepId,
      key,
      params,
      inputs,
      outDir,
      stateDir,
      projectDir: this.root,
      log: (m) => this.logs.push(m),
      progress: (done, total, note) => this.progress.push(`${done}/${total ?? '?'} ${note ?? ''}`),
      signal,
    };
  }

  cleanup(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

/** n valid bedrock-conversation-2024 lines. */
export function trainingJsonl(n: number, pad = 0): string {
  return Array.from({ length: n }, (_, i) =>
    JSON.stringify({
      schemaVersion: 'bedrock-conversation-2024',
      system: [{ text: `tools ${'x'.repeat(pad)}` }],
      messages: [{ role: 'user', content: [{ text: `question ${i}` }] }],
    }),
  ).join('\n') + '\n';
}
