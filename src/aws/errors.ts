import { redactArnAccounts } from '../arn.js';
import { InputError, StepError } from '../errors.js';

/**
 * SDK errors -> the two failures the CLI distinguishes, with a message that says what to do.
 * InputError (exit 2): something the user must fix (credentials, permissions, a missing role
 * or bucket, a value the service rejects). StepError (exit 1): the service failed or kept
 * throttling after the SDK's own retries.
 *
 * Nothing secret is echoed: access keys, secrets, session tokens, signatures, and account ids
 * that came from the environment or the credentials are redacted from every message.
 */

export interface AwsCallContext {
  /** Step id (or command) making the call, for StepError. */
  step: string;
  /** The API action, e.g. `s3:PutObject`, `bedrock:CreateModelCustomizationJob`. */
  action: string;
  /** What it acted on, as the user wrote it (bucket, role ARN, job name). */
  resource?: string;
  /** What to grant or set when access is denied, e.g. `iam:PassRole on the role`. */
  permissionHint?: string;
}

interface SdkError {
  name?: string;
  message?: string;
  Code?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number; attempts?: number };
  $fault?: 'client' | 'server';
  $retryable?: unknown;
}

const CREDENTIAL_ERRORS = new Set([
  'ExpiredToken',
  'ExpiredTokenException',
  'RequestExpired',
  'TokenRefreshRequired',
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'InvalidAccessKeyId',
  'InvalidToken',
  'SignatureDoesNotMatch',
  'IncompleteSignature',
  'MissingAuthenticationToken',
  'MissingAuthenticationTokenException',
  'CredentialsProviderError',
]);

const TRANSIENT = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'SlowDown',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'InternalServerException',
  'InternalError',
  'InternalFailure',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
]);

export function errorName(error: unknown): string {
  const e = error as SdkError;
  return e?.name && e.name !== 'Error' ? e.name : (e?.Code ?? e?.code ?? 'Error');
}

export function httpStatus(error: unknown): number | undefined {
  return (error as SdkError)?.$metadata?.httpStatusCode;
}

export function isNotFound(error: unknown): boolean {
  const name = errorName(error);
  return name === 'ResourceNotFoundException' || name === 'NotFound' || name === 'NoSuchKey' || name === 'NoSuchBucket' || httpStatus(error) === 404;
}

export function isConflict(error: unknown): boolean {
  return errorName(error) === 'ConflictException' || httpStatus(error) === 409;
}

/** Expired, invalid or missing credentials (not a permission problem). */
export function isCredentialError(error: unknown): boolean {
  const name = errorName(error);
  return CREDENTIAL_ERRORS.has(name) || /expired/i.test(name);
}

export function isAbort(error: unknown): boolean {
  return errorName(error) === 'AbortError';
}

/** Values from the environment that must never be written anywhere. */
export function secretsFromEnv(env: NodeJS.ProcessEnv = process.env): string[] {
  return ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_SECURITY_TOKEN', 'AWS_BEARER_TOKEN_BEDROCK']
    .map((name) => env[name])
    .filter((v): v is string => typeof v === 'string' && v.length >= 4);
}

/** Account ids known from the environment or the resolved credentials (AWS_ACCOUNT_ID, credentials.accountId). */
const knownAccounts = new Set<string>();

export function rememberAccountId(accountId: string | undefined): void {
  if (accountId && /^\d{12}$/.test(accountId)) knownAccounts.add(accountId);
}

export { redactArnAccounts };

/**
 * `text` without secrets: env credential values, SigV4 signatures and credential scopes,
 * and account ids that came from the environment or credentials. ARNs the user wrote in
 * the experiment (`keep`) are left as written.
 */
export function redact(text: string, options: { keep?: string[]; env?: NodeJS.ProcessEnv } = {}): string {
  const env = options.env ?? process.env;
  let out = text;
  for (const secret of secretsFromEnv(env)) out = out.split(secret).join('<redacted>');
  out = out.replace(/(Signature=)[0-9a-f]{16,}/gi, '$1<redacted>');
  out = out.replace(/(Credential=)[^,\s/]+/g, '$1<redacted>');
  out = out.replace(/(X-Amz-Security-Token=)[^&\s]+/gi, '$1<redacted>');
  const accounts = new Set(knownAccounts);
  if (env.AWS_ACCOUNT_ID && /^\d{12}$/.test(env.AWS_ACCOUNT_ID)) accounts.add(env.AWS_ACCOUNT_ID);
  const kept = (options.keep ?? []).filter(Boolean);
  // Protect the user's own strings, redact the rest, put them back.
  const placeholders: string[] = [];
  for (const k of kept) {
    if (!out.includes(k)) continue;
    placeholders.push(k);
    out = out.split(k).join(`\u0000${placeholders.length - 1}\u0000`);
  }
  for (const account of accounts) out = out.split(account).join('<account>');
  // ARNs the service puts in its messages carry the caller's account even when it is not known here.
  out = redactArnAccounts(out);
  return out.replace(/\u0000(\d+)\u0000/g, (_, i: string) => placeholders[Number(i)]!);
}

function serviceMessage(error: unknown): string {
  const e = error as SdkError;
  const message = (e?.message ?? String(error)).trim();
  return message && message !== 'UnknownError' ? message : `${errorName(error)} (HTTP ${httpStatus(error) ?? '?'})`;
}

/**
 * Maps an SDK error to InputError or StepError with a message that says what to set or do.
 * Abort errors are returned as they are (the executor handles interruption).
 */
export function describeAwsError(error: unknown, context: AwsCallContext): Error {
  if (error instanceof InputError || error instanceof StepError) return error;
  if (isAbort(error)) return error as Error;
  const name = errorName(error);
  const status = httpStatus(error);
  const keep = context.resource ? [context.resource] : [];
  const msg = (text: string) => redact(text, { keep });
  const on = context.resource ? ` on ${context.resource}` : '';
  const raw = serviceMessage(error);

  if (CREDENTIAL_ERRORS.has(name) || /expired/i.test(name)) {
    const expired = /expired|refresh/i.test(name) || /expired/i.test(raw);
    return new InputError(
      msg(
        `AWS credentials ${expired ? 'have expired' : 'are invalid or not recognised'} (${name} from ${context.action}): ` +
          `refresh them (aws sso login --profile <profile>, or export fresh AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN) and rerun the same command`,
      ),
    );
  }
  if (name === 'AccessDenied' || name === 'AccessDeniedException' || name === 'Forbidden' || (status === 403 && !TRANSIENT.has(name))) {
    const hint = context.permissionHint ? `; grant ${context.permissionHint}` : '';
    return new InputError(msg(`access denied: ${context.action}${on} is not allowed for these credentials${hint}. Service said: ${raw}`));
  }
  if (name === 'NoSuchBucket' || (name === 'NotFound' && context.action.startsWith('s3:HeadBucket'))) {
    return new InputError(
      msg(`S3 bucket ${context.resource ?? ''} does not exist (or is in another account/region): create it, or set distillation.s3 (FC_DISTILL_BUCKET) to an existing bucket`),
    );
  }
  if (name === 'ResourceNotFoundException' || name === 'NoSuchKey' || name === 'NotFound') {
    return new InputError(msg(`${context.action}: not found${on}: ${raw}. Check the ARN or name (role, model, bucket) and the region`));
  }
  if (name === 'ValidationException' || name === 'InvalidRequest' || name === 'InvalidArgument') {
    return new InputError(msg(`${context.action}${on} was rejected by the service: ${raw}`));
  }
  if (name === 'ServiceQuotaExceededException' || name === 'TooManyTagsException') {
    return new InputError(msg(`${context.action}: ${raw} (request a quota increase in Service Quotas, or free the resources in use)`));
  }
  const attempts = (error as SdkError)?.$metadata?.attempts;
  const after = attempts && attempts > 1 ? ` after ${attempts} attempts` : '';
  if (TRANSIENT.has(name) || (status !== undefined && status >= 500) || status === 429) {
    return new StepError(context.step, msg(`${context.action} kept failing${after}: ${name}: ${raw}. Rerun the same command to continue`), { cause: error });
  }
  return new StepError(context.step, msg(`${context.action}${on} failed${after}: ${name}: ${raw}`), { cause: error });
}

/** Runs one SDK call, mapping its error. */
export async function awsCall<T>(context: AwsCallContext, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw describeAwsError(error, context);
  }
}
