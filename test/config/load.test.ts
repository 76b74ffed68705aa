import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadExperiment } from '../../src/config/load.js';
import { InputError } from '../../src/errors.js';

const good = fileURLToPath(new URL('../fixtures/good-configs/', import.meta.url));
const projectDir = fileURLToPath(new URL('../fixtures/config-project/', import.meta.url));
const repo = fileURLToPath(new URL('../../', import.meta.url));

const FULL_ENV = {
  FC_REGION: 'us-east-1',
  FC_DISTILL_ROLE_ARN: 'arn:aws:iam::123456789012:role/distill',
  FC_DISTILL_BUCKET: 'my-bucket',
  QWEN_MODEL: 'Qwen/Qwen2.5-7B-Instruct',
};

describe('loadExperiment: defaults', () => {
  it('fills every default of a minimal experiment', async () => {
    const loaded = await loadExperiment(join(good, 'minimal.yaml'), { projectDir, env: {} });
    expect(loaded.file).toBe(join(good, 'minimal.yaml'));
    expect(loaded.projectDir).toBe(projectDir.replace(/\/$/, ''));
    expect(loaded.files).toEqual([join(good, 'minimal.yaml')]);
    expect(loaded.variants).toHaveLength(1);
    const [variant] = loaded.variants;
    expect(variant!.name).toBe('minimal');
    expect(variant!.matrix).toBeUndefined();
    expect(variant!.unresolved).toEqual([]);
    expect(variant!.warnings).toEqual([]);
    expect(variant!.experiment).toEqual({
      name: 'minimal',
      region: 'us-east-1',
      dataset: {
        source: 'bfcl-eval',
        version: 'v3',
        categories: ['live_simple', 'live_multiple', 'live_parallel', 'live_parallel_multiple', 'live_irrelevance', 'live_relevance'],
      },
      split: { train: 0.5, eval: 0.5, seed: 42, stratify: 'category', by: 'example' },
      mixin: { fraction: 0.1, seed: 7 },
      prompt: { template: 'templates/nova-json.hbs', answerFormat: 'json-list' },
      student: { provider: 'bedrock', base: 'amazon.nova-lite-v1:0:300k' },
    });
    // Keys come in the schema's order.
    expect(Object.keys(variant!.experiment)).toEqual(['name', 'region', 'dataset', 'split', 'mixin', 'prompt', 'student']);
  });

  it('eval defaults to 1 - train without floating-point noise', async () => {
    const loaded = await loadExperiment(join(good, 'sweep.yaml'), { projectDir, env: {} });
    expect(loaded.variants[0]!.experiment.split.eval).toBe(0.5);
  });

  it('loads every section, normalises aliases and resolves set variables', async () => {
    const loaded = await loadExperiment(join(good, 'full.yaml'), { projectDir, env: FULL_ENV });
    const [variant] = loaded.variants;
    const exp = variant!.experiment;
    expect(variant!.unresolved).toEqual([]);
    expect(exp.region).toBe('us-east-1');
    expect(exp.dataset.categories).toEqual(['simple', 'multiple', 'live_simple']);
    expect(exp.dataset.expectedCounts).toEqual({ simple: 400, multiple: 200 });
    expect(exp.filter?.match).toEqual({ pattern: '\\b(movie|film|song)s?\\b', flags: 'iu', in: ['question'] });
    expect(exp.split).toEqual({ train: 0.6, eval: 0.3, seed: 1, stratify: 'none', by: 'function-set' });
    expect(exp.distillation).toEqual({
      role: 'arn:aws:iam::123456789012:role/distill',
      s3: 's3://my-bucket/fc-distill',
      maxResponseLength: 2048,
      deploy: 'on-demand',
      teardown: 'keep',
      trainingData: {
        source: 'invocation-logs',
        invocationLogs: {
          s3: 's3://my-bucket/AWSLogs/',
          usePromptResponse: true,
          filter: { andAll: [{ equals: { project: 'fc-distill' } }, { notEquals: { stage: 'test' } }] },
        },
      },
    });
    expect(exp.evaluate?.models[3]).toEqual({ name: 'qwen-local', provider: 'openai', model: 'Qwen/Qwen2.5-7B-Instruct', description: 'vLLM on a workstation' });
    expect(exp.evaluate?.inference).toEqual({ temperature: 1, maxTokens: 512, topP: 1, additionalModelRequestFields: { inferenceConfig: { topK: 1 } } });
    // Ignored settings and the like give warnings, not errors: none here.
    expect(variant!.warnings).toEqual([]);
  });
});

describe('loadExperiment: ${env:NAME}', () => {
  it('leaves unset variables literal and reports each with its position', async () => {
    const loaded = await loadExperiment(join(good, 'full.yaml'), { projectDir, env: { FC_DISTILL_BUCKET: 'my-bucket', QWEN_MODEL: '' } });
    const [variant] = loaded.variants;
    const file = 'test/fixtures/good-configs/full.yaml';
    expect(variant!.unresolved).toEqual([
      { path: 'region', variable: 'FC_REGION', file, line: 5, col: 9 },
      { path: 'distillation.role', variable: 'FC_DISTILL_ROLE_ARN', file, line: 23, col: 9 },
      { path: 'evaluate.models.3.model', variable: 'QWEN_MODEL', file, line: 42, col: 53 },
    ]);
    expect(variant!.experiment.region).toBe('${env:FC_REGION}');
    expect(variant!.experiment.distillation?.role).toBe('${env:FC_DISTILL_ROLE_ARN}');
    expect(variant!.experiment.distillation?.s3).toBe('s3://my-bucket/fc-distill');
  });

  it('points at the reference inside a longer string', async () => {
    const loaded = await loadExperiment(join(good, 'full.yaml'), { projectDir, env: { ...FULL_ENV, FC_DISTILL_BUCKET: undefined } });
    const refs = loaded.variants[0]!.unresolved.filter((u) => u.variable === 'FC_DISTILL_BUCKET');
    expect(refs.map((u) => [u.path, u.line, u.col])).toEqual([
      ['distillation.s3', 24, 12],
      ['distillation.trainingData.invocationLogs.s3', 31, 16],
    ]);
  });

  it('keeps a portable copy with environment values written back as references', async () => {
    const loaded = await loadExperiment(join(good, 'full.yaml'), { projectDir, env: FULL_ENV });
    const variant = loaded.variants[0]!;
    expect(variant.experiment.distillation?.role).toBe('arn:aws:iam::123456789012:role/distill');
    expect(variant.portable.distillation?.role).toBe('${env:FC_DISTILL_ROLE_ARN}');
    expect(variant.portable.distillation?.s3).toBe(variant.experiment.distillation?.s3.replace('my-bucket', '${env:FC_DISTILL_BUCKET}'));
    expect(JSON.stringify(variant.portable)).not.toContain('123456789012');
    // Everything not from the environment is the same.
    expect({ ...variant.portable, distillation: undefined, evaluate: undefined, region: undefined }).toEqual({
      ...variant.experiment,
      distillation: undefined,
      evaluate: undefined,
      region: undefined,
    });
  });

  it('reads process.env by default', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, FULL_ENV, { QWEN_MODEL: 'from-process-env' });
    try {
      const loaded = await loadExperiment(join(good, 'full.yaml'), { projectDir });
      expect(loaded.variants[0]!.unresolved).toEqual([]);
      expect(loaded.variants[0]!.experiment.evaluate?.models[3]).toMatchObject({ model: 'from-process-env' });
    } finally {
      for (const key of Object.keys(FULL_ENV)) {
        if (key in saved) process.env[key] = saved[key];
        else delete process.env[key];
      }
    }
  });
});

describe('loadExperiment: extends', () => {
  it('merges the base deeply: child wins, lists replaced, null removes', async () => {
    const loaded = await loadExperiment(join(good, 'child.yaml'), { projectDir, env: {} });
    expect(loaded.files).toEqual([join(good, 'base.yaml'), join(good, 'child.yaml')]);
    const [variant] = loaded.variants;
    const exp = variant!.experiment;
    expect(exp.name).toBe('child');
    expect(exp.dataset).toEqual({ source: 'bfcl-eval', version: 'v3', categories: ['live_simple'], expectedCounts: { live_simple: 258 } });
    expect(exp.split).toEqual({ train: 0.5, eval: 0.5, seed: 7, stratify: 'category', by: 'example' });
    expect(exp.teacher).toBeUndefined();
    expect(exp.evaluate?.models).toEqual(['student-base']);
    expect('extends' in exp).toBe(false);
    // Positions follow the values: from the base where the base set them.
    expect(variant!.positionOf('mixin.fraction')).toEqual({ file: 'test/fixtures/good-configs/base.yaml', line: 8, col: 20 });
    expect(variant!.positionOf('split.seed')).toEqual({ file: 'test/fixtures/good-configs/child.yaml', line: 5, col: 16 });
    expect(variant!.positionOf('split.train')).toEqual({ file: 'test/fixtures/good-configs/base.yaml', line: 7, col: 17 });
  });
});

describe('loadExperiment: matrix', () => {
  it('expands every combination with stable, filesystem-safe names', async () => {
    const loaded = await loadExperiment(join(good, 'sweep.yaml'), { projectDir, env: {} });
    const names = loaded.variants.map((v) => v.name);
    expect(names).toEqual([
      'nova-sweep@mixin.fraction=0,student.base=amazon.nova-lite-v1_0_300k~2f81e95b',
      'nova-sweep@mixin.fraction=0,student.base=amazon.nova-micro-v1_0_128k~af96f473',
      'nova-sweep@mixin.fraction=0.1,student.base=amazon.nova-lite-v1_0_300k~2f81e95b',
      'nova-sweep@mixin.fraction=0.1,student.base=amazon.nova-micro-v1_0_128k~af96f473',
      'nova-sweep@mixin.fraction=0.2,student.base=amazon.nova-lite-v1_0_300k~2f81e95b',
      'nova-sweep@mixin.fraction=0.2,student.base=amazon.nova-micro-v1_0_128k~af96f473',
    ]);
    for (const name of names) expect(name).toMatch(/^[A-Za-z0-9._+@=,~-]+$/);
    const v = loaded.variants[3]!;
    expect(v.matrix).toEqual({ 'mixin.fraction': 0.1, 'student.base': 'amazon.nova-micro-v1:0:128k' });
    expect(v.experiment.mixin).toEqual({ fraction: 0.1, seed: 7 });
    expect(v.experiment.student.base).toBe('amazon.nova-micro-v1:0:128k');
    expect(v.experiment.name).toBe('nova-sweep');
    expect('matrix' in v.experiment).toBe(false);
    // A value set by the matrix is located at its place in the matrix list.
    expect(v.positionOf('mixin.fraction')).toEqual({ file: 'test/fixtures/good-configs/sweep.yaml', line: 5, col: 23 });
  });

  it('names do not depend on where a value is in the list', async () => {
    const a = await loadExperiment(join(good, 'sweep.yaml'), { projectDir, env: {} });
    const { matrixVariantName } = await import('./helpers.js');
    expect(a.variants[2]!.name).toBe(matrixVariantName('nova-sweep', { 'mixin.fraction': 0.1, 'student.base': 'amazon.nova-lite-v1:0:300k' }));
  });
});

describe('loadExperiment: positionOf', () => {
  it('takes dotted paths and JSON pointers, and falls back to the nearest written ancestor', async () => {
    const loaded = await loadExperiment(join(good, 'full.yaml'), { projectDir, env: FULL_ENV });
    const v = loaded.variants[0]!;
    const file = 'test/fixtures/good-configs/full.yaml';
    expect(v.positionOf('distillation.role')).toEqual({ file, line: 23, col: 9 });
    expect(v.positionOf('/distillation/role')).toEqual({ file, line: 23, col: 9 });
    // The value starts at its opening quote.
    expect(v.positionOf('evaluate.models.3.model')).toEqual({ file, line: 42, col: 52 });
    // Not written (a default): the key of the nearest written ancestor.
    expect(v.positionOf('evaluate.inference.topK')).toEqual({ file, line: 44, col: 3 });
    expect(v.positionOf('evaluate.concurrency')).toEqual({ file, line: 49, col: 16 });
  });
});

describe('committed experiments', () => {
  const dir = join(repo, 'experiments');
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
  it.each(files)('experiments/%s matches the schema (templates may still be missing)', async (name) => {
    try {
      const loaded = await loadExperiment(join(dir, name), { projectDir: repo, env: {} });
      expect(loaded.variants.length).toBeGreaterThan(0);
    } catch (error) {
      expect(error).toBeInstanceOf(InputError);
      const all = [error as InputError, ...(error as InputError).more];
      // Templates are written by another part of the project; anything else is a real problem.
      for (const e of all) expect(e.message, (error as InputError).describe()).toMatch(/^prompt\.template .* does not exist/);
    }
  });
});
