/**
 * The two kinds of failure the CLI distinguishes, so that exit codes mean something:
 * 2 = the user's input is wrong (config, dataset, template): fix it and rerun;
 * 1 = a step failed while running (remote job failed, network gave up).
 */

/** Where in a file a problem is; line and column are 1-based. */
export interface SourcePosition {
  file: string;
  line?: number;
  col?: number;
}

export function formatPosition(pos: SourcePosition): string {
  if (pos.line === undefined) return pos.file;
  return pos.col === undefined ? `${pos.file}:${pos.line}` : `${pos.file}:${pos.line}:${pos.col}`;
}

/** Bad input: exit code 2. The message is one paragraph saying what is wrong and what to do. */
export class InputError extends Error {
  readonly exitCode = 2;
  constructor(
    message: string,
    readonly position?: SourcePosition,
    /** Further errors found in the same pass, so the user can fix them all at once. */
    readonly more: InputError[] = [],
  ) {
    super(message);
    this.name = 'InputError';
  }

  /** `file:line:col: message`, one line per error. */
  describe(): string {
    return [this, ...this.more]
      .map((e) => (e.position ? `${formatPosition(e.position)}: ${e.message}` : e.message))
      .join('\n');
  }
}

/** A step that failed while executing: exit code 1. `step` names the step id. */
export class StepError extends Error {
  readonly exitCode = 1;
  constructor(
    readonly step: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StepError';
  }
}
