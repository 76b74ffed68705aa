import { StepError } from '../errors.js';
import type { StepKind } from '../graph/step.js';

/**
 * The Bedrock half of the pipeline (upload, distill) is planned, keyed and preflighted like
 * any step, but its execution is not in this build yet: running it fails with a message
 * saying so rather than pretending. Replaced by real modules when the Bedrock stage lands.
 */
function pending(kind: string, description: string): StepKind {
  return {
    kind,
    version: 0,
    description,
    remote: true,
    async run() {
      throw new StepError(
        kind,
        `the ${kind} step (${description}) is not available in this build of fc-distill yet; every local step before it is done and cached`,
      );
    },
  };
}

export const uploadStep = pending('upload', 'upload the exported JSONL to S3 under a content-addressed key');
export const distillStep = pending('distill', 'Bedrock model customization job of type DISTILLATION');
