import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { PlannedStep } from '../graph/step.js';

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
  const missing: Missing[] = (step.unresolved ?? []).map((u) => ({
    what: `environment variable ${u.variable} (used by ${u.path}${u.file ? ` at ${u.file}:${u.line}:${u.col}` : ''})`,
    fix: `export ${u.variable}=...`,
  }));
  if (!credentialSource(env)) {
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
