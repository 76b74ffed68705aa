import type { Command } from 'commander';
import { addStoreOptions, type StoreOptionValues } from './options.js';

export interface CleanupOptions extends StoreOptionValues {
  yes?: boolean;
  dryRun?: boolean;
  stopJobs?: boolean;
  json?: boolean;
}

export function registerCleanup(program: Command): void {
  addStoreOptions(
    program
      .command('cleanup')
      .description('delete the deployments and provisioned throughput the experiment created (and stop its running jobs with --stop-jobs), listing each')
      .argument('<experiment>', 'experiment YAML file')
      .option('--yes', 'delete without asking (needed when not on a terminal)')
      .option('--dry-run', 'list what would be deleted, delete nothing')
      .option('--stop-jobs', 'also stop distillation jobs still in progress')
      .option('--json', 'print what was done as JSON on stdout'),
  ).action(async (file: string, options: CleanupOptions) => {
    const { cleanupExperiment } = await import('./cleanup-command.js');
    await cleanupExperiment(file, options);
  });
}
