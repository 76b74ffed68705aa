import { parse as parseLossless } from 'lossless-json';
import type { BfclExample } from '../bfcl/records.js';
import { InputError } from '../errors.js';
import { answerForExample, GroundTruthError, renderNoCall, type AnswerFormat } from './answer.js';
import { promptContext, type ConversationMessage } from './context.js';
import type { PromptTemplate } from './template.js';

/**
 * One example -> one rendered record: the template's output as the system prompt, the
 * example's conversation as the messages, and (for a labelled training example) the
 * ground-truth answer as the final assistant turn.
 *
 * The conversation is kept as the data has it: a few live_irrelevance entries hold earlier
 * assistant messages, which makes a multi-turn record. That is fine for Nova students and for
 * evaluation; for Llama and Anthropic students the export step rejects such records by name
 * and reason (nothing is folded or dropped here).
 */

/** A line of the render step's train.jsonl / eval.jsonl. */
export interface RenderedRecord {
  id: string;
  category: string;
  /** The template's output (trimmed), which ends with the example's own system text when it has one. */
  system: string;
  /** From `user`; a labelled record ends with the assistant's answer. */
  messages: ConversationMessage[];
  labelled: boolean;
}

export interface RenderOutcome {
  record: RenderedRecord;
  /** Set when a label was asked for but none could be written, with the reason. */
  labelSkipped?: string;
}

export function renderExample(
  example: BfclExample,
  template: PromptTemplate,
  options: { answerFormat: AnswerFormat; label: boolean },
): RenderOutcome {
  const context = promptContext(example, options.answerFormat);
  const system = template.render(context).trim();
  if (context.system !== '' && !system.includes(context.system.trim())) {
    throw new InputError(
      `the template does not print the example's own system message (example ${example.id} has one): add {{#if system}}...{{system}}{{/if}} after the template's text, as the shipped templates do.`,
      { file: template.file },
    );
  }
  const messages = context.messages.map((m) => ({ ...m }));
  const record: RenderedRecord = { id: example.id, category: example.category, system, messages, labelled: false };
  if (!options.label) return { record };

  const label = labelFor(example, options.answerFormat);
  if ('skipped' in label) return { record, labelSkipped: label.skipped };
  if (messages.length === 0 || messages[messages.length - 1]!.role !== 'user') {
    return { record, labelSkipped: 'the conversation does not end with a user message, so no answer can follow it' };
  }
  messages.push({ role: 'assistant', content: label.answer });
  record.labelled = true;
  return { record };
}

/**
 * The label for an example: irrelevance -> the no-call answer; relevance -> none (BFCL has no
 * ground truth for it: any call passes, and inventing one would teach made-up arguments);
 * otherwise the ground truth rendered by `answerForExample`.
 */
export function labelFor(example: BfclExample, format: AnswerFormat): { answer: string } | { skipped: string } {
  if (example.category.includes('irrelevance')) return { answer: renderNoCall(format) };
  if (example.answerJson === null) {
    return { skipped: `${example.category} has no ground truth (any call passes), so there is no answer to show` };
  }
  try {
    return { answer: answerForExample(example.answerJson, format) };
  } catch (error) {
    if (error instanceof GroundTruthError) return { skipped: error.message };
    throw error;
  }
}

/**
 * Parse a data artifact line (BfclExample, maybe with `labelled`) keeping numbers as written
 * (`"default": 0.0` stays `0.0` when the tools are printed). Falls back to JSON.parse for the
 * rare line lossless-json refuses (a duplicate key, which Python and JSON.parse resolve to
 * the last value).
 */
export function parseExampleLine(line: string): BfclExample & { labelled?: boolean } {
  try {
    return parseLossless(line) as BfclExample & { labelled?: boolean };
  } catch {
    return JSON.parse(line) as BfclExample & { labelled?: boolean };
  }
}
