import type { Command } from 'commander';

/** Options shared by commands that read the store; kept apart so `--help` loads nothing heavy. */

export interface StoreOptionValues {
  store?: string;
  project?: string;
  verify?: boolean;
}

export function addStoreOptions(command: Command): Command {
  return command
    .option('--store <dir>', 'store directory (default: $FC_DISTILL_STORE or <project>/.fc-distill)')
    .option('--project <dir>', 'project root: template and local data paths are relative to it (default: current directory)')
    .option('--verify', 'rehash every cached artifact instead of the fast size/mtime check');
}
