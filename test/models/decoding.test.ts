import { describe, expect, it } from 'vitest';
import { BASE_DEFAULTS, DECODING_DEFAULTS, INFERENCE_FAMILIES, inferenceFamily, resolveInference } from '../../src/models/decoding.js';

describe('inference family of a model', () => {
  it.each([
    ['bedrock', 'amazon.nova-lite-v1:0', 'nova'],
    ['bedrock', 'us.amazon.nova-premier-v1:0', 'nova'],
    ['bedrock', 'arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-micro-v1:0', 'nova'],
    ['bedrock', 'meta.llama3-2-3b-instruct-v1:0', 'llama'],
    ['bedrock', 'us.meta.llama3-3-70b-instruct-v1:0', 'llama'],
    ['bedrock', 'anthropic.claude-3-haiku-20240307-v1:0', 'anthropic'],
    ['bedrock', 'mistral.mistral-large-2407-v1:0', 'mistral'],
    ['bedrock', 'openai.gpt-oss-20b-1:0', 'gpt-oss'],
    ['bedrock', 'arn:aws:bedrock:us-east-1:<account>:custom-model-deployment/abc', 'other'],
    ['openai', 'gpt-oss-120b', 'gpt-oss'],
    ['openai', 'meta-llama/Llama-3.1-8B-Instruct', 'llama'],
    ['openai', 'llama3.1:8b', 'llama'],
    ['openai', 'mistralai/Ministral-8B-Instruct-2410', 'mistral'],
    ['openai', 'qwen2.5:7b', 'other'],
    ['results', 'results/gorilla-llama', 'other'],
  ] as const)('%s %s -> %s', (provider, id, family) => expect(inferenceFamily(provider, id)).toBe(family));

  it('has a documented table row for every family', () => {
    for (const family of INFERENCE_FAMILIES) expect(DECODING_DEFAULTS[family].note.length).toBeGreaterThan(5);
  });
});

describe('resolving inference settings: model > experiment family override > evaluate.inference > table > base', () => {
  it('the table fills what the experiment leaves unset', () => {
    const nova = resolveInference('nova', []);
    expect(nova.settings).toEqual({ ...BASE_DEFAULTS, ...DECODING_DEFAULTS.nova.settings });
    expect(nova.settings.additionalModelRequestFields).toEqual({ inferenceConfig: { topK: 1 } });
    expect(nova.sources).toMatchObject({ temperature: 'table nova', maxTokens: 'default', additionalModelRequestFields: 'table nova' });
    expect(resolveInference('gpt-oss', []).settings.maxTokens).toBe(4096);
    expect(resolveInference('llama', []).settings).toEqual({ temperature: 0, maxTokens: 1024 });
  });

  it('each layer wins over the ones below it, field by field', () => {
    const layers = [
      { source: 'evaluate.inference', layer: { temperature: 0.2, maxTokens: 700, topP: 0.9 } },
      { source: 'evaluate.families.nova', layer: { temperature: 1, topP: 1 } },
      { source: 'teacher.inference', layer: { maxTokens: 3000 } },
    ];
    const r = resolveInference('nova', layers);
    expect(r.settings).toEqual({ temperature: 1, maxTokens: 3000, topP: 1, additionalModelRequestFields: { inferenceConfig: { topK: 1 } } });
    expect(r.sources).toEqual({ temperature: 'evaluate.families.nova', maxTokens: 'teacher.inference', topP: 'evaluate.families.nova', additionalModelRequestFields: 'table nova' });
    // The model's own setting beats the family override; the family override beats evaluate.inference.
    expect(resolveInference('nova', [...layers, { source: 'teacher.inference', layer: { temperature: 0.5 } }]).settings.temperature).toBe(0.5);
    expect(resolveInference('nova', layers.slice(0, 1)).settings.temperature).toBe(0.2);
  });

  it('null (or an empty object for additionalModelRequestFields) removes what a lower layer set; the object is replaced, not merged', () => {
    expect(resolveInference('nova', [{ source: 'evaluate.families.nova', layer: { additionalModelRequestFields: null } }]).settings).toEqual({ temperature: 0, maxTokens: 1024 });
    expect(resolveInference('nova', [{ source: 'x', layer: { additionalModelRequestFields: {} } }]).settings.additionalModelRequestFields).toBeUndefined();
    const replaced = resolveInference('nova', [{ source: 'x', layer: { additionalModelRequestFields: { reasoning: 'low' } } }]);
    expect(replaced.settings.additionalModelRequestFields).toEqual({ reasoning: 'low' });
    expect(resolveInference('llama', [{ source: 'a', layer: { topP: 0.5 } }, { source: 'b', layer: { topP: null } }]).settings).not.toHaveProperty('topP');
  });
});
