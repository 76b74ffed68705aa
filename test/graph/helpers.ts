import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { InputError } from '../../src/errors.js';
import { execute, type ExecuteOptions, type ExecutionReport } from '../../src/graph/execute.js';
import { SilentReporter } from '../../src/graph/progress.js';
import { resolvePlan, type ResolvedStep } from '../../src/graph/resolve.js';
import type { PlannedStep, StepKind } from '../../src/graph/step.js';
import { Store } from '../../src/graph/store.js';
import type { JsonObject } from '../../src/json.js';

/** A throwaway project directory with its own store. */
export async function tempProject(): Promise<{ dir: string; store: Store; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'fc-graph-'));
  return { dir, store: new Store({ projectDir: dir }), cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export async function writeProjectFile(projectDir: string, path: string, text: string): Promise<void> {
  await mkdir(dirname(join(projectDir, path)), { recursive: true });
  await writeFile(join(projectDir, path), text);
}

export function step(id: string, kind: string, params: JsonObject = {}, inputs: Record<string, string> = {}, files: string[] = []): PlannedStep {
  return { id, kind, params, inputs, files };
}

/** Test step kinds; `ran` lists step ids in the order they started, `timeline` their start/end times. */
export function testKinds() {
  const ran: string[] = [];
  const timeline: Record<string, { start: number; end: number }> = {};
  let counter = 0;
  const value: StepKind<any> = {
    kind: 'value',
    version: 1,
    description: 'writes its params and its inputs into value.json',
    async run(ctx) {
      ran.push(ctx.stepId);
      const upstream: Record<string, unknown> = {};
      for (const [role, input] of Object.entries(ctx.inputs)) {
        upstream[role] = JSON.parse(await readFile(join(input.dir, 'value.json'), 'utf8'));
      }
      const files: Record<string, string> = {};
      for (const path of (ctx.params.read as string[] | undefined) ?? []) files[path] = await readFile(join(ctx.projectDir, path), 'utf8');
      await writeFile(join(ctx.outDir, 'value.json'), JSON.stringify({ step: ctx.stepId, params: ctx.params, upstream, files }));
      ctx.progress(1, 1);
      return { summary: { step: ctx.stepId }, display: [`${ctx.stepId} ok`], tokens: { input: 1, output: 2 }, costUsd: 0.5 };
    },
  };
  const kinds: Record<string, StepKind<any>> = {
    value,
    value2: { ...value, kind: 'value2', version: 2 },
    sleep: {
      kind: 'sleep',
      version: 1,
      description: 'sleeps params.ms, honouring the abort signal',
      async run(ctx) {
        ran.push(ctx.stepId);
        const start = performance.now();
        await sleep(Number(ctx.params.ms), undefined, { signal: ctx.signal });
        timeline[ctx.stepId] = { start, end: performance.now() };
        await writeFile(join(ctx.outDir, 'value.json'), JSON.stringify({ step: ctx.stepId, params: ctx.params }));
      },
    },
    counter: {
      kind: 'counter',
      version: 1,
      description: 'not pure: a different result every time it runs',
      async run(ctx) {
        ran.push(ctx.stepId);
        counter += 1;
        await writeFile(join(ctx.outDir, 'value.json'), JSON.stringify({ counter }));
      },
    },
    fail: {
      kind: 'fail',
      version: 1,
      description: 'writes something, then fails',
      async run(ctx) {
        ran.push(ctx.stepId);
        await writeFile(join(ctx.outDir, 'value.json'), '{"partial":');
        await writeFile(join(ctx.stateDir, 'journal.txt'), 'attempted\n');
        if (ctx.params.ms) await sleep(Number(ctx.params.ms));
        throw new Error('remote job failed: ValidationException');
      },
    },
    badInput: {
      kind: 'badInput',
      version: 1,
      description: 'rejects its input',
      async run(ctx) {
        ran.push(ctx.stepId);
        throw new InputError('template templates/t.hbs: unknown helper {{toolz}}', { file: 'templates/t.hbs', line: 3, col: 5 });
      },
    },
  };
  const lookup = (kind: string): StepKind<any> => {
    const found = kinds[kind];
    if (!found) throw new Error(`unknown test kind ${kind}`);
    return found;
  };
  return { kinds, lookup, ran, timeline };
}

/** The quickstart's shape: 7 steps, two of them joins. */
export function pipeline(options: { fraction?: number; seed?: number; template?: string } = {}): PlannedStep[] {
  return [
    step('load', 'value', { source: 'bfcl', version: 'v3' }),
    step('split', 'value', { train: 0.5, seed: options.seed ?? 42 }, { dataset: 'load' }),
    step('mixin', 'value', { fraction: options.fraction ?? 0.1, seed: 7 }, { split: 'split' }),
    step('render', 'value', { template: options.template ?? 'templates/t.hbs', read: [options.template ?? 'templates/t.hbs'] }, { train: 'mixin', eval: 'split' }, [options.template ?? 'templates/t.hbs']),
    step('export', 'value', { family: 'nova' }, { rendered: 'render' }),
    step('infer', 'value', { model: 'teacher' }, { eval: 'split', rendered: 'render' }),
    step('report', 'value', {}, { dataset: 'load', export: 'export', infer: 'infer' }),
  ];
}

export interface Runner {
  resolve(steps: PlannedStep[], extra?: { verify?: 'fast' | 'full' }): Promise<ResolvedStep[]>;
  run(steps: PlannedStep[], extra?: Partial<ExecuteOptions> & { verify?: 'fast' | 'full' }): Promise<ExecutionReport & { ranIds: string[]; reporter: SilentReporter }>;
}

export function runner(project: { dir: string; store: Store }, lookup: (kind: string) => StepKind<any>, experiment = 'exp'): Runner {
  const base = { store: project.store, projectDir: project.dir, experiment, kinds: lookup };
  return {
    resolve: (steps, extra = {}) => resolvePlan(steps, { ...base, ...extra }),
    async run(steps, extra = {}) {
      const resolved = await resolvePlan(steps, { ...base, verify: extra.verify });
      const reporter = (extra.reporter as SilentReporter | undefined) ?? new SilentReporter();
      const report = await execute(resolved, { ...base, concurrency: 4, ...extra, reporter });
      return { ...report, ranIds: report.steps.filter((s) => s.status === 'ran').map((s) => s.id).sort(), reporter };
    },
  };
}
