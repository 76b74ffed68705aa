/**
 * Scorer throughput: fc-distill's scoreEntry in-process against BFCL's official checker
 * (python/bfcl_check.py) on the same generated entries, in the same run. For `npm run bench`.
 *
 * Both sides are timed on decode + check only, inputs already loaded: ours after parsePyJson of the
 * result and ground truth (what reading a result file costs), the official one after json.loads of
 * the input lines (timed inside Python around eval_runner's per-entry functions). The whole Python
 * process (start-up, imports, JSON I/O) is reported separately.
 */
import { scoreEntry } from '../../../src/bfcl/scoring/entry.js';
import type { EntryInput } from '../../../src/bfcl/scoring/types.js';
import { type DiffEntry, generateEntries } from './mutate.js';
import { bfclDataDir, runOfficial } from './official-checker.js';
import { toEntryInput } from './ours.js';

export interface ThroughputOptions {
  /** Entries scored per repetition (an even sample of the generated v4 entries). Default 20,000. */
  entries?: number;
  /** Repetitions; each side reports its best. Default 3. */
  repeat?: number;
  seed?: string;
}

export interface ThroughputReport {
  entries: number;
  repeat: number;
  ours: { seconds: number; entriesPerSecond: number };
  official: {
    /** Decode + check loop inside Python (best repetition). */
    checkSeconds: number;
    entriesPerSecond: number;
    /** The whole Python process: start-up, imports, reading and writing JSON lines, all repetitions. */
    processSeconds: number;
    importSeconds: number;
  };
  /** ours.entriesPerSecond / official.entriesPerSecond (target: at least 20). */
  ratio: number;
}

/** An even, deterministic sample of `n` entries (all categories and mutation kinds stay represented). */
export function sampleEntries(entries: readonly DiffEntry[], n: number): DiffEntry[] {
  if (n >= entries.length) return [...entries];
  const step = entries.length / n;
  return Array.from({ length: n }, (_, i) => entries[Math.floor(i * step)] as DiffEntry);
}

export async function measureScorerThroughput(options: ThroughputOptions = {}): Promise<ThroughputReport> {
  const repeat = Math.max(1, options.repeat ?? 3);
  const all = generateEntries(await bfclDataDir('v4'), 'v4', options.seed === undefined ? {} : { seed: options.seed });
  const entries = sampleEntries(all, options.entries ?? 20_000);

  // Ours: warm up (JIT), then time scoreEntry over fresh inputs per repetition.
  let oursBest = Infinity;
  for (let r = 0; r <= repeat; r++) {
    const inputs: EntryInput[] = entries.map(toEntryInput);
    const start = process.hrtime.bigint();
    for (const input of inputs) scoreEntry(input);
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    if (r > 0) oursBest = Math.min(oursBest, seconds); // repetition 0 is the warm-up
  }

  const official = await runOfficial(entries, { repeat });
  const oursEps = entries.length / oursBest;
  const officialEps = entries.length / official.checkSeconds;
  return {
    entries: entries.length,
    repeat,
    ours: { seconds: oursBest, entriesPerSecond: oursEps },
    official: {
      checkSeconds: official.checkSeconds,
      entriesPerSecond: officialEps,
      processSeconds: official.processSeconds,
      importSeconds: official.importSeconds,
    },
    ratio: oursEps / officialEps,
  };
}

export function formatThroughput(r: ThroughputReport): string {
  const eps = (x: number) => `${Math.round(x).toLocaleString('en-US')} entries/s`;
  return [
    `scorer throughput on ${r.entries.toLocaleString('en-US')} generated BFCL v4 entries (best of ${r.repeat}):`,
    `  fc-distill (in-process):        ${eps(r.ours.entriesPerSecond)} (${(r.ours.seconds * 1000).toFixed(0)} ms)`,
    `  BFCL official checker (Python): ${eps(r.official.entriesPerSecond)} (${(r.official.checkSeconds * 1000).toFixed(0)} ms in the check loop; ` +
      `whole process ${(r.official.processSeconds * 1000).toFixed(0)} ms for ${r.repeat} loops incl. ${(r.official.importSeconds * 1000).toFixed(0)} ms imports)`,
    `  ratio: ${r.ratio.toFixed(1)}x (target >= 20x)`,
  ].join('\n');
}
