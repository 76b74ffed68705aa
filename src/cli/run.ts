import type { Command } from 'commander';
import { addStoreOptions } from './options.js';
import type { RunOptions } from './run-experiment.js';


const collect = (value: string, previous: string[] = []) => [...previous, ...value.split(',').filter(Boolean)];

export function registerRun(program: Command): void {
  addStoreOptions(
    program
      .command('run')
      .description('run the experiment: every step that is not cached, in dependency order')
      .argument('<experiment>', 'experiment YAML file')
      .option('--until <step>', 'run this step and what it needs, nothing after it (repeatable)', collect)
      .option('--only <step>', 'run just this step; its inputs must be cached (repeatable)', collect)
      .option('--force <step>', 'run this step even if cached (repeatable)', collect)
      .option('--concurrency <n>', 'steps running at once', '4')
      .option('--json', 'print the execution report as JSON on stdout')
      .option('--budget <usd>', 'ask before running paid steps estimated above this many USD (default: $FC_DISTILL_BUDGET or 5)')
      .option('--yes', 'run paid steps above the budget without asking (needed without a terminal)'),
  ).action(async (file: string, options: RunOptions) => {
    const { runExperiment } = await import('./run-experiment.js');
    await runExperiment(file, options);
  });
}
