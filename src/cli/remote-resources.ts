import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ResolvedStep } from '../graph/resolve.js';
import type { Store } from '../graph/store.js';

/**
 * The remote resources an experiment's plan has recorded in the store: customization jobs
 * and deployments by name (the Bedrock APIs take a name or an ARN; ARNs carry the account id
 * and are not kept), from published artifacts (cached steps) or from the state directories
 * of steps that started and have not finished.
 */

export interface RemoteResource {
  variant: string;
  stepId: string;
  kind: 'customization-job' | 'custom-model-deployment' | 'provisioned-throughput';
  /** The name to address it by (stores written by earlier versions may only have an ARN). */
  name: string;
  region: string;
  /** Where the id was read: the published artifact or the step's state directory. */
  from: 'artifact' | 'state';
}

async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

export async function recordedResources(variant: string, steps: ResolvedStep[], store: Store): Promise<RemoteResource[]> {
  const out: RemoteResource[] = [];
  for (const step of steps) {
    if (!step.key || (step.kind !== 'distill' && step.kind !== 'deploy')) continue;
    const region = String(step.params.region ?? '');
    const file = step.kind === 'distill' ? 'job.json' : 'deployment.json';
    const fromArtifact = step.artifact ? await readJson<Record<string, string>>(join(step.artifact.dir, file)) : undefined;
    const recorded = fromArtifact ?? (await readJson<Record<string, string>>(join(store.stateDir(step.key), file)));
    if (!recorded) continue;
    const from = fromArtifact ? 'artifact' : 'state';
    if (step.kind === 'distill') {
      const name = recorded.jobName ?? recorded.jobArn;
      if (name) out.push({ variant, stepId: step.id, kind: 'customization-job', name, region, from });
    } else {
      const name = recorded.name ?? recorded.arn;
      if (name) out.push({ variant, stepId: step.id, kind: recorded.kind as RemoteResource['kind'], name, region, from });
    }
  }
  return out;
}
