import type { Command } from 'commander';

// Placeholder: replaced by the real command module.
export function registerValidate(program: Command): void {
  program.command('validate').description('(not built yet)');
}
