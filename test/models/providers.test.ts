import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpenAIProvider } from '../../src/models/openai.js';
import { ResultsProvider } from '../../src/models/results.js';
import { InfrastructureError } from '../../src/models/provider.js';
import { createProvider } from '../../src/models/registry.js';
import { EXAMPLES } from './fixtures.js';

let server: Server;
let base: string;
const seen: any[] = [];
let failNext = 0;
beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const parsed = JSON.parse(body);
      seen.push({ url: req.url, auth: req.headers.authorization, body: parsed });
      if (failNext > 0) {
        failNext--;
        res.writeHead(429, { 'retry-after': '0' }).end('{"error":"slow down"}');
        return;
      }
      const message = parsed.tools
        ? { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: parsed.tools[0].function.name, arguments: '{"base": 10, "height": 5.0}' } }] }
        : { role: 'assistant', content: '<thinking>hm</thinking>[{"name": "geometry.triangle_area", "arguments": {"base": 10, "height": 5.0}}]' };
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ choices: [{ message, finish_reason: parsed.tools ? 'tool_calls' : 'stop' }], usage: { prompt_tokens: 11, completion_tokens: 7 } }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const request = { id: 'simple_0', system: 'sys', messages: [{ role: 'user' as const, content: 'q' }], tools: EXAMPLES[0]!.functions, inference: { temperature: 0, maxTokens: 99 }, metadata: {} };

describe('openai provider (OpenAI-compatible chat completions)', () => {
  it('tool-config: function tools with wire names; raw arguments kept; names mapped back', async () => {
    const p = new OpenAIProvider({ model: 'qwen', approach: 'tool-config', endpoint: base, apiKey: 'sk-test' });
    const r = await p.infer(request);
    expect(r.toolCalls).toEqual([{ name: 'geometry.triangle_area', argumentsJson: '{"base": 10, "height": 5.0}' }]);
    expect(r.usage).toEqual({ inputTokens: 11, outputTokens: 7 });
    const sent = seen.at(-1);
    expect(sent.url).toBe('/v1/chat/completions');
    expect(sent.auth).toBe('Bearer sk-test');
    expect(sent.body.tools[0].function.name).toBe('geometry_triangle_area');
    expect(sent.body.messages).toEqual([{ role: 'system', content: 'sys' }, { role: 'user', content: 'q' }]);
    expect(sent.body.max_tokens).toBe(99);
  });

  it('prompt: text answer, no tools; 429 is retried', async () => {
    failNext = 1;
    let throttles = 0;
    const p = createProvider('openai', { model: 'qwen', approach: 'prompt', endpoint: base, onThrottle: () => throttles++ });
    const r = await p.infer({ ...request, tools: undefined });
    expect(r.text).toContain('"height": 5.0');
    expect(seen.at(-1).body.tools).toBeUndefined();
    expect(throttles).toBe(1);
  });

  it('gives up after maxAttempts with an InfrastructureError', async () => {
    failNext = 5;
    const p = new OpenAIProvider({ model: 'qwen', approach: 'prompt', endpoint: base, maxAttempts: 2 });
    const e = await p.infer(request).catch((x) => x);
    failNext = 0;
    expect(e).toBeInstanceOf(InfrastructureError);
    expect(e.kind).toBe('throttled');
  });
});

describe('results provider (recorded BFCL result files)', () => {
  it('replays results with raw numbers; a missing id is an infrastructure error', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fc-results-'));
    await mkdir(join(dir, 'model/live'), { recursive: true });
    await writeFile(
      join(dir, 'model/live/BFCL_v4_live_simple_result.json'),
      [
        '{"id": "live_simple_0-0-0", "result": [{"get_weather": "{\\"city\\": \\"Paris\\", \\"t\\": 5.0}"}], "input_token_count": 10, "output_token_count": 4, "latency": 0.25}',
        '{"id": "live_simple_1-1-0", "result": [{"f": {"x": 5.0, "y": [1.0, 2]}}, {"g": {}}]}',
        '{"id": "live_simple_2-2-0", "result": "I cannot do that"}',
      ].join('\n') + '\n',
    );
    const p = new ResultsProvider({ model: 'model', approach: 'tool-config', projectDir: dir });
    const a = await p.infer({ ...request, id: 'live_simple_0-0-0' });
    expect(a.toolCalls).toEqual([{ name: 'get_weather', argumentsJson: '{"city": "Paris", "t": 5.0}' }]);
    expect(a.usage).toEqual({ inputTokens: 10, outputTokens: 4 });
    expect(a.latencyMs).toBe(250);
    const b = await p.infer({ ...request, id: 'live_simple_1-1-0' });
    expect(b.toolCalls).toEqual([{ name: 'f', argumentsJson: '{"x": 5.0, "y": [1.0, 2]}' }, { name: 'g', argumentsJson: '{}' }]);
    expect((await p.infer({ ...request, id: 'live_simple_2-2-0' })).text).toBe('I cannot do that');
    const missing = await p.infer({ ...request, id: 'nope' }).catch((e) => e);
    expect(missing).toBeInstanceOf(InfrastructureError);
    await rm(dir, { recursive: true, force: true });
  });
});
