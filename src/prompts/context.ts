import type { BfclExample, BfclFunctionDoc, BfclMessage } from '../bfcl/records.js';
import { renderAnswer, renderNoCall, type AnswerFormat } from './answer.js';
import { formatJson } from './json-text.js';

/**
 * What a prompt template sees: one BFCL example, the tools, and the answer format the prompt
 * must ask for. The template's output is the system prompt (Bedrock distillation wants the
 * tools as text in the system prompt); the user turn(s) are the example's own messages, built
 * by `conversationOf` below, not by the template.
 */
export interface PromptContext {
  /** BFCL id, e.g. `live_simple_0-0-0`. */
  id: string;
  /** Category as used in experiment files, e.g. `live_simple`, `simple`. */
  category: string;
  /** The function docs offered, exactly as in the data (BFCL types: dict, float, tuple, any, ...; dotted names). May be empty. */
  functions: BfclFunctionDoc[];
  /** `functions` as JSON indented by 2 (use `{{json functions indent=4}}` for another layout). */
  functionsJson: string;
  /** The question as in the data: a list of turns, each a list of {role, content}. */
  question: BfclMessage[][];
  /** The conversation as it will be sent (system messages removed, consecutive same-role messages joined by a blank line). */
  messages: ConversationMessage[];
  /**
   * The example's own system message(s) (live data has some), '' when none. A template must
   * print it, after its own text (`{{#if system}}...{{system}}{{/if}}`), as BFCL does; the
   * renderer fails if an example's system text is missing from the output.
   */
  system: string;
  /** The answer format the labels are written in: `json-list`, `llama-json` or `python`. */
  answerFormat: AnswerFormat;
  /** The answer meaning "no function fits" in that format (`[]`). */
  noCall: string;
  /**
   * A sample answer with placeholder names in that format, produced by the same code as the
   * labels, e.g. `[{"name": "function_name", "arguments": {"parameter_name": "value"}}]`.
   */
  answerExample: string;
}

export interface ConversationMessage {
  role: 'user' | 'assistant';
  content: string;
}

export interface Conversation {
  /** The example's system messages joined by a blank line ('' when none). */
  system: string;
  /** Alternating from `user` when the data is; consecutive messages of one role are joined by a blank line (as BFCL's Nova handler does). */
  messages: ConversationMessage[];
}

/** The example's turns flattened into one conversation. */
export function conversationOf(example: Pick<BfclExample, 'question'>): Conversation {
  const system: string[] = [];
  const messages: ConversationMessage[] = [];
  for (const turn of example.question) {
    for (const message of turn) {
      if (message.role === 'system') {
        system.push(message.content);
        continue;
      }
      const last = messages[messages.length - 1];
      if (last && last.role === message.role) last.content = `${last.content}\n\n${message.content}`;
      else messages.push({ role: message.role, content: message.content });
    }
  }
  return { system: system.join('\n\n'), messages };
}

const EXAMPLE_CALL = [{ name: 'function_name', arguments: { parameter_name: 'value' } }];

export function promptContext(example: BfclExample, answerFormat: AnswerFormat): PromptContext {
  const { system, messages } = conversationOf(example);
  return {
    id: example.id,
    category: example.category,
    functions: example.functions,
    functionsJson: formatJson(example.functions, 2),
    question: example.question,
    messages,
    system,
    answerFormat,
    noCall: renderNoCall(answerFormat),
    answerExample: renderAnswer(EXAMPLE_CALL, answerFormat),
  };
}
