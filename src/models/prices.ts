import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { InputError } from '../errors.js';

/**
 * USD per 1M input / output tokens, on-demand, us-east-1. A dated, committed table: when AWS
 * changes its prices, update the rows and `asOf` together. Source: ../shared/reference/bedrock.md
 * section 9 (secondary sources; verify). Custom model deployments and provisioned models have no
 * row: their cost is 0 (unknown) unless `prices.yaml` gives one.
 *
 * Overrides: an optional `prices.yaml` in the project directory (the experiment schema has no
 * prices setting), a map from a model id pattern (exact id, or a prefix ending in `*`) to
 * `{input, output}` in USD per 1M tokens, e.g.
 *
 *     us.amazon.nova-premier-v1:0: { input: 2.5, output: 12.5 }
 *     "arn:aws:bedrock:us-east-1:*": { input: 0.06, output: 0.24 }
 *
 * Overrides win over the table. Its content goes into the infer step's params (through the
 * planner) so a changed price re-prices rather than serving a stale cached cost.
 */

export interface Price {
  /** USD per 1M input tokens. */
  input: number;
  /** USD per 1M output tokens. */
  output: number;
}

export const PRICES_AS_OF = '2025-06-30';

/** Matched against the model id with any ARN prefix and cross-region profile prefix removed. */
export const PRICE_TABLE: readonly { pattern: RegExp; name: string; price: Price }[] = [
  { pattern: /^amazon\.nova-premier/, name: 'Nova Premier', price: { input: 2.5, output: 12.5 } },
  { pattern: /^amazon\.nova-pro/, name: 'Nova Pro', price: { input: 0.8, output: 3.2 } },
  { pattern: /^amazon\.nova-lite/, name: 'Nova Lite', price: { input: 0.06, output: 0.24 } },
  { pattern: /^amazon\.nova-micro/, name: 'Nova Micro', price: { input: 0.035, output: 0.14 } },
  { pattern: /^meta\.llama3-3-70b/, name: 'Llama 3.3 70B', price: { input: 0.72, output: 0.72 } },
  { pattern: /^meta\.llama3-2-3b/, name: 'Llama 3.2 3B', price: { input: 0.15, output: 0.15 } },
  { pattern: /^meta\.llama3-2-1b/, name: 'Llama 3.2 1B', price: { input: 0.1, output: 0.1 } },
  { pattern: /^meta\.llama3-1-8b/, name: 'Llama 3.1 8B', price: { input: 0.22, output: 0.22 } },
  { pattern: /^meta\.llama3-1-405b/, name: 'Llama 3.1 405B', price: { input: 2.4, output: 2.4 } },
];

export type PriceOverrides = Record<string, Price>;

function bareModelId(modelId: string): string {
  const last = modelId.startsWith('arn:') ? modelId.slice(modelId.lastIndexOf('/') + 1) : modelId;
  return last.toLowerCase().replace(/^(?:us|eu|apac|us-gov|ca|jp|au|global)\./, '');
}

/** The price of a model id: an override (exact, then the longest matching `prefix*`), else the table, else null. */
export function priceOf(modelId: string, overrides: PriceOverrides = {}): (Price & { source: string }) | null {
  if (overrides[modelId]) return { ...overrides[modelId]!, source: 'prices.yaml' };
  let best: string | undefined;
  for (const key of Object.keys(overrides)) {
    if (key.endsWith('*') && modelId.startsWith(key.slice(0, -1)) && (!best || key.length > best.length)) best = key;
  }
  if (best) return { ...overrides[best]!, source: 'prices.yaml' };
  const bare = bareModelId(modelId);
  const row = PRICE_TABLE.find((r) => r.pattern.test(bare));
  return row ? { ...row.price, source: `table ${PRICES_AS_OF}` } : null;
}

export function costUsd(price: Price | null, usage: { inputTokens: number; outputTokens: number }): number {
  if (!price) return 0;
  return (usage.inputTokens * price.input + usage.outputTokens * price.output) / 1_000_000;
}

export const PRICES_FILE = 'prices.yaml';

/** Reads `<projectDir>/prices.yaml` if there is one (synchronously: the planner calls it). */
export function readPriceOverrides(projectDir: string): PriceOverrides {
  const file = path.join(projectDir, PRICES_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return {};
  }
  const parsed: unknown = parseYaml(text);
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) throw new InputError(`${PRICES_FILE} must map model ids to {input, output}`, { file });
  const out: PriceOverrides = {};
  for (const [key, value] of Object.entries(parsed as Record<string, unknown>)) {
    const v = value as Partial<Price> | null;
    if (!v || typeof v.input !== 'number' || typeof v.output !== 'number' || v.input < 0 || v.output < 0) {
      throw new InputError(`${PRICES_FILE}: '${key}' needs {input: <USD per 1M tokens>, output: <USD per 1M tokens>}`, { file });
    }
    out[key] = { input: v.input, output: v.output };
  }
  return out;
}
