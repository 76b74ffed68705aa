/** fc-distill's scorer on generated entries, in the shape the differential test compares. */
import type { BfclFunctionDoc } from '../../../src/bfcl/records.js';
import { scoreEntry } from '../../../src/bfcl/scoring/entry.js';
import { parsePyJson } from '../../../src/bfcl/scoring/pyjson.js';
import { makeJsonSerializable, pyJsonStringify } from '../../../src/bfcl/scoring/pyvalue.js';
import type { EntryInput, EntryOutcome } from '../../../src/bfcl/scoring/types.js';
import type { DiffEntry } from './mutate.js';

export interface OurOutcome {
  id: string;
  /** null when scoreEntry threw. */
  valid: boolean | null;
  errorType: string | null;
  /** The error list as our score file would hold it (same form as the official shim's error_text). */
  errorText: string | null;
}

/** The scorer's input for an entry: result and ground truth through parsePyJson, as fc-distill reads result and data files. */
export function toEntryInput(e: DiffEntry): EntryInput {
  return {
    id: e.id,
    category: e.category,
    result: parsePyJson(e.resultJson),
    functions: JSON.parse(e.functionsJson) as BfclFunctionDoc[],
    groundTruth: e.groundTruthJson === null ? null : parsePyJson(e.groundTruthJson),
    underscoreToDot: e.underscoreToDot,
    decoder: e.decoder,
  };
}

function errorText(outcome: EntryOutcome): string | null {
  if (outcome.valid || outcome.error === undefined) return null;
  try {
    return pyJsonStringify(makeJsonSerializable(outcome.error));
  } catch (error) {
    return `<not serializable: ${(error as Error).message}>`;
  }
}

export function scoreOne(e: DiffEntry): OurOutcome {
  try {
    const outcome = scoreEntry(toEntryInput(e));
    return { id: e.id, valid: outcome.valid, errorType: outcome.valid ? null : (outcome.errorType ?? null), errorText: errorText(outcome) };
  } catch (error) {
    return { id: e.id, valid: null, errorType: `crash:${(error as Error).name}`, errorText: String((error as Error).stack ?? error) };
  }
}

export function scoreOurs(entries: readonly DiffEntry[]): Map<string, OurOutcome> {
  const out = new Map<string, OurOutcome>();
  for (const e of entries) out.set(e.id, scoreOne(e));
  return out;
}
