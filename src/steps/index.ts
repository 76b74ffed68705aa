import type { StepKind } from '../graph/step.js';
import { filterStep } from './filter.js';
import { loadStep } from './load.js';
import { mixinStep } from './mixin.js';
import { splitStep } from './split.js';
import { uploadStep } from './upload.js';
import { distillStep } from './distill.js';
import { deployStep } from './deploy.js';
import { teardownStep } from './teardown.js';
import { exportStep } from './export.js';
import { renderStep } from './render.js';
import { reportStep } from './report.js';
import { inferStep } from './infer.js';
import { scoreStep } from './score.js';
import { resultsStep } from './results.js';

/**
 * The one place step kinds are registered. Adding a kind = one module in src/steps/ plus
 * one line here.
 */
export const stepKinds: Record<string, StepKind<any>> = {
  [loadStep.kind]: loadStep,
  [filterStep.kind]: filterStep,
  [splitStep.kind]: splitStep,
  [mixinStep.kind]: mixinStep,
  [renderStep.kind]: renderStep,
  [exportStep.kind]: exportStep,
  [reportStep.kind]: reportStep,
  [uploadStep.kind]: uploadStep,
  [distillStep.kind]: distillStep,
  [deployStep.kind]: deployStep,
  [teardownStep.kind]: teardownStep,
  [inferStep.kind]: inferStep,
  [scoreStep.kind]: scoreStep,
  [resultsStep.kind]: resultsStep,
};

export function stepKind(kind: string): StepKind<any> {
  const found = stepKinds[kind];
  if (!found) throw new Error(`unknown step kind '${kind}' (registered: ${Object.keys(stepKinds).join(', ')})`);
  return found;
}
