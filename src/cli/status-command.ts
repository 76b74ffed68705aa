import { planFile, type StoreOptionValues } from './plans.js';
import { recordedResources, type RemoteResource } from './remote-resources.js';

export interface LiveResource extends RemoteResource {
  state: string;
  detail?: string;
}

/** Each recorded resource with its live state from the service ('gone' when it no longer exists). */
export async function liveResources(file: string, options: StoreOptionValues): Promise<LiveResource[]> {
  const { plans, store } = await planFile(file, options);
  const { bedrockClient } = await import('../aws/clients.js');
  const { getJob } = await import('../aws/customization.js');
  const { deploymentState } = await import('../aws/deployments.js');
  const { describeAwsError, redact } = await import('../aws/errors.js');
  const out: LiveResource[] = [];
  for (const { variant, steps } of plans) {
    for (const r of await recordedResources(variant.name, steps, store)) {
      const client = bedrockClient(r.region);
      try {
        if (r.kind === 'customization-job') {
          const job = await getJob(client, r.name, 'status');
          const d = job?.statusDetails;
          const stages = d ? `validation ${d.validationDetails?.status ?? '-'}, data processing ${d.dataProcessingDetails?.status ?? '-'}, training ${d.trainingDetails?.status ?? '-'}` : undefined;
          out.push({ ...r, state: job?.status ?? 'gone', detail: job?.failureMessage ? redact(job.failureMessage) : stages });
        } else {
          const state = await deploymentState(client, { kind: r.kind as 'custom-model-deployment' | 'provisioned-throughput', name: r.name }, 'status');
          out.push({ ...r, state: state?.status ?? 'gone', ...(state?.failureMessage ? { detail: redact(state.failureMessage) } : {}) });
        }
      } catch (error) {
        const mapped = describeAwsError(error, { step: 'status', action: 'bedrock:Get', resource: r.name });
        out.push({ ...r, state: 'unknown', detail: redact(mapped.message) });
      } finally {
        client.destroy();
      }
    }
  }
  return out;
}

export async function showStatus(file: string, options: StoreOptionValues & { json?: boolean }): Promise<void> {
  const resources = await liveResources(file, options);
  if (options.json) {
    process.stdout.write(`${JSON.stringify(resources, null, 2)}\n`);
    return;
  }
  if (resources.length === 0) {
    process.stdout.write('no remote jobs or deployments recorded for this experiment\n');
    return;
  }
  for (const r of resources) {
    process.stdout.write(`${r.variant}  ${r.stepId}  ${r.kind}  ${r.name}  ${r.state}${r.detail ? `  (${r.detail})` : ''}\n`);
  }
}
