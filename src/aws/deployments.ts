import {
  CreateCustomModelDeploymentCommand,
  CreateProvisionedModelThroughputCommand,
  DeleteCustomModelDeploymentCommand,
  DeleteProvisionedModelThroughputCommand,
  GetCustomModelCommand,
  GetCustomModelDeploymentCommand,
  GetProvisionedModelThroughputCommand,
  ListCustomModelDeploymentsCommand,
  ListProvisionedModelThroughputsCommand,
  type BedrockClient,
} from '@aws-sdk/client-bedrock';
import { awsCall, describeAwsError, isConflict, isNotFound } from './errors.js';
import { requestToken, resourceName, resourceTags } from './customization.js';

/**
 * Making a custom model invocable: on-demand custom model deployments (Nova) and provisioned
 * throughput (other families), named from the step key (plus an attempt suffix after the
 * first), with a client request token from the key and a per-attempt suffix the deploy step
 * records before the create call: a rerun after a crash resends the same token (no second
 * deployment), a forced rerun sends a new one (Bedrock would take the old token for a retry
 * of the first, possibly deleted, deployment).
 *
 * Deployments are addressed by name (every Get/Delete takes a name or an ARN); their ARNs
 * carry the account id, so they are only ever resolved in memory, by invocableArn().
 */

export type DeploymentKind = 'custom-model-deployment' | 'provisioned-throughput';

export interface DeploymentRef {
  kind: DeploymentKind;
  /** The deployment's name (stores written by earlier versions may hold its ARN here: the APIs take either). */
  name: string;
}

export interface DeploymentState {
  /** Creating | Active | Failed (deployments); Creating | InService | Updating | Failed (provisioned). */
  status: string;
  failureMessage?: string;
  ready: boolean;
  failed: boolean;
  /** In memory only: the ARN carries the account id. */
  arn?: string;
}

/** `fc-distill-deploy-<20 hex of the key>[-<attempt>]`. */
export function deploymentName(key: string, attempt = ''): string {
  return resourceName(key, 'fc-distill-deploy', attempt);
}

export function deploymentToken(key: string, kind: DeploymentKind, attempt: string): string {
  return requestToken(key, kind === 'provisioned-throughput' ? 'provision' : 'deploy', attempt);
}

/** The custom model's status and, in memory, its ARN (CreateCustomModelDeployment wants the ARN). */
export async function customModelStatus(client: BedrockClient, model: string, step: string, signal?: AbortSignal): Promise<{ status: string; failureMessage?: string; arn: string }> {
  const out = await awsCall({ step, action: 'bedrock:GetCustomModel', resource: model }, () =>
    client.send(new GetCustomModelCommand({ modelIdentifier: model }), { abortSignal: signal }),
  );
  return { status: out.modelStatus ?? 'Active', failureMessage: out.failureMessage, arn: out.modelArn ?? model };
}

/** Names of the deployments (or provisioned throughputs) whose name contains `prefix`, all pages. */
export async function deploymentNames(client: BedrockClient, kind: DeploymentKind, prefix: string, step: string, signal?: AbortSignal): Promise<string[]> {
  const names: string[] = [];
  let nextToken: string | undefined;
  do {
    if (kind === 'custom-model-deployment') {
      const page = await awsCall({ step, action: 'bedrock:ListCustomModelDeployments' }, () =>
        client.send(new ListCustomModelDeploymentsCommand({ nameContains: prefix, maxResults: 100, nextToken }), { abortSignal: signal }),
      );
      for (const s of page.modelDeploymentSummaries ?? []) if (s.customModelDeploymentName) names.push(s.customModelDeploymentName);
      nextToken = page.nextToken;
    } else {
      const page = await awsCall({ step, action: 'bedrock:ListProvisionedModelThroughputs' }, () =>
        client.send(new ListProvisionedModelThroughputsCommand({ nameContains: prefix, maxResults: 100, nextToken }), { abortSignal: signal }),
      );
      for (const s of page.provisionedModelSummaries ?? []) if (s.provisionedModelName) names.push(s.provisionedModelName);
      nextToken = page.nextToken;
    }
  } while (nextToken);
  return names.filter((n) => n.startsWith(prefix));
}

export interface CreateDeployment {
  key: string;
  stepId: string;
  kind: DeploymentKind;
  /** The attempt's name and token suffix, as recorded in the step's state before this call. */
  name: string;
  attempt: string;
  /** The custom model's ARN (resolved in memory). */
  modelArn: string;
  provisioned?: { modelUnits: number; commitment?: 'OneMonth' | 'SixMonths' };
  signal?: AbortSignal;
}

/**
 * Creates the deployment or provisioned throughput, or finds the one an earlier process
 * created under this name: the recorded token makes a resent create a retry, and a name
 * conflict means it exists.
 */
export async function createOrFindDeployment(client: BedrockClient, options: CreateDeployment): Promise<{ created: boolean }> {
  const ref = { kind: options.kind, name: options.name };
  if (await deploymentState(client, ref, options.stepId, options.signal)) return { created: false };
  const common = { tags: resourceTags(options.key, options.stepId), clientRequestToken: deploymentToken(options.key, options.kind, options.attempt) };
  const provisioned = options.kind === 'provisioned-throughput';
  try {
    if (provisioned) {
      if (!options.provisioned) throw new Error('createOrFindDeployment: provisioned throughput needs modelUnits');
      await client.send(
        new CreateProvisionedModelThroughputCommand({
          provisionedModelName: options.name,
          modelId: options.modelArn,
          modelUnits: options.provisioned.modelUnits,
          ...(options.provisioned.commitment ? { commitmentDuration: options.provisioned.commitment } : {}),
          ...common,
        }),
        { abortSignal: options.signal },
      );
    } else {
      await client.send(
        new CreateCustomModelDeploymentCommand({
          modelDeploymentName: options.name,
          modelArn: options.modelArn,
          description: `fc-distill step ${options.stepId} (key ${options.key.slice(0, 12)})`,
          ...common,
        }),
        { abortSignal: options.signal },
      );
    }
    return { created: true };
  } catch (error) {
    if (isConflict(error) && (await deploymentState(client, ref, options.stepId, options.signal))) return { created: false };
    throw describeAwsError(error, {
      step: options.stepId,
      action: provisioned ? 'bedrock:CreateProvisionedModelThroughput' : 'bedrock:CreateCustomModelDeployment',
      resource: options.name,
    });
  }
}

/** The live state of a deployment or provisioned throughput; undefined when it no longer exists. */
export async function deploymentState(client: BedrockClient, ref: DeploymentRef, step: string, signal?: AbortSignal): Promise<DeploymentState | undefined> {
  try {
    if (ref.kind === 'provisioned-throughput') {
      const out = await client.send(new GetProvisionedModelThroughputCommand({ provisionedModelId: ref.name }), { abortSignal: signal });
      const status = out.status ?? 'Creating';
      return { status, failureMessage: out.failureMessage, ready: status === 'InService', failed: status === 'Failed', arn: out.provisionedModelArn };
    }
    const out = await client.send(new GetCustomModelDeploymentCommand({ customModelDeploymentIdentifier: ref.name }), { abortSignal: signal });
    const status = out.status ?? 'Creating';
    return { status, failureMessage: out.failureMessage, ready: status === 'Active', failed: status === 'Failed', arn: out.customModelDeploymentArn };
  } catch (error) {
    if (isNotFound(error)) return undefined;
    const action = ref.kind === 'provisioned-throughput' ? 'bedrock:GetProvisionedModelThroughput' : 'bedrock:GetCustomModelDeployment';
    throw describeAwsError(error, { step, action, resource: ref.name });
  }
}

/** Deletes it; returns false when it was already gone (NotFound counts as done). */
export async function deleteDeployment(client: BedrockClient, ref: DeploymentRef, step: string): Promise<boolean> {
  try {
    if (ref.kind === 'provisioned-throughput') {
      await client.send(new DeleteProvisionedModelThroughputCommand({ provisionedModelId: ref.name }));
    } else {
      await client.send(new DeleteCustomModelDeploymentCommand({ customModelDeploymentIdentifier: ref.name }));
    }
    return true;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw describeAwsError(error, {
      step,
      action: ref.kind === 'provisioned-throughput' ? 'bedrock:DeleteProvisionedModelThroughput' : 'bedrock:DeleteCustomModelDeployment',
      resource: ref.name,
    });
  }
}

/**
 * Before invoking a deployment recorded by an earlier (cached) deploy step: it must still
 * exist and be ready. `teardown: after-eval` or `fc-distill cleanup` deletes it while the deploy
 * step stays cached, so a later evaluation would otherwise send every request to a deleted
 * deployment. A free control-plane read; throws an InputError saying how to bring it back.
 * Returns the ARN to invoke (Converse wants the ARN): keep it in memory, never in the store.
 */
export async function invocableArn(
  client: BedrockClient,
  ref: DeploymentRef,
  context: { step: string; deployStep: string; region: string; signal?: AbortSignal },
): Promise<string> {
  const { InputError } = await import('../errors.js');
  const state = await deploymentState(client, ref, context.step, context.signal);
  if (!state) {
    throw new InputError(
      `${ref.kind} ${ref.name} (made by step '${context.deployStep}') no longer exists in ${context.region}: it was deleted after an earlier evaluation ` +
        `(teardown: after-eval, or fc-distill cleanup). Rerun with \`--force ${context.deployStep}\` to create a new one (the teardown deletes it after this evaluation). No request was sent to it.`,
    );
  }
  if (!state.ready) {
    throw new InputError(
      `${ref.kind} ${ref.name} (made by step '${context.deployStep}') is ${state.status}, not ready to invoke${state.failureMessage ? `: ${state.failureMessage}` : ''}. ` +
        `${state.failed ? `Rerun with \`--force ${context.deployStep}\` to create a new one (fc-distill cleanup deletes the failed one)` : 'Wait until it is ready and rerun'}. No request was sent to it.`,
    );
  }
  if (!state.arn) throw new InputError(`${ref.kind} ${ref.name} (made by step '${context.deployStep}'): the service returned no ARN to invoke it with. No request was sent to it.`);
  return state.arn;
}
