import type { Command } from 'commander';

// Placeholder: replaced by the real command module.
export function registerScore(program: Command): void {
  program.command('score').description('(not built yet)');
}
