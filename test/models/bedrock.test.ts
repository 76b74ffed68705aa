import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConverseProvider, sanitizeMetadata } from '../../src/models/bedrock.js';
import { InfrastructureError } from '../../src/models/provider.js';
import { startFakeRuntime, type FakeRuntime } from '../support/fake-bedrock/runtime.js';
import { EXAMPLES, setFakeAwsEnv } from './fixtures.js';

let fake: FakeRuntime;
beforeAll(async () => {
  setFakeAwsEnv();
  fake = await startFakeRuntime({ examples: EXAMPLES });
});
afterAll(() => fake.close());

const inference = { temperature: 0, maxTokens: 256 };

function request(id: string, extra: Partial<Parameters<ConverseProvider['infer']>[0]> = {}) {
  const example = EXAMPLES.find((e) => e.id === id)!;
  return {
    id,
    system: 'sys',
    messages: [{ role: 'user' as const, content: example.question[0]!.at(-1)!.content }],
    tools: example.functions,
    inference,
    metadata: { experiment: 'exp', step: 'abc123', example: id },
    ...extra,
  };
}

describe('ConverseProvider against the fake runtime (HTTP/2)', () => {
  it('tool-config: maps dotted names out and back, keeps 5.0 from the raw body', async () => {
    const provider = new ConverseProvider({ model: 'us.amazon.nova-lite-v1:0', approach: 'tool-config', endpoint: fake.endpoint, region: 'us-east-1', maxAttempts: 1 });
    const r = await provider.infer(request('simple_1'));
    provider.close();
    expect(r.toolCalls).toEqual([{ name: 'finance.interest', argumentsJson: '{"principal":1000,"annual_rate":5.0,"rates":[1.0,2.5]}' }]);
    expect(r.text).toContain('<thinking>');
    expect(r.stopReason).toBe('tool_use');
    expect(r.usage.inputTokens).toBeGreaterThan(0);
    const sent = fake.requests.at(-1)!.body;
    expect(sent.toolConfig.tools[0].toolSpec.name).toBe('finance_interest');
    expect(Object.keys(sent.toolConfig.tools[0].toolSpec.inputSchema.json).sort()).toEqual(['properties', 'required', 'type']);
    expect(sent.toolConfig.tools[0].toolSpec.inputSchema.json.properties.annual_rate.type).toBe('number');
    expect(sent.requestMetadata).toEqual({ experiment: 'exp', step: 'abc123', example: 'simple_1' });
    expect(sent.system).toEqual([{ text: 'sys' }]);
  });

  it('prompt: no toolConfig, text answer with <thinking> kept', async () => {
    const provider = new ConverseProvider({ model: 'amazon.nova-lite-v1:0', approach: 'prompt', endpoint: fake.endpoint, region: 'us-east-1' });
    const r = await provider.infer(request('simple_0', { tools: undefined }));
    provider.close();
    expect(fake.requests.at(-1)!.body.toolConfig).toBeUndefined();
    expect(r.toolCalls).toEqual([]);
    expect(r.text).toMatch(/^<thinking>.*<\/thinking>\n\[\{"name": "geometry.triangle_area", "arguments": \{"base": 10, "height": 5.0\}\}\]$/s);
  });

  it('accepts ARNs as model ids (URL-encoded in the path)', async () => {
    const arn = 'arn:aws:bedrock:us-east-1:123456789012:custom-model-deployment/abc123';
    const provider = new ConverseProvider({ model: arn, approach: 'tool-config', endpoint: fake.endpoint, region: 'us-east-1' });
    await provider.infer(request('parallel_0'));
    provider.close();
    expect(fake.requests.at(-1)!.modelId).toBe(arn);
  });

  it('access denied -> InfrastructureError(access), not retryable', async () => {
    fake.options.fault = (req) => (req.exampleId === 'irrelevance_0' ? 'access' : undefined);
    const provider = new ConverseProvider({ model: 'amazon.nova-lite-v1:0', approach: 'prompt', endpoint: fake.endpoint, region: 'us-east-1' });
    const error = await provider.infer(request('irrelevance_0')).catch((e) => e);
    provider.close();
    fake.options.fault = undefined;
    expect(error).toBeInstanceOf(InfrastructureError);
    expect(error.kind).toBe('access');
    expect(error.retryable).toBe(false);
  });

  it('a slow response hits the request timeout -> InfrastructureError(timeout)', async () => {
    fake.options.fault = () => ({ delayMs: 1500 });
    const provider = new ConverseProvider({ model: 'amazon.nova-lite-v1:0', approach: 'prompt', endpoint: fake.endpoint, region: 'us-east-1', timeoutMs: 300, maxAttempts: 1 });
    const error = await provider.infer(request('simple_0')).catch((e) => e);
    provider.close();
    fake.options.fault = undefined;
    expect(error).toBeInstanceOf(InfrastructureError);
    expect(error.kind).toBe('timeout');
  });

  it('500s are retried by the SDK; throttles are reported to onThrottle', async () => {
    let throttles = 0;
    fake.options.fault = (req) => (req.exampleId === 'parallel_0' && req.attempt % 3 === 1 ? 'server' : req.exampleId === 'parallel_0' && req.attempt % 3 === 2 ? 'throttle' : undefined);
    const provider = new ConverseProvider({
      model: 'retry-model',
      approach: 'tool-config',
      endpoint: fake.endpoint,
      region: 'us-east-1',
      maxAttempts: 3,
      onThrottle: () => throttles++,
    });
    const r = await provider.infer(request('parallel_0'));
    provider.close();
    fake.options.fault = undefined;
    expect(r.toolCalls.map((c) => c.argumentsJson)).toEqual(['{"city":"Paris","unit":"celsius"}', '{"city":"Rome","unit":"celsius"}']);
    expect(fake.received.get('retry-model parallel_0')).toBe(3);
    expect(throttles).toBe(1);
  });

  it('request metadata keeps to the allowed characters and 16 entries', () => {
    const many = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, 'v']));
    expect(Object.keys(sanitizeMetadata(many))).toHaveLength(16);
    expect(sanitizeMetadata({ 'step key': 'a|b<c>' })).toEqual({ 'step key': 'a-b-c-' });
  });
});
