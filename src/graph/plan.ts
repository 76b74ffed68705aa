import type { PlannedStep } from './step.js';
import type { JsonObject } from '../json.js';
import type { ExperimentVariant } from '../config/load.js';
import { datasetPlanInfo } from '../bfcl/datasets.js';
import { modelFamily } from '../models/family.js';

/**
 * Experiment -> steps. The only place that knows the pipeline's shape; everything
 * a step's output depends on must appear in its params, inputs or files, or the cache lies.
 */
export function planExperiment(variant: ExperimentVariant, projectDir: string): PlannedStep[] {
  const exp = variant.experiment;
  const steps: PlannedStep[] = [];
  const add = (step: Omit<PlannedStep, 'files' | 'unresolved'> & Partial<Pick<PlannedStep, 'files'>>, paths: string[] = []) => {
    const unresolved = variant.unresolved.filter((u) => paths.some((p) => u.path === p || u.path.startsWith(`${p}.`)));
    steps.push({ files: [], ...step, ...(unresolved.length ? { unresolved } : {}) });
    return step.id;
  };

  const data = datasetPlanInfo(exp.dataset, projectDir);
  let dataset = add({ id: 'load', kind: 'load', params: data.params, inputs: {}, files: data.files });
  if (exp.filter) {
    dataset = add({ id: 'filter', kind: 'filter', params: exp.filter as JsonObject, inputs: { dataset } });
  }
  const split = add({ id: 'split', kind: 'split', params: exp.split as JsonObject, inputs: { dataset } });
  const mixin = add({ id: 'mixin', kind: 'mixin', params: exp.mixin as JsonObject, inputs: { split } });
  const family = modelFamily(exp.student.base);
  const render = add({
    id: 'render',
    kind: 'render',
    params: { template: exp.prompt.template, answerFormat: exp.prompt.answerFormat, family },
    inputs: { train: mixin, eval: split },
    files: [exp.prompt.template],
  });
  const exported = add({
    id: 'export',
    kind: 'export',
    params: { family, student: exp.student.base },
    inputs: { rendered: render },
  });
  add({ id: 'report', kind: 'report', params: {}, inputs: { dataset, split, mixin, export: exported } });

  if (exp.distillation) {
    const d = exp.distillation;
    // The cloud half: the data steps above never depend on these, so a user without
    // credentials still gets every local artifact before the run stops here.
    const upload = add(
      { id: 'upload', kind: 'upload', params: { s3: d.s3, region: exp.region }, inputs: { export: exported } },
      ['distillation.s3', 'region'],
    );
    add(
      {
        id: 'distill',
        kind: 'distill',
        params: {
          region: exp.region,
          teacher: exp.teacher?.model ?? null,
          student: exp.student.base,
          role: d.role,
          s3: d.s3,
          maxResponseLength: d.maxResponseLength,
          trainingData: (d.trainingData ?? { source: 'prompts' }) as JsonObject,
        },
        inputs: { upload },
      },
      ['distillation', 'region', 'teacher', 'student'],
    );
  }
  return steps;
}

/** The files of a step kind's artifact worth pointing the user at after a run. */
export const headlineOutputs: Record<string, string[]> = {
  export: ['train.bedrock.jsonl', 'validation.json'],
  report: ['dataset-report.json'],
};
