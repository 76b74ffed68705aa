import type { Command } from 'commander';

// Placeholder: replaced by the real command module.
export function registerGc(program: Command): void {
  program.command('gc').description('(not built yet)');
}
