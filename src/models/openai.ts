import { setTimeout as sleep } from 'node:timers/promises';
import { classifyHttpStatus, InfrastructureError, type Approach, type InferenceProvider, type InferenceRequest, type InferenceResponse, type ProviderOptions } from './provider.js';
import { nativeTools } from './tool-schema.js';
import { redact } from './bedrock.js';

/**
 * Any OpenAI-compatible chat-completions server (vLLM, Ollama, llama.cpp server, OpenAI) over
 * fetch: `POST {baseUrl}/chat/completions`. Base URL from the options, else OPENAI_BASE_URL,
 * else https://api.openai.com/v1; key from the options, else OPENAI_API_KEY (optional for local
 * servers). prompt approach: system + messages, text answer. tool-config: `tools` as function
 * tools (schemas and names converted as for Bedrock; names mapped back), `tool_choice: auto`;
 * each call's `function.arguments` string is kept exactly as the server sent it (the raw
 * response text is parsed, but arguments are strings, so `5.0` survives as written).
 * Transient failures (429, 5xx, network, timeout) are retried here with exponential backoff
 * and jitter (honouring Retry-After), up to maxAttempts; then an InfrastructureError.
 */
export class OpenAIProvider implements InferenceProvider {
  readonly name = 'openai';
  readonly model: string;
  readonly approach: Approach;
  private readonly baseUrl: string;
  private readonly apiKey: string | undefined;

  constructor(private readonly options: ProviderOptions) {
    this.model = options.model;
    this.approach = options.approach;
    this.baseUrl = (options.endpoint ?? process.env.OPENAI_BASE_URL ?? 'https://api.openai.com/v1').replace(/\/+$/, '');
    this.apiKey = options.apiKey ?? process.env.OPENAI_API_KEY;
  }

  buildBody(request: InferenceRequest): { body: Record<string, unknown>; names: ReturnType<typeof nativeTools>['names'] | undefined } {
    const messages: { role: string; content: string }[] = [];
    if (request.system.trim() !== '') messages.push({ role: 'system', content: request.system });
    for (const m of request.messages) messages.push({ role: m.role, content: m.content });
    const inf = request.inference;
    const body: Record<string, unknown> = { model: this.model, messages, temperature: inf.temperature, max_tokens: inf.maxTokens };
    if (inf.topP !== undefined) body.top_p = inf.topP;
    let names;
    if (this.approach === 'tool-config' && request.tools && request.tools.length > 0) {
      const native = nativeTools(request.tools);
      names = native.names;
      body.tools = native.tools.map((t) => ({ type: 'function', function: { name: t.name, description: t.description, parameters: t.inputSchema } }));
      body.tool_choice = 'auto';
    }
    return { body, names };
  }

  async infer(request: InferenceRequest): Promise<InferenceResponse> {
    const { body, names } = this.buildBody(request);
    const attempts = this.options.maxAttempts ?? 3;
    const timeoutMs = this.options.timeoutMs ?? 120_000;
    let last: InfrastructureError | undefined;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const started = performance.now();
      const timeout = AbortSignal.timeout(timeoutMs);
      const signal = request.signal ? AbortSignal.any([request.signal, timeout]) : timeout;
      let response: Response;
      let text: string;
      try {
        response = await fetch(`${this.baseUrl}/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(this.apiKey ? { authorization: `Bearer ${this.apiKey}` } : {}) },
          body: JSON.stringify(body),
          signal,
        });
        text = await response.text();
      } catch (error) {
        if (request.signal?.aborted) throw error;
        const timedOut = timeout.aborted;
        last = new InfrastructureError(timedOut ? 'timeout' : 'network', `${timedOut ? 'timeout' : 'network error'}: ${redact((error as Error).message)}`, true);
        if (attempt < attempts) await sleep(backoff(attempt), undefined, request.signal ? { signal: request.signal } : undefined);
        continue;
      }
      if (!response.ok) {
        const kind = classifyHttpStatus(response.status);
        if (kind === 'throttled') this.options.onThrottle?.();
        last = new InfrastructureError(kind, `HTTP ${response.status}: ${redact(text.slice(0, 300))}`, kind === 'throttled' || kind === 'server', { status: response.status });
        if (!last.retryable || attempt === attempts) break;
        const retryAfter = Number(response.headers.get('retry-after'));
        await sleep(Number.isFinite(retryAfter) && retryAfter > 0 ? Math.min(retryAfter * 1000, 30_000) : backoff(attempt), undefined, request.signal ? { signal: request.signal } : undefined);
        continue;
      }
      const latencyMs = Math.round(performance.now() - started);
      let parsed: any;
      try {
        parsed = JSON.parse(text);
      } catch {
        throw new InfrastructureError('server', `the server's answer is not JSON: ${text.slice(0, 200)}`, true);
      }
      const choice = parsed?.choices?.[0];
      const message = choice?.message ?? {};
      const toolCalls = (Array.isArray(message.tool_calls) ? message.tool_calls : []).map((c: any) => {
        const wire = String(c?.function?.name ?? '');
        const args = c?.function?.arguments;
        return { name: names ? names.bfcl(wire) : wire, argumentsJson: typeof args === 'string' ? args : JSON.stringify(args ?? {}) };
      });
      return {
        text: typeof message.content === 'string' ? message.content : '',
        toolCalls,
        stopReason: String(choice?.finish_reason ?? 'unknown'),
        usage: { inputTokens: Number(parsed?.usage?.prompt_tokens ?? 0), outputTokens: Number(parsed?.usage?.completion_tokens ?? 0) },
        latencyMs,
      };
    }
    throw last ?? new InfrastructureError('network', 'no attempt made', true);
  }
}

function backoff(attempt: number): number {
  return Math.min(20_000, 200 * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);
}
