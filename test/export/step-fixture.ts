import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Manifest, StepContext, StepInput } from '../../src/graph/step.js';
import type { JsonObject } from '../../src/json.js';

/** Temporary artifacts and a StepContext to run one step kind in a test. */
export class StepFixture {
  readonly root = mkdtempSync(path.join(tmpdir(), 'fc-distill-step-'));
  readonly logs: string[] = [];

  /** An input artifact directory holding the given files. */
  input(stepId: string, kind: string, files: Record<string, string>): StepInput {
    const dir = path.join(this.root, 'in', stepId);
    mkdirSync(dir, { recursive: true });
    for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
    return { stepId, kind, key: `${stepId}-key`, dir, manifest: {} as Manifest };
  }

  context<P extends JsonObject>(stepId: string, params: P, inputs: Record<string, StepInput>, projectDir = this.root): StepContext<P> {
    const outDir = path.join(this.root, 'out', stepId);
    const stateDir = path.join(this.root, 'state', stepId);
    mkdirSync(outDir, { recursive: true });
    mkdirSync(stateDir, { recursive: true });
    return {
      stepId,
      key: `${stepId}-key`,
      params,
      inputs,
      outDir,
      stateDir,
      projectDir,
      log: (m) => this.logs.push(m),
      progress: () => {},
      signal: new AbortController().signal,
    };
  }

  cleanup(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

export const jsonl = (rows: unknown[]) => rows.map((r) => `${JSON.stringify(r)}\n`).join('');
