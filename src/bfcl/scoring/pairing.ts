/**
 * Pairing result lines with dataset entries.
 *
 * BFCL sorts the results by (category, leading integer of the id) and pairs them with the
 * questions BY POSITION: with a clean file that is the same as pairing by id. With a damaged
 * file BFCL either stops (count mismatch) or silently pairs an answer with the wrong question.
 * Here every line goes to the dataset entry with its id (a repeated id, as v3 live_relevance
 * has, takes the next free entry with that id), and what does not fit is named:
 *   - a line with an id that is not in the category: `unknown-id`, ignored;
 *   - a second line for an id: `duplicate-id`, ignored (the first line in sorted order is used);
 *   - a damaged line whose id can be read from its text: that entry fails with the reason;
 *   - an entry no line answers: `missing`, a failure named "missing from result file"
 *     (with `partial`, BFCL's --partial-eval: left out of the category instead).
 */
import type { CategoryData } from './data-files.js';
import { compareSortKeys, idSortKey } from './data-files.js';
import type { ResultFile, ResultLine, ResultProblem } from './results-files.js';

export interface PairedEntry {
  /** Index into the category's data entries. */
  index: number;
  id: string;
  /** The line that answers this entry; absent when the entry fails for a file problem. */
  line?: ResultLine;
  /** Set when the entry cannot be scored: it counts as a failure with this reason. */
  problem?: ResultProblem;
}

export interface Pairing {
  /** In dataset order; entries left out by `partial` are absent. */
  entries: PairedEntry[];
  /** Lines that answer no entry (unknown or duplicate ids, unreadable lines without an id). */
  ignored: ResultProblem[];
  /** How BFCL's own positional pairing would have gone, when it differs from ours. */
  bfclNote?: string;
}

/** Result lines in BFCL's order: sort_key (category, leading integer), stable. */
export function sortLikeBfcl(lines: readonly ResultLine[]): ResultLine[] {
  const keyed = lines.map((l, i) => ({ l, i, k: idSortKey(l.id) }));
  keyed.sort((a, b) => {
    if (a.k && b.k) return compareSortKeys(a.k, b.k) || a.i - b.i;
    if (a.k) return -1;
    if (b.k) return 1;
    return a.i - b.i;
  });
  return keyed.map((x) => x.l);
}

export function pairResults(data: CategoryData, file: ResultFile, options: { partial?: boolean } = {}): Pairing {
  const positions = data.positions();
  const next = new Map<string, number>(); // how many entries of an id are taken
  const byIndex: (PairedEntry | undefined)[] = new Array(data.size);
  const firstLine = new Map<string, number>();
  const ignored: ResultProblem[] = [];
  const sorted = sortLikeBfcl(file.lines);

  for (const line of sorted) {
    const slots = positions.get(line.id);
    if (!slots) {
      ignored.push({
        kind: 'unknown-id',
        line: line.line,
        id: line.id,
        message: `line ${line.line}: id ${line.id} is not in ${data.category} of the dataset; ignored`,
      });
      continue;
    }
    const taken = next.get(line.id) ?? 0;
    if (taken >= slots.length) {
      ignored.push({
        kind: 'duplicate-id',
        line: line.line,
        id: line.id,
        message: `line ${line.line}: duplicate id ${line.id} (already answered on line ${firstLine.get(line.id)}); ignored`,
      });
      continue;
    }
    next.set(line.id, taken + 1);
    if (!firstLine.has(line.id)) firstLine.set(line.id, line.line);
    const index = slots[taken]!;
    byIndex[index] =
      line.result === undefined
        ? {
            index,
            id: line.id,
            line,
            problem: { kind: 'no-result', line: line.line, id: line.id, message: `result line ${line.line} has no "result" field` },
          }
        : { index, id: line.id, line };
  }

  for (const problem of file.problems) {
    const slots = problem.id === undefined ? undefined : positions.get(problem.id);
    const taken = problem.id === undefined ? 0 : next.get(problem.id) ?? 0;
    if (slots && taken < slots.length) {
      next.set(problem.id!, taken + 1);
      const index = slots[taken]!;
      byIndex[index] = { index, id: problem.id!, problem };
    } else {
      const suffix =
        problem.id === undefined
          ? ''
          : slots
            ? ` (id ${problem.id} is answered by another line)`
            : ` (id ${problem.id} is not in ${data.category} of the dataset)`;
      ignored.push({ ...problem, message: `${problem.message}${suffix}; ignored` });
    }
  }

  const entries: PairedEntry[] = [];
  let missing = 0;
  for (let i = 0; i < data.size; i++) {
    const e = byIndex[i];
    if (e) {
      entries.push(e);
      continue;
    }
    missing++;
    if (options.partial) continue;
    const id = data.entries[i]!.id;
    entries.push({ index: i, id, problem: { kind: 'missing', id, message: 'missing from result file' } });
  }

  ignored.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  return { entries, ignored, ...bfclNote(data, sorted, file, missing, options.partial ?? false) };
}

/** What BFCL would have done with this file, when that is not what we did. */
function bfclNote(
  data: CategoryData,
  sorted: ResultLine[],
  file: ResultFile,
  missing: number,
  partial: boolean,
): { bfclNote?: string } {
  if (file.problems.length > 0) {
    return { bfclNote: `BFCL cannot load this file (json.loads fails on line ${file.problems[0]!.line})` };
  }
  if (!partial && sorted.length !== data.size) {
    return { bfclNote: `BFCL stops on this file: ${sorted.length} results for ${data.size} questions` };
  }
  if (partial && missing > 0) return {};
  const unknown = sorted.find((l) => !data.positions().has(l.id));
  if (unknown && data.version !== 'v3') {
    // v4 first cuts the questions to the ids present, then the counts no longer match.
    return { bfclNote: `BFCL stops on this file: id ${unknown.id} (line ${unknown.line}) is not in the dataset` };
  }
  let wrong = 0;
  let example = '';
  for (let i = 0; i < Math.min(sorted.length, data.size); i++) {
    if (sorted[i]!.id !== data.entries[i]!.id) {
      if (wrong === 0) example = `line ${sorted[i]!.line} (${sorted[i]!.id}) would be checked against ${data.entries[i]!.id}`;
      wrong++;
    }
  }
  return wrong > 0 ? { bfclNote: `BFCL pairs by position and would mis-pair ${wrong} entries, e.g. ${example}` } : {};
}
