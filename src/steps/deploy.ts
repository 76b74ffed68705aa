import { setTimeout as sleep } from 'node:timers/promises';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BedrockClient } from '@aws-sdk/client-bedrock';
import type { StepContext, StepKind } from '../graph/step.js';
import type { JsonObject } from '../json.js';
import { InputError, StepError } from '../errors.js';
import { modelFamily } from '../models/family.js';
import { preflightCloudStep } from '../aws/preflight.js';
import { pollIntervals } from './distill.js';
import { writeJsonAtomic } from '../files.js';

/**
 * deploy: makes the distilled model invocable. `on-demand`: a custom model deployment
 * (Nova students; per-token billing). `provisioned`: provisioned throughput with the
 * configured model units and commitment (billed per unit-hour from creation until deleted:
 * a loud warning is printed). Waits until Active / InService.
 *
 * The attempt (name and request-token suffix) is recorded in `<stateDir>/deployment.json`
 * BEFORE the create call: a rerun after a crash resends the same token and name, or follows
 * what exists, so nothing is created twice. A new attempt (new name and token) is made only
 * when a new deployment is wanted: a rebuild (`--force deploy`, or a rebuilt custom model),
 * or the earlier one failed or is gone; a rebuild then deletes the earlier attempts it
 * supersedes, which nothing in the store refers to any more.
 *
 * Input `distill` (job.json with outputModelName; older stores: outputModelArn). Params:
 * `region`, `mode` (on-demand | provisioned), `student`, `provisioned` ({modelUnits,
 * commitment} | null). Writes `deployment.json` {kind, name, attempt, region, modelName,
 * status}: names only; the ARN Converse needs is resolved by name when inference starts,
 * since ARNs carry the account id.
 */

export interface DeployParams extends JsonObject {
  region: string;
  mode: 'on-demand' | 'provisioned';
  student: string;
  provisioned: { modelUnits: number; commitment: 'OneMonth' | 'SixMonths' | null } | null;
}

type Deployments = typeof import('../aws/deployments.js');
type DeploymentKind = import('../aws/deployments.js').DeploymentKind;

/** `<stateDir>/deployment.json`. Earlier versions recorded `{kind, arn, name}` after the create. */
interface RecordedDeployment {
  kind: DeploymentKind;
  name: string;
  /** Token suffix; absent in records written by earlier versions (which were written after the create). */
  attempt?: string;
}

export const deployStep: StepKind<DeployParams> = {
  kind: 'deploy',
  version: 1,
  description: 'make the distilled model invocable (on-demand custom model deployment or provisioned throughput)',
  remote: true,
  async run(ctx: StepContext<DeployParams>) {
    const p = ctx.params;
    const distilled = ctx.inputs.distill;
    if (!distilled) throw new Error(`step '${ctx.stepId}' needs input 'distill'`);
    const job = JSON.parse(await readFile(join(distilled.dir, 'job.json'), 'utf8')) as { outputModelName?: string | null; outputModelArn?: string | null; jobName: string };
    const model = job.outputModelName ?? job.outputModelArn;
    if (!model) throw new StepError(ctx.stepId, `distillation job ${job.jobName} produced no custom model (job.json of step '${distilled.stepId}' names none)`);
    if (p.mode === 'on-demand' && modelFamily(p.student) !== 'nova') {
      throw new InputError(
        `on-demand custom model deployment serves Nova students only; ${p.student} needs deploy: provisioned with provisioned: { modelUnits: 1 } (billed per hour until deleted)`,
      );
    }
    if (p.mode === 'provisioned' && !p.provisioned) {
      throw new InputError('deploy: provisioned needs provisioned: { modelUnits: N, commitment?: OneMonth | SixMonths }');
    }
    await preflightCloudStep({ step: ctx.stepId, region: p.region });
    const { bedrockClient } = await import('../aws/clients.js');
    const deployments = await import('../aws/deployments.js');
    const { redact } = await import('../aws/errors.js');
    const client = bedrockClient(p.region);
    try {
      const kind: DeploymentKind = p.mode === 'provisioned' ? 'provisioned-throughput' : 'custom-model-deployment';
      const statePath = join(ctx.stateDir, 'deployment.json');
      const chosen = await chooseDeployment(ctx, client, deployments, kind, statePath);
      const ref = chosen.recorded;
      if (chosen.create) {
        const modelArn = await waitForModel(ctx, client, model, deployments.customModelStatus);
        if (kind === 'provisioned-throughput') {
          const units = p.provisioned!.modelUnits;
          const commitment = p.provisioned!.commitment;
          ctx.log(
            `WARNING: creating PROVISIONED THROUGHPUT (${units} model unit${units === 1 ? '' : 's'}, ${commitment ? `commitment ${commitment}: it CANNOT be deleted before the term ends and is billed for the whole term` : 'no commitment: billed per hour'}) ` +
              `for ${redact(model)}. It bills from now until it is deleted (teardown: after-eval, or \`fc-distill cleanup <experiment>\`).`,
          );
        }
        // Recorded before the create: a crash between the two resends the same name and token.
        await writeJsonAtomic(statePath, ref);
        const { created } = await deployments.createOrFindDeployment(client, {
          key: ctx.key,
          stepId: ctx.stepId,
          kind,
          name: ref.name,
          attempt: ref.attempt!,
          modelArn,
          ...(kind === 'provisioned-throughput' ? { provisioned: { modelUnits: p.provisioned!.modelUnits, ...(p.provisioned!.commitment ? { commitment: p.provisioned!.commitment } : {}) } } : {}),
          signal: ctx.signal,
        });
        ctx.log(`${kind} ${ref.name} ${created ? 'created' : 'already existed'}: waiting until it is ready`);
      } else if (!chosen.fromState) {
        await writeJsonAtomic(statePath, ref);
      }
      const { min, max } = pollIntervals();
      let interval = min;
      for (;;) {
        const state = await deployments.deploymentState(client, ref, ctx.stepId, ctx.signal);
        if (!state) throw new StepError(ctx.stepId, `${ref.kind} ${ref.name} no longer exists; rerun with \`--force ${ctx.stepId}\` to create a new one`);
        ctx.progress(state.ready ? 1 : 0, 1, `${ref.name}: ${state.status}`);
        if (state.ready) {
          if (ctx.rebuild) await deleteSuperseded(ctx, client, deployments, ref);
          const out = { kind: ref.kind, name: ref.name, attempt: ref.attempt ?? '', region: p.region, modelName: model, status: state.status };
          await writeFile(join(ctx.outDir, 'deployment.json'), `${JSON.stringify(out, null, 2)}\n`);
          return {
            summary: { kind: ref.kind, name: ref.name, status: state.status },
            display: [`${ref.kind} ${ref.name} is ${state.status} (inference resolves its ARN by name)`],
          };
        }
        if (state.failed) {
          throw new StepError(
            ctx.stepId,
            redact(`${ref.kind} ${ref.name} failed: ${state.failureMessage ?? '(no failure message)'}`) +
              `. Rerun with \`--force ${ctx.stepId}\` to create a new one (fc-distill cleanup deletes the failed one)`,
          );
        }
        await sleep(interval, undefined, { signal: ctx.signal });
        interval = Math.min(max, Math.round(interval * 1.5));
      }
    } finally {
      client.destroy();
    }
  },
};

/**
 * Which deployment this run waits on, and whether it must be created first. One recorded in
 * the state is followed (or created with its recorded name and token when the earlier run
 * stopped before the service took it); without a record, the first attempt's deployment found
 * by name is followed. A new attempt (a new name and token) when a new deployment is wanted:
 * a rebuild, or the earlier one failed or is gone.
 */
async function chooseDeployment(
  ctx: StepContext<DeployParams>,
  client: BedrockClient,
  deployments: Deployments,
  kind: DeploymentKind,
  statePath: string,
): Promise<{ recorded: RecordedDeployment; create: boolean; fromState: boolean }> {
  const { newAttempt } = await import('../aws/customization.js');
  const attempt = newAttempt();
  const recorded = await readFile(statePath, 'utf8').then((t) => JSON.parse(t) as RecordedDeployment, () => undefined);
  if (recorded) {
    const state = await deployments.deploymentState(client, recorded, ctx.stepId, ctx.signal);
    // Resent with the same token unless rebuilding: the earlier create may still be in flight.
    // A rebuild that finds it gone wants a new one (the same token would name the deleted one).
    if (!state && recorded.attempt !== undefined && !ctx.rebuild) {
      ctx.log(`${recorded.kind} ${recorded.name} recorded by an earlier run was never created (that run stopped first): creating it with the recorded name and token`);
      return { recorded, create: true, fromState: true };
    }
    if (state && !(state.failed && ctx.rebuild)) {
      ctx.log(`following ${recorded.kind} ${recorded.name} recorded by an earlier run (not creating another)`);
      return { recorded: { kind: recorded.kind, name: recorded.name, attempt: recorded.attempt ?? '' }, create: false, fromState: !('arn' in recorded) };
    }
    ctx.log(`${recorded.kind} ${recorded.name} ${state ? 'failed' : 'no longer exists'}: creating a new one under a new name`);
  } else if (!ctx.rebuild) {
    const first = deployments.deploymentName(ctx.key);
    const state = await deployments.deploymentState(client, { kind, name: first }, ctx.stepId, ctx.signal);
    if (!state) return { recorded: { kind, name: first, attempt }, create: true, fromState: false };
    if (!state.failed) {
      ctx.log(`found ${kind} ${first} created by an earlier run: following it`);
      return { recorded: { kind, name: first, attempt: '' }, create: false, fromState: false };
    }
    ctx.log(`${kind} ${first} from an earlier run failed: creating a new one under a new name`);
  } else {
    ctx.log(`rebuilding: a new ${kind} under a new name`);
  }
  return { recorded: { kind, name: deployments.deploymentName(ctx.key, attempt), attempt }, create: true, fromState: false };
}

/**
 * After a rebuild, the step's artifact names only the new deployment: earlier attempts of the
 * same key would bill on with nothing to tear them down or clean them up, so they go now.
 */
async function deleteSuperseded(ctx: StepContext<DeployParams>, client: BedrockClient, deployments: Deployments, current: RecordedDeployment): Promise<void> {
  const prefix = deployments.deploymentName(ctx.key);
  for (const name of await deployments.deploymentNames(client, current.kind, prefix, ctx.stepId, ctx.signal)) {
    if (name === current.name) continue;
    try {
      const deleted = await deployments.deleteDeployment(client, { kind: current.kind, name }, ctx.stepId);
      if (deleted) ctx.log(`deleted ${current.kind} ${name}: superseded by ${current.name}`);
    } catch (error) {
      ctx.log(`warning: ${current.kind} ${name} is superseded by ${current.name} but could not be deleted (${(error as Error).message}); delete it in the Bedrock console or with the AWS CLI`);
    }
  }
}

/** Waits until the custom model is Active; returns its ARN (in memory only). */
async function waitForModel(ctx: StepContext<DeployParams>, client: BedrockClient, model: string, status: Deployments['customModelStatus']): Promise<string> {
  const { redact } = await import('../aws/errors.js');
  const { min, max } = pollIntervals();
  let interval = min;
  for (;;) {
    const state = await status(client, model, ctx.stepId, ctx.signal);
    if (state.status === 'Active') return state.arn;
    if (state.status === 'Failed') throw new StepError(ctx.stepId, redact(`custom model ${model} failed: ${state.failureMessage ?? '(no failure message)'}`));
    ctx.progress(0, 1, `custom model ${state.status}`);
    await sleep(interval, undefined, { signal: ctx.signal });
    interval = Math.min(max, Math.round(interval * 1.5));
  }
}
