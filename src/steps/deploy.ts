import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { StepContext, StepKind } from '../graph/step.js';
import type { JsonObject } from '../json.js';
import { InputError, StepError } from '../errors.js';
import { modelFamily } from '../models/family.js';
import { preflightCloudStep } from '../aws/preflight.js';
import { pollIntervals } from './distill.js';

/**
 * deploy: makes the distilled model invocable. `on-demand`: a custom model deployment
 * (Nova students; per-token billing). `provisioned`: provisioned throughput with the
 * configured model units and commitment (billed per unit-hour from creation until deleted:
 * a loud warning is printed). The ARN is recorded in `<stateDir>/deployment.json` before
 * waiting; a rerun follows it, or finds it by its deterministic name, instead of creating
 * another. Waits until Active / InService.
 *
 * Input `distill` (job.json with outputModelArn). Params: `region`, `mode`
 * (on-demand | provisioned), `student`, `provisioned` ({modelUnits, commitment} | null).
 * Writes `deployment.json` {kind, arn, name, modelId (the id to pass to Converse), region,
 * modelArn, status}.
 */

export interface DeployParams extends JsonObject {
  region: string;
  mode: 'on-demand' | 'provisioned';
  student: string;
  provisioned: { modelUnits: number; commitment: 'OneMonth' | 'SixMonths' | null } | null;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(Object.assign(new Error('interrupted'), { name: 'AbortError' }));
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), reject(Object.assign(new Error('interrupted'), { name: 'AbortError' }))), { once: true });
  });
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
    const job = JSON.parse(await readFile(join(distilled.dir, 'job.json'), 'utf8')) as { outputModelArn: string | null; jobName: string };
    if (!job.outputModelArn) throw new StepError(ctx.stepId, `distillation job ${job.jobName} produced no custom model ARN`);
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
    const client = bedrockClient(p.region);
    try {
      const statePath = join(ctx.stateDir, 'deployment.json');
      let ref = await readFile(statePath, 'utf8').then((t) => JSON.parse(t) as import('../aws/deployments.js').DeploymentRef, () => undefined);
      if (ref) {
        ctx.log(`following ${ref.kind} ${ref.name} recorded by an earlier run (not creating another)`);
      } else {
        await waitForModel(ctx, client, job.outputModelArn, deployments.customModelStatus);
        if (p.mode === 'provisioned') {
          const units = p.provisioned!.modelUnits;
          const commitment = p.provisioned!.commitment;
          ctx.log(
            `WARNING: creating PROVISIONED THROUGHPUT (${units} model unit${units === 1 ? '' : 's'}, ${commitment ? `commitment ${commitment}: it CANNOT be deleted before the term ends and is billed for the whole term` : 'no commitment: billed per hour'}) ` +
              `for ${job.outputModelArn}. It bills from now until it is deleted (teardown: after-eval, or \`fc-distill cleanup <experiment>\`).`,
          );
          ref = await deployments.createOrFindProvisioned(client, { key: ctx.key, stepId: ctx.stepId, modelArn: job.outputModelArn, modelUnits: units, commitment: commitment ?? undefined, signal: ctx.signal });
        } else {
          ref = await deployments.createOrFindDeployment(client, { key: ctx.key, stepId: ctx.stepId, modelArn: job.outputModelArn, signal: ctx.signal });
        }
        const { kind, arn, name } = ref;
        ref = { kind, arn, name };
        const tmp = `${statePath}.${process.pid}.tmp`;
        await writeFile(tmp, `${JSON.stringify(ref, null, 2)}\n`);
        await rename(tmp, statePath);
        ctx.log(`${kind} ${name} created: waiting until it is ready`);
      }
      const { min, max } = pollIntervals();
      let interval = min;
      for (;;) {
        const state = await deployments.deploymentState(client, ref, ctx.stepId, ctx.signal);
        if (!state) throw new StepError(ctx.stepId, `${ref.kind} ${ref.name} no longer exists; delete ${statePath} and rerun to create it again`);
        ctx.progress(state.ready ? 1 : 0, 1, `${ref.name}: ${state.status}`);
        if (state.ready) {
          const out = { kind: ref.kind, arn: ref.arn, name: ref.name, modelId: ref.arn, region: p.region, modelArn: job.outputModelArn, status: state.status };
          await writeFile(join(ctx.outDir, 'deployment.json'), `${JSON.stringify(out, null, 2)}\n`);
          return {
            summary: { kind: ref.kind, name: ref.name, status: state.status },
            display: [`${ref.kind} ${ref.name} is ${state.status}: invoke it with modelId ${ref.arn}`],
          };
        }
        if (state.failed) {
          throw new StepError(ctx.stepId, `${ref.kind} ${ref.name} failed: ${state.failureMessage ?? '(no failure message)'}. Delete it (fc-distill cleanup) and ${statePath}, then rerun`);
        }
        await sleep(interval, ctx.signal);
        interval = Math.min(max, Math.round(interval * 1.5));
      }
    } finally {
      client.destroy();
    }
  },
};

async function waitForModel(
  ctx: StepContext<DeployParams>,
  client: import('@aws-sdk/client-bedrock').BedrockClient,
  modelArn: string,
  status: typeof import('../aws/deployments.js').customModelStatus,
): Promise<void> {
  const { min, max } = pollIntervals();
  let interval = min;
  for (;;) {
    const model = await status(client, modelArn, ctx.stepId, ctx.signal);
    if (model.status === 'Active') return;
    if (model.status === 'Failed') throw new StepError(ctx.stepId, `custom model ${modelArn} failed: ${model.failureMessage ?? '(no failure message)'}`);
    ctx.progress(0, 1, `custom model ${model.status}`);
    await sleep(interval, ctx.signal);
    interval = Math.min(max, Math.round(interval * 1.5));
  }
}
