import type { InferenceSettings } from './provider.js';

/**
 * Default decoding (inference) settings per model family, and how an experiment's settings are
 * laid over them. A committed table, like the price table: when a vendor's advice changes,
 * change the row and say why in its `note`.
 *
 * Why per family: the vendors' advice differs, and even one vendor's pages disagree. For Amazon
 * Nova, the tool-use troubleshooting guide asks for greedy decoding as `temperature: 0` plus
 * `additionalModelRequestFields: {inferenceConfig: {topK: 1}}`, while other Nova pages show
 * `temperature: 1, topP: 1` with the same `topK: 1`. With `topK: 1` only the most likely token
 * can be drawn, so both readings decode greedily; the table sends `temperature: 0` and `topK: 1`.
 * An experiment that wants the other reading sets it (see `resolveInference`).
 *
 * Resolution, field by field, later layers winning:
 *   1. `BASE_DEFAULTS` (temperature 0, maxTokens 1024: what every model gets unless told otherwise)
 *   2. the table row of the model's family (`DECODING_DEFAULTS`)
 *   3. `evaluate.inference` (the experiment's settings for every model)
 *   4. `evaluate.families.<family>` (the experiment's override for one family)
 *   5. the model's own `inference` (teacher, student, or a baseline entry)
 * A field set to `null` in a layer removes it (e.g. `additionalModelRequestFields: null` drops
 * Nova's `topK`). `additionalModelRequestFields` is replaced as a whole, never merged: merging
 * two vendors' request shapes would send a mix neither asked for.
 *
 * The resolved settings are what is sent, so they are part of the infer step's key and of each
 * request's journal key; `fc-distill plan` shows them and which layer each field came from.
 */

export const INFERENCE_FAMILIES = ['nova', 'llama', 'anthropic', 'mistral', 'gpt-oss', 'other'] as const;
export type InferenceFamily = (typeof INFERENCE_FAMILIES)[number];

/** A layer of settings as written in an experiment: every field optional, `null` removes. */
export interface InferenceLayer {
  temperature?: number;
  maxTokens?: number;
  topP?: number | null;
  additionalModelRequestFields?: Record<string, unknown> | null;
}

export const BASE_DEFAULTS: Readonly<InferenceSettings> = { temperature: 0, maxTokens: 1024 };

export interface DecodingRow {
  settings: InferenceLayer;
  /** Why these values (shown in README; keep it short and sourced). */
  note: string;
}

export const DECODING_DEFAULTS: Readonly<Record<InferenceFamily, DecodingRow>> = {
  nova: {
    settings: { temperature: 0, additionalModelRequestFields: { inferenceConfig: { topK: 1 } } },
    note: 'Nova tool-use troubleshooting guide: greedy decoding (temperature 0 and inferenceConfig.topK 1) for tool calls; other Nova pages show temperature 1, topP 1 with topK 1',
  },
  llama: { settings: { temperature: 0 }, note: 'greedy; Converse takes no top-k for Llama' },
  anthropic: { settings: { temperature: 0 }, note: 'greedy; topP left unset (newer Claude models accept only one of temperature and topP)' },
  mistral: { settings: { temperature: 0 }, note: 'greedy' },
  'gpt-oss': {
    settings: { temperature: 0, maxTokens: 4096 },
    note: 'a reasoning model: its reasoning tokens count against maxTokens, so 1024 cuts answers short',
  },
  other: { settings: {}, note: 'the base defaults only' },
};

function bareId(modelId: string): string {
  const last = modelId.startsWith('arn:') ? modelId.slice(modelId.lastIndexOf('/') + 1) : modelId;
  return last.toLowerCase().replace(/^(?:us|eu|apac|us-gov|ca|jp|au|global)\./, '');
}

/**
 * The decoding family of a model as the planner knows it: a Bedrock id or inference profile
 * (`amazon.nova-`, `meta.llama`, `anthropic.claude`, `mistral.`, `openai.gpt-oss`), or an
 * OpenAI-compatible server's model name (`gpt-oss-20b`, `meta-llama/Llama-3.1-8B-Instruct`,
 * `llama3.1:8b`, `mistral-small`). A deployment ARN carries no family: the planner passes the
 * student's base model id instead. Recorded results (`results`) are replayed, not decoded.
 */
export function inferenceFamily(provider: string, modelId: string | null): InferenceFamily {
  if (provider === 'results' || !modelId) return 'other';
  const id = bareId(modelId);
  if (provider === 'bedrock') {
    if (/^amazon\.nova-/.test(id)) return 'nova';
    if (/^meta\.llama/.test(id)) return 'llama';
    if (/^anthropic\.claude/.test(id)) return 'anthropic';
    if (/^mistral\./.test(id)) return 'mistral';
    if (/^openai\.gpt-oss/.test(id)) return 'gpt-oss';
    return 'other';
  }
  if (/gpt-oss/.test(id)) return 'gpt-oss';
  if (/llama/.test(id)) return 'llama';
  if (/mistral|mixtral|ministral|codestral/.test(id)) return 'mistral';
  if (/claude/.test(id)) return 'anthropic';
  if (/nova/.test(id)) return 'nova';
  return 'other';
}

export interface NamedLayer {
  /** Where the layer comes from, e.g. `evaluate.inference`; shown by `plan`. */
  source: string;
  layer: InferenceLayer | undefined | null;
}

export interface ResolvedInference {
  family: InferenceFamily;
  settings: InferenceSettings;
  /** field -> the layer that set it */
  sources: Record<string, string>;
}

const FIELDS = ['temperature', 'maxTokens', 'topP', 'additionalModelRequestFields'] as const;

/** Lays `layers` (lowest first) over the base defaults and the family's table row. */
export function resolveInference(family: InferenceFamily, layers: readonly NamedLayer[]): ResolvedInference {
  const all: NamedLayer[] = [
    { source: 'default', layer: BASE_DEFAULTS },
    { source: `table ${family}`, layer: DECODING_DEFAULTS[family].settings },
    ...layers,
  ];
  const out: Record<string, unknown> = {};
  const sources: Record<string, string> = {};
  for (const { source, layer } of all) {
    if (!layer) continue;
    for (const field of FIELDS) {
      if (!(field in layer) || layer[field] === undefined) continue;
      const value = layer[field];
      // An empty object means "none" too: Converse rejects nothing, but it is clearer unsent.
      if (value === null || (field === 'additionalModelRequestFields' && Object.keys(value as object).length === 0)) {
        delete out[field];
        delete sources[field];
      } else {
        out[field] = value;
        sources[field] = source;
      }
    }
  }
  return { family, settings: out as unknown as InferenceSettings, sources };
}

/** One line for `plan`: `temperature 0 (evaluate.inference), maxTokens 1024 (default), ...`. */
export function describeInference(resolved: ResolvedInference): string {
  const parts = FIELDS.filter((f) => f in resolved.settings).map((f) => {
    const value = (resolved.settings as unknown as Record<string, unknown>)[f];
    return `${f} ${JSON.stringify(value)} (${resolved.sources[f]})`;
  });
  return `inference [${resolved.family}]: ${parts.join(', ')}`;
}
