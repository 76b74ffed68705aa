import type { BfclFunctionDoc } from '../bfcl/records.js';

/**
 * The one interface every inference backend implements (bedrock Converse, OpenAI-compatible
 * chat completions, recorded BFCL result files). A provider answers one request; retries of
 * transient errors are the provider's (the SDK's own retry mode for Bedrock); pacing and
 * journalling are the infer step's.
 */

export type Approach = 'prompt' | 'tool-config';

export interface ChatMessage {
  role: 'user' | 'assistant';
  content: string;
}

export interface InferenceSettings {
  temperature: number;
  maxTokens: number;
  topP?: number;
  /** Bedrock: passed as Converse `additionalModelRequestFields` (e.g. `{inferenceConfig: {topK: 1}}`). */
  additionalModelRequestFields?: Record<string, unknown>;
}

export interface InferenceRequest {
  /** The example this request answers (BFCL id); used by replay providers and in logs. */
  id: string;
  system: string;
  messages: ChatMessage[];
  /** Tool-config approach only: the example's BFCL function docs (names may contain dots). */
  tools?: BfclFunctionDoc[];
  inference: InferenceSettings;
  /** Tags sent along (Bedrock requestMetadata) so invocation logs can be filtered later. */
  metadata: Record<string, string>;
  signal?: AbortSignal;
}

export interface ToolCall {
  /** The BFCL function name (mapped back from the wire name, dots restored). */
  name: string;
  /** The raw JSON text of the arguments as the model produced them: `5.0` stays `5.0`. */
  argumentsJson: string;
}

export interface Usage {
  inputTokens: number;
  outputTokens: number;
}

export interface InferenceResponse {
  /** Text blocks joined (Nova may write `<thinking>` before tool calls); '' when none. */
  text: string;
  toolCalls: ToolCall[];
  stopReason: string;
  usage: Usage;
  latencyMs: number;
}

export type InfrastructureErrorKind = 'throttled' | 'timeout' | 'server' | 'access' | 'network' | 'invalid-request';

/**
 * A failure of the infrastructure, not an answer of the model: it is never scored, it is
 * recorded as an error and retried on the next run.
 */
export class InfrastructureError extends Error {
  constructor(
    readonly kind: InfrastructureErrorKind,
    message: string,
    readonly retryable: boolean,
    options?: { cause?: unknown; status?: number; code?: string },
  ) {
    super(message, options?.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = 'InfrastructureError';
    this.status = options?.status;
    this.code = options?.code;
  }
  readonly status: number | undefined;
  readonly code: string | undefined;
}

export interface InferenceProvider {
  readonly name: string;
  /** The model id / name requests go to. */
  readonly model: string;
  readonly approach: Approach;
  infer(request: InferenceRequest): Promise<InferenceResponse>;
  /** Release connections (HTTP/2 sessions keep a process alive otherwise). */
  close?(): void;
}

export interface ProviderOptions {
  model: string;
  approach: Approach;
  region?: string;
  /** Bedrock/OpenAI endpoint override (tests); else AWS_ENDPOINT_URL_BEDROCK_RUNTIME / OPENAI_BASE_URL. */
  endpoint?: string;
  /** Per-call timeout (ms). */
  timeoutMs?: number;
  /** Attempts including the first (SDK retry mode / our own for openai). */
  maxAttempts?: number;
  /** OpenAI-compatible: API key (else OPENAI_API_KEY). */
  apiKey?: string;
  /** Called once per transport-level throttle seen (including those retried inside the SDK). */
  onThrottle?: () => void;
}

/** Standard classification of HTTP-ish failures into infrastructure kinds. */
export function classifyHttpStatus(status: number | undefined, code?: string): InfrastructureErrorKind {
  const c = (code ?? '').toLowerCase();
  if (status === 429 || c.includes('throttl') || c.includes('toomanyrequests') || c.includes('servicequota')) return 'throttled';
  if (status === 408 || c.includes('timeout')) return 'timeout';
  if (status === 401 || status === 403 || c.includes('accessdenied') || c.includes('unrecognizedclient') || c.includes('signature') || c.includes('expiredtoken')) {
    return 'access';
  }
  if (status !== undefined && status >= 500) return 'server';
  if (status !== undefined && status >= 400) return 'invalid-request';
  return 'network';
}
