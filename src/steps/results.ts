import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { StepKind } from '../graph/step.js';
import type { Json, JsonObject } from '../json.js';

/**
 * results: every score artifact of a variant -> the committed results folder.
 *
 * Inputs: any number of score artifacts (roles `score.<model>.<approach>`). Params:
 * `experiment` (the variant's name: the folder under results/).
 * Writes `summary.json` ({experiment, models: [{model, approach, perCategory, overall,
 * latencyMs, tokens, costUsd, errorTypes}]} sorted by model then approach) and `outcomes.jsonl`
 * (every per-example outcome, sorted by model, approach, id: stable, diffable). The artifact is
 * exactly this content; the step also writes it into <projectDir>/results/<experiment>/ (each
 * file renamed into place) so it can be committed.
 */
export interface ResultsParams extends JsonObject {
  experiment: string;
}

export const resultsStep: StepKind<ResultsParams> = {
  kind: 'results',
  version: 1,
  description: 'collect every score into results/<experiment>/ (summary.json, outcomes.jsonl)',
  async run(ctx) {
    const roles = Object.keys(ctx.inputs).sort();
    const models: Record<string, unknown>[] = [];
    const outcomes: { model: string; approach: string; id: string; line: string }[] = [];
    for (const role of roles) {
      const input = ctx.inputs[role]!;
      const score = JSON.parse(await readFile(path.join(input.dir, 'score.json'), 'utf8')) as Record<string, unknown>;
      models.push(score);
      const text = await readFile(path.join(input.dir, 'outcomes.jsonl'), 'utf8');
      for (const line of text.split('\n')) {
        if (line.trim() === '') continue;
        const o = JSON.parse(line) as { model: string; approach: string; id: string };
        outcomes.push({ model: o.model, approach: o.approach, id: o.id, line });
      }
    }
    const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
    models.sort((a, b) => cmp(String(a.model), String(b.model)) || cmp(String(a.approach), String(b.approach)));
    outcomes.sort((a, b) => cmp(a.model, b.model) || cmp(a.approach, b.approach) || cmp(a.id, b.id));
    const summary = { experiment: ctx.params.experiment, models };
    const files: Record<string, string> = {
      'summary.json': `${JSON.stringify(summary, null, 2)}\n`,
      'outcomes.jsonl': outcomes.map((o) => `${o.line}\n`).join(''),
    };
    const target = path.join(ctx.projectDir, 'results', ctx.params.experiment);
    await mkdir(target, { recursive: true });
    for (const [name, text] of Object.entries(files)) {
      await writeFile(path.join(ctx.outDir, name), text);
      const tmp = path.join(target, `.${name}.${process.pid}.tmp`);
      await writeFile(tmp, text);
      await rename(tmp, path.join(target, name));
    }
    const display = models.map((m) => {
      const o = m.overall as { correct: number; n: number; accuracy: number };
      return `${String(m.model)} ${String(m.approach)}: ${(100 * o.accuracy).toFixed(1)}% (${o.correct}/${o.n})`;
    });
    return { summary: { experiment: ctx.params.experiment, models: models.length, outcomes: outcomes.length } as Json, display: [`results/${ctx.params.experiment}/`, ...display] };
  },
};
