import { describe, expect, it } from 'vitest';
import { runCli, tempProject } from './helpers.js';

const seeds = ['experiments/nova-lite-bfcl-live.yaml', 'experiments/llama-3b-entertainment.yaml'];

describe('seed experiments', () => {
  it('validate and plan without any cloud settings', async () => {
    const project = tempProject();
    const validate = await runCli(['validate', ...seeds], { cwd: project });
    expect(validate.stderr + validate.stdout).toMatch(/FC_DISTILL_ROLE_ARN/);
    expect(validate.code).toBe(0);
    for (const seed of seeds) {
      const plan = await runCli(['plan', seed], { cwd: project });
      expect(plan.code).toBe(0);
      expect(plan.stdout).toMatch(/distill .*needs settings/);
    }
  });

  it.each(seeds)('%s runs every local step, then stops before the first cloud step naming what is missing', async (seed) => {
    const project = tempProject();
    const run = await runCli(['run', seed, '--json'], { cwd: project });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/step 'upload' calls AWS and cannot start/);
    expect(run.stderr).toMatch(/FC_DISTILL_BUCKET/);
    expect(run.stderr).toMatch(/AWS credentials/);
    const report = JSON.parse(run.stdout) as { steps: { id: string; status: string }[] }[];
    const statuses = Object.fromEntries(report[0]!.steps.map((s) => [s.id, s.status]));
    expect(statuses).toMatchObject({ load: 'ran', split: 'ran', mixin: 'ran', render: 'ran', export: 'ran', report: 'ran' });
    expect(['skipped', 'blocked', undefined]).toContain(statuses.upload);

    // With the settings present (but still no credentials) the same run names only the credentials.
    const env = { FC_DISTILL_BUCKET: 'my-bucket', FC_DISTILL_ROLE_ARN: 'arn:aws:iam::123456789012:role/distill' };
    const again = await runCli(['run', seed], { cwd: project, env });
    expect(again.code).toBe(2);
    expect(again.stderr).not.toMatch(/FC_DISTILL_BUCKET/);
    expect(again.stderr).toMatch(/AWS credentials/);
  });
});
