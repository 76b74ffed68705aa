import type { Command } from 'commander';
import type { StoreOptionValues } from './options.js';

interface GcOptions extends StoreOptionValues {
  dryRun?: boolean;
  state?: boolean;
  json?: boolean;
}

export function registerGc(program: Command): void {
  program
    .command('gc')
    .description('remove store entries that no committed experiment reaches')
    .argument('[experiments...]', 'experiment files whose steps to keep (default: the experiments/*.yaml files git tracks)')
    .option('--store <dir>', 'store directory (default: $FC_DISTILL_STORE or <project>/.fc-distill)')
    .option('--project <dir>', 'project root (default: current directory)')
    .option('--dry-run', 'list what would be removed, remove nothing')
    .option('--state', 'also remove unreachable step state (journals, remote job ids); off by default because a remote job may still be running')
    .option('--json', 'print what was removed as JSON')
    .action(async (files: string[], options: GcOptions) => {
      const { collectGarbageCommand } = await import('./gc-command.js');
      await collectGarbageCommand(files, options);
    });
}
