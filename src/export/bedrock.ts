import type { ModelFamily } from '../models/family.js';
import type { RenderedRecord } from '../prompts/render.js';

/**
 * Bedrock model distillation training data: `bedrock-conversation-2024` JSONL, and the rules a
 * file must meet (reference: bedrock.md section 3, i.e. the Bedrock user guide plus AWS's
 * dataset validator in aws-samples/amazon-bedrock-samples, model_distillation/dataset-validation):
 *
 * per record (an invalid line is dropped by Bedrock; we list it with its reason):
 * - only the keys `schemaVersion`, `system`, `messages`; `schemaVersion` is `bedrock-conversation-2024`;
 * - `system` (optional) is a list of exactly one `{text}` block;
 * - `messages` has 1 or 2 items (a prompt and an optional labelled answer); Nova students may
 *   take multi-turn conversations (Nova docs; AWS's Feb-2025 validator is stricter and allows
 *   2 at most, so multi-turn is on for Nova by default and can be turned off);
 * - roles alternate starting with `user`; each `content` is exactly one non-empty `{text}` block.
 *
 * per file (Bedrock rejects the whole job input):
 * - 100 to 15,000 valid records;
 * - under 1 GB in total (taken as 10^9 bytes, the stricter reading).
 */

export const SCHEMA_VERSION = 'bedrock-conversation-2024';
export const MIN_RECORDS = 100;
export const MAX_RECORDS = 15_000;
export const MAX_BYTES = 1_000_000_000;

export interface BedrockText {
  text: string;
}
export interface BedrockRecord {
  schemaVersion: typeof SCHEMA_VERSION;
  system?: BedrockText[];
  messages: { role: 'user' | 'assistant'; content: BedrockText[] }[];
}

export interface RecordRules {
  /** Whether more than 2 messages (user, assistant, user, ...) are accepted. */
  multiTurn: boolean;
  /** Who the rules are for, used in reasons ("Llama students take single-turn records only"). */
  family: ModelFamily;
}

/** Short codes for the rule a record broke, to count rejections by kind. */
export type RuleCode =
  | 'not-object'
  | 'keys'
  | 'schema-version'
  | 'system'
  | 'messages'
  | 'single-turn'
  | 'role'
  | 'alternation'
  | 'content';

export interface Rejection {
  rule: RuleCode;
  reason: string;
}

export function defaultRules(family: ModelFamily): RecordRules {
  return { family, multiTurn: family === 'nova' };
}

export function toBedrockRecord(record: Pick<RenderedRecord, 'system' | 'messages'>): BedrockRecord {
  return {
    schemaVersion: SCHEMA_VERSION,
    system: [{ text: record.system }],
    messages: record.messages.map((m) => ({ role: m.role, content: [{ text: m.content }] })),
  };
}

const FAMILY_NAMES: Record<ModelFamily, string> = {
  nova: 'Nova',
  llama: 'Llama',
  anthropic: 'Anthropic (Claude)',
  other: 'this family of',
};

/** The first rule a record breaks, or null when Bedrock accepts it. */
export function checkRecord(record: unknown, rules: RecordRules): Rejection | null {
  if (typeof record !== 'object' || record === null || Array.isArray(record)) {
    return { rule: 'not-object', reason: 'the line is not a JSON object' };
  }
  const r = record as Record<string, unknown>;
  const extra = Object.keys(r).filter((k) => k !== 'schemaVersion' && k !== 'system' && k !== 'messages');
  if (extra.length > 0) {
    return {
      rule: 'keys',
      reason: `unexpected key${extra.length > 1 ? 's' : ''} ${extra.map((k) => `'${k}'`).join(', ')}: only schemaVersion, system and messages are allowed`,
    };
  }
  if (r.schemaVersion !== SCHEMA_VERSION) {
    return { rule: 'schema-version', reason: `schemaVersion must be '${SCHEMA_VERSION}', got ${JSON.stringify(r.schemaVersion) ?? 'none'}` };
  }
  if (r.system !== undefined) {
    if (!Array.isArray(r.system) || r.system.length !== 1) {
      return {
        rule: 'system',
        reason: `system must be a list of exactly one {text} block, got ${Array.isArray(r.system) ? `${r.system.length} blocks` : typeof r.system}`,
      };
    }
    const problem = textBlockProblem(r.system[0]);
    if (problem) return { rule: 'system', reason: `system block: ${problem}` };
  }
  if (!Array.isArray(r.messages) || r.messages.length === 0) {
    return { rule: 'messages', reason: 'messages must be a non-empty list' };
  }
  const count = r.messages.length;
  if (count > 2 && !rules.multiTurn) {
    return {
      rule: 'single-turn',
      reason:
        rules.family === 'nova'
          ? `multi-turn record (${count} messages): multi-turn is turned off, so a record holds one user message and an optional assistant answer`
          : `multi-turn record (${count} messages): ${FAMILY_NAMES[rules.family]} students take single-turn records only (one user message and an optional assistant answer)`,
    };
  }
  for (let i = 0; i < count; i++) {
    const m = r.messages[i] as unknown;
    if (typeof m !== 'object' || m === null || Array.isArray(m)) {
      return { rule: 'messages', reason: `message ${i + 1} is not an object` };
    }
    const msg = m as Record<string, unknown>;
    const keys = Object.keys(msg).filter((k) => k !== 'role' && k !== 'content');
    if (keys.length > 0) return { rule: 'messages', reason: `message ${i + 1} has unexpected key '${keys[0]}' (only role and content)` };
    if (msg.role !== 'user' && msg.role !== 'assistant') {
      return { rule: 'role', reason: `message ${i + 1} has role ${JSON.stringify(msg.role) ?? 'none'}: only user and assistant` };
    }
    const expected = i % 2 === 0 ? 'user' : 'assistant';
    if (msg.role !== expected) {
      return {
        rule: 'alternation',
        reason: `message ${i + 1} is from ${msg.role} but roles must alternate starting with user (expected ${expected})`,
      };
    }
    if (!Array.isArray(msg.content) || msg.content.length !== 1) {
      return {
        rule: 'content',
        reason: `message ${i + 1} (${msg.role}) must have exactly one {text} content block, got ${Array.isArray(msg.content) ? msg.content.length : typeof msg.content}`,
      };
    }
    const problem = textBlockProblem(msg.content[0]);
    if (problem) return { rule: 'content', reason: `message ${i + 1} (${msg.role}): ${problem}` };
  }
  return null;
}

function textBlockProblem(block: unknown): string | null {
  if (typeof block !== 'object' || block === null || Array.isArray(block)) return 'not a {text} object';
  const keys = Object.keys(block);
  if (keys.length !== 1 || keys[0] !== 'text') return `only a text block is allowed (got keys ${keys.join(', ') || 'none'})`;
  const text = (block as { text: unknown }).text;
  if (typeof text !== 'string') return 'text is not a string';
  if (text.trim() === '') return 'text is empty';
  return null;
}

/** Why Bedrock would reject the file as a whole (empty when it accepts it). */
export function checkFile(accepted: number, bytes: number): string[] {
  const problems: string[] = [];
  if (accepted < MIN_RECORDS) {
    problems.push(`${accepted} valid record${accepted === 1 ? '' : 's'}, Bedrock needs at least ${MIN_RECORDS}`);
  }
  if (accepted > MAX_RECORDS) problems.push(`${accepted} valid records, Bedrock takes at most ${MAX_RECORDS.toLocaleString('en-US')}`);
  if (bytes >= MAX_BYTES) problems.push(`${bytes} bytes, Bedrock takes under 1 GB`);
  return problems;
}

/** The rules as recorded in validation.json. */
export function describeRules(rules: RecordRules): Record<string, unknown> {
  return {
    schemaVersion: SCHEMA_VERSION,
    keys: ['schemaVersion', 'system', 'messages'],
    systemBlocks: 1,
    messages: rules.multiTurn ? 'alternating from user, any number' : '1 or 2, alternating from user',
    contentBlocks: 1,
    family: rules.family,
    multiTurn: rules.multiTurn,
    minRecords: MIN_RECORDS,
    maxRecords: MAX_RECORDS,
    maxBytes: MAX_BYTES,
  };
}
