import { createInterface } from 'node:readline/promises';
import { InputError } from '../errors.js';
import type { CleanupOptions } from './cleanup.js';
import { liveResources, type LiveResource } from './status-command.js';

interface Action {
  resource: LiveResource;
  action: 'delete' | 'stop' | 'none';
  outcome: 'deleted' | 'stopped' | 'already gone' | 'would delete' | 'would stop' | 'left running (use --stop-jobs)' | 'nothing to do' | 'failed';
  error?: string;
}

export async function cleanupExperiment(file: string, options: CleanupOptions): Promise<void> {
  const resources = await liveResources(file, options);
  const plan: Action[] = resources.map((resource) => {
    if (resource.kind === 'customization-job') {
      const running = resource.state === 'InProgress';
      if (!running) return { resource, action: 'none', outcome: 'nothing to do' };
      return options.stopJobs ? { resource, action: 'stop', outcome: 'would stop' } : { resource, action: 'none', outcome: 'left running (use --stop-jobs)' };
    }
    if (resource.state === 'gone') return { resource, action: 'none', outcome: 'already gone' };
    return { resource, action: 'delete', outcome: 'would delete' };
  });
  const todo = plan.filter((a) => a.action !== 'none');
  let go = !options.dryRun && todo.length > 0;
  if (go && !options.yes) {
    if (!process.stdin.isTTY) {
      throw new InputError(`cleanup would delete or stop ${todo.length} resource(s): rerun with --yes to do it, or --dry-run to list them`);
    }
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    for (const a of todo) process.stderr.write(`  ${a.action} ${a.resource.kind} ${a.resource.name}\n`);
    go = /^y(es)?$/i.test((await rl.question(`${todo.length} resource(s): proceed? [y/N] `)).trim());
    rl.close();
  }
  if (go) {
    const { bedrockClient } = await import('../aws/clients.js');
    const { deleteDeployment } = await import('../aws/deployments.js');
    const { stopJob } = await import('../aws/customization.js');
    for (const a of todo) {
      const client = bedrockClient(a.resource.region);
      try {
        if (a.action === 'delete') {
          const deleted = await deleteDeployment(client, { kind: a.resource.kind as 'custom-model-deployment' | 'provisioned-throughput', name: a.resource.name }, 'cleanup');
          a.outcome = deleted ? 'deleted' : 'already gone';
        } else {
          await stopJob(client, a.resource.name, 'cleanup');
          a.outcome = 'stopped';
        }
      } catch (error) {
        a.outcome = 'failed';
        a.error = (error as Error).message;
      } finally {
        client.destroy();
      }
    }
  }
  if (options.json) {
    process.stdout.write(`${JSON.stringify(plan.map((a) => ({ ...a.resource, outcome: a.outcome, error: a.error ?? null })), null, 2)}\n`);
  } else if (plan.length === 0) {
    process.stdout.write('nothing recorded for this experiment: nothing to clean up\n');
  } else {
    for (const a of plan) process.stdout.write(`${a.outcome}: ${a.resource.kind} ${a.resource.name} (${a.resource.variant}, step ${a.resource.stepId})${a.error ? `: ${a.error}` : ''}\n`);
  }
  const failed = plan.filter((a) => a.outcome === 'failed');
  if (failed.length) process.exitCode = 1;
}
