import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { PlannedStep } from '../graph/step.js';
import { redactArnAccounts } from '../arn.js';

/**
 * Before any paid or remote call: what is missing to run a cloud step. Checked up front so
 * that a user without credentials gets every local artifact first and one message naming
 * everything to set, instead of an SDK stack trace halfway through.
 */

export interface Missing {
  what: string;
  fix: string;
}

/** Where the AWS SDK's default provider chain would find credentials, checked without calling anything. */
export function credentialSource(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) return 'environment variables';
  if (env.AWS_WEB_IDENTITY_TOKEN_FILE) return 'web identity token';
  if (env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI || env.AWS_CONTAINER_CREDENTIALS_FULL_URI) return 'container credentials';
  if (env.AWS_PROFILE) return `profile ${env.AWS_PROFILE}`;
  const dir = join(homedir(), '.aws');
  const credentialsFile = env.AWS_SHARED_CREDENTIALS_FILE ?? join(dir, 'credentials');
  const configFile = env.AWS_CONFIG_FILE ?? join(dir, 'config');
  if (existsSync(credentialsFile) || existsSync(configFile)) return 'shared config files';
  return undefined;
}

export function missingForStep(step: PlannedStep, env: NodeJS.ProcessEnv = process.env): Missing[] {
  const missing: Missing[] = [...(step.unresolved ?? []), ...(step.unresolvedSettings ?? [])].map((u) => ({
    what: `environment variable ${u.variable} (used by ${u.path}${u.file ? ` at ${u.file}:${u.line}:${u.col}` : ''})`,
    fix: `export ${u.variable}=...`,
  }));
  // An infer step of a non-Bedrock provider (openai, results) never calls AWS.
  const awsFree = step.kind === 'infer' && typeof step.params.provider === 'string' && step.params.provider !== 'bedrock';
  if (!awsFree && !credentialSource(env)) {
    missing.push({
      what: 'AWS credentials (none in the environment, no AWS_PROFILE, no ~/.aws/credentials or ~/.aws/config)',
      fix: 'set AWS_PROFILE (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), or run `aws configure` / `aws sso login`',
    });
  }
  return missing;
}

export function describeMissing(stepId: string, missing: Missing[]): string {
  const list = missing.map((m) => `${m.what}: ${m.fix}`).join('; ');
  return `step '${stepId}' calls AWS and cannot start: missing ${list}. Everything before it is done and cached; set these and rerun the same command to continue from here.`;
}

/**
 * What a cloud step checks itself before its first paid call: region, role and bucket set and
 * well-formed, and credentials that the SDK's default provider chain can actually resolve
 * (resolved once per process, with a short timeout so a machine without IMDS does not hang).
 * Throws one InputError naming everything to set.
 */
export interface CloudPreflight {
  step: string;
  region: string;
  /** Role ARN the service assumes (distill only). */
  role?: string;
  /** s3://bucket/prefix the step writes to or reads from. */
  s3?: string;
}

const REGION = /^[a-z]{2}(?:-gov)?-[a-z]+-\d$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;

export interface ResolvedCredentials {
  ok: boolean;
  /** Why not, when not ok. */
  problem?: string;
  expired?: boolean;
}

const resolved = new Map<string, Promise<ResolvedCredentials>>();

/** Resolves credentials with the SDK's default chain (once per region and process). */
export function resolveCredentials(region: string, timeoutMs = Number(process.env.FC_DISTILL_CREDENTIALS_TIMEOUT_MS) || 5000): Promise<ResolvedCredentials> {
  let pending = resolved.get(region);
  if (!pending) {
    pending = (async (): Promise<ResolvedCredentials> => {
      const { bedrockClient } = await import('./clients.js');
      const { rememberAccountId } = await import('./errors.js');
      const client = bedrockClient(region);
      let timer: NodeJS.Timeout | undefined;
      try {
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no credentials found within ${timeoutMs} ms`)), timeoutMs);
        });
        const provider = client.config.credentials as () => Promise<{ accessKeyId?: string; expiration?: Date; accountId?: string }>;
        const credentials = await Promise.race([provider(), timeout]);
        rememberAccountId(credentials.accountId);
        if (!credentials.accessKeyId) return { ok: false, problem: 'the credential provider returned no access key' };
        if (credentials.expiration && credentials.expiration.getTime() <= Date.now()) {
          return { ok: false, expired: true, problem: `the credentials expired at ${credentials.expiration.toISOString()}` };
        }
        return { ok: true };
      } catch (error) {
        const message = ((error as Error).message ?? String(error)).split('\n')[0]!;
        return { ok: false, expired: /expired/i.test(message), problem: message };
      } finally {
        if (timer) clearTimeout(timer);
        client.destroy();
      }
    })();
    resolved.set(region, pending);
  }
  return pending;
}

/** Forgets resolved credentials (tests that change the environment). */
export function resetCredentialCache(): void {
  resolved.clear();
}

export async function preflightCloudStep(check: CloudPreflight, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const missing: Missing[] = [];
  if (!check.region) {
    missing.push({ what: 'the AWS region', fix: 'set region: in the experiment file (e.g. us-east-1)' });
  } else if (!REGION.test(check.region)) {
    missing.push({ what: `a valid AWS region (got '${check.region}')`, fix: 'set region: to a region name such as us-east-1 or us-west-2' });
  }
  if (check.role !== undefined && !ROLE_ARN.test(check.role)) {
    missing.push({
      what: `an IAM role ARN for distillation.role (got '${redactArnAccounts(check.role)}')`,
      fix: 'set distillation.role (FC_DISTILL_ROLE_ARN) to arn:aws:iam::<account>:role/<name> of a role that trusts bedrock.amazonaws.com',
    });
  }
  if (check.s3 !== undefined && !/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?$/.test(check.s3)) {
    missing.push({ what: `an S3 location for distillation.s3 (got '${check.s3}')`, fix: 'set distillation.s3 to s3://<bucket>/<prefix> (FC_DISTILL_BUCKET)' });
  }
  if (missing.length === 0 || check.region) {
    const source = credentialSource(env);
    if (!source) {
      missing.push({
        what: 'AWS credentials (none in the environment, no AWS_PROFILE, no ~/.aws/credentials or ~/.aws/config)',
        fix: 'set AWS_PROFILE (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), or run `aws configure` / `aws sso login`',
      });
    } else if (check.region && REGION.test(check.region)) {
      const credentials = await resolveCredentials(check.region);
      if (!credentials.ok) {
        missing.push(
          credentials.expired
            ? { what: `valid AWS credentials (${source}: ${credentials.problem})`, fix: 'refresh them: `aws sso login --profile <profile>`, or export fresh AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN' }
            : { what: `AWS credentials (${source} gave none: ${credentials.problem})`, fix: 'check AWS_PROFILE and ~/.aws/config, or run `aws sso login`' },
        );
      }
    }
  }
  if (missing.length) {
    const { InputError } = await import('../errors.js');
    const { redact } = await import('./errors.js');
    throw new InputError(redact(describeMissing(check.step, missing), { keep: [check.s3 ?? ''] }));
  }
}
