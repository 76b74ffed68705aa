import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { StepError, InputError } from '../errors.js';
import type { StepContext, StepKind } from '../graph/step.js';
import type { Json, JsonObject } from '../json.js';
import type { BfclExample } from '../bfcl/records.js';
import type { RenderedRecord } from '../prompts/render.js';
import { conversationOf } from '../prompts/context.js';
import type { Approach, InferenceRequest, InferenceResponse, InferenceSettings } from '../models/provider.js';
import type { JournalError } from '../models/journal.js';
import { costUsd, priceOf, type PriceOverrides } from '../models/prices.js';

/**
 * infer: one model x one approach over the eval split.
 *
 * Inputs: `prompts` (render artifact: eval.jsonl RenderedRecords: the prompt approach sends
 * their system and messages), `examples` (split artifact: eval.jsonl BfclExamples: the
 * tool-config approach sends the example's own conversation and its functions as tools),
 * optional `deployment` (deployment.json `{kind, name}`: the distilled student's deployment or
 * provisioned throughput, used when params.modelId is null; its ARN, which Converse needs and
 * which carries the account id, is resolved by name before sending and never stored; stores
 * written by earlier versions hold it as `modelId`).
 * Params (the key: what is asked, and what the artifact records): `model` (label: teacher,
 * student-base, student, a baseline name), `provider` (bedrock | openai | results), `modelId`,
 * `approach`, `family` and `inference` (the decoding settings after the per-family defaults
 * table and the experiment's overrides: src/models/decoding.ts), `region`, and the pricing
 * inputs `prices` (overrides from prices.yaml), `priceModel` (the id to price by, e.g. the
 * student's base model for a deployment ARN) and `pricesAsOf` (the committed table's date).
 * Pricing is in the key because the artifact records cost; a price change re-keys the step,
 * which then finds every answer in the shared journal and re-prices without sending anything.
 *
 * Settings (ctx.settings, NOT in the key: how it runs, not what it produces): `concurrency` (8),
 * `requestsPerMinute`, `tokensPerMinute`, `timeoutMs`, `maxAttempts`, `retryPauseMs` (pause
 * before re-queuing a failed request, x its round; default 1000), `experiment` (the variant
 * name, sent as a requestMetadata tag only).
 *
 * Every response is journalled as it arrives, in the infer steps' shared directory, one journal
 * per provider x model x approach, keyed by a hash of the request as sent (model id, approach,
 * system, messages, tools, inference settings; tags excluded): a rerun after a crash, or any
 * step of another key that asks the same question, sends only what is missing and never
 * re-sends an answered request. An infrastructure failure that outlasts the retries is
 * journalled as an error, never as an answer; the step then FAILS naming how many examples are
 * missing (nothing is published), and the next run retries exactly those.
 *
 * Writes `responses.jsonl` (eval order; `{id, category, text, toolCalls, stopReason, usage,
 * latencyMs, costUsd}`) and `infer.json` (counts, tokens, cost, latency p50/p95, price used).
 */

export interface InferParams extends JsonObject {
  model: string;
  provider: string;
  modelId: string | null;
  approach: Approach;
  inference: JsonObject;
  region: string | null;
}

/** Execution settings (ctx.settings): none of them changes an answer. */
interface InferSettings {
  concurrency?: number;
  requestsPerMinute?: number;
  tokensPerMinute?: number;
  timeoutMs?: number;
  maxAttempts?: number;
  retryPauseMs?: number;
  experiment?: string;
}

function readSettings(settings: JsonObject | undefined): InferSettings {
  const s = settings ?? {};
  const out: InferSettings = {};
  for (const name of ['concurrency', 'requestsPerMinute', 'tokensPerMinute', 'timeoutMs', 'maxAttempts', 'retryPauseMs'] as const) {
    if (typeof s[name] === 'number') out[name] = s[name];
  }
  if (typeof s.experiment === 'string') out.experiment = s.experiment;
  return out;
}

export interface ResponseLine {
  id: string;
  category: string;
  text: string;
  toolCalls: { name: string; argumentsJson: string }[];
  stopReason: string;
  usage: { inputTokens: number; outputTokens: number };
  latencyMs: number;
  costUsd: number;
}

async function readJsonl<T>(file: string): Promise<T[]> {
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new InputError(`cannot read ${file}: ${error.message}`, { file });
  });
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as T);
}

export function percentile(values: readonly number[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const v = (sorted.length - 1) * (q / 100);
  const lo = Math.floor(v);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (v - lo);
}

async function resolveModelId(ctx: StepContext<InferParams>): Promise<string> {
  if (typeof ctx.params.modelId === 'string' && ctx.params.modelId !== '') return ctx.params.modelId;
  const deployment = ctx.inputs.deployment;
  if (!deployment) throw new InputError(`step '${ctx.stepId}': no modelId and no deployment input`);
  const info = JSON.parse(await readFile(path.join(deployment.dir, 'deployment.json'), 'utf8')) as Record<string, unknown>;
  const id = info.modelId ?? info.customModelDeploymentArn ?? info.provisionedModelArn ?? info.arn;
  if (typeof id === 'string' && id !== '') return id;
  // Journals the answers under the custom model that gives them, not under its deployment (or
  // ARN, only known once resolved): a redeployment of the same model, after a teardown or as
  // provisioned throughput, finds every answer already paid for.
  if (typeof info.modelName === 'string' && info.modelName !== '') return `custom-model/${info.modelName}`;
  if (typeof info.kind === 'string' && typeof info.name === 'string' && info.name !== '') return `${info.kind}/${info.name}`;
  throw new StepError(ctx.stepId, `deployment.json of step '${deployment.stepId}' names no deployment`);
}

/**
 * The deployment a cached deploy step recorded must still be there (a teardown may have
 * deleted it). Returns its ARN to invoke, in memory only (undefined for a record without a name).
 */
async function checkDeployment(ctx: StepContext<InferParams>, deployStep: string, file: string, region: string): Promise<string | undefined> {
  const ref = JSON.parse(await readFile(file, 'utf8')) as { kind?: string; arn?: string; name?: string };
  const name = ref.name ?? ref.arn;
  if ((ref.kind !== 'custom-model-deployment' && ref.kind !== 'provisioned-throughput') || !name) return undefined;
  const { preflightCloudStep } = await import('../aws/preflight.js');
  await preflightCloudStep({ step: ctx.stepId, region });
  const [{ bedrockClient }, { invocableArn }] = await Promise.all([import('../aws/clients.js'), import('../aws/deployments.js')]);
  const client = bedrockClient(region);
  try {
    return await invocableArn(client, { kind: ref.kind, name }, { step: ctx.stepId, deployStep, region, signal: ctx.signal });
  } finally {
    client.destroy();
  }
}

export function buildRequests(
  approach: Approach,
  prompts: readonly RenderedRecord[],
  examples: readonly BfclExample[],
  inference: InferenceSettings,
  metadata: Record<string, string>,
): { request: InferenceRequest; category: string }[] {
  if (approach === 'prompt') {
    return prompts.map((p) => ({
      category: p.category,
      request: { id: p.id, system: p.system, messages: p.messages.map((m) => ({ role: m.role, content: m.content })), inference, metadata: { ...metadata, example: p.id } },
    }));
  }
  return examples.map((e) => {
    const c = conversationOf(e);
    return {
      category: e.category,
      request: { id: e.id, system: c.system, messages: c.messages, tools: e.functions ?? [], inference, metadata: { ...metadata, example: e.id } },
    };
  });
}

export const inferStep: StepKind<InferParams> = {
  kind: 'infer',
  version: 1,
  description: 'run one model x approach over the eval split (journalled, rate-limited, resumable)',
  remote: true,
  async run(ctx) {
    const p = ctx.params;
    const approach = p.approach;
    if (approach !== 'prompt' && approach !== 'tool-config') throw new InputError(`step '${ctx.stepId}': unknown approach ${JSON.stringify(approach)}`);
    const examplesInput = ctx.inputs.examples;
    const promptsInput = ctx.inputs.prompts;
    if (!examplesInput || (approach === 'prompt' && !promptsInput)) {
      throw new Error(`step '${ctx.stepId}' needs inputs 'examples' (split) and, for the prompt approach, 'prompts' (render)`);
    }
    const examples = await readJsonl<BfclExample>(path.join(examplesInput.dir, 'eval.jsonl'));
    const prompts = approach === 'prompt' ? await readJsonl<RenderedRecord>(path.join(promptsInput!.dir, 'eval.jsonl')) : [];
    const modelId = await resolveModelId(ctx);
    // provider openai: the server's base URL, resolved at plan time into params (in the key).
    const baseUrl = typeof p.baseUrl === 'string' ? p.baseUrl : undefined;
    const inference = p.inference as unknown as InferenceSettings;
    const settings = readSettings(ctx.settings);
    const stepTag = ctx.key.slice(0, 12);
    const metadata = { ...(settings.experiment ? { experiment: settings.experiment } : {}), step: stepTag, model: p.model, approach };
    const planned = buildRequests(approach, prompts, examples, inference, metadata);

    // Heavy modules (the AWS SDK) load here, not at CLI start-up.
    const [{ Journal, journalFile, requestKey }, { RateLimiter }, { runInference }, { createProvider }] = await Promise.all([
      import('../models/journal.js'),
      import('../models/rate-limiter.js'),
      import('../models/runner.js'),
      import('../models/registry.js'),
    ]);
    const limiter = new RateLimiter({
      ...(settings.requestsPerMinute !== undefined ? { requestsPerMinute: settings.requestsPerMinute } : {}),
      ...(settings.tokensPerMinute !== undefined ? { tokensPerMinute: settings.tokensPerMinute } : {}),
    });
    const items = planned.map(({ request }) => ({
      key: requestKey({ provider: p.provider, ...(baseUrl ? { baseUrl } : {}), ...(p.region ? { region: p.region } : {}), modelId, approach, system: request.system, messages: request.messages, tools: request.tools ?? null, inference }),
      request: { ...request, signal: ctx.signal },
      estimatedTokens: Math.ceil((request.system.length + request.messages.reduce((n, m) => n + m.content.length, 0)) / 4) + Math.min(inference.maxTokens ?? 0, 256),
    }));
    // Replayed results cost nothing and their files may be edited in place: journal them per key
    // (gone once published), so the shared journal never serves an outdated replay.
    const journalDir = p.provider === 'results' ? ctx.stateDir : (ctx.sharedDir ?? ctx.stateDir);
    const journal = await Journal.open(journalFile(journalDir, { provider: p.provider, ...(baseUrl ? { baseUrl } : {}), ...(p.region ? { region: p.region } : {}), modelId, approach }));
    let outcome;
    let provider: ReturnType<typeof createProvider> | undefined;
    try {
      let invokeId = modelId;
      if (p.provider === 'bedrock' && ctx.inputs.deployment && p.region && items.some((i) => !journal.response(i.key))) {
        invokeId = (await checkDeployment(ctx, ctx.inputs.deployment.stepId, path.join(ctx.inputs.deployment.dir, 'deployment.json'), p.region)) ?? modelId;
      }
      provider = createProvider(p.provider, {
        model: invokeId,
        approach,
        ...(baseUrl ? { endpoint: baseUrl } : {}),
        ...(p.region ? { region: p.region } : {}),
        ...(settings.timeoutMs !== undefined ? { timeoutMs: settings.timeoutMs } : {}),
        ...(settings.maxAttempts !== undefined ? { maxAttempts: settings.maxAttempts } : {}),
        onThrottle: () => limiter.onThrottle(),
        projectDir: ctx.projectDir,
      });
      outcome = await runInference({
        provider,
        items,
        journal,
        limiter,
        concurrency: settings.concurrency ?? 8,
        signal: ctx.signal,
        step: stepTag,
        ...(settings.retryPauseMs !== undefined ? { retryPauseMs: settings.retryPauseMs } : {}),
        onProgress: (done, total) => ctx.progress(done, total, `${p.model} ${approach}`),
      });
    } finally {
      await journal.close();
      provider?.close?.();
    }
    ctx.signal.throwIfAborted();

    const missing = items.filter((i) => !journal.response(i.key));
    if (missing.length > 0) {
      const byKind = new Map<string, number>();
      for (const m of missing) {
        const e: JournalError | undefined = journal.entries.get(m.key)?.error;
        const kind = e?.kind ?? 'not attempted';
        byKind.set(kind, (byKind.get(kind) ?? 0) + 1);
      }
      const first = missing.map((m) => journal.entries.get(m.key)?.error).find((e) => e);
      throw new StepError(
        ctx.stepId,
        `${missing.length} of ${items.length} examples are missing an answer from ${p.model} (${approach}): ${[...byKind].map(([k, n]) => `${n} ${k}`).join(', ')}` +
          `${first ? ` (e.g. ${first.message})` : ''}${outcome.stoppedBy ? '; stopped sending after an access error' : ''}. ` +
          `${items.length - missing.length} answers are journalled; rerun to retry only the missing ones.`,
      );
    }

    const price = priceOf(typeof p.priceModel === 'string' ? p.priceModel : modelId, (p.prices ?? {}) as unknown as PriceOverrides);
    const lines: string[] = [];
    const latencies: number[] = [];
    let input = 0;
    let output = 0;
    let cost = 0;
    const stopReasons: Record<string, number> = {};
    for (let i = 0; i < items.length; i++) {
      const response = journal.response(items[i]!.key) as InferenceResponse;
      const c = costUsd(price, response.usage);
      const line: ResponseLine = {
        id: items[i]!.request.id,
        category: planned[i]!.category,
        text: response.text,
        toolCalls: response.toolCalls,
        stopReason: response.stopReason,
        usage: response.usage,
        latencyMs: response.latencyMs,
        costUsd: c,
      };
      lines.push(JSON.stringify(line));
      latencies.push(response.latencyMs);
      input += response.usage.inputTokens;
      output += response.usage.outputTokens;
      cost += c;
      stopReasons[response.stopReason] = (stopReasons[response.stopReason] ?? 0) + 1;
    }
    await writeFile(path.join(ctx.outDir, 'responses.jsonl'), lines.map((l) => `${l}\n`).join(''));
    const info = {
      model: p.model,
      provider: p.provider,
      approach,
      family: typeof p.family === 'string' ? p.family : null,
      inference,
      examples: items.length,
      answeredBefore: outcome.cached,
      sentThisRun: outcome.sent,
      attemptsThisRun: outcome.attempts,
      throttles: limiter.stats().throttles,
      tokens: { input, output },
      costUsd: cost,
      price: price ? { input: price.input, output: price.output, source: price.source } : null,
      latencyMs: { p50: percentile(latencies, 50), p95: percentile(latencies, 95) },
      stopReasons,
    };
    await writeFile(path.join(ctx.outDir, 'infer.json'), `${JSON.stringify(info, null, 2)}\n`);
    return {
      summary: info as unknown as Json,
      tokens: { input, output },
      costUsd: cost,
      display: [
        `${p.model} ${approach}: ${items.length} answers (${outcome.sent} sent now, ${outcome.cached} from the journal), p50 ${Math.round(info.latencyMs.p50 ?? 0)} ms, $${cost.toFixed(4)}`,
      ],
    };
  },
};
