import { GetFoundationModelCommand } from '@aws-sdk/client-bedrock';
import { describe, expect, it } from 'vitest';
import { bedrockClient } from '../../src/aws/clients.js';
import { credentialSource } from '../../src/aws/preflight.js';
import { ConverseProvider } from '../../src/models/bedrock.js';

/**
 * Live smoke test against real AWS (`npm run test:aws`): the cheapest calls that prove the
 * wiring: one free control-plane read and one tool-config Converse call to Nova Micro with a
 * tiny token cap (a fraction of a cent). Skipped, with the reason printed, when no
 * credentials are configured. Region: $AWS_REGION, else us-east-1.
 */

const source = credentialSource();
const region = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
if (!source) {
  console.log('test:aws skipped: no AWS credentials (no AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or ~/.aws config)');
}

describe.skipIf(!source)(`live AWS (${source ?? 'no credentials'}, ${region})`, () => {
  it('reads a foundation model and its lifecycle (free)', async () => {
    const out = await bedrockClient(region).send(new GetFoundationModelCommand({ modelIdentifier: 'amazon.nova-lite-v1:0' }));
    expect(out.modelDetails?.modelId).toBe('amazon.nova-lite-v1:0');
    expect(out.modelDetails?.modelLifecycle?.status).toBeDefined();
  });

  it('makes one native tool call with Nova Micro, dotted name mapped back, float kept', async () => {
    const provider = new ConverseProvider({ model: 'us.amazon.nova-micro-v1:0', approach: 'tool-config', region, maxAttempts: 3, timeoutMs: 60_000 });
    const response = await provider.infer({
      id: 'live_smoke',
      system: 'Call the function that answers the question.',
      messages: [{ role: 'user', content: 'What is the area of a circle of radius 2.5?' }],
      tools: [
        {
          name: 'geometry.circle_area',
          description: 'Area of a circle.',
          parameters: { type: 'dict', properties: { radius: { type: 'float', description: 'The radius.' } }, required: ['radius'] },
        },
      ],
      inference: { temperature: 0, maxTokens: 128 },
      metadata: { experiment: 'fc-distill-live-smoke' },
    });
    expect(response.toolCalls.map((c) => c.name)).toEqual(['geometry.circle_area']);
    expect(response.toolCalls[0]!.argumentsJson).toMatch(/"radius"\s*:\s*2\.5/);
    expect(response.usage.inputTokens).toBeGreaterThan(0);
  });
});
