import { BedrockClient } from '@aws-sdk/client-bedrock';
import { S3Client } from '@aws-sdk/client-s3';

/**
 * The SDK clients fc-distill's cloud steps use, configured in one place. Deliberately
 * little is custom: the region comes from the experiment, retries are the SDK's own
 * (`adaptive` or `standard` mode), and a request timeout is set explicitly (without one a
 * stalled call waits until the server drops it). Endpoints are never set here, so the
 * SDK's standard `AWS_ENDPOINT_URL_BEDROCK` / `AWS_ENDPOINT_URL_BEDROCK_RUNTIME` /
 * `AWS_ENDPOINT_URL_S3` settings point the clients at any emulator with no code change.
 *
 * Tunables (environment):
 *   FC_DISTILL_AWS_RETRY_MODE     adaptive | standard (default adaptive)
 *   FC_DISTILL_AWS_MAX_ATTEMPTS   attempts per call including the first (default 6)
 *   FC_DISTILL_AWS_TIMEOUT_MS     per-request timeout (default 60000)
 */

export interface ClientOptions {
  maxAttempts?: number;
  retryMode?: 'adaptive' | 'standard';
  requestTimeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

function positiveInt(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

/** The configuration every client shares: region, retry mode and attempts, request timeout. */
export function clientConfig(region: string, options: ClientOptions = {}) {
  const env = options.env ?? process.env;
  const retryMode = options.retryMode ?? (env.FC_DISTILL_AWS_RETRY_MODE === 'standard' ? 'standard' : 'adaptive');
  const maxAttempts = options.maxAttempts ?? positiveInt(env.FC_DISTILL_AWS_MAX_ATTEMPTS, 6);
  const requestTimeout = options.requestTimeoutMs ?? positiveInt(env.FC_DISTILL_AWS_TIMEOUT_MS, 60_000);
  return {
    region,
    retryMode,
    maxAttempts,
    // Options for the SDK's default Node HTTP handler: throwOnRequestTimeout makes a stalled
    // request fail (and be retried) instead of only logging a warning.
    requestHandler: { requestTimeout, connectionTimeout: Math.min(requestTimeout, 10_000), throwOnRequestTimeout: true },
  };
}

/** Bedrock control plane (customization jobs, foundation models, deployments). */
export function bedrockClient(region: string, options: ClientOptions = {}): BedrockClient {
  return new BedrockClient(clientConfig(region, options));
}

/** S3; path-style addressing when AWS_ENDPOINT_URL_S3 points at an emulator (`bucket.localhost` does not resolve). */
export function s3Client(region: string, options: ClientOptions = {}): S3Client {
  const env = options.env ?? process.env;
  return new S3Client({ ...clientConfig(region, options), forcePathStyle: Boolean(env.AWS_ENDPOINT_URL_S3) });
}
