import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempProject } from './helpers.js';

interface StepJson {
  id: string;
  status: string;
  dir: string | null;
  reasons: string[];
}

const ran = (report: { steps: StepJson[] }[]) => report[0]!.steps.filter((s) => s.status === 'ran').map((s) => s.id);

describe('quickstart end to end', () => {
  let project: string;
  let first: { code: number; stdout: string; stderr: string };

  beforeAll(async () => {
    project = tempProject();
    first = await runCli(['run', 'experiments/quickstart.yaml', '--json'], { cwd: project });
  });

  it('runs every step, prints the v3 live category counts and writes the JSONL and reports', () => {
    expect(first.stderr).not.toMatch(/^error/m);
    expect(first.code).toBe(0);
    const report = JSON.parse(first.stdout) as { steps: StepJson[] }[];
    expect(ran(report)).toEqual(['load', 'split', 'mixin', 'render', 'export', 'report']);
    for (const [category, count] of Object.entries({ live_simple: 258, live_multiple: 1053, live_parallel: 16, live_parallel_multiple: 24, live_irrelevance: 882, live_relevance: 18 })) {
      expect(first.stderr).toMatch(new RegExp(`${category}\\s+${count}\\b`));
    }
    expect(first.stderr).toMatch(/2,?251/);
    const steps = Object.fromEntries(report[0]!.steps.map((s) => [s.id, s]));
    const jsonl = readFileSync(join(steps.export!.dir!, 'train.bedrock.jsonl'), 'utf8').trim().split('\n');
    expect(jsonl.length).toBeGreaterThanOrEqual(1100);
    const record = JSON.parse(jsonl[0]!);
    expect(Object.keys(record).sort()).toEqual(['messages', 'schemaVersion', 'system']);
    expect(record.schemaVersion).toBe('bedrock-conversation-2024');
    const labelled = jsonl.map((line) => JSON.parse(line)).filter((r) => r.messages.length === 2);
    expect(labelled.length).toBeGreaterThan(90);
    expect(existsSync(join(steps.report!.dir!, 'dataset-report.json'))).toBe(true);
    expect(existsSync(join(steps.export!.dir!, 'validation.json'))).toBe(true);
  });

  it('reruns as all cache hits', async () => {
    const again = await runCli(['run', 'experiments/quickstart.yaml', '--json'], { cwd: project });
    expect(again.code).toBe(0);
    const report = JSON.parse(again.stdout) as { steps: StepJson[] }[];
    expect(report[0]!.steps.map((s) => s.status)).toEqual(report[0]!.steps.map(() => 'cached'));
  });

  it('after changing mixin.fraction re-runs exactly the steps downstream of the mix-in, and plan says why', async () => {
    const file = join(project, 'experiments/quickstart.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('mixin: { fraction: 0.1, seed: 7 }', 'mixin: { fraction: 0.2, seed: 7 }'));
    const plan = await runCli(['plan', 'experiments/quickstart.yaml'], { cwd: project });
    expect(plan.code).toBe(0);
    expect(plan.stdout).toMatch(/mixin .*will run/);
    expect(plan.stdout).toMatch(/fraction 0\.1 -> 0\.2/);
    const rerun = await runCli(['run', 'experiments/quickstart.yaml', '--json'], { cwd: project });
    expect(rerun.code).toBe(0);
    expect(ran(JSON.parse(rerun.stdout))).toEqual(['mixin', 'render', 'export', 'report']);
  });
});
