import { InputError } from '../errors.js';
import type { PlannedStep } from './step.js';
import type { JsonObject } from '../json.js';
import type { ExperimentVariant } from '../config/load.js';
import { datasetPlanInfo } from '../bfcl/datasets.js';
import { modelFamily } from '../models/family.js';
import { planEvaluation } from './plan-evaluate.js';

/**
 * Experiment -> steps. The only place that knows the pipeline's shape; everything
 * a step's output depends on must appear in its params, inputs or files, or the cache lies.
 */
export function planExperiment(variant: ExperimentVariant, projectDir: string): PlannedStep[] {
  const exp = variant.experiment;
  const steps: PlannedStep[] = [];
  const under = (paths: string[]) => (u: { path: string }) => paths.some((p) => u.path === p || u.path.startsWith(`${p}.`));
  /** `paths`: config paths the step is planned from; `settingPaths`: those of them that only feed its settings. */
  const add = (step: Omit<PlannedStep, 'files' | 'unresolved'> & Partial<Pick<PlannedStep, 'files'>>, paths: string[] = [], settingPaths: string[] = []) => {
    const relevant = variant.unresolved.filter(under(paths));
    const unresolved = relevant.filter((u) => !under(settingPaths)(u));
    const unresolvedSettings = relevant.filter(under(settingPaths));
    steps.push({ files: [], ...step, ...(unresolved.length ? { unresolved } : {}), ...(unresolvedSettings.length ? { unresolvedSettings } : {}) });
    return step.id;
  };

  const data = locateErrors(variant, exp.dataset.source === 'local' ? 'dataset.path' : 'dataset', () => datasetPlanInfo(exp.dataset, projectDir));
  let dataset = add({ id: 'load', kind: 'load', params: data.params, inputs: {}, files: data.files, configPath: 'dataset' });
  if (exp.filter) {
    dataset = add({ id: 'filter', kind: 'filter', params: exp.filter as JsonObject, inputs: { dataset }, configPath: 'filter' });
  }
  const split = add({ id: 'split', kind: 'split', params: exp.split as JsonObject, inputs: { dataset }, configPath: 'split' });
  const mixin = add({ id: 'mixin', kind: 'mixin', params: exp.mixin as JsonObject, inputs: { split }, configPath: 'mixin' });
  const family = modelFamily(exp.student.base);
  const prompt = { template: exp.prompt.template, answerFormat: exp.prompt.answerFormat };
  const render = add({
    id: 'render',
    kind: 'render',
    params: prompt,
    inputs: { train: mixin },
    files: [exp.prompt.template],
    configPath: 'prompt.template',
  });
  const exported = add({
    id: 'export',
    kind: 'export',
    params: { family, student: exp.student.base },
    inputs: { rendered: render },
    // Too few or too many records is a matter of which data is selected.
    configPath: 'dataset.categories',
  });
  add({ id: 'report', kind: 'report', params: {}, inputs: { dataset, split, mixin, export: exported } });

  let deploy: string | undefined;
  if (exp.distillation) {
    const d = exp.distillation;
    const trainingData = (d.trainingData ?? { source: 'prompts' }) as JsonObject;
    // The cloud half: the data steps above never depend on these, so a user without
    // credentials still gets every local artifact before the run stops here.
    const fromPrompts = trainingData.source !== 'invocation-logs';
    const upload = fromPrompts
      ? add(
          { id: 'upload', kind: 'upload', params: { s3: d.s3, region: exp.region }, inputs: { export: exported }, configPath: 'distillation.s3' },
          ['distillation.s3', 'region'],
        )
      : undefined;
    const distill = add(
      {
        id: 'distill',
        kind: 'distill',
        params: {
          region: exp.region,
          teacher: exp.teacher?.model ?? null,
          student: exp.student.base,
          s3: d.s3,
          maxResponseLength: d.maxResponseLength,
          trainingData,
        },
        // The role only grants the job access: it does not change what the job makes, and its
        // ARN (from the environment, in the caller's account) must not be in the key or store.
        settings: { role: d.role },
        inputs: upload ? { upload } : {},
        configPath: 'distillation',
      },
      ['distillation', 'region', 'teacher', 'student'],
      ['distillation.role'],
    );
    if (d.deploy !== 'none') {
      deploy = add(
        {
          id: 'deploy',
          kind: 'deploy',
          params: {
            region: exp.region,
            mode: d.deploy,
            student: exp.student.base,
            provisioned: d.deploy === 'provisioned' && d.provisioned ? { modelUnits: d.provisioned.modelUnits, commitment: d.provisioned.commitment ?? null } : null,
          },
          inputs: { distill },
          configPath: 'distillation.deploy',
        },
        ['region', 'student', 'distillation.deploy', 'distillation.provisioned'],
      );
    }
  }

  // Evaluation steps (planned by plan-evaluate.ts) are added here; whatever uses the
  // deployment must come before a teardown.
  if (exp.evaluate) {
    // Eval prompts are rendered on their own, from the split alone: a mix-in change then
    // leaves the prompt-approach evaluations (the teacher's above all) cached.
    const renderEval = exp.evaluate.approaches.includes('prompt')
      ? add({ id: 'render.eval', kind: 'render', params: prompt, inputs: { eval: split }, files: [exp.prompt.template], configPath: 'prompt.template' })
      : render;
    steps.push(...planEvaluation(variant, { split, render: renderEval, dataset, ...(deploy ? { deploy } : {}) }, { projectDir }));
  }
  if (deploy && exp.distillation?.teardown === 'after-eval') {
    add(planTeardown(exp.region, deploy, stepsUsing(steps, deploy)), ['region']);
  }
  return steps;
}

/** Ids of the planned steps that take `id`'s artifact as a direct input. */
export function stepsUsing(steps: Pick<PlannedStep, 'id' | 'inputs'>[], id: string): string[] {
  return steps.filter((s) => Object.values(s.inputs).includes(id)).map((s) => s.id);
}

/**
 * The teardown step: deletes the deployment made by step `deploy`, after every step in
 * `after` (the evaluation steps that use the deployment) has finished. Its key follows
 * theirs, so a new evaluation is followed by a new teardown. Sweep variants that share the
 * deployment have a teardown each; the executor holds every one of them until no variant still
 * uses the deployment (`releases` of the teardown kind), rather than the plan of one variant
 * naming the steps of another.
 */
export function planTeardown(region: string, deploy: string, after: string[]): Omit<PlannedStep, 'files' | 'unresolved'> {
  const inputs: Record<string, string> = { deployment: deploy };
  for (const id of after) inputs[`after.${id}`] = id;
  return { id: 'teardown', kind: 'teardown', params: { region }, inputs, configPath: 'distillation.teardown' };
}

/**
 * Runs `fn`; a bad-input error it throws that names no line gets the position of `path` in
 * the experiment file, so the user is shown which setting led there.
 */
export function locateErrors<T>(variant: ExperimentVariant, path: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    throw error instanceof InputError ? atSetting(error, variant, path) : error;
  }
}

/** The error, pointed at the setting `path` unless it already names a line of some file. */
export function atSetting(error: InputError, variant: ExperimentVariant, path: string): InputError {
  if (error.position?.line !== undefined) return error;
  const position = variant.positionOf(path);
  if (!position) return error;
  const message = error.position && !error.message.includes(error.position.file) ? `${error.position.file}: ${error.message}` : error.message;
  return new InputError(`${message} (set by ${path})`, position, error.more);
}

/** The files of a step kind's artifact worth pointing the user at after a run. */
export const headlineOutputs: Record<string, string[]> = {
  export: ['train.bedrock.jsonl', 'validation.json'],
  report: ['dataset-report.json'],
};
