import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHARS_PER_TOKEN, OUTPUT_TOKENS } from '../../src/results/cost-estimate.js';
import { repoRoot, runCli, tempProject } from '../cli/helpers.js';

const shared = resolve(process.env.FC_DISTILL_SHARED ?? join(repoRoot, '../shared'));
const v4 = join(shared, 'conformance/bfcl-data-v4');

/**
 * A project whose evaluation needs no network: a local BFCL v4 folder (150 entries of two
 * categories) and a `results` baseline replaying recorded answers, priced by prices.yaml so
 * that its inference has a cost.
 */
function costProject(): string {
  const project = tempProject();
  mkdirSync(join(project, 'data/possible_answer'), { recursive: true });
  mkdirSync(join(project, 'recorded'), { recursive: true });
  for (const category of ['live_simple', 'live_multiple']) {
    for (const sub of ['', 'possible_answer']) {
      const lines = readFileSync(join(v4, sub, `BFCL_v4_${category}.json`), 'utf8').split('\n').filter(Boolean).slice(0, 150);
      writeFileSync(join(project, 'data', sub, `BFCL_v4_${category}.json`), `${lines.join('\n')}\n`);
    }
    const ids = readFileSync(join(project, 'data', `BFCL_v4_${category}.json`), 'utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { id: string }).id);
    writeFileSync(join(project, 'recorded', `BFCL_v4_${category}_result.json`), ids.map((id) => `${JSON.stringify({ id, result: '[]', input_token_count: 100, output_token_count: 10, latency: 0.5 })}\n`).join(''));
  }
  writeFileSync(
    join(project, 'experiments/cost.yaml'),
    `name: cost
dataset: { source: local, version: v4, path: data, categories: [live_simple, live_multiple] }
split: { train: 0.5, seed: 42 }
mixin: { fraction: 0.1, seed: 7 }
student: { provider: bedrock, base: amazon.nova-lite-v1:0:300k }
evaluate:
  models: [{ name: recorded, provider: results, model: recorded }]
  approaches: [prompt, tool-config]
  inference: { maxTokens: 512 }
`,
  );
  writeFileSync(join(project, 'prices.yaml'), 'recorded: { input: 1000, output: 2000 }\n');
  return project;
}

interface CostJson {
  cost: {
    totalUsd: number;
    complete: boolean;
    steps: { id: string; cached: boolean; costUsd: number | null; requests: number | null; inputTokens: number | null; outputTokens: number | null; pending?: string }[];
  };
}

describe('cost before spending', () => {
  it('plan estimates per step; run refuses above the budget without --yes; a cached experiment costs 0', async () => {
    const project = costProject();
    const plan0 = JSON.parse((await runCli(['plan', 'experiments/cost.yaml', '--json'], { cwd: project })).stdout) as CostJson;
    // Nothing built yet: the prompts are not rendered, so the estimate waits for them.
    expect(plan0.cost.complete).toBe(false);
    expect(plan0.cost.steps.map((s) => s.id)).toEqual(['infer.recorded.prompt', 'infer.recorded.tool-config']);
    expect(plan0.cost.steps.every((s) => s.pending && s.costUsd === null)).toBe(true);

    // No terminal, no --yes: run builds the local steps, estimates, and refuses (exit 2) before any inference.
    const refused = await runCli(['run', 'experiments/cost.yaml'], { cwd: project });
    expect(refused.stderr).toMatch(/estimated cost \$\d+\.\d\d is above the budget of \$5\.00/);
    expect(refused.stderr).toMatch(/--yes/);
    expect(refused.code).toBe(2);
    expect(existsSync(join(project, 'results/cost/summary.json'))).toBe(false);

    // Uncached: the total is the sum of the per-step estimates, each computed from the rendered prompts.
    const plan1 = JSON.parse((await runCli(['plan', 'experiments/cost.yaml', '--json'], { cwd: project })).stdout) as CostJson & {
      variants: { steps: { id: string; dir: string | null }[] }[];
    };
    expect(plan1.cost.complete).toBe(true);
    const [prompt, tool] = plan1.cost.steps;
    expect(prompt).toMatchObject({ id: 'infer.recorded.prompt', cached: false, requests: 150, outputTokens: 150 * Math.min(512, OUTPUT_TOKENS.prompt!) });
    expect(tool).toMatchObject({ id: 'infer.recorded.tool-config', cached: false, requests: 150 });
    // The prompt approach reads the eval prompts rendered on their own (render.eval).
    const render = plan1.variants[0]!.steps.find((s) => s.id === 'render.eval')!;
    const records = readFileSync(join(render.dir!, 'eval.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { system: string; messages: { content: string }[] });
    const inputTokens = records.reduce((n, r) => n + Math.ceil((r.system.length + r.messages.reduce((m, x) => m + x.content.length, 0)) / CHARS_PER_TOKEN), 0);
    expect(prompt!.inputTokens).toBe(inputTokens);
    expect(prompt!.costUsd).toBeCloseTo((inputTokens * 1000 + prompt!.outputTokens! * 2000) / 1e6, 9);
    expect(plan1.cost.totalUsd).toBeCloseTo(prompt!.costUsd! + tool!.costUsd!, 9);
    const text = (await runCli(['plan', 'experiments/cost.yaml'], { cwd: project })).stdout;
    expect(text).toMatch(/infer\.recorded\.prompt\s+\$\d+\.\d\d\s+\(150 requests/);
    expect(text).toMatch(/total: \$\d+\.\d\d/);

    // A budget above the estimate runs without asking; so does --yes.
    const budget = Math.ceil(plan1.cost.totalUsd + 1);
    const ran = await runCli(['run', 'experiments/cost.yaml', '--budget', String(budget)], { cwd: project });
    expect(ran.stderr).not.toMatch(/^error/m);
    expect(ran.code).toBe(0);
    expect(existsSync(join(project, 'results/cost/summary.json'))).toBe(true);

    // Fully cached: 0.
    const plan2 = JSON.parse((await runCli(['plan', 'experiments/cost.yaml', '--json'], { cwd: project })).stdout) as CostJson;
    expect(plan2.cost.totalUsd).toBe(0);
    expect(plan2.cost.steps.every((s) => s.cached && s.costUsd === 0)).toBe(true);
    const again = await runCli(['run', 'experiments/cost.yaml', '--budget', '0'], { cwd: project });
    expect(again.code).toBe(0);
    // --force re-prices a cached paid step: above a 0 budget, refused again.
    const forced = await runCli(['run', 'experiments/cost.yaml', '--budget', '0', '--force', 'infer.recorded.prompt'], { cwd: project });
    expect(forced.code).toBe(2);
    expect(forced.stderr).toMatch(/above the budget of \$0/);
    const env = await runCli(['run', 'experiments/cost.yaml', '--force', 'infer.recorded.prompt'], { cwd: project, env: { FC_DISTILL_BUDGET: '0' } });
    expect(env.code).toBe(2);
    const yes = await runCli(['run', 'experiments/cost.yaml', '--force', 'infer.recorded.prompt', '--yes'], { cwd: project, env: { FC_DISTILL_BUDGET: '0' } });
    expect(yes.code).toBe(0);
  }, 120_000);
});
