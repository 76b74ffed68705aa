import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { StepContext, StepInput, StepKind } from '../graph/step.js';
import type { Json, JsonObject } from '../json.js';
import { InputError } from '../errors.js';
import { ANSWER_FORMATS, isAnswerFormat } from '../prompts/answer.js';
import { loadTemplate } from '../prompts/template.js';
import { parseExampleLine, renderExample, type RenderedRecord } from '../prompts/render.js';

/**
 * render: training and eval examples -> prompts.
 *
 * Inputs, either or both: `train` (the mixin artifact: train.jsonl, BfclExample +
 * `labelled`), `eval` (the split artifact: eval.jsonl); the planner renders them in separate
 * steps so that eval prompts do not depend on the mix-in. Params: `template` (project-relative
 * path; the planner lists it in the step's `files`, so editing the template changes the key),
 * `answerFormat` (`json-list` | `llama-json` | `python`).
 *
 * Writes `train.jsonl` and `eval.jsonl` (empty for a side not given), one RenderedRecord per line
 * `{id, category, system, messages: [{role, content}], labelled}` (eval records are never
 * labelled), and `render.json` {template, templateSha256, answerFormat, train: {records,
 * labelled, labelRequested, labelSkipped: [{id, reason}]}, eval: {records}}. A training example
 * chosen for the mix-in that cannot carry a label (live_relevance has no ground truth; an
 * unpassable ground truth) stays unlabelled and is listed in labelSkipped.
 */

export interface RenderParams extends JsonObject {
  template: string;
  answerFormat: string;
  family: string;
}

export const DEFAULT_TEMPLATE = 'templates/nova-json.hbs';

async function readLines(input: StepInput, name: string): Promise<string[]> {
  const file = path.join(input.dir, name);
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new InputError(`step '${input.stepId}' (${input.kind}) has no ${name}: ${error.message}`, { file });
  });
  return text.split('\n').filter((line) => line.trim() !== '');
}

export const renderStep: StepKind<RenderParams> = {
  kind: 'render',
  version: 2,
  description: 'render training and eval prompts from a Handlebars template (tools in the system prompt, mix-in labels as assistant turns)',
  async run(ctx: StepContext<RenderParams>) {
    const templateFile = typeof ctx.params.template === 'string' && ctx.params.template ? ctx.params.template : DEFAULT_TEMPLATE;
    const answerFormat = ctx.params.answerFormat ?? 'json-list';
    if (!isAnswerFormat(answerFormat)) {
      throw new InputError(`step '${ctx.stepId}': unknown answerFormat ${JSON.stringify(answerFormat)}; use one of ${ANSWER_FORMATS.join(', ')}`);
    }
    const trainInput = ctx.inputs.train;
    const evalInput = ctx.inputs.eval;
    // Either side may be planned alone: eval prompts do not depend on the mix-in.
    if (!trainInput && !evalInput) throw new Error(`step '${ctx.stepId}' needs an input 'train' (mixin) or 'eval' (split)`);
    const template = loadTemplate(templateFile, ctx.projectDir);

    const trainLines = trainInput ? await readLines(trainInput, 'train.jsonl') : [];
    const evalLines = evalInput ? await readLines(evalInput, 'eval.jsonl') : [];
    const total = trainLines.length + evalLines.length;
    let done = 0;

    const train: string[] = [];
    const labelSkipped: { id: string; reason: string }[] = [];
    let labelled = 0;
    let labelRequested = 0;
    for (const line of trainLines) {
      const example = parseExampleLine(line);
      const label = example.labelled === true;
      if (label) labelRequested++;
      const outcome = renderExample(example, template, { answerFormat, label });
      if (outcome.labelSkipped) labelSkipped.push({ id: example.id, reason: outcome.labelSkipped });
      if (outcome.record.labelled) labelled++;
      train.push(JSON.stringify(outcome.record satisfies RenderedRecord));
      if (++done % 200 === 0) ctx.progress(done, total);
    }
    const evalRecords: string[] = [];
    for (const line of evalLines) {
      const outcome = renderExample(parseExampleLine(line), template, { answerFormat, label: false });
      evalRecords.push(JSON.stringify(outcome.record));
      if (++done % 200 === 0) ctx.progress(done, total);
    }
    ctx.progress(total, total);

    await writeFile(path.join(ctx.outDir, 'train.jsonl'), train.map((l) => `${l}\n`).join(''));
    await writeFile(path.join(ctx.outDir, 'eval.jsonl'), evalRecords.map((l) => `${l}\n`).join(''));
    const info = {
      template: templateFile,
      templateSha256: template.sha256,
      answerFormat,
      train: { records: train.length, labelled, labelRequested, labelSkipped },
      eval: { records: evalRecords.length },
    };
    await writeFile(path.join(ctx.outDir, 'render.json'), `${JSON.stringify(info, null, 2)}\n`);

    const display: string[] = [
      `${train.length} training prompts (${labelled} labelled), ${evalRecords.length} eval prompts from ${templateFile} (${answerFormat})`,
    ];
    if (labelSkipped.length > 0) {
      const byReason = new Map<string, number>();
      for (const s of labelSkipped) byReason.set(s.reason, (byReason.get(s.reason) ?? 0) + 1);
      const message = `${labelSkipped.length} of ${labelRequested} mix-in examples stay unlabelled (listed in render.json): ${[...byReason]
        .map(([reason, n]) => `${n} x ${reason}`)
        .join('; ')}`;
      display.push(`warning: ${message}`);
    }
    const summary: Json = {
      template: templateFile,
      answerFormat,
      train: train.length,
      labelled,
      labelSkipped: labelSkipped.length,
      eval: evalRecords.length,
    };
    return { summary, display };
  },
};
