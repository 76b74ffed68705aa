import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { StepContext, StepKind } from '../graph/step.js';
import type { Json, JsonObject } from '../json.js';
import { InputError } from '../errors.js';
import { checkFile, checkRecord, defaultRules, describeRules, toBedrockRecord, type RuleCode } from '../export/bedrock.js';
import { MODEL_FAMILIES, modelFamily, type ModelFamily } from '../models/family.js';
import type { RenderedRecord } from '../prompts/render.js';

/**
 * export: rendered training records -> Bedrock `bedrock-conversation-2024` JSONL, validated.
 *
 * Input `rendered` (render artifact, train.jsonl). Params: `student` (base model id), `family`
 * (nova | llama | anthropic | other; derived from `student` when absent), `multiTurn`
 * (optional; default true for Nova students only).
 *
 * Every record is checked against the rules in src/export/bedrock.ts. A record that breaks one
 * is left out of the file and listed in validation.json with its id and reason (a warning says
 * how many); the step fails (InputError) only when Bedrock would reject the file as a whole:
 * fewer than 100 or more than 15,000 valid records, or 1 GB or more. validation.json is then
 * written to the step's state directory so the rejections can be read.
 *
 * Writes `train.bedrock.jsonl` (accepted records, in input order) and `validation.json`
 * {records, accepted, labelled, rejected: [{id, rule, reason}], rejectedByRule, bytes, family,
 * student, rules, fileProblems}.
 */

export interface ExportParams extends JsonObject {
  family: string;
  student: string;
}

export const exportStep: StepKind<ExportParams> = {
  kind: 'export',
  version: 1,
  description: 'write Bedrock bedrock-conversation-2024 JSONL and validate every record against Bedrock distillation rules',
  async run(ctx: StepContext<ExportParams>) {
    const rendered = ctx.inputs.rendered;
    if (!rendered) throw new Error(`step '${ctx.stepId}' needs input 'rendered' (render)`);
    const student = typeof ctx.params.student === 'string' ? ctx.params.student : '';
    const familyParam = ctx.params.family;
    if (familyParam !== undefined && familyParam !== null && !(MODEL_FAMILIES as readonly string[]).includes(String(familyParam))) {
      throw new InputError(`step '${ctx.stepId}': unknown family ${JSON.stringify(familyParam)}; use one of ${MODEL_FAMILIES.join(', ')}`);
    }
    const family = (familyParam as ModelFamily | undefined) ?? modelFamily(student);
    const rules = defaultRules(family);
    if (typeof ctx.params.multiTurn === 'boolean') rules.multiTurn = ctx.params.multiTurn;

    const file = path.join(rendered.dir, 'train.jsonl');
    const lines = (await readFile(file, 'utf8')).split('\n').filter((l) => l.trim() !== '');

    const out: string[] = [];
    const rejected: { id: string; rule: RuleCode; reason: string }[] = [];
    const rejectedByRule: Partial<Record<RuleCode, number>> = {};
    let bytes = 0;
    let labelled = 0;
    let multiTurn = 0;
    for (const line of lines) {
      const record = JSON.parse(line) as RenderedRecord;
      const bedrock = toBedrockRecord(record);
      const problem = checkRecord(bedrock, rules);
      if (problem) {
        rejected.push({ id: record.id, ...problem });
        rejectedByRule[problem.rule] = (rejectedByRule[problem.rule] ?? 0) + 1;
        continue;
      }
      const text = JSON.stringify(bedrock);
      bytes += Buffer.byteLength(text, 'utf8') + 1;
      out.push(text);
      if (record.labelled) labelled++;
      if (record.messages.length > 2) multiTurn++;
    }

    const fileProblems = checkFile(out.length, bytes);
    const validation = {
      records: lines.length,
      accepted: out.length,
      labelled,
      multiTurn,
      rejected,
      rejectedByRule,
      bytes,
      family,
      student,
      rules: describeRules(rules),
      fileProblems,
    };
    const validationText = `${JSON.stringify(validation, null, 2)}\n`;

    if (fileProblems.length > 0) {
      const kept = path.join(ctx.stateDir, 'validation.json');
      await writeFile(kept, validationText);
      const first = rejected
        .slice(0, 5)
        .map((r) => `${r.id}: ${r.reason}`)
        .join('; ');
      throw new InputError(
        `step '${ctx.stepId}': Bedrock would reject the training file: ${fileProblems.join('; ')} (${lines.length} rendered, ${rejected.length} rejected${first ? `, first: ${first}` : ''}). ` +
          `Use more data (categories, split.train) or fix the rejected records; the full list is in ${kept}.`,
      );
    }

    await writeFile(path.join(ctx.outDir, 'train.bedrock.jsonl'), out.map((l) => `${l}\n`).join(''));
    await writeFile(path.join(ctx.outDir, 'validation.json'), validationText);

    const display: string[] = [
      `${out.length} of ${lines.length} records accepted (${labelled} labelled) for a ${family} student, ${(bytes / 1e6).toFixed(1)} MB in train.bedrock.jsonl; ${rejected.length} rejected`,
    ];
    if (rejected.length > 0) {
      const byRule = Object.entries(rejectedByRule)
        .map(([rule, n]) => `${rule} ${n}`)
        .join(', ');
      const message = `${rejected.length} of ${lines.length} records rejected and left out of train.bedrock.jsonl (${byRule}); first: ${rejected[0]!.id}: ${rejected[0]!.reason}. All are listed in validation.json.`;
      display.push(`warning: ${message}`);
    }
    if (multiTurn > 0) {
      display.push(
        `note: ${multiTurn} multi-turn records accepted for a ${family} student; AWS's Feb-2025 dataset validator allows 2 messages at most (set multiTurn: false to leave them out).`,
      );
    }
    const summary: Json = { records: lines.length, accepted: out.length, rejected: rejected.length, labelled, bytes, family };
    return { summary, display };
  },
};
