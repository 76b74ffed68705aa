import type { Command } from 'commander';
import { addStoreOptions, type StoreOptionValues } from './options.js';

export function registerPlan(program: Command): void {
  addStoreOptions(
    program
      .command('plan')
      .description('show the step graph: each step\'s key, whether it is cached, and if not, why')
      .argument('<experiment>', 'experiment YAML file')
      .option('--json', 'print the plan as JSON'),
  ).action(async (file: string, options: StoreOptionValues & { json?: boolean }) => {
    const { planFile } = await import('./plans.js');
    const { renderPlan, planJson } = await import('./plan-view.js');
    const { estimateCost, renderCostEstimate } = await import('../results/cost-estimate.js');
    const result = await planFile(file, options);
    const cost = await estimateCost(result.plans);
    if (options.json) process.stdout.write(`${JSON.stringify({ ...planJson(result), cost }, null, 2)}\n`);
    else {
      const lines = renderCostEstimate(cost);
      process.stdout.write(renderPlan(result) + (lines.length ? `\n${lines.join('\n')}\n` : ''));
    }
  });
}
