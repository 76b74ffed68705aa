/**
 * Entry-by-entry conformance with the official BFCL scorer on real model outputs: every result
 * of every run/model/category in `<shared>/conformance/gpt-oss` is scored with the 'fc' decoder
 * (underscore-to-dot on, as for OpenAI-style FC models) and compared with the official score
 * file: same failing ids, same error_type, same `error` (compared as json.dumps text).
 * Results are joined with questions by id (file-level pairing is tested elsewhere).
 * Categories without question data here (simple_java, simple_javascript) are skipped.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { BfclFunctionDoc } from '../../../src/bfcl/records.js';
import { scoreEntry } from '../../../src/bfcl/scoring/entry.js';
import { parsePyJson } from '../../../src/bfcl/scoring/pyjson.js';
import { pyJsonStringify } from '../../../src/bfcl/scoring/pyvalue.js';
import type { EntryInput, PyDict, PyValue } from '../../../src/bfcl/scoring/types.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const shared = process.env.FC_DISTILL_SHARED ?? path.resolve(repoRoot, '../shared');
const conformance = path.join(shared, 'conformance');
const dataDir = path.join(conformance, 'bfcl-data-v4');
const runsDir = path.join(conformance, 'gpt-oss');
const available = fs.existsSync(runsDir) && fs.existsSync(dataDir);

function jsonLines(file: string): string[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '');
}

interface Question {
  functions: BfclFunctionDoc[];
  groundTruth: PyValue | null;
}

function loadQuestions(category: string): Map<string, Question> | undefined {
  const qFile = path.join(dataDir, `BFCL_v4_${category}.json`);
  if (!fs.existsSync(qFile)) return undefined;
  const questions = new Map<string, Question>();
  for (const line of jsonLines(qFile)) {
    const q = JSON.parse(line) as { id: string; function?: BfclFunctionDoc[] };
    questions.set(q.id, { functions: q.function ?? [], groundTruth: null });
  }
  const aFile = path.join(dataDir, 'possible_answer', `BFCL_v4_${category}.json`);
  if (fs.existsSync(aFile)) {
    for (const line of jsonLines(aFile)) {
      const a = parsePyJson(line) as PyDict;
      questions.get(a.get('id') as string)!.groundTruth = a.get('ground_truth')!;
    }
  }
  return questions;
}

interface Mismatch {
  where: string;
  id: string;
  problem: string;
}

describe.skipIf(!available)(`conformance with official BFCL score files (${runsDir})`, () => {
  it('marks exactly the official failures, with the same error_type and error', () => {
    const questionCache = new Map<string, Map<string, Question> | undefined>();
    const inputs: { where: string; input: EntryInput; official: PyDict | undefined }[] = [];
    let skipped = 0;
    for (const run of fs.readdirSync(runsDir).sort()) {
      const resultRoot = path.join(runsDir, run, 'result');
      if (!fs.existsSync(resultRoot)) continue;
      for (const model of fs.readdirSync(resultRoot).sort()) {
        for (const group of ['live', 'non_live']) {
          const dir = path.join(resultRoot, model, group);
          if (!fs.existsSync(dir)) continue;
          for (const file of fs.readdirSync(dir).sort()) {
            const m = /^BFCL_v4_(.+)_result\.json$/.exec(file);
            if (!m) continue;
            const category = m[1]!;
            if (!questionCache.has(category)) questionCache.set(category, loadQuestions(category));
            const questions = questionCache.get(category);
            const results = jsonLines(path.join(dir, file)).map((l) => parsePyJson(l) as PyDict);
            if (!questions) {
              skipped += results.length;
              continue;
            }
            const scoreFile = path.join(runsDir, run, 'score', model, group, `BFCL_v4_${category}_score.json`);
            const official = new Map<string, PyDict>();
            for (const line of jsonLines(scoreFile).slice(1)) {
              const s = parsePyJson(line) as PyDict;
              official.set(s.get('id') as string, s);
            }
            for (const r of results) {
              const id = r.get('id') as string;
              const q = questions.get(id);
              expect(q, `${run}/${model}/${category}: no question ${id}`).toBeDefined();
              inputs.push({
                where: `${run}/${model}/${category}`,
                official: official.get(id),
                input: {
                  id,
                  category,
                  result: r.get('result')!,
                  functions: q!.functions,
                  groundTruth: q!.groundTruth,
                  underscoreToDot: true,
                  decoder: 'fc',
                },
              });
              official.delete(id);
            }
            expect([...official.keys()], `${run}/${model}/${category}: failures without a result`).toEqual([]);
          }
        }
      }
    }

    const mismatches: Mismatch[] = [];
    let failing = 0;
    const start = performance.now();
    const outcomes = inputs.map(({ input }) => scoreEntry(input));
    const elapsed = performance.now() - start;
    outcomes.forEach((out, i) => {
      const { where, input, official } = inputs[i]!;
      const add = (problem: string) => mismatches.push({ where, id: input.id, problem });
      if (!official) {
        if (!out.valid) add(`we fail (${out.errorType}), official passes`);
        return;
      }
      failing++;
      if (out.valid) return add(`we pass, official fails (${String(official.get('error_type'))})`);
      if (out.errorType !== official.get('error_type')) return add(`error_type ${out.errorType} vs ${String(official.get('error_type'))}`);
      const ours = pyJsonStringify(out.error!);
      const theirs = pyJsonStringify(official.get('error')!);
      if (ours !== theirs) add(`error\n  ours:     ${ours}\n  official: ${theirs}`);
    });

    console.log(
      `BFCL conformance: compared ${inputs.length} entries (${failing} official failures), ` +
        `${mismatches.length} mismatches, ${skipped} skipped (no question data); ` +
        `scored in ${elapsed.toFixed(0)} ms (${Math.round((inputs.length / elapsed) * 1000)} entries/s)`,
    );
    expect(inputs.length).toBeGreaterThan(10_000);
    expect(mismatches.slice(0, 20)).toEqual([]);
  });
});
