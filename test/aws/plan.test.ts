import { describe, expect, it } from 'vitest';
import { planTeardown, stepsUsing } from '../../src/graph/plan.js';

describe('teardown planning', () => {
  it('runs after every step that uses the deployment', () => {
    const steps: { id: string; inputs: Record<string, string> }[] = [
      { id: 'deploy', inputs: { distill: 'distill' } },
      { id: 'infer.student.prompt', inputs: { deployment: 'deploy', eval: 'render' } },
      { id: 'infer.teacher.prompt', inputs: { eval: 'render' } },
      { id: 'infer.student.tool-config', inputs: { deployment: 'deploy' } },
    ];
    const after = stepsUsing(steps, 'deploy');
    expect(after).toEqual(['infer.student.prompt', 'infer.student.tool-config']);
    expect(planTeardown('us-east-1', 'deploy', after)).toEqual({
      id: 'teardown',
      kind: 'teardown',
      params: { region: 'us-east-1' },
      inputs: { deployment: 'deploy', 'after.infer.student.prompt': 'infer.student.prompt', 'after.infer.student.tool-config': 'infer.student.tool-config' },
      configPath: 'distillation.teardown',
    });
  });
});
