import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadExperiment } from '../../src/config/load.js';
import { planExperiment } from '../../src/graph/plan.js';
import { stepKey } from '../../src/graph/keys.js';
import { planFile } from '../../src/cli/plans.js';
import { renderPlan, planJson } from '../../src/cli/plan-view.js';
import type { PlannedStep } from '../../src/graph/step.js';

/** Plans of experiment files written into a scratch project (with the repo's templates). */
const repo = fileURLToPath(new URL('../../', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'fc-plan-eval-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;

const BASE = `name: eval-test
dataset: { source: bfcl-eval, version: v3, categories: [live_simple] }
split: { train: 0.5, seed: 42 }
prompt: { template: templates/nova-json.hbs }
teacher: { provider: bedrock, model: us.amazon.nova-premier-v1:0 }
student: { provider: bedrock, base: meta.llama3-2-3b-instruct-v1:0:128k }
`;

function project(yaml: string): string {
  const dir = join(tmp, String(n++));
  mkdirSync(join(dir, 'templates'), { recursive: true });
  copyFileSync(join(repo, 'templates/nova-json.hbs'), join(dir, 'templates/nova-json.hbs'));
  const file = join(dir, 'exp.yaml');
  writeFileSync(file, yaml);
  return file;
}

async function plan(yaml: string): Promise<PlannedStep[][]> {
  const file = project(yaml);
  const dir = join(file, '..');
  const loaded = await loadExperiment(file, { projectDir: dir, env: {} });
  return loaded.variants.map((v) => planExperiment(v, dir));
}

const byId = (steps: PlannedStep[], id: string) => steps.find((s) => s.id === id)!;
/** The key from params alone (inputs and files are the same in every compared plan). */
const keyOf = (s: PlannedStep) => stepKey({ kind: s.kind, version: 1, params: s.params, inputs: {}, files: {} });

describe('evaluation planning: what is asked is in the key, how it is sent is not', () => {
  it('execution settings go to settings, not params; changing them leaves the key as it was', async () => {
    const [quiet] = await plan(`${BASE}evaluate: { models: [teacher], approaches: [prompt] }\n`);
    const [busy] = await plan(`${BASE}evaluate: { models: [teacher], approaches: [prompt], concurrency: 32, requestsPerMinute: 600, tokensPerMinute: 90000, timeoutMs: 5000, maxAttempts: 7 }\n`);
    const a = byId(quiet!, 'infer.teacher.prompt');
    const b = byId(busy!, 'infer.teacher.prompt');
    expect(b.settings).toEqual({ experiment: 'eval-test', concurrency: 32, requestsPerMinute: 600, tokensPerMinute: 90000, timeoutMs: 5000, maxAttempts: 7 });
    for (const name of ['concurrency', 'requestsPerMinute', 'tokensPerMinute', 'timeoutMs', 'maxAttempts', 'experiment']) expect(b.params).not.toHaveProperty(name);
    expect(keyOf(b)).toBe(keyOf(a));
  });

  it("a sweep's variants share the teacher's inference (the variant name is only a tag in settings)", async () => {
    const variants = await plan(`${BASE}mixin: { fraction: 0.1, seed: 7 }\nevaluate: { models: [teacher, student-base], approaches: [tool-config] }\nmatrix: { mixin.fraction: [0, 0.2] }\n`);
    expect(variants).toHaveLength(2);
    const [one, two] = variants.map((steps) => byId(steps, 'infer.teacher.tool-config'));
    expect(one!.settings!.experiment).not.toBe(two!.settings!.experiment);
    expect(keyOf(one!)).toBe(keyOf(two!));
  });

  it('decoding settings: per-family table under evaluate.inference, evaluate.families and the model, all in the key and shown', async () => {
    const [steps] = await plan(`${BASE.replace('model: us.amazon.nova-premier-v1:0 }', 'model: us.amazon.nova-premier-v1:0, inference: { maxTokens: 2048 } }')}evaluate:
  models: [teacher, student-base, { name: oss, provider: openai, model: gpt-oss-20b, inference: { temperature: 0.3 } }]
  approaches: [prompt]
  inference: { temperature: 0.1 }
  families: { llama: { temperature: 0.6, topP: 0.9 }, gpt-oss: { temperature: 0.9, maxTokens: 5000 } }
`);
    const teacher = byId(steps!, 'infer.teacher.prompt');
    expect(teacher.params).toMatchObject({ family: 'nova', inference: { temperature: 0.1, maxTokens: 2048, additionalModelRequestFields: { inferenceConfig: { topK: 1 } } } });
    expect(teacher.details).toEqual([
      'inference [nova]: temperature 0.1 (evaluate.inference), maxTokens 2048 (teacher.inference), additionalModelRequestFields {"inferenceConfig":{"topK":1}} (table nova)',
    ]);
    const base = byId(steps!, 'infer.student-base.prompt');
    expect(base.params).toMatchObject({ family: 'llama', inference: { temperature: 0.6, maxTokens: 1024, topP: 0.9 } });
    expect(base.params.inference).not.toHaveProperty('additionalModelRequestFields');
    const oss = byId(steps!, 'infer.oss.prompt');
    expect(oss.params).toMatchObject({ family: 'gpt-oss', inference: { temperature: 0.3, maxTokens: 5000 } });

    // A decoding change is a different request: a different key.
    const [hotter] = await plan(`${BASE}evaluate: { models: [teacher], approaches: [prompt], families: { nova: { temperature: 0.5 } } }\n`);
    const [plain] = await plan(`${BASE}evaluate: { models: [teacher], approaches: [prompt] }\n`);
    expect(keyOf(byId(hotter!, 'infer.teacher.prompt'))).not.toBe(keyOf(byId(plain!, 'infer.teacher.prompt')));
    expect(byId(plain!, 'infer.teacher.prompt').params.inference).toEqual({ temperature: 0, maxTokens: 1024, additionalModelRequestFields: { inferenceConfig: { topK: 1 } } });
  });

  it("an OpenAI-compatible server's base URL is in the key: another server is another model", async () => {
    const oss = (baseUrl: string) => `${BASE}evaluate: { models: [teacher, { name: oss, provider: openai, model: gpt-oss-20b${baseUrl} }], approaches: [prompt] }\n`;
    const saved = process.env.OPENAI_BASE_URL;
    try {
      delete process.env.OPENAI_BASE_URL;
      const [local] = await plan(oss(', baseUrl: "http://localhost:8000/v1/"'));
      const [other] = await plan(oss(', baseUrl: "http://gpu-box:8000/v1"'));
      const [unset] = await plan(oss(''));
      process.env.OPENAI_BASE_URL = 'http://localhost:11434/v1';
      const [fromEnv] = await plan(oss(''));
      const step = (steps: PlannedStep[] | undefined) => byId(steps!, 'infer.oss.prompt');
      expect(step(local).params.baseUrl).toBe('http://localhost:8000/v1');
      expect(step(unset).params.baseUrl).toBe('https://api.openai.com/v1');
      expect(step(fromEnv).params.baseUrl).toBe('http://localhost:11434/v1');
      expect(new Set([local, other, unset, fromEnv].map((p) => keyOf(step(p)))).size).toBe(4);
      // Bedrock steps have no base URL, so their keys do not depend on the environment's.
      expect(byId(local!, 'infer.teacher.prompt').params).not.toHaveProperty('baseUrl');
      expect(keyOf(byId(local!, 'infer.teacher.prompt'))).toBe(keyOf(byId(fromEnv!, 'infer.teacher.prompt')));
    } finally {
      if (saved === undefined) delete process.env.OPENAI_BASE_URL;
      else process.env.OPENAI_BASE_URL = saved;
    }
  });

  it('the distilled student has its base model family', async () => {
    const [steps] = await plan(`${BASE.replace('meta.llama3-2-3b-instruct-v1:0:128k', 'amazon.nova-lite-v1:0:300k')}distillation: { role: "arn:aws:iam::123456789012:role/r", s3: "s3://bucket/p", deploy: on-demand }
evaluate: { models: [student], approaches: [prompt], families: { nova: { maxTokens: 900 } } }
`);
    const student = byId(steps!, 'infer.student.prompt');
    expect(student.params).toMatchObject({ modelId: null, priceModel: 'amazon.nova-lite-v1:0', family: 'nova', inference: { maxTokens: 900 } });
  });

  it("the distillation role is a setting: another role leaves the job's key as it was, and plan shows no account id", async () => {
    const nova = BASE.replace('meta.llama3-2-3b-instruct-v1:0:128k', 'amazon.nova-lite-v1:0:300k');
    const withRole = (role: string) => `${nova}distillation: { role: "${role}", s3: "s3://bucket/p", deploy: on-demand }\n`;
    const [a] = await plan(withRole('arn:aws:iam::444455556666:role/one'));
    const [b] = await plan(withRole('arn:aws:iam::444455556666:role/two'));
    const distill = byId(a!, 'distill');
    expect(distill.params).not.toHaveProperty('role');
    expect(distill.settings).toEqual({ role: 'arn:aws:iam::444455556666:role/one' });
    expect(keyOf(distill)).toBe(keyOf(byId(b!, 'distill')));
    const file = project(withRole('arn:aws:iam::444455556666:role/one'));
    const plans = await planFile(file, { project: join(file, '..'), store: join(file, '..', 'store') });
    for (const out of [renderPlan(plans), JSON.stringify(planJson(plans))]) {
      expect(out).not.toContain('444455556666');
      expect(out).toContain('arn:aws:iam::<account>:role/one');
    }
  });

  it('plan prints the resolved decoding settings and the execution settings, marked as not in the key', async () => {
    const file = project(`${BASE}evaluate: { models: [teacher], approaches: [tool-config], concurrency: 5 }\n`);
    const plans = await planFile(file, { project: join(file, '..'), store: join(file, '..', 'store') });
    const text = renderPlan(plans);
    expect(text).toMatch(/infer\.teacher\.tool-config .*\n(?:.*\n)*? +inference \[nova\]: temperature 0 \(table nova\), maxTokens 1024 \(default\), additionalModelRequestFields \{"inferenceConfig":\{"topK":1\}\} \(table nova\)\n +settings \(not in the key\): experiment "eval-test", concurrency 5/);
    const json = planJson(plans).variants[0]!.steps.find((s) => s.id === 'infer.teacher.tool-config')!;
    expect(json.settings).toEqual({ experiment: 'eval-test', concurrency: 5 });
    expect(json.params).not.toHaveProperty('concurrency');
  });
});
