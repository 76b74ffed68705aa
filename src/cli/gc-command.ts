import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { collectGarbage } from '../graph/gc.js';
import { Store } from '../graph/store.js';
import { InputError } from '../errors.js';
import { planFile } from './plans.js';

/** The experiment files that count as committed: tracked by git under experiments/, else all of them. */
function committedExperiments(projectDir: string): string[] {
  try {
    const out = execFileSync('git', ['ls-files', '--', 'experiments/*.yaml', 'experiments/*.yml'], { cwd: projectDir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const files = out.split('\n').filter(Boolean);
    if (files.length) return files.map((f) => join(projectDir, f));
  } catch {
    // not a git checkout: fall through
  }
  try {
    return readdirSync(join(projectDir, 'experiments'))
      .filter((f) => /\.ya?ml$/.test(f))
      .map((f) => join(projectDir, 'experiments', f));
  } catch {
    return [];
  }
}

export async function collectGarbageCommand(
  files: string[],
  options: { store?: string; project?: string; dryRun?: boolean; state?: boolean; json?: boolean },
): Promise<void> {
  const projectDir = resolve(options.project ?? process.cwd());
  const experiments = files.length ? files : committedExperiments(projectDir);
  if (!experiments.length) {
    throw new InputError(`gc: no experiment files to keep (none under ${join(projectDir, 'experiments')}); name them, or gc would empty the store`);
  }
  const reachable = new Set<string>();
  const remoteKinds = new Set<string>();
  let incomplete = false;
  for (const file of experiments) {
    const { plans } = await planFile(file, { store: options.store, project: projectDir });
    for (const { steps } of plans) {
      for (const step of steps) {
        if (step.key) reachable.add(step.key);
        else incomplete = true;
        if (step.remote) remoteKinds.add(step.kind);
      }
    }
  }
  const store = new Store({ projectDir, root: options.store });
  const result = await collectGarbage(store, reachable, {
    dryRun: options.dryRun,
    keepState: !options.state,
    // While some keys cannot be computed (unset settings), results of remote steps are kept:
    // they may belong to those keys and cost money to make again.
    keep: (manifest) => incomplete && !options.state && manifest !== undefined && remoteKinds.has(manifest.kind),
  });
  if (options.json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return;
  }
  const verb = options.dryRun ? 'would remove' : 'removed';
  for (const entry of result.removed) {
    process.stdout.write(`${verb} ${entry.what} ${entry.shortKey ?? entry.key}${entry.stepId ? ` (${entry.stepId})` : ''} ${entry.bytes} bytes\n`);
  }
  process.stdout.write(
    `${verb} ${result.removed.length} entries, ${(result.bytesFreed / 1e6).toFixed(1)} MB; kept ${result.kept} reachable from ${experiments.length} experiment file(s)` +
      `${result.busy.length ? `; ${result.busy.length} in use by a running process left alone` : ''}\n`,
  );
}
