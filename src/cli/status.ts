import type { Command } from 'commander';
import { addStoreOptions, type StoreOptionValues } from './options.js';

interface StatusOptions extends StoreOptionValues {
  json?: boolean;
}

export function registerStatus(program: Command): void {
  addStoreOptions(
    program
      .command('status')
      .description("list the experiment's remote jobs and deployments (ids recorded in the store) with their live state")
      .argument('<experiment>', 'experiment YAML file')
      .option('--json', 'print JSON on stdout'),
  ).action(async (file: string, options: StatusOptions) => {
    const { showStatus } = await import('./status-command.js');
    await showStatus(file, options);
  });
}
