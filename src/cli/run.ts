import type { Command } from 'commander';

// Placeholder: replaced by the real command module.
export function registerRun(program: Command): void {
  program.command('run').description('(not built yet)');
}
