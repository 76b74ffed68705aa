/**
 * BFCL's official single-turn checker, run through python/bfcl_check.py in the project's venv
 * (bfcl-eval pinned in python/bfcl-eval-v4.txt, installed once by ensureRequirements).
 * Test tooling only: fc-distill itself never runs the Python scorer.
 */
import { join } from 'node:path';
import { execa } from 'execa';
import { ensureRequirements, ensureVenv, packageRoot } from '../../../src/python/venv.js';
import type { DiffEntry } from './mutate.js';

export interface OfficialOutcome {
  id: string;
  /** null when BFCL's checker raised (it would crash on that entry). */
  valid: boolean | null;
  error_type: string | null;
  /** The `error` list as BFCL's score file would hold it (`json.dumps(make_json_serializable(error), ensure_ascii=False)`); for a crash, the exception. */
  error_text: string | null;
}

export interface OfficialRun {
  outcomes: Map<string, OfficialOutcome>;
  count: number;
  /** Time inside Python around the decode+check loop only (best of `repeat`). */
  checkSeconds: number;
  /** Wall time of the whole Python process, from spawn to exit (imports, JSON I/O, `repeat` loops). */
  processSeconds: number;
  importSeconds: number;
}

export const SHIM = join(packageRoot, 'python', 'bfcl_check.py');

/** Installs (once) the pinned bfcl-eval whose checker is the reference, and returns its folder. */
export async function officialCheckerPath(): Promise<string> {
  return ensureRequirements('bfcl-eval-v4');
}

/** Data folder of a pinned bfcl-eval release (`BFCL_v3_*` from bfcl-eval-v3, `BFCL_v4_*` from bfcl-eval-v4). */
export async function bfclDataDir(version: 'v3' | 'v4'): Promise<string> {
  return join(await ensureRequirements(`bfcl-eval-${version}`), 'bfcl_eval', 'data');
}

/** The shim's stdin: one `define` line per data entry (docs and ground truth), then entries referring to it. */
export function shimInput(entries: readonly DiffEntry[]): string {
  const lines: string[] = [];
  const defined = new Set<string>();
  for (const e of entries) {
    if (!defined.has(e.ref)) {
      defined.add(e.ref);
      lines.push(`{"define": ${JSON.stringify(e.ref)}, "functions": ${e.functionsJson}, "ground_truth": ${e.groundTruthJson ?? 'null'}}`);
    }
    lines.push(
      `{"id": ${JSON.stringify(e.id)}, "category": ${JSON.stringify(e.category)}, "model_result": ${e.resultJson}, ` +
        `"ref": ${JSON.stringify(e.ref)}, "underscore_to_dot": ${e.underscoreToDot}, "decoder": ${JSON.stringify(e.decoder)}}`,
    );
  }
  return lines.join('\n') + '\n';
}

/** Scores entries with the official checker in one Python process. */
export async function runOfficial(entries: readonly DiffEntry[], options: { repeat?: number } = {}): Promise<OfficialRun> {
  const [python, bfclEval] = await Promise.all([ensureVenv(), officialCheckerPath()]);
  const input = shimInput(entries);
  const started = process.hrtime.bigint();
  const { stdout } = await execa(python, [SHIM, '--repeat', String(options.repeat ?? 1)], {
    input,
    env: { PYTHONPATH: bfclEval, PYTHONHASHSEED: '0', PYTHONDONTWRITEBYTECODE: '1' },
    maxBuffer: 2 ** 30,
    stripFinalNewline: true,
  });
  const processSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  const outcomes = new Map<string, OfficialOutcome>();
  let summary: { count: number; check_seconds: number; import_seconds: number } | undefined;
  for (const line of stdout.split('\n')) {
    if (!line) continue;
    const record = JSON.parse(line) as OfficialOutcome & { summary?: boolean; count: number; check_seconds: number; import_seconds: number };
    if (record.summary) summary = record;
    else outcomes.set(record.id, record);
  }
  if (!summary) throw new Error('bfcl_check.py ended without its summary line');
  if (outcomes.size !== entries.length) throw new Error(`bfcl_check.py answered ${outcomes.size} of ${entries.length} entries`);
  return {
    outcomes,
    count: summary.count,
    checkSeconds: summary.check_seconds,
    processSeconds,
    importSeconds: summary.import_seconds,
  };
}
