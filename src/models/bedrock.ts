import { parse as parseLossless, stringify as stringifyLossless } from 'lossless-json';
import type { BedrockRuntimeClient, ConverseCommandInput } from '@aws-sdk/client-bedrock-runtime';
import { classifyHttpStatus, InfrastructureError, type Approach, type InferenceProvider, type InferenceRequest, type InferenceResponse, type ProviderOptions, type ToolCall } from './provider.js';
import { nativeTools, type ToolNames } from './tool-schema.js';

/**
 * Bedrock's Converse API (@aws-sdk/client-bedrock-runtime) as an inference provider.
 *
 * - `modelId` may be a foundation model id, an inference profile id (`us.` prefixes), a custom
 *   model deployment ARN or a provisioned model ARN: Converse takes them all as `modelId`.
 * - prompt approach: the rendered system prompt and messages, no toolConfig; the answer is text.
 * - tool-config approach: `toolConfig` with the BFCL functions converted to JSON Schema, names
 *   mapped to `[a-zA-Z0-9_-]{1,64}` and back (tool-schema.ts); toolConfig only when there are
 *   tools (Bedrock rejects an empty list).
 * - Tool input numbers: the SDK parses the body with JSON.parse, so `5.0` arrives as `5`. A
 *   per-command, low-priority `deserialize` middleware keeps the raw body of the final
 *   attempt; tool inputs are re-read from it with lossless-json, and `argumentsJson` holds them
 *   with every number as written.
 * - Retries: the SDK's own retry mode (`standard` by default; `AWS_RETRY_MODE` / maxAttempts);
 *   the same middleware reports every throttled attempt (429) to `onThrottle`, so the caller's
 *   rate limiter slows down even when the SDK's retry then succeeds.
 * - `requestTimeout` is always set (the HTTP/2 handler then raises TimeoutError; without one a
 *   stalled call waits for the server to drop it).
 * - `requestMetadata` (experiment, step key, example id) is limited to 16 entries and the
 *   characters invocation-log filters accept.
 * The SDK is imported on first use, not at module load (CLI start-up time).
 */

export const METADATA_ALLOWED = /[^a-zA-Z0-9 :_@$#=/+,.-]/g;

export function sanitizeMetadata(metadata: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(metadata).slice(0, 16)) {
    const key = k.replace(METADATA_ALLOWED, '-').slice(0, 256);
    if (key === '') continue;
    out[key] = String(v).replace(METADATA_ALLOWED, '-').slice(0, 256);
  }
  return out;
}

type RuntimeModule = typeof import('@aws-sdk/client-bedrock-runtime');
let runtimeModule: Promise<RuntimeModule> | undefined;
function loadRuntime(): Promise<RuntimeModule> {
  runtimeModule ??= import('@aws-sdk/client-bedrock-runtime');
  return runtimeModule;
}

interface RawContentBlock {
  text?: string;
  toolUse?: { toolUseId?: string; name?: string; input?: unknown };
  reasoningContent?: unknown;
}

export class ConverseProvider implements InferenceProvider {
  readonly name = 'bedrock';
  readonly model: string;
  readonly approach: Approach;
  private client: BedrockRuntimeClient | undefined;
  private clientPromise: Promise<BedrockRuntimeClient> | undefined;

  constructor(private readonly options: ProviderOptions) {
    this.model = options.model;
    this.approach = options.approach;
  }

  private getClient(): Promise<BedrockRuntimeClient> {
    this.clientPromise ??= loadRuntime().then(({ BedrockRuntimeClient }) => {
      this.client = new BedrockRuntimeClient({
        ...(this.options.region ? { region: this.options.region } : {}),
        ...(this.options.endpoint ? { endpoint: this.options.endpoint } : {}),
        maxAttempts: this.options.maxAttempts ?? 3,
        retryMode: process.env.AWS_RETRY_MODE === 'adaptive' ? 'adaptive' : 'standard',
        requestHandler: { requestTimeout: this.options.timeoutMs ?? 120_000, disableConcurrentStreams: true },
      });
      return this.client;
    });
    return this.clientPromise;
  }

  buildInput(request: InferenceRequest): { input: ConverseCommandInput; names: ToolNames | undefined } {
    const inf = request.inference;
    const input: ConverseCommandInput = {
      modelId: this.model,
      messages: request.messages.map((m) => ({ role: m.role, content: [{ text: m.content }] })),
      inferenceConfig: {
        maxTokens: inf.maxTokens,
        temperature: inf.temperature,
        ...(inf.topP !== undefined ? { topP: inf.topP } : {}),
      },
    };
    if (request.system.trim() !== '') input.system = [{ text: request.system }];
    if (inf.additionalModelRequestFields) input.additionalModelRequestFields = inf.additionalModelRequestFields as never;
    const metadata = sanitizeMetadata(request.metadata);
    if (Object.keys(metadata).length) input.requestMetadata = metadata;
    let names: ToolNames | undefined;
    if (this.approach === 'tool-config' && request.tools && request.tools.length > 0) {
      const native = nativeTools(request.tools);
      names = native.names;
      input.toolConfig = {
        tools: native.tools.map((t) => ({ toolSpec: { name: t.name, description: t.description, inputSchema: { json: t.inputSchema as never } } })),
        toolChoice: { auto: {} },
      };
    }
    return { input, names };
  }

  async infer(request: InferenceRequest): Promise<InferenceResponse> {
    const [{ ConverseCommand }, client] = await Promise.all([loadRuntime(), this.getClient()]);
    const { input, names } = this.buildInput(request);
    const command = new ConverseCommand(input);
    const raw: { body?: Uint8Array } = {};
    const onThrottle = this.options.onThrottle;
    command.middlewareStack.add(
      (next) => async (args) => {
        const result = await next(args);
        const response = result.response as { statusCode?: number; body?: unknown };
        if (response.statusCode === 429) onThrottle?.();
        if (response.statusCode === 200 && response.body) {
          const body = await collect(response.body);
          raw.body = body;
          response.body = body;
        }
        return result;
      },
      { step: 'deserialize', priority: 'low', name: 'fcDistillRawBody' },
    );
    const started = performance.now();
    let output;
    try {
      output = await client.send(command, request.signal ? { abortSignal: request.signal } : {});
    } catch (error) {
      throw toInfrastructureError(error, request.signal);
    }
    const latencyMs = Math.round(performance.now() - started);
    const blocks = rawBlocks(raw.body) ?? (output.output?.message?.content as RawContentBlock[] | undefined) ?? [];
    const texts: string[] = [];
    const toolCalls: ToolCall[] = [];
    for (const block of blocks) {
      if (typeof block.text === 'string') texts.push(block.text);
      if (block.toolUse) {
        const wire = block.toolUse.name ?? '';
        toolCalls.push({ name: names ? names.bfcl(wire) : wire, argumentsJson: argumentsText(block.toolUse.input) });
      }
    }
    return {
      text: texts.join('\n'),
      toolCalls,
      stopReason: String(output.stopReason ?? 'unknown'),
      usage: { inputTokens: output.usage?.inputTokens ?? 0, outputTokens: output.usage?.outputTokens ?? 0 },
      latencyMs,
    };
  }

  close(): void {
    this.client?.destroy();
  }
}

/** The raw body's content blocks, numbers kept as their source text (LosslessNumber). */
function rawBlocks(body: Uint8Array | undefined): RawContentBlock[] | undefined {
  if (!body) return undefined;
  try {
    const parsed = parseLossless(Buffer.from(body).toString('utf8')) as { output?: { message?: { content?: RawContentBlock[] } } };
    const content = parsed?.output?.message?.content;
    return Array.isArray(content) ? content : undefined;
  } catch {
    return undefined;
  }
}

function argumentsText(input: unknown): string {
  if (input === undefined || input === null) return '{}';
  return stringifyLossless(input) ?? '{}';
}

async function collect(body: unknown): Promise<Uint8Array> {
  if (body instanceof Uint8Array) return body;
  const chunks: Buffer[] = [];
  for await (const chunk of body as AsyncIterable<Buffer | string>) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return new Uint8Array(Buffer.concat(chunks));
}

/** SDK / transport errors -> InfrastructureError (aborts stay aborts). */
export function toInfrastructureError(error: unknown, signal?: AbortSignal): unknown {
  const e = error as { name?: string; message?: string; code?: string; $metadata?: { httpStatusCode?: number }; $retryable?: unknown };
  if (signal?.aborted || e?.name === 'AbortError') return error;
  const status = e?.$metadata?.httpStatusCode;
  const name = e?.name ?? 'Error';
  let kind = classifyHttpStatus(status, name);
  if (name === 'TimeoutError' || /timed? ?out/i.test(e?.message ?? '') || e?.code === 'ETIMEDOUT') kind = 'timeout';
  if (status === undefined && kind === 'network' && /credential/i.test(`${name} ${e?.message ?? ''}`)) kind = 'access';
  if (name === 'ModelNotReadyException' || name === 'ServiceUnavailableException' || name === 'InternalServerException') kind = 'server';
  const retryable = kind === 'throttled' || kind === 'timeout' || kind === 'server' || kind === 'network';
  const message = `${name}${status ? ` (HTTP ${status})` : ''}: ${redact(e?.message ?? String(error))}`;
  return new InfrastructureError(kind, message, retryable, { cause: undefined, status, code: name });
}

/** Error messages must not carry credentials, signatures or account ids into the journal. */
export function redact(text: string): string {
  return text
    .replace(/\b(?:AKIA|ASIA)[A-Z0-9]{12,}\b/g, '<access-key>')
    .replace(/Signature=[0-9a-f]+/gi, 'Signature=<redacted>')
    .replace(/Credential=[^,\s]+/gi, 'Credential=<redacted>')
    .replace(/arn:aws[a-z-]*:([a-z0-9-]+):([a-z0-9-]*):\d{12}:/g, 'arn:aws:$1:$2:<account>:')
    .replace(/\b\d{12}\b/g, '<account>');
}
