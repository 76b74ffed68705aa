import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { StepContext, StepKind } from '../graph/step.js';
import type { JsonObject } from '../json.js';
import { preflightCloudStep } from '../aws/preflight.js';

/**
 * teardown: deletes the deployment or provisioned throughput once every step that uses it
 * (the evaluation steps) is done; planned with `teardown: after-eval`. Idempotent: a
 * deployment that is already gone counts as deleted. In a sweep, variants that differ only in
 * evaluation share the deployment but each has its own teardown: the executor holds each one
 * until no variant still needs the deployment (`releases`), and the later ones find it gone.
 *
 * Inputs: `deployment` (deployment.json), plus any steps it must run after (roles
 * `after.<id>`; their artifacts are not read). Params: `region`.
 * Writes `teardown.json` {kind, name, deleted, alreadyGone}.
 */

export interface TeardownParams extends JsonObject {
  region: string;
}

export const teardownStep: StepKind<TeardownParams> = {
  kind: 'teardown',
  version: 1,
  description: 'delete the deployment or provisioned throughput after evaluation',
  remote: true,
  releases: 'deployment',
  async run(ctx: StepContext<TeardownParams>) {
    const deployment = ctx.inputs.deployment;
    if (!deployment) throw new Error(`step '${ctx.stepId}' needs input 'deployment'`);
    // By name: deployment.json of earlier versions also holds the ARN, which is not copied on.
    const { kind, name } = JSON.parse(await readFile(join(deployment.dir, 'deployment.json'), 'utf8')) as { kind: 'custom-model-deployment' | 'provisioned-throughput'; name: string };
    const ref = { kind, name };
    await preflightCloudStep({ step: ctx.stepId, region: ctx.params.region });
    const { bedrockClient } = await import('../aws/clients.js');
    const { deleteDeployment } = await import('../aws/deployments.js');
    const client = bedrockClient(ctx.params.region);
    try {
      const deleted = await deleteDeployment(client, ref, ctx.stepId);
      ctx.log(deleted ? `deleted ${ref.kind} ${ref.name}` : `${ref.kind} ${ref.name} was already gone`);
      await writeFile(join(ctx.outDir, 'teardown.json'), `${JSON.stringify({ ...ref, deleted: true, alreadyGone: !deleted }, null, 2)}\n`);
      return { summary: { kind: ref.kind, name: ref.name, alreadyGone: !deleted }, display: [`${ref.kind} ${ref.name}: ${deleted ? 'deleted' : 'already gone'}`] };
    } finally {
      client.destroy();
    }
  },
};
