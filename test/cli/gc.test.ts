import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempProject } from './helpers.js';

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], { cwd, stdio: 'ignore' });

describe('gc', () => {
  it('removes exactly the entries no committed experiment reaches, and keeps the rest cached', async () => {
    const project = tempProject();
    git(project, 'init', '-q');
    git(project, 'add', 'experiments/quickstart.yaml');
    git(project, 'commit', '-qm', 'quickstart');
    expect((await runCli(['run', 'experiments/quickstart.yaml'], { cwd: project })).code).toBe(0);

    // A local edit that is run but not committed: its mixin/render/export/report are unreachable
    // once the file is restored.
    const file = join(project, 'experiments/quickstart.yaml');
    const committed = readFileSync(file, 'utf8');
    writeFileSync(file, committed.replace('fraction: 0.1', 'fraction: 0.3'));
    expect((await runCli(['run', 'experiments/quickstart.yaml'], { cwd: project })).code).toBe(0);
    writeFileSync(file, committed);
    const steps = () => readdirSync(join(project, '.fc-distill/steps')).length;
    expect(steps()).toBe(10);

    const dry = await runCli(['gc', '--dry-run', '--json'], { cwd: project });
    expect(dry.code).toBe(0);
    const planned = JSON.parse(dry.stdout) as { removed: { what: string; stepId?: string }[] };
    expect(planned.removed.filter((r) => r.what === 'artifact').map((r) => r.stepId).sort()).toEqual(['export', 'mixin', 'render', 'report']);
    expect(steps()).toBe(10);

    const gc = await runCli(['gc'], { cwd: project });
    expect(gc.code).toBe(0);
    expect(gc.stdout).toMatch(/removed 4 entries/);
    expect(steps()).toBe(6);
    const rerun = await runCli(['run', 'experiments/quickstart.yaml', '--json'], { cwd: project });
    const report = JSON.parse(rerun.stdout) as { steps: { status: string }[] }[];
    expect(report[0]!.steps.every((s) => s.status === 'cached')).toBe(true);
  });
});
