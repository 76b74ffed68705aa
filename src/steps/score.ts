import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from '../errors.js';
import type { StepKind } from '../graph/step.js';
import type { Json, JsonObject } from '../json.js';
import { BFCL_VERSIONS, type BfclExample, type BfclVersion } from '../bfcl/records.js';
import { scoreEntry } from '../bfcl/scoring/entry.js';
import { parsePyJson } from '../bfcl/scoring/pyjson.js';
import type { DecoderKind, PyDict, PyValue } from '../bfcl/scoring/types.js';
import { bfclScoreFiles, BFCL_SCORE_DIR, scoreFolderName, type ScoredExample } from '../results/bfcl-files.js';
import { readJsonIfPresent } from '../files.js';
import { llamaJsonToList } from '../models/llama-json.js';
import { percentile, type ResponseLine } from './infer.js';

/**
 * score: one infer artifact scored with the TypeScript BFCL checker.
 *
 * Inputs: `responses` (infer: responses.jsonl, infer.json), `examples` (split: eval.jsonl).
 * Params: `model`, `approach`, `answerFormat` (the prompt's: json-list | llama-json | python).
 * Decoding: tool-config -> BFCL's `fc` decoder over `[{name: "<raw arguments JSON>"}]` (names
 * were mapped back to BFCL's by the provider, so underscoreToDot is off; a text-only answer is
 * scored as its text: no call); prompt -> `json-text` for json-list and llama-json (llama's
 * `;`-joined objects are first turned into a JSON list by src/models/llama-json.ts), `python`
 * for python (with `<thinking>` blocks removed first, as json-text does itself).
 * Writes `outcomes.jsonl` ({id, category, model, approach, valid, errorType}, eval order),
 * `score.json` ({model, approach, bfclVersion, perCategory {n, correct, accuracy}, overall,
 * latencyMs p50/p95, tokens, costUsd}) and BFCL's score files for this model x approach, as
 * `bfcl evaluate` lays them out for the data version (src/bfcl/scoring/score-files.ts), under
 * `bfcl/<model>.<approach>/`: the results step copies them into results/<experiment>/bfcl/.
 */

export interface ScoreParams extends JsonObject {
  model: string;
  approach: string;
  answerFormat: string;
}

const THINKING = /<(thinking|think|reasoning)>[\s\S]*?<\/\1>/g;

/** The `result` the BFCL decoder sees for a response, and the decoder to use. */
export function resultFor(response: Pick<ResponseLine, 'text' | 'toolCalls'>, approach: string, answerFormat: string): { result: PyValue; decoder: DecoderKind } {
  if (approach === 'tool-config') {
    if (response.toolCalls.length === 0) return { result: response.text.replace(THINKING, '').trim() === '' ? '' : response.text, decoder: 'fc' };
    return { result: response.toolCalls.map((c) => new Map([[c.name, c.argumentsJson]]) as PyDict), decoder: 'fc' };
  }
  if (answerFormat === 'python') return { result: response.text.replace(THINKING, '').trim(), decoder: 'python' };
  if (answerFormat === 'llama-json') return { result: llamaJsonToList(response.text), decoder: 'json-text' };
  return { result: response.text, decoder: 'json-text' };
}

export const scoreStep: StepKind<ScoreParams> = {
  kind: 'score',
  version: 2,
  description: 'score one model x approach with the BFCL AST checker (per-example outcomes, per-category accuracy, BFCL score files)',
  async run(ctx) {
    const responsesInput = ctx.inputs.responses;
    const examplesInput = ctx.inputs.examples;
    if (!responsesInput || !examplesInput) throw new Error(`step '${ctx.stepId}' needs inputs 'responses' (infer) and 'examples' (split)`);
    const { model, approach } = ctx.params;
    const answerFormat = ctx.params.answerFormat ?? 'json-list';
    const read = async (file: string) => (await readFile(file, 'utf8')).split('\n').filter((l) => l.trim() !== '');
    const bfclVersion = await datasetVersion(path.join(examplesInput.dir, 'split.json'), ctx.stepId);
    const examples = new Map((await read(path.join(examplesInput.dir, 'eval.jsonl'))).map((l) => {
      const e = JSON.parse(l) as BfclExample;
      return [e.id, { example: e, line: l }] as const;
    }));
    const responses = (await read(path.join(responsesInput.dir, 'responses.jsonl'))).map((l) => JSON.parse(l) as ResponseLine);
    const infer = JSON.parse(await readFile(path.join(responsesInput.dir, 'infer.json'), 'utf8')) as { tokens?: Json; costUsd?: number };

    const outcomes: string[] = [];
    const scored: ScoredExample[] = [];
    const perCategory: Record<string, { n: number; correct: number; accuracy: number }> = {};
    const errorTypes: Record<string, number> = {};
    let correct = 0;
    for (const r of responses) {
      const found = examples.get(r.id);
      if (!found) throw new InputError(`step '${ctx.stepId}': response for ${r.id}, which is not in the eval split`);
      const example = found.example;
      const { result, decoder } = resultFor(r, approach, answerFormat);
      const outcome = scoreEntry({
        id: r.id,
        category: example.category,
        result,
        functions: example.functions ?? [],
        groundTruth: example.answerJson === null ? null : parsePyJson(example.answerJson),
        underscoreToDot: false,
        decoder,
      });
      scored.push({ ...found, result, outcome });
      const c = (perCategory[example.category] ??= { n: 0, correct: 0, accuracy: 0 });
      c.n++;
      if (outcome.valid) {
        c.correct++;
        correct++;
      } else errorTypes[outcome.errorType ?? 'unknown'] = (errorTypes[outcome.errorType ?? 'unknown'] ?? 0) + 1;
      outcomes.push(JSON.stringify({ id: r.id, category: example.category, model, approach, valid: outcome.valid, errorType: outcome.valid ? null : outcome.errorType ?? null }));
    }
    for (const c of Object.values(perCategory)) c.accuracy = c.n ? c.correct / c.n : 0;
    const latencies = responses.map((r) => r.latencyMs);
    const score = {
      model,
      approach,
      answerFormat,
      bfclVersion: bfclVersion ?? null,
      perCategory: Object.fromEntries(Object.entries(perCategory).sort(([a], [b]) => a.localeCompare(b))),
      overall: { n: responses.length, correct, accuracy: responses.length ? correct / responses.length : 0 },
      errorTypes: Object.fromEntries(Object.entries(errorTypes).sort(([a], [b]) => a.localeCompare(b))),
      latencyMs: { p50: percentile(latencies, 50), p95: percentile(latencies, 95) },
      tokens: infer.tokens ?? null,
      costUsd: infer.costUsd ?? 0,
    };
    await writeFile(path.join(ctx.outDir, 'outcomes.jsonl'), outcomes.map((l) => `${l}\n`).join(''));
    await writeFile(path.join(ctx.outDir, 'score.json'), `${JSON.stringify(score, null, 2)}\n`);
    const folder = scoreFolderName(model, approach);
    if (!bfclVersion) ctx.log(`the eval split has no split.json (data version unknown): no BFCL score files written`);
    for (const [file, text] of bfclVersion ? bfclScoreFiles(bfclVersion, folder, scored) : []) {
      const target = path.join(ctx.outDir, BFCL_SCORE_DIR, file);
      await mkdir(path.dirname(target), { recursive: true });
      await writeFile(target, text);
    }
    return {
      summary: { model, approach, accuracy: score.overall.accuracy, n: score.overall.n } as Json,
      display: [`${model} ${approach}: ${correct}/${responses.length} correct (${((100 * correct) / Math.max(1, responses.length)).toFixed(1)}%)`],
    };
  },
};

/**
 * The data version the eval split came from (split.json, written by the split step); undefined
 * when the examples come from an artifact without one (a stand-in split): then there are no
 * BFCL score files, whose names and field order depend on the version.
 */
async function datasetVersion(file: string, stepId: string): Promise<BfclVersion | undefined> {
  let split: { dataset?: { version?: unknown } } | undefined;
  try {
    split = (await readJsonIfPresent(file)) as typeof split;
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    throw new InputError(`step '${stepId}' cannot read the BFCL data version (${error.message}): the split artifact is damaged; rerun with --force split.`);
  }
  if (split === undefined) return undefined;
  const version = split?.dataset?.version;
  if (!BFCL_VERSIONS.includes(version as BfclVersion)) {
    throw new InputError(`step '${stepId}': ${file} names data version ${JSON.stringify(version)}, expected one of ${BFCL_VERSIONS.join(', ')}; rerun with --force split.`);
  }
  return version as BfclVersion;
}
