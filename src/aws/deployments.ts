import {
  CreateCustomModelDeploymentCommand,
  CreateProvisionedModelThroughputCommand,
  DeleteCustomModelDeploymentCommand,
  DeleteProvisionedModelThroughputCommand,
  GetCustomModelCommand,
  GetCustomModelDeploymentCommand,
  GetProvisionedModelThroughputCommand,
  ListCustomModelDeploymentsCommand,
  type BedrockClient,
} from '@aws-sdk/client-bedrock';
import { awsCall, describeAwsError, isConflict, isNotFound } from './errors.js';
import { requestToken, resourceName, resourceTags } from './customization.js';

/**
 * Making a custom model invocable: on-demand custom model deployments (Nova) and provisioned
 * throughput (other families), with deterministic names and client request tokens derived
 * from the step key, so a rerun finds what an earlier process created.
 */

export type DeploymentKind = 'custom-model-deployment' | 'provisioned-throughput';

export interface DeploymentRef {
  kind: DeploymentKind;
  arn: string;
  name: string;
}

export interface DeploymentState {
  /** Creating | Active | Failed (deployments); Creating | InService | Updating | Failed (provisioned). */
  status: string;
  failureMessage?: string;
  ready: boolean;
  failed: boolean;
}

export function deploymentName(key: string): string {
  return resourceName(key, 'fc-distill-deploy');
}

export async function customModelStatus(client: BedrockClient, modelArn: string, step: string, signal?: AbortSignal): Promise<{ status: string; failureMessage?: string }> {
  const out = await awsCall({ step, action: 'bedrock:GetCustomModel', resource: modelArn }, () =>
    client.send(new GetCustomModelCommand({ modelIdentifier: modelArn }), { abortSignal: signal }),
  );
  return { status: out.modelStatus ?? 'Active', failureMessage: out.failureMessage };
}

async function findDeploymentByName(client: BedrockClient, name: string, step: string, signal?: AbortSignal): Promise<string | undefined> {
  let nextToken: string | undefined;
  do {
    const page = await awsCall({ step, action: 'bedrock:ListCustomModelDeployments' }, () =>
      client.send(new ListCustomModelDeploymentsCommand({ nameContains: name, maxResults: 100, nextToken }), { abortSignal: signal }),
    );
    const hit = page.modelDeploymentSummaries?.find((s) => s.customModelDeploymentName === name);
    if (hit?.customModelDeploymentArn) return hit.customModelDeploymentArn;
    nextToken = page.nextToken;
  } while (nextToken);
  return undefined;
}

export async function createOrFindDeployment(
  client: BedrockClient,
  options: { key: string; stepId: string; modelArn: string; signal?: AbortSignal },
): Promise<DeploymentRef & { created: boolean }> {
  const name = deploymentName(options.key);
  const existing = await findDeploymentByName(client, name, options.stepId, options.signal);
  if (existing) return { kind: 'custom-model-deployment', arn: existing, name, created: false };
  try {
    const out = await client.send(
      new CreateCustomModelDeploymentCommand({
        modelDeploymentName: name,
        modelArn: options.modelArn,
        description: `fc-distill step ${options.stepId} (key ${options.key.slice(0, 12)})`,
        tags: resourceTags(options.key, options.stepId),
        clientRequestToken: requestToken(options.key, 'deploy'),
      }),
      { abortSignal: options.signal },
    );
    return { kind: 'custom-model-deployment', arn: out.customModelDeploymentArn!, name, created: true };
  } catch (error) {
    if (isConflict(error)) {
      const arn = await findDeploymentByName(client, name, options.stepId, options.signal);
      if (arn) return { kind: 'custom-model-deployment', arn, name, created: false };
    }
    throw describeAwsError(error, { step: options.stepId, action: 'bedrock:CreateCustomModelDeployment', resource: options.modelArn });
  }
}

export async function createOrFindProvisioned(
  client: BedrockClient,
  options: { key: string; stepId: string; modelArn: string; modelUnits: number; commitment?: 'OneMonth' | 'SixMonths'; signal?: AbortSignal },
): Promise<DeploymentRef & { created: boolean }> {
  const name = deploymentName(options.key);
  const existing = await getProvisioned(client, name, options.stepId, options.signal);
  if (existing) return { kind: 'provisioned-throughput', arn: existing.arn, name, created: false };
  try {
    const out = await client.send(
      new CreateProvisionedModelThroughputCommand({
        provisionedModelName: name,
        modelId: options.modelArn,
        modelUnits: options.modelUnits,
        ...(options.commitment ? { commitmentDuration: options.commitment } : {}),
        tags: resourceTags(options.key, options.stepId),
        clientRequestToken: requestToken(options.key, 'provision'),
      }),
      { abortSignal: options.signal },
    );
    return { kind: 'provisioned-throughput', arn: out.provisionedModelArn!, name, created: true };
  } catch (error) {
    if (isConflict(error)) {
      const found = await getProvisioned(client, name, options.stepId, options.signal);
      if (found) return { kind: 'provisioned-throughput', arn: found.arn, name, created: false };
    }
    throw describeAwsError(error, { step: options.stepId, action: 'bedrock:CreateProvisionedModelThroughput', resource: options.modelArn });
  }
}

async function getProvisioned(client: BedrockClient, id: string, step: string, signal?: AbortSignal): Promise<(DeploymentState & { arn: string }) | undefined> {
  try {
    const out = await client.send(new GetProvisionedModelThroughputCommand({ provisionedModelId: id }), { abortSignal: signal });
    const status = out.status ?? 'Creating';
    return { arn: out.provisionedModelArn ?? id, status, failureMessage: out.failureMessage, ready: status === 'InService', failed: status === 'Failed' };
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw describeAwsError(error, { step, action: 'bedrock:GetProvisionedModelThroughput', resource: id });
  }
}

/** The live state of a deployment or provisioned throughput; undefined when it no longer exists. */
export async function deploymentState(client: BedrockClient, ref: Pick<DeploymentRef, 'kind' | 'arn'>, step: string, signal?: AbortSignal): Promise<DeploymentState | undefined> {
  if (ref.kind === 'provisioned-throughput') return getProvisioned(client, ref.arn, step, signal);
  try {
    const out = await client.send(new GetCustomModelDeploymentCommand({ customModelDeploymentIdentifier: ref.arn }), { abortSignal: signal });
    const status = out.status ?? 'Creating';
    return { status, failureMessage: out.failureMessage, ready: status === 'Active', failed: status === 'Failed' };
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw describeAwsError(error, { step, action: 'bedrock:GetCustomModelDeployment', resource: ref.arn });
  }
}

/** Deletes it; returns false when it was already gone (NotFound counts as done). */
export async function deleteDeployment(client: BedrockClient, ref: Pick<DeploymentRef, 'kind' | 'arn'>, step: string): Promise<boolean> {
  try {
    if (ref.kind === 'provisioned-throughput') {
      await client.send(new DeleteProvisionedModelThroughputCommand({ provisionedModelId: ref.arn }));
    } else {
      await client.send(new DeleteCustomModelDeploymentCommand({ customModelDeploymentIdentifier: ref.arn }));
    }
    return true;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw describeAwsError(error, {
      step,
      action: ref.kind === 'provisioned-throughput' ? 'bedrock:DeleteProvisionedModelThroughput' : 'bedrock:DeleteCustomModelDeployment',
      resource: ref.arn,
    });
  }
}

/**
 * Before invoking a deployment recorded by an earlier (cached) deploy step: it must still
 * exist and be ready. `teardown: after-eval` or `fc-distill cleanup` deletes it while the deploy
 * step stays cached, so a later evaluation would otherwise send every request to a deleted
 * deployment. A free control-plane read; throws an InputError saying how to bring it back.
 */
export async function assertDeploymentInvocable(
  client: BedrockClient,
  ref: Pick<DeploymentRef, 'kind' | 'arn' | 'name'>,
  context: { step: string; deployStep: string; region: string; signal?: AbortSignal },
): Promise<void> {
  const { InputError } = await import('../errors.js');
  const state = await deploymentState(client, ref, context.step, context.signal);
  if (!state) {
    throw new InputError(
      `${ref.kind} ${ref.name} (made by step '${context.deployStep}') no longer exists in ${context.region}: it was deleted after an earlier evaluation ` +
        `(teardown: after-eval, or fc-distill cleanup). Rerun with \`--force ${context.deployStep}\` to create it again (the teardown deletes it after this evaluation). No request was sent to it.`,
    );
  }
  if (!state.ready) {
    throw new InputError(
      `${ref.kind} ${ref.name} (made by step '${context.deployStep}') is ${state.status}, not ready to invoke${state.failureMessage ? `: ${state.failureMessage}` : ''}. ` +
        `${state.failed ? `Delete it (fc-distill cleanup) and rerun with \`--force ${context.deployStep}\`` : 'Wait until it is ready and rerun'}. No request was sent to it.`,
    );
  }
}
