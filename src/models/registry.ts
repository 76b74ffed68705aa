import type { InferenceProvider, ProviderOptions } from './provider.js';
import { ConverseProvider } from './bedrock.js';
import { OpenAIProvider } from './openai.js';
import { ResultsProvider } from './results.js';

/**
 * Inference backends by name. Adding a backend = one module in src/models/ + one line here.
 * (The modules import their SDKs lazily, so this registry is cheap to load.)
 */
export const providers: Record<string, (options: ProviderOptions & { projectDir?: string }) => InferenceProvider> = {
  bedrock: (o) => new ConverseProvider(o),
  openai: (o) => new OpenAIProvider(o),
  results: (o) => new ResultsProvider(o),
};

export function createProvider(name: string, options: ProviderOptions & { projectDir?: string }): InferenceProvider {
  const make = providers[name];
  if (!make) throw new Error(`unknown inference provider '${name}' (known: ${Object.keys(providers).join(', ')})`);
  return make(options);
}
