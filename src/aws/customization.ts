import {
  CreateModelCustomizationJobCommand,
  GetFoundationModelCommand,
  GetModelCustomizationJobCommand,
  ListModelCustomizationJobsCommand,
  StopModelCustomizationJobCommand,
  type BedrockClient,
  type CreateModelCustomizationJobCommandInput,
  type GetModelCustomizationJobCommandOutput,
  type RequestMetadataBaseFilters,
  type RequestMetadataFilters,
} from '@aws-sdk/client-bedrock';
import { randomBytes } from 'node:crypto';
import { InputError } from '../errors.js';
import type { RequestMetadataFilters as ConfigFilters, RequestMetadataMatch } from '../config/experiment.types.js';
import { redactArnAccounts } from '../arn.js';
import { awsCall, describeAwsError, isConflict, isNotFound } from './errors.js';

/**
 * Bedrock model customization jobs of type DISTILLATION: names and tokens derived from the
 * step key and an attempt (a rerun after a crash finds the same job instead of paying for a
 * second one; a forced rerun is a new attempt, so neither its name nor its token collides with
 * the first job), create / get / find / stop, and the invocation-log filter builder.
 */

/**
 * One try at creating a step's remote resource. The first attempt is '' (the names and tokens
 * fc-distill has always used, so stores written before attempts existed still resume); later
 * ones (a forced rerun, or the earlier resource failed or was deleted) get a random suffix,
 * recorded in the step's state before the create call.
 */
export function newAttempt(): string {
  return randomBytes(4).toString('hex');
}

function withAttempt(base: string, attempt = ''): string {
  return attempt ? `${base}-${attempt}` : base;
}

/** `fc-distill-<20 hex of the key>`: valid as jobName and customModelName (<= 63, allowed chars). */
export function resourceName(key: string, kind = 'fc-distill', attempt = ''): string {
  return withAttempt(`${kind}-${key.slice(0, 20)}`, attempt);
}

export function jobName(key: string, attempt = ''): string {
  return resourceName(key, 'fc-distill', attempt);
}

export function customModelName(key: string, attempt = ''): string {
  return resourceName(key, 'fc-distill-model', attempt);
}

/** clientRequestToken `fcd-<purpose>-<key>[-<attempt>]` (pattern [a-zA-Z0-9]([-a-zA-Z0-9]{0,254}[a-zA-Z0-9])?). */
export function requestToken(key: string, purpose = 'job', attempt = ''): string {
  return withAttempt(`fcd-${purpose}-${key}`, attempt);
}

/** Tags put on everything fc-distill creates, so `cleanup` and the console can tell. */
export function resourceTags(key: string, stepId: string): { key: string; value: string }[] {
  return [
    { key: 'fc-distill:step-key', value: key },
    { key: 'fc-distill:step', value: stepId },
    { key: 'created-by', value: 'fc-distill' },
  ];
}

const META_KEY = /^[a-zA-Z0-9\s._:/=+$@-]{1,256}$/;

function singleEquals(kind: 'equals' | 'notEquals', match: RequestMetadataMatch, where: string): RequestMetadataBaseFilters[] {
  const entries = Object.entries(match).filter((e): e is [string, string] => typeof e[1] === 'string');
  if (entries.length === 0) throw new InputError(`${where}.${kind}: give one request-metadata key and its value`);
  return entries.map(([k, v]) => {
    if (!META_KEY.test(k)) throw new InputError(`${where}.${kind}: request-metadata key '${k}' has characters Bedrock does not accept (allowed: letters, digits, spaces and ._:/=+$@-, 1-256)`);
    if (v.length > 256) throw new InputError(`${where}.${kind}.${k}: values are at most 256 characters`);
    return { [kind]: { [k]: v } } as RequestMetadataBaseFilters;
  });
}

/**
 * The experiment's request-metadata filter -> Bedrock's `requestMetadataFilters`, with every
 * `equals`/`notEquals` map holding exactly one key: several keys under `equals` become an
 * `andAll` of single-key equals (a map with several keys in one `equals` is a mistake Bedrock
 * rejects, made by AWS's own notebook).
 */
export function buildRequestMetadataFilters(filter: ConfigFilters, where = 'distillation.trainingData.invocationLogs.filter'): RequestMetadataFilters {
  const kinds = (['equals', 'notEquals', 'andAll', 'orAll'] as const).filter((k) => filter[k] !== undefined);
  if (kinds.length !== 1) throw new InputError(`${where}: give exactly one of equals, notEquals, andAll, orAll (found ${kinds.join(', ') || 'none'})`);
  const kind = kinds[0]!;
  if (kind === 'equals' || kind === 'notEquals') {
    const parts = singleEquals(kind, filter[kind]!, where);
    if (parts.length === 1) return parts[0] as RequestMetadataFilters;
    if (parts.length > 16) throw new InputError(`${where}.${kind}: at most 16 keys can be combined`);
    // Several keys: all must hold (equals), and for notEquals none of the values may match.
    return { andAll: parts };
  }
  const list = filter[kind]!;
  const parts = list.flatMap((base, i) => {
    const baseKinds = (['equals', 'notEquals'] as const).filter((k) => base[k] !== undefined);
    if (baseKinds.length !== 1) throw new InputError(`${where}.${kind}[${i}]: give exactly one of equals, notEquals`);
    const parts = singleEquals(baseKinds[0]!, base[baseKinds[0]!]!, `${where}.${kind}[${i}]`);
    if (parts.length > 1 && kind === 'orAll') {
      throw new InputError(`${where}.orAll[${i}]: one key per filter; ${parts.length} keys in one ${baseKinds[0]} cannot be expressed inside orAll`);
    }
    return parts;
  });
  if (parts.length > 16) throw new InputError(`${where}.${kind}: at most 16 filters (found ${parts.length} after splitting multi-key maps)`);
  return kind === 'andAll' ? { andAll: parts } : { orAll: parts };
}

export type Job = GetModelCustomizationJobCommandOutput;

export interface JobSpec {
  key: string;
  /** See newAttempt(); '' for the first. */
  attempt: string;
  stepId: string;
  roleArn: string;
  teacher: string;
  student: string;
  maxResponseLength: number;
  outputS3Uri: string;
  training: { s3Uri: string } | { invocationLogs: { s3Uri: string; usePromptResponse: boolean; filters?: RequestMetadataFilters } };
}

export function createJobInput(spec: JobSpec): CreateModelCustomizationJobCommandInput {
  const trainingDataConfig =
    's3Uri' in spec.training
      ? { s3Uri: spec.training.s3Uri }
      : {
          invocationLogsConfig: {
            invocationLogSource: { s3Uri: spec.training.invocationLogs.s3Uri },
            usePromptResponse: spec.training.invocationLogs.usePromptResponse,
            ...(spec.training.invocationLogs.filters ? { requestMetadataFilters: spec.training.invocationLogs.filters } : {}),
          },
        };
  const tags = resourceTags(spec.key, spec.stepId);
  return {
    jobName: jobName(spec.key, spec.attempt),
    customModelName: customModelName(spec.key, spec.attempt),
    roleArn: spec.roleArn,
    baseModelIdentifier: spec.student,
    customizationType: 'DISTILLATION',
    customizationConfig: {
      distillationConfig: { teacherModelConfig: { teacherModelIdentifier: spec.teacher, maxResponseLengthForInference: spec.maxResponseLength } },
    },
    trainingDataConfig,
    outputDataConfig: { s3Uri: spec.outputS3Uri },
    clientRequestToken: requestToken(spec.key, 'job', spec.attempt),
    jobTags: tags,
    customModelTags: tags,
  };
}

export async function getJob(client: BedrockClient, identifier: string, step: string, signal?: AbortSignal): Promise<Job | undefined> {
  try {
    return await client.send(new GetModelCustomizationJobCommand({ jobIdentifier: identifier }), { abortSignal: signal });
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw describeAwsError(error, { step, action: 'bedrock:GetModelCustomizationJob', resource: identifier });
  }
}

/** Whether a job with exactly this name exists (ListModelCustomizationJobs nameContains, all pages). */
export async function jobExists(client: BedrockClient, name: string, step: string, signal?: AbortSignal): Promise<boolean> {
  let nextToken: string | undefined;
  do {
    const page = await awsCall({ step, action: 'bedrock:ListModelCustomizationJobs' }, () =>
      client.send(new ListModelCustomizationJobsCommand({ nameContains: name, maxResults: 100, nextToken }), { abortSignal: signal }),
    );
    if (page.modelCustomizationJobSummaries?.some((s) => s.jobName === name)) return true;
    nextToken = page.nextToken;
  } while (nextToken);
  return false;
}

/**
 * Creates the job, or finds the existing one: a repeated clientRequestToken is ignored by
 * the service, and a name conflict means an earlier process created it. Returns the job's
 * name (its ARN carries the account id and is not kept).
 */
export async function createOrFindJob(client: BedrockClient, spec: JobSpec, signal?: AbortSignal): Promise<{ jobName: string; created: boolean }> {
  const input = createJobInput(spec);
  const name = input.jobName!;
  try {
    await client.send(new CreateModelCustomizationJobCommand(input), { abortSignal: signal });
    return { jobName: name, created: true };
  } catch (error) {
    if (isConflict(error) && (await jobExists(client, name, spec.stepId, signal))) return { jobName: name, created: false };
    // The role usually comes from the environment, in the caller's account: named without it.
    const role = redactArnAccounts(spec.roleArn);
    throw describeAwsError(error, {
      step: spec.stepId,
      action: 'bedrock:CreateModelCustomizationJob',
      resource: role,
      permissionHint: `bedrock:CreateModelCustomizationJob, and iam:PassRole on ${role}`,
    });
  }
}

export async function stopJob(client: BedrockClient, identifier: string, step: string): Promise<void> {
  await awsCall({ step, action: 'bedrock:StopModelCustomizationJob', resource: identifier }, () =>
    client.send(new StopModelCustomizationJobCommand({ jobIdentifier: identifier })),
  );
}

/** Splits `us.amazon.nova-premier-v1:0` into the profile prefix and the foundation model id. */
export function foundationModelId(id: string): string {
  const last = id.slice(id.lastIndexOf('/') + 1);
  return last.replace(/^(?:us-gov|us|eu|apac|ca|jp|au|global)\./, '');
}

export interface Lifecycle {
  modelId: string;
  status: string;
  endOfLife?: Date;
  legacy?: Date;
}

/**
 * GetFoundationModel for a model id (an inference-profile prefix is stripped; a student's
 * context-length suffix `:300k` is kept, as Bedrock lists those as their own models).
 */
export async function modelLifecycle(client: BedrockClient, id: string, step: string, signal?: AbortSignal): Promise<Lifecycle> {
  const modelId = foundationModelId(id);
  const out = await awsCall({ step, action: 'bedrock:GetFoundationModel', resource: modelId, permissionHint: 'bedrock:GetFoundationModel' }, () =>
    client.send(new GetFoundationModelCommand({ modelIdentifier: modelId }), { abortSignal: signal }),
  );
  const life = out.modelDetails?.modelLifecycle;
  return { modelId, status: life?.status ?? 'ACTIVE', endOfLife: life?.endOfLifeTime, legacy: life?.legacyTime };
}
