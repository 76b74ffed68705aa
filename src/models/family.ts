/**
 * Model families, as far as they change what fc-distill does: the prompt and answer format a
 * template targets, and Bedrock's distillation data rules (Llama and Anthropic students take
 * single-turn records only; Nova students may take multi-turn ones).
 */
export const MODEL_FAMILIES = ['nova', 'llama', 'anthropic', 'other'] as const;
export type ModelFamily = (typeof MODEL_FAMILIES)[number];

/**
 * The family of a Bedrock model id, inference profile id or ARN:
 * `amazon.nova-lite-v1:0:300k`, `us.amazon.nova-premier-v1:0` -> nova;
 * `meta.llama3-2-3b-instruct-v1:0:128k`, `us.meta.llama3-3-70b-instruct-v1:0` -> llama;
 * `anthropic.claude-3-haiku-20240307-v1:0:200k` -> anthropic; anything else -> other.
 * Custom-model and deployment ARNs carry no family: they are `other` unless the base model id
 * appears in them.
 */
export function modelFamily(modelId: string): ModelFamily {
  // Drop an ARN prefix (`arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-...`) and
  // a cross-region profile prefix (`us.`, `eu.`, `apac.`, `global.`).
  const last = modelId.slice(modelId.lastIndexOf('/') + 1).toLowerCase();
  const id = last.replace(/^(?:us|eu|apac|us-gov|ca|jp|au|global)\./, '');
  if (/^amazon\.nova-/.test(id)) return 'nova';
  if (/^meta\.llama/.test(id)) return 'llama';
  if (/^anthropic\.claude/.test(id)) return 'anthropic';
  return 'other';
}
