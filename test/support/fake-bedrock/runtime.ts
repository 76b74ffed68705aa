import { createServer, constants, type Http2Server, type IncomingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { chooseAnswer, parseGroundTruth, renderAnswer, type AnswerFormat } from '../../../src/prompts/answer.js';
import { formatJson } from '../../../src/prompts/json-text.js';
import type { BfclExample } from '../../../src/bfcl/records.js';

/**
 * A fake Bedrock runtime for tests: HTTP/2 cleartext (the SDK's bedrock-runtime client talks
 * HTTP/2 by default) on 127.0.0.1:0, serving `POST /model/{modelId}/converse` with the exact
 * response shape of Converse:
 *
 *   {"output": {"message": {"role": "assistant", "content": [{"text"} | {"toolUse": {toolUseId, name, input}}]}},
 *    "stopReason", "usage": {inputTokens, outputTokens, totalTokens}, "metrics": {"latencyMs"}}
 *
 * Answers come from a script: by default derived from the BFCL ground truth of the example
 * (found by the `example` requestMetadata tag): `correct` answers with the first acceptable
 * values, numbers written as in the ground truth (`5.0` stays `5.0` in the raw JSON), as toolUse
 * blocks when the request has a toolConfig (names as the request's tools spell them), else as
 * text (`<thinking>` + the json-list answer); `wrong` calls the first function with no
 * arguments; `text` answers in prose; or a function of the request for anything else.
 *
 * Faults: `quotaPerMinute` (a token bucket refilled at quota/60 per second, holding at most
 * `burstSeconds` of it; above it: 429 ThrottlingException with `x-amzn-errortype`), `fault(req)`
 * returning 'server' (500), 'access' (403 AccessDeniedException), 'throttle', 'hang' (never
 * answers), or `{delayMs}`; a global `delayMs`.
 *
 * Counters, per `${modelId} ${approach} ${exampleId}` (approach from requestMetadata, left out when absent): `received` (every request), `completed` (every 200
 * answer fully written).
 */

export type Behaviour = 'correct' | 'wrong' | 'text' | 'no-call';

export interface FakeRequest {
  modelId: string;
  exampleId: string;
  body: any;
  /** 1 for the first request for this model/example, 2 for the next... */
  attempt: number;
}

export type Fault = 'server' | 'access' | 'throttle' | 'hang' | 'validation' | { delayMs: number } | undefined;

export interface ScriptedAnswer {
  /** Raw content blocks JSON text, e.g. `[{"text":"hi"}]`. */
  contentJson: string;
  stopReason: string;
}

export interface FakeRuntimeOptions {
  examples?: readonly BfclExample[];
  behaviour?: Behaviour | ((req: FakeRequest) => Behaviour);
  answer?: (req: FakeRequest, example: BfclExample | undefined) => ScriptedAnswer | undefined;
  answerFormat?: AnswerFormat;
  quotaPerMinute?: number;
  burstSeconds?: number;
  fault?: (req: FakeRequest) => Fault;
  delayMs?: number;
}

export interface FakeRuntime {
  endpoint: string;
  received: Map<string, number>;
  completed: Map<string, number>;
  throttled: number;
  /** Every request body seen, in arrival order (for assertions on what was sent). */
  requests: FakeRequest[];
  options: FakeRuntimeOptions;
  totalCompleted(): number;
  close(): Promise<void>;
}

export async function startFakeRuntime(options: FakeRuntimeOptions = {}): Promise<FakeRuntime> {
  const byId = new Map((options.examples ?? []).map((e) => [e.id, e]));
  const sessions = new Set<import('node:http2').ServerHttp2Session>();
  const hanging = new Set<ServerHttp2Stream>();
  let tokens = 0;
  let lastRefill = performance.now();
  const state: FakeRuntime = {
    endpoint: '',
    received: new Map(),
    completed: new Map(),
    throttled: 0,
    requests: [],
    options,
    totalCompleted: () => [...state.completed.values()].reduce((a, b) => a + b, 0),
    close: async () => {
      for (const s of hanging) s.close(constants.NGHTTP2_CANCEL);
      for (const s of sessions) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  if (options.quotaPerMinute) tokens = Math.max(1, (options.quotaPerMinute / 60) * (options.burstSeconds ?? 1));

  function takeQuota(): boolean {
    const q = state.options.quotaPerMinute;
    if (!q) return true;
    const capacity = Math.max(1, (q / 60) * (state.options.burstSeconds ?? 1));
    const t = performance.now();
    tokens = Math.min(capacity, tokens + ((t - lastRefill) / 1000) * (q / 60));
    lastRefill = t;
    if (tokens >= 1) {
      tokens -= 1;
      return true;
    }
    return false;
  }

  function sendError(stream: ServerHttp2Stream, status: number, type: string, message: string): void {
    if (stream.closed) return;
    stream.respond({ ':status': status, 'content-type': 'application/json', 'x-amzn-errortype': `${type}:http://internal.amazon.com/coral/com.amazon.bedrock/`, 'x-amzn-requestid': 'fake' });
    stream.end(JSON.stringify({ message }));
  }

  async function handle(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, bodyText: string): Promise<void> {
    const path = String(headers[':path'] ?? '');
    const m = /^\/model\/([^/]+)\/converse$/.exec(path);
    if (headers[':method'] !== 'POST' || !m) return sendError(stream, 404, 'UnknownOperationException', `no route ${path}`);
    const modelId = decodeURIComponent(m[1]!);
    let body: any;
    try {
      body = JSON.parse(bodyText);
    } catch {
      return sendError(stream, 400, 'ValidationException', 'body is not JSON');
    }
    const exampleId = String(body?.requestMetadata?.example ?? '?');
    const approach = body?.requestMetadata?.approach;
    const key = approach ? `${modelId} ${approach} ${exampleId}` : `${modelId} ${exampleId}`;
    const attempt = (state.received.get(key) ?? 0) + 1;
    state.received.set(key, attempt);
    const req: FakeRequest = { modelId, exampleId, body, attempt };
    state.requests.push(req);

    if (!takeQuota()) {
      state.throttled++;
      return sendError(stream, 429, 'ThrottlingException', 'Too many requests, please wait before trying again.');
    }
    const fault = state.options.fault?.(req);
    if (fault === 'hang') {
      hanging.add(stream);
      return;
    }
    if (fault === 'server') return sendError(stream, 500, 'InternalServerException', 'injected server error');
    if (fault === 'throttle') {
      state.throttled++;
      return sendError(stream, 429, 'ThrottlingException', 'injected throttle');
    }
    if (fault === 'access') return sendError(stream, 403, 'AccessDeniedException', 'You do not have access to the model with the specified model ID.');
    if (fault === 'validation') return sendError(stream, 400, 'ValidationException', 'injected validation error');
    const delay = (typeof fault === 'object' && fault ? fault.delayMs : 0) + (state.options.delayMs ?? 0);
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    if (stream.closed || stream.destroyed) return;

    const example = byId.get(exampleId);
    const answer = state.options.answer?.(req, example) ?? defaultAnswer(req, example, state.options);
    const inputTokens = Math.ceil(bodyText.length / 4);
    const outputTokens = Math.max(1, Math.ceil(answer.contentJson.length / 4));
    const response =
      `{"output":{"message":{"role":"assistant","content":${answer.contentJson}}},"stopReason":${JSON.stringify(answer.stopReason)},` +
      `"usage":{"inputTokens":${inputTokens},"outputTokens":${outputTokens},"totalTokens":${inputTokens + outputTokens}},"metrics":{"latencyMs":${Math.round(delay) + 3}}}`;
    stream.respond({ ':status': 200, 'content-type': 'application/json', 'x-amzn-requestid': 'fake' });
    stream.end(response, () => {
      state.completed.set(key, (state.completed.get(key) ?? 0) + 1);
    });
  }

  const server: Http2Server = createServer();
  server.on('session', (s) => {
    sessions.add(s);
    s.on('close', () => sessions.delete(s));
  });
  server.on('stream', (stream, headers) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('error', () => undefined);
    stream.on('close', () => hanging.delete(stream));
    stream.on('end', () => {
      handle(stream, headers, Buffer.concat(chunks).toString('utf8')).catch((error) => {
        if (!stream.closed) sendError(stream, 500, 'InternalServerException', String(error));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return state;
}

/** The BFCL name -> the name the request's toolConfig gave that tool. */
function wireNameFor(body: any, bfclName: string, example: BfclExample | undefined): string {
  const tools: { toolSpec: { name: string } }[] = body?.toolConfig?.tools ?? [];
  const index = example?.functions.findIndex((f) => f.name === bfclName) ?? -1;
  return tools[index]?.toolSpec.name ?? bfclName;
}

function defaultAnswer(req: FakeRequest, example: BfclExample | undefined, options: FakeRuntimeOptions): ScriptedAnswer {
  const behaviour = typeof options.behaviour === 'function' ? options.behaviour(req) : (options.behaviour ?? 'correct');
  const toolConfig = Boolean(req.body?.toolConfig);
  if (!example || behaviour === 'text') return { contentJson: JSON.stringify([{ text: 'I cannot help with that.' }]), stopReason: 'end_turn' };
  // 'wrong' never reads the ground truth (an unpassable entry has no acceptable value to choose).
  const chosen =
    behaviour === 'wrong'
      ? [{ name: example.functions[0]?.name ?? 'nothing', arguments: {} }]
      : behaviour === 'no-call' || example.answerJson === null
        ? []
        : chooseAnswer(parseGroundTruth(example.answerJson));
  if (toolConfig) {
    if (chosen.length === 0) return { contentJson: JSON.stringify([{ text: 'None of the tools fit.' }]), stopReason: 'end_turn' };
    const blocks = chosen.map(
      (c, i) =>
        `{"toolUse":{"toolUseId":"tooluse_${i}","name":${JSON.stringify(wireNameFor(req.body, c.name, example))},"input":${formatJson(c.arguments)}}}`,
    );
    return { contentJson: `[{"text":"<thinking>Calling the tools.</thinking>"},${blocks.join(',')}]`, stopReason: 'tool_use' };
  }
  const text = `<thinking>The user wants ${chosen.map((c) => c.name).join(', ') || 'nothing'}.</thinking>\n${renderAnswer(chosen, options.answerFormat ?? 'json-list')}`;
  return { contentJson: `[{"text":${JSON.stringify(text)}}]`, stopReason: 'end_turn' };
}
