import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadExperiment } from '../../src/config/load.js';
import { parseYamlSource } from '../../src/config/yaml-source.js';
import { InputError } from '../../src/errors.js';

const projectDir = fileURLToPath(new URL('../fixtures/config-project/', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'fc-distill-config-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let counter = 0;
/** Writes files (path -> text) into a fresh directory; returns the absolute path of the first. */
function files(contents: Record<string, string>): string {
  const dir = join(tmp, String(counter++));
  let first = '';
  for (const [name, text] of Object.entries(contents)) {
    const path = join(dir, name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
    first ||= path;
  }
  return first;
}

async function failure(file: string, env: Record<string, string> = {}): Promise<{ lines: string[]; error: InputError }> {
  const error = await loadExperiment(file, { projectDir, env }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InputError);
  return { lines: (error as InputError).describe().split('\n'), error: error as InputError };
}

const STUDENT = 'student: { base: amazon.nova-lite-v1:0:300k }\n';

describe('all problems at once', () => {
  it('reports every error of a file, in line order', async () => {
    const file = files({
      'x.yaml': `name: many\n${STUDENT}split: { train: 0.9, eval: 0.2 }\nmixin: { fractoin: 0.1 }\nprompt: { template: templates/nope.hbs }\ndataset: { version: v5 }\n`,
    });
    const { lines, error } = await failure(file);
    expect(error.exitCode).toBe(2);
    expect(lines).toEqual([
      `${file}:4:10: unknown key 'fractoin' in mixin; did you mean 'fraction'?`,
      `${file}:6:21: dataset.version is 'v5'; did you mean 'v3'? expected one of: v3, v4`,
    ]);
  });

  it('runs the semantic checks next to unknown-key errors', async () => {
    const file = files({ 'x.yaml': `name: many\n${STUDENT}split: { train: 0.9, eval: 0.2 }\nmixin: { fractoin: 0.1 }\n` });
    const { lines } = await failure(file);
    expect(lines[0]).toMatch(/:3:28: split\.train \+ split\.eval = 0\.9 \+ 0\.2 = 1\.1, more than 1/);
    expect(lines[1]).toMatch(/:4:10: unknown key 'fractoin'/);
  });
});

describe('evaluate.models items', () => {
  it('a value that is neither a name nor a mapping says what is expected', async () => {
    const file = files({ 'x.yaml': `name: m\n${STUDENT}evaluate: { models: [student-base, 5] }\n` });
    const { lines } = await failure(file);
    expect(lines).toEqual([`${file}:3:36: evaluate.models[1] is 5 (a number); expected 'teacher', 'student-base', 'student', or a baseline {name, provider, model}`]);
  });

  it('model names must be unique', async () => {
    const file = files({
      'x.yaml': `name: m\n${STUDENT}evaluate:\n  models:\n    - student-base\n    - { name: student-base, provider: bedrock, model: amazon.nova-lite-v1:0 }\n`,
    });
    const { lines } = await failure(file);
    expect(lines).toEqual([`${file}:6:7: evaluate.models names 'student-base' twice (items 1 and 2); each model needs its own name`]);
  });
});

describe('${env:NAME} in odd places', () => {
  it('catches malformed references', async () => {
    const file = files({ 'x.yaml': `name: m\n${STUDENT}distillation: { role: '\${ENV:ROLE}', s3: s3://b-b/x }\n` });
    const { lines } = await failure(file);
    expect(lines[0]).toContain(`${file}:3:23: malformed environment reference '\${ENV:ROLE}' in distillation.role`);
  });

  it('substitutes in matrix values, reporting unset ones at their place in the matrix', async () => {
    const file = files({
      'x.yaml': `name: m\nteacher: { model: us.amazon.nova-premier-v1:0 }\n${STUDENT}matrix:\n  teacher.model: [us.amazon.nova-premier-v1:0, '\${env:OTHER_TEACHER}']\n`,
    });
    const loaded = await loadExperiment(file, { projectDir, env: {} });
    expect(loaded.variants.map((v) => v.name)).toEqual([
      'm@teacher.model=us.amazon.nova-premier-v1_0~d5a55347',
      'm@teacher.model=env_OTHER_TEACHER~7985b520',
    ]);
    expect(loaded.variants[0]!.unresolved).toEqual([]);
    expect(loaded.variants[1]!.unresolved).toEqual([{ path: 'teacher.model', variable: 'OTHER_TEACHER', file, line: 5, col: 49 }]);
    const set = await loadExperiment(file, { projectDir, env: { OTHER_TEACHER: 'amazon.nova-pro-v1:0' } });
    expect(set.variants[1]!.experiment.teacher?.model).toBe('amazon.nova-pro-v1:0');
    expect(set.variants[1]!.name).toBe(loaded.variants[1]!.name);
  });

  it('a set variable is checked like a written value (region of a pair)', async () => {
    const file = files({
      'x.yaml': `name: m\nregion: \${env:AWS_REGION_X}\nteacher: { model: us.amazon.nova-premier-v1:0 }\n${STUDENT}distillation: { role: arn:aws:iam::123456789012:role/r, s3: s3://bucket/x }\n`,
    });
    const { lines } = await failure(file, { AWS_REGION_X: 'us-west-2' });
    expect(lines[0]).toContain(`${file}:2:9: unsupported distillation pair: Nova Premier -> Nova Lite distillation is supported in us-east-1 only, not in us-west-2`);
    // Unset, the pair check waits for the value.
    const loaded = await loadExperiment(file, { projectDir, env: {} });
    expect(loaded.variants[0]!.unresolved.map((u) => u.variable)).toEqual(['AWS_REGION_X']);
  });
});

describe('matrix', () => {
  it('suggests the full path for a bare field name', async () => {
    const file = files({ 'x.yaml': `name: m\n${STUDENT}matrix: { fraction: [0, 1] }\n` });
    const { lines } = await failure(file);
    expect(lines).toEqual([
      `${file}:3:11: matrix key 'fraction' is not a settable path of the experiment; did you mean 'mixin.fraction'? expected a dotted path such as mixin.fraction, split.seed or teacher.model`,
    ]);
  });

  it('names the variants an error occurs in when not all have it', async () => {
    const file = files({ 'x.yaml': `name: m\n${STUDENT}matrix:\n  split.train: [0.5, 1, 2]\n` });
    const { lines } = await failure(file);
    expect(lines).toEqual([
      `${file}:4:22: split.train must be < 1, got 1 (allowed: > 0 and < 1) (in matrix variant m@split.train=1)`,
      `${file}:4:25: split.train must be < 1, got 2 (allowed: > 0 and < 1) (in matrix variant m@split.train=2)`,
    ]);
  });

  it('warns that variants differing only in distillation.teardown share (and delete) one deployment', async () => {
    const distill = `teacher: { model: us.amazon.nova-premier-v1:0 }\ndistillation: { role: arn:aws:iam::123456789012:role/r, s3: s3://bucket/x, deploy: on-demand }\n`;
    const file = files({ 'x.yaml': `name: m\n${distill}student: { base: amazon.nova-lite-v1:0:300k }\nmatrix:\n  distillation.teardown: [keep, after-eval]\n` });
    const loaded = await loadExperiment(file, { projectDir, env: {} });
    expect(loaded.variants).toHaveLength(2);
    for (const variant of loaded.variants) {
      expect(variant.warnings.map((w) => `${w.position?.line}: ${w.message}`)).toContainEqual(expect.stringMatching(/^6: matrix over distillation\.teardown: the variants share one deployment/));
    }
    const plain = files({ 'x.yaml': `name: m\n${distill}student: { base: amazon.nova-lite-v1:0:300k }\nmatrix:\n  mixin.fraction: [0, 0.1]\n` });
    for (const variant of (await loadExperiment(plain, { projectDir, env: {} })).variants) expect(variant.warnings).toEqual([]);
  });

  it('takes mappings and lists as values (replacing what is there), with hashed names', async () => {
    const file = files({
      'x.yaml': `name: m\n${STUDENT}matrix:\n  dataset.categories: [[simple], [simple, multiple]]\n  evaluate: [{ models: [student-base] }]\n`,
    });
    const loaded = await loadExperiment(file, { projectDir, env: {} });
    expect(loaded.variants.map((v) => v.name)).toEqual([
      'm@dataset.categories=simple~901ed186,evaluate=models_student-base~425041aa',
      'm@dataset.categories=simple_multiple~6db7382f,evaluate=models_student-base~425041aa',
    ]);
    expect(loaded.variants[1]!.experiment.dataset.categories).toEqual(['simple', 'multiple']);
    expect(loaded.variants[1]!.experiment.evaluate?.approaches).toEqual(['prompt', 'tool-config']);
  });

  it('rejects duplicate values and overlapping keys', async () => {
    const file = files({ 'x.yaml': `name: m\n${STUDENT}matrix:\n  mixin: [{ fraction: 0.1 }]\n  mixin.seed: [1, 2, 1]\n` });
    const { lines } = await failure(file);
    expect(lines).toEqual([
      `${file}:5:3: matrix keys 'mixin' and 'mixin.seed' overlap: one sets a value inside the other`,
      `${file}:5:22: matrix.mixin.seed lists '1' twice (items 1 and 3); each value gives one variant`,
    ]);
  });
});

describe('extends', () => {
  it('follows a chain across directories, each path relative to its own file', async () => {
    const file = files({
      'exp/child.yaml': 'name: c\nextends: ../bases/mid.yaml\nmixin: { seed: 1 }\n',
      'bases/mid.yaml': `extends: root/root.yaml\nmixin: { fraction: 0.3 }\n`,
      'bases/root/root.yaml': `${STUDENT}mixin: { fraction: 0.2, seed: 9 }\nsplit: { seed: 5 }\n`,
    });
    const loaded = await loadExperiment(file, { projectDir, env: {} });
    expect(loaded.files.map((f) => f.slice(dirname(dirname(file)).length + 1))).toEqual(['bases/root/root.yaml', 'bases/mid.yaml', 'exp/child.yaml']);
    expect(loaded.variants[0]!.experiment.mixin).toEqual({ fraction: 0.3, seed: 1 });
    expect(loaded.variants[0]!.experiment.split.seed).toBe(5);
  });

  it('a YAML error in a base is reported in the base', async () => {
    const file = files({ 'child.yaml': 'name: c\nextends: base.yaml\n', 'base.yaml': `${STUDENT}mixin: {\n` });
    const { lines } = await failure(file);
    expect(lines[0]).toMatch(new RegExp(`^${join(dirname(file), 'base.yaml').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+: YAML syntax error`));
  });
});

describe('YAML positions', () => {
  it('records key and value positions; anchors, aliases and merge keys work', () => {
    const { source, problems } = parseYamlSource('a: &x\n  b: 1\nc: *x\nd:\n  <<: *x\n  e: "q ${env:V}"\n', 'f.yaml');
    expect(problems).toEqual([]);
    expect(source!.value).toEqual({ a: { b: 1 }, c: { b: 1 }, d: { b: 1, e: 'q ${env:V}' } });
    // A block mapping's value starts at its first key (after the anchor).
    expect(source!.positions.get('/a')).toEqual({ key: { file: 'f.yaml', line: 1, col: 1 }, value: { file: 'f.yaml', line: 2, col: 3 } });
    expect(source!.positions.get('/a/b')!.value).toEqual({ file: 'f.yaml', line: 2, col: 6 });
    expect(source!.positions.get('/d/e')!.envRefs).toEqual({ V: { file: 'f.yaml', line: 6, col: 9 } });
  });

  it('reports an unknown alias at the alias', () => {
    const { problems } = parseYamlSource('a: 1\nb: *nope\n', 'f.yaml');
    expect(problems.map((p) => [p.position?.line, p.position?.col, p.message])).toContainEqual([
      2,
      4,
      "unknown alias '*nope': define the anchor '&nope' before using it",
    ]);
  });

  it('rejects several documents in one file', () => {
    const { problems } = parseYamlSource('a: 1\n---\nb: 2\n', 'f.yaml');
    expect(problems[0]!.message).toBe('YAML syntax error: an experiment file holds one YAML document; remove the extra "---"');
  });
});
