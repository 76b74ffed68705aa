import type { PlannedStep } from '../graph/step.js';
import { InputError } from '../errors.js';

/**
 * The checks `run` makes once, before the first remote step of a run starts, so that a
 * missing or broken cloud setting stops the run before any paid call (the evaluation of the
 * teacher does not depend on the distillation, so without this it would start, and be paid
 * for, while the upload fails on a missing bucket):
 *
 * - per region: the local checks of preflightCloudStep (region, role and S3 formats,
 *   credentials resolvable by the SDK's chain, not expired);
 * - per region: one free authenticated Bedrock call (GetFoundationModel of a model the run
 *   uses), so an expired or revoked session token is named before anything is created or
 *   invoked. Access denied or not found on this call is not an error here (the caller may lack
 *   bedrock:GetFoundationModel, or the id may be an inference profile): only credential errors;
 * - per bucket the run writes to: HeadBucket.
 *
 * Throws one InputError naming what to set.
 */

interface RemoteStep {
  id: string;
  kind: string;
  params: PlannedStep['params'];
  settings?: PlannedStep['settings'];
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

export async function preflightRun(steps: readonly RemoteStep[], signal?: AbortSignal): Promise<void> {
  const cloud = steps.filter((s) => s.kind !== 'infer' || s.params.provider === 'bedrock');
  if (cloud.length === 0) return;
  const { preflightCloudStep } = await import('./preflight.js');
  const { bedrockClient, s3Client } = await import('./clients.js');
  const { checkBucket, parseS3Uri } = await import('./s3.js');
  const { foundationModelId } = await import('./customization.js');
  const { errorName, isCredentialError, describeAwsError } = await import('./errors.js');
  const { GetFoundationModelCommand } = await import('@aws-sdk/client-bedrock');

  // Local checks, the step with the most settings first (distill names role and bucket).
  const roleOf = (step: RemoteStep) => step.settings?.role ?? step.params.role;
  const ordered = [...cloud].sort((a, b) => Number(Boolean(roleOf(b))) - Number(Boolean(roleOf(a))));
  for (const step of ordered) {
    const region = str(step.params.region);
    if (!region) continue;
    await preflightCloudStep({
      step: step.id,
      region,
      ...(typeof roleOf(step) === 'string' ? { role: roleOf(step) as string } : {}),
      ...(typeof step.params.s3 === 'string' ? { s3: step.params.s3 } : {}),
    });
  }

  const regions = new Map<string, { step: string; model: string | undefined }>();
  for (const step of cloud) {
    const region = str(step.params.region);
    if (!region) continue;
    const model = str(step.params.student) ?? str(step.params.teacher) ?? str(step.params.modelId);
    const seen = regions.get(region);
    if (!seen || (!seen.model && model)) regions.set(region, { step: step.id, model });
  }
  for (const [region, { step, model }] of regions) {
    if (!model) continue;
    const client = bedrockClient(region, { maxAttempts: 2 });
    try {
      await client.send(new GetFoundationModelCommand({ modelIdentifier: foundationModelId(model) }), { abortSignal: signal });
    } catch (error) {
      if (errorName(error) === 'AbortError') throw error;
      if (isCredentialError(error)) throw describeAwsError(error, { step, action: 'bedrock:GetFoundationModel (checking the credentials before any paid call)' });
      // Anything else (no permission for this read, an inference profile id, a throttle) is left to the steps.
    } finally {
      client.destroy();
    }
  }

  const buckets = new Map<string, { step: string; region: string }>();
  for (const step of cloud) {
    const s3 = str(step.params.s3);
    const region = str(step.params.region);
    if (s3 && region && step.kind === 'upload') buckets.set(parseS3Uri(s3).bucket, { step: step.id, region });
  }
  for (const [bucket, { step, region }] of buckets) {
    const client = s3Client(region, { maxAttempts: 2 });
    try {
      await checkBucket(client, bucket, step);
    } catch (error) {
      throw error instanceof InputError ? new InputError(`${error.message} (checked before any paid call)`) : error;
    } finally {
      client.destroy();
    }
  }
}
