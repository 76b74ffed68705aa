import type { Command } from 'commander';

// Placeholder: replaced by the real command module.
export function registerPlan(program: Command): void {
  program.command('plan').description('(not built yet)');
}
