import { execFile } from 'node:child_process';
import { cp, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { BFCL_VERSIONS, type BfclVersion } from '../bfcl/records.js';
import { readScoreHeaders } from '../bfcl/scoring/score-files.js';
import { StepError } from '../errors.js';
import { canonicalJson, sha256Hex } from '../graph/keys.js';
import type { StepKind } from '../graph/step.js';
import type { Json, JsonObject } from '../json.js';
import {
  OUTCOMES_FILE,
  SUMMARY_FILE,
  bfclSummaryFigures,
  countOf,
  outcomesText,
  parseOutcomes,
  sortedRecord,
  summaryProblems,
  summaryText,
  type ModelResult,
  type Outcome,
  type ResultsSummary,
} from '../results/summary.js';
import { BFCL_SCORE_DIR, bfclTables, scoreFolderName } from '../results/bfcl-files.js';
import { writeFileAtomic } from '../files.js';

/**
 * results: every score artifact of a variant -> the committed results folder.
 *
 * Inputs: any number of score artifacts (roles `score.<model>.<approach>`) and, optionally,
 * `dataset` (the load or filter artifact: its dataset.json gives the data version and content
 * hash). Params: `experiment` (the variant's name: the folder under results/), optional `name`
 * (the experiment's name), `matrix` (the variant's matrix assignments) and `config` (the
 * variant's resolved experiment, so that `fc-distill diff` can compare configs).
 *
 * Writes `summary.json` (schemas/results.schema.json; checked against it before anything is
 * written), `outcomes.jsonl` (every per-example outcome {id, category, model, approach,
 * valid, errorType}, sorted by model, approach, id) and `bfcl/`: every score step's BFCL score
 * files (`bfcl/<model>.<approach>/BFCL_v3_<category>_score.json`, or for v4 data
 * `bfcl/<model>.<approach>/{live,non_live}/BFCL_v4_<category>_score.json`) and BFCL's
 * data_live.csv and data_non_live.csv over them (src/results/bfcl-files.ts). The artifact is
 * exactly this content; the step also writes it into <projectDir>/results/<experiment>/ (each
 * file renamed into place, bfcl/ replaced as a whole) so it can be committed. `gitCommit` is `git rev-parse HEAD` of the project when the step ran (not
 * part of the key: a cached results artifact keeps the commit of the run that made it).
 *
 * Step keys recorded in `steps`: `dataset` and `split` (what the examples came from), each
 * `infer.<model>.<approach>` and `score.<model>.<approach>`, and `results` (this step).
 */
export interface ResultsParams extends JsonObject {
  experiment: string;
}

/** `git rev-parse HEAD` in `dir`, or null (not a repository, no commits, no git). */
export function gitCommit(dir: string): Promise<string | null> {
  return new Promise((done) => {
    execFile('git', ['rev-parse', 'HEAD'], { cwd: dir, timeout: 10_000 }, (error, stdout) => {
      const out = String(stdout ?? '').trim();
      done(!error && /^[0-9a-f]{40,64}$/.test(out) ? out : null);
    });
  });
}

interface ScoreFile {
  model: string;
  approach: string;
  answerFormat?: string;
  bfclVersion?: string | null;
  errorTypes?: Record<string, number>;
  latencyMs?: { p50: number | null; p95: number | null };
  tokens?: { input: number; output: number } | null;
  costUsd?: number;
}

export const resultsStep: StepKind<ResultsParams> = {
  kind: 'results',
  version: 3,
  description: 'collect every score into results/<experiment>/ (summary.json, outcomes.jsonl, BFCL score files)',
  async run(ctx) {
    const p = ctx.params;
    const scoreRoles = Object.keys(ctx.inputs)
      .filter((r) => r !== 'dataset')
      .sort();
    const models: ModelResult[] = [];
    const outcomes: Outcome[] = [];
    const steps: Record<string, string> = { results: ctx.key };
    const bfclDir = path.join(ctx.outDir, BFCL_SCORE_DIR);
    const folders: string[] = [];
    const scoreVersions = new Set<string>();
    for (const role of scoreRoles) {
      const input = ctx.inputs[role]!;
      const score = JSON.parse(await readFile(path.join(input.dir, 'score.json'), 'utf8')) as ScoreFile;
      const mine = parseOutcomes(await readFile(path.join(input.dir, OUTCOMES_FILE), 'utf8'), `${input.stepId}/${OUTCOMES_FILE}`).map((o) => ({
        ...o,
        approach: o.approach || score.approach,
      }));
      outcomes.push(...mine);
      // Counts are recomputed from the outcomes, so that summary and outcomes cannot disagree.
      const perCategory: Record<string, { n: number; correct: number }> = {};
      for (const o of mine) {
        const c = (perCategory[o.category] ??= { n: 0, correct: 0 });
        c.n++;
        if (o.valid) c.correct++;
      }
      const correct = mine.filter((o) => o.valid).length;
      models.push({
        model: score.model,
        approach: score.approach,
        answerFormat: score.answerFormat ?? (score.approach === 'tool-config' ? 'native' : 'json-list'),
        overall: countOf(correct, mine.length),
        perCategory: sortedRecord(Object.fromEntries(Object.entries(perCategory).map(([k, c]) => [k, countOf(c.correct, c.n)]))),
        bfcl: {}, // below, once the data version is known
        errorTypes: sortedRecord(score.errorTypes ?? {}),
        latencyMs: { p50: score.latencyMs?.p50 ?? null, p95: score.latencyMs?.p95 ?? null },
        tokens: { input: score.tokens?.input ?? 0, output: score.tokens?.output ?? 0 },
        costUsd: score.costUsd ?? 0,
      });
      steps[input.stepId] = input.key;
      if (score.bfclVersion) scoreVersions.add(score.bfclVersion);
      const folder = scoreFolderName(score.model, score.approach);
      const from = path.join(input.dir, BFCL_SCORE_DIR, folder);
      if (await readdir(from).then(() => true, () => false)) {
        await cp(from, path.join(bfclDir, folder), { recursive: true });
        folders.push(folder);
      } else {
        ctx.log(`${input.stepId} wrote no BFCL score files (its data version was unknown): none for ${folder} in results/${p.experiment}/${BFCL_SCORE_DIR}/`);
      }
      const inferKey = input.manifest?.inputs?.responses;
      if (inferKey) steps[`infer.${score.model}.${score.approach}`] = inferKey;
      const splitKey = input.manifest?.inputs?.examples;
      if (splitKey) steps.split = splitKey;
    }
    const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
    models.sort((a, b) => cmp(a.model, b.model) || cmp(a.approach, b.approach));

    const config = (p.config ?? {}) as JsonObject;
    const configDataset = (config.dataset ?? {}) as JsonObject;
    let dataset: ResultsSummary['dataset'] = {
      source: String(configDataset.source ?? 'unknown'),
      version: String(configDataset.version ?? 'unknown'),
      categories: Array.isArray(configDataset.categories) ? configDataset.categories.map(String).sort() : [],
      contentHash: null,
    };
    const datasetInput = ctx.inputs.dataset;
    if (datasetInput) {
      steps.dataset = datasetInput.key;
      const info = JSON.parse(await readFile(path.join(datasetInput.dir, 'dataset.json'), 'utf8')) as { source: string; version: string; categories: string[]; contentHash: string };
      dataset = { source: info.source, version: info.version, categories: [...info.categories].sort(), contentHash: info.contentHash ?? null };
    }
    // BFCL's figures depend on the data version (v3 and v4 aggregate differently).
    for (const m of models) {
      const counts = Object.fromEntries(Object.entries(m.perCategory).map(([k, c]) => [k, { n: c.n, correct: c.correct }]));
      m.bfcl = bfclSummaryFigures(dataset.version, counts);
    }

    const summary: ResultsSummary = {
      schemaVersion: 1,
      experiment: {
        name: typeof p.name === 'string' ? p.name : typeof config.name === 'string' ? config.name : p.experiment,
        variant: p.experiment,
        matrix: p.matrix && typeof p.matrix === 'object' && !Array.isArray(p.matrix) ? sortedRecord(p.matrix as Record<string, unknown>) : null,
        key: sha256Hex(canonicalJson(config)),
      },
      dataset,
      gitCommit: await gitCommit(ctx.projectDir),
      config,
      steps: sortedRecord(steps),
      models,
    };
    const problems = summaryProblems(summary);
    if (problems.length) throw new StepError(ctx.stepId, `the summary does not match schemas/results.schema.json: ${problems.join('; ')}`);

    // The tables are made from the score files as BFCL reads them back, so that they cannot disagree.
    const version = [dataset.version, ...scoreVersions].find((v): v is BfclVersion => BFCL_VERSIONS.includes(v as BfclVersion));
    if (version && folders.length) {
      const { headers, unreadable } = await readScoreHeaders(bfclDir, version);
      if (unreadable.length) throw new StepError(ctx.stepId, `score files that BFCL could not read back: ${unreadable.map((u) => `${u.path}: ${u.reason}`).join('; ')}`);
      for (const [file, text] of bfclTables(version, folders.sort(), headers)) await writeFile(path.join(bfclDir, file), text);
    }

    const files: Record<string, string> = {
      [SUMMARY_FILE]: summaryText(summary),
      [OUTCOMES_FILE]: outcomesText(outcomes),
    };
    const target = path.join(ctx.projectDir, 'results', p.experiment);
    await mkdir(target, { recursive: true });
    for (const [name, text] of Object.entries(files)) {
      await writeFile(path.join(ctx.outDir, name), text);
      await writeFileAtomic(path.join(target, name), text);
    }
    // Replaced as a whole: a model or category dropped from the experiment leaves no stale file.
    const stagedBfcl = path.join(target, `.${BFCL_SCORE_DIR}.${process.pid}.tmp`);
    await rm(stagedBfcl, { recursive: true, force: true });
    if (folders.length) await cp(bfclDir, stagedBfcl, { recursive: true });
    await rm(path.join(target, BFCL_SCORE_DIR), { recursive: true, force: true });
    if (folders.length) await rename(stagedBfcl, path.join(target, BFCL_SCORE_DIR));
    const display = models.map((m) => {
      const o = m.overall;
      return `${m.model} ${m.approach}: ${(100 * o.accuracy).toFixed(1)}% (${o.correct}/${o.n}, 95% CI ${(100 * o.ci95.low).toFixed(1)}-${(100 * o.ci95.high).toFixed(1)})`;
    });
    return {
      summary: { experiment: p.experiment, models: models.length, outcomes: outcomes.length } as Json,
      display: [`results/${p.experiment}/`, ...display],
    };
  },
};
