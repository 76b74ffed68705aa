import type { StepKind } from '../graph/step.js';

/**
 * The one place step kinds are registered. Adding a kind = one module in src/steps/ plus
 * one line here.
 */
export const stepKinds: Record<string, StepKind<any>> = {};

export function stepKind(kind: string): StepKind<any> {
  const found = stepKinds[kind];
  if (!found) throw new Error(`unknown step kind '${kind}' (registered: ${Object.keys(stepKinds).join(', ')})`);
  return found;
}
