import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { BfclExample } from '../bfcl/records.js';
import type { ResolvedStep } from '../graph/resolve.js';
import type { JsonObject } from '../json.js';
import { priceOf, type Price, type PriceOverrides } from '../models/prices.js';
import { conversationOf } from '../prompts/context.js';
import type { RenderedRecord } from '../prompts/render.js';

/**
 * Cost before spending: what the steps that call a paid API would cost if they ran now.
 *
 * Per step (a sweep's steps counted once per distinct key; cached steps cost 0):
 *   - infer: input tokens = sum over the eval examples of ceil(characters / 4) of what is sent
 *     (prompt approach: the rendered system prompt and messages; tool-config: the example's
 *     own system text and messages plus the tools' JSON). Characters / 4 is the usual rule of
 *     thumb for English and JSON with these tokenizers; it is the same estimate the infer step
 *     gives its rate limiter. Output tokens = min(maxTokens, OUTPUT_TOKENS[approach]) per
 *     example: BFCL answers are one or a few short calls. Priced with src/models/prices.ts
 *     (prices.yaml overrides, as the step would); a model without a price costs 0 and is named.
 *   - distill: the teacher answers every training prompt: input = the training records'
 *     system and user text / 4, output = min(maxResponseLength, DISTILL_OUTPUT_TOKENS) per
 *     record, at the teacher's on-demand rate. The student's training (model customization)
 *     charge is UNCONFIRMED (no rate in the price table): left out of the total and said so.
 *   - deploy: on-demand deployments are paid per token by the infer steps (priced as the base
 *     model: UNCONFIRMED for custom models); provisioned throughput bills per model unit and
 *     hour at a rate that is UNCONFIRMED here: left out of the total and said so.
 *   - other remote steps (upload, teardown): S3 requests and storage, cents at most: 0.
 * When what a step would read is not there yet (the render or export artifact of a new
 * experiment), its estimate is `pending`: those local steps run first (free), then the
 * estimate is complete. `run` does exactly that before asking for confirmation.
 */

export const CHARS_PER_TOKEN = 4;
/** Estimated output tokens per answer, by approach (capped by evaluate.inference.maxTokens). */
export const OUTPUT_TOKENS: Readonly<Record<string, number>> = { prompt: 150, 'tool-config': 100 };
/** Estimated teacher output tokens per training prompt (capped by distillation.maxResponseLength). */
export const DISTILL_OUTPUT_TOKENS = 150;

export interface StepEstimate {
  /** Variants the step belongs to (a shared step lists several). */
  variants: string[];
  id: string;
  kind: string;
  key: string | null;
  cached: boolean;
  /** Examples or records the step would send (null: not known yet). */
  requests: number | null;
  inputTokens: number | null;
  outputTokens: number | null;
  price: (Price & { source: string }) | null;
  /** USD; 0 when cached; null when not estimable yet (pending) or unknown (unconfirmed). */
  costUsd: number | null;
  /** How the figure was estimated. */
  basis: string;
  /** Costs this estimate leaves out because their rate is not known. */
  unconfirmed?: string;
  /** Why there is no estimate yet. */
  pending?: string;
}

export interface CostEstimate {
  steps: StepEstimate[];
  /** Sum of the steps' costUsd (pending and unconfirmed parts count as 0). */
  totalUsd: number;
  /** False when some step is pending: run the local steps first for a full estimate. */
  complete: boolean;
  /** Unconfirmed charges left out of the total, one line each. */
  unconfirmed: string[];
}

export interface PlannedVariant {
  variant: { name: string };
  steps: ResolvedStep[];
}

const tokens = (chars: number) => Math.ceil(chars / CHARS_PER_TOKEN);

async function readJsonl<T>(file: string): Promise<T[]> {
  const text = await readFile(file, 'utf8');
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as T);
}

/** The cached artifact directory of the step that gives `step` its input `role`. */
function inputDir(step: ResolvedStep, role: string, byId: Map<string, ResolvedStep>): string | null {
  const id = step.inputs[role];
  if (!id) return null;
  const upstream = byId.get(id);
  return upstream?.cached && upstream.artifact ? upstream.artifact.dir : null;
}

function priced(inputTokens: number, outputTokens: number, price: Price | null): number {
  return price ? (inputTokens * price.input + outputTokens * price.output) / 1_000_000 : 0;
}

async function estimateInfer(step: ResolvedStep, byId: Map<string, ResolvedStep>): Promise<Partial<StepEstimate>> {
  const p = step.params;
  const approach = String(p.approach);
  const inference = (p.inference ?? {}) as JsonObject;
  const maxTokens = typeof inference.maxTokens === 'number' ? inference.maxTokens : Infinity;
  const perAnswer = Math.min(maxTokens, OUTPUT_TOKENS[approach] ?? 150);
  const priceModel = typeof p.priceModel === 'string' ? p.priceModel : typeof p.modelId === 'string' ? p.modelId : null;
  const price = priceModel ? priceOf(priceModel, (p.prices ?? {}) as unknown as PriceOverrides) : null;
  const source = approach === 'prompt' ? 'prompts' : 'examples';
  const dir = inputDir(step, source, byId);
  const basis = `input: ${approach === 'prompt' ? 'rendered prompts' : 'conversation + tools JSON'} chars/${CHARS_PER_TOKEN}; output: ${perAnswer} tokens per answer (estimate)`;
  if (!dir) return { price, basis, pending: `needs ${step.inputs[source]} (local) to estimate the prompts` };
  let chars: number[];
  if (approach === 'prompt') {
    const records = await readJsonl<RenderedRecord>(path.join(dir, 'eval.jsonl'));
    chars = records.map((r) => r.system.length + r.messages.reduce((n, m) => n + m.content.length, 0));
  } else {
    const examples = await readJsonl<BfclExample>(path.join(dir, 'eval.jsonl'));
    chars = examples.map((e) => {
      const c = conversationOf(e);
      return c.system.length + c.messages.reduce((n, m) => n + m.content.length, 0) + JSON.stringify(e.functions ?? []).length;
    });
  }
  const inputTokens = chars.reduce((n, c) => n + tokens(c), 0);
  const outputTokens = perAnswer * chars.length;
  const result: Partial<StepEstimate> = { requests: chars.length, inputTokens, outputTokens, price, costUsd: priced(inputTokens, outputTokens, price), basis };
  if (!price) result.unconfirmed = `${step.id}: no price for ${priceModel ?? 'the model'} (prices.yaml can give one): counted as 0`;
  return result;
}

/** The characters of system and user text in a bedrock-conversation-2024 record. */
function promptChars(record: { system?: { text?: string }[]; messages?: { role?: string; content?: { text?: string }[] }[] }): number {
  let n = 0;
  for (const s of record.system ?? []) n += s.text?.length ?? 0;
  for (const m of record.messages ?? []) if (m.role === 'user') for (const c of m.content ?? []) n += c.text?.length ?? 0;
  return n;
}

async function estimateDistill(step: ResolvedStep, byId: Map<string, ResolvedStep>): Promise<Partial<StepEstimate>> {
  const p = step.params;
  const teacher = typeof p.teacher === 'string' ? p.teacher : null;
  const price = teacher ? priceOf(teacher) : null;
  const maxResponse = typeof p.maxResponseLength === 'number' ? p.maxResponseLength : Infinity;
  const perAnswer = Math.min(maxResponse, DISTILL_OUTPUT_TOKENS);
  const unconfirmed = `${step.id}: the student's training (model customization) charge is UNCONFIRMED: not in the total`;
  const basis = `teacher ${teacher ?? '?'}: training prompts chars/${CHARS_PER_TOKEN}, ${perAnswer} output tokens per prompt (estimate)`;
  const trainingData = (p.trainingData ?? {}) as JsonObject;
  if (trainingData.source === 'invocation-logs') {
    return { price, costUsd: 0, basis: 'training data from invocation logs: the teacher is not called', unconfirmed };
  }
  // distill <- upload <- export: the export artifact holds the training records.
  const upload = step.inputs.upload ? byId.get(step.inputs.upload) : undefined;
  const exportDir = upload ? inputDir(upload, 'export', byId) : null;
  if (!exportDir) return { price, basis, unconfirmed, pending: `needs ${upload?.inputs.export ?? 'export'} (local) to count the training prompts` };
  const records = await readJsonl<Parameters<typeof promptChars>[0]>(path.join(exportDir, 'train.bedrock.jsonl'));
  const inputTokens = records.reduce((n, r) => n + tokens(promptChars(r)), 0);
  const outputTokens = perAnswer * records.length;
  return { requests: records.length, inputTokens, outputTokens, price, costUsd: priced(inputTokens, outputTokens, price), basis, unconfirmed };
}

function estimateDeploy(step: ResolvedStep): Partial<StepEstimate> {
  if (step.params.mode === 'provisioned') {
    const provisioned = (step.params.provisioned ?? {}) as JsonObject;
    return {
      costUsd: null,
      basis: 'provisioned throughput, billed per model unit and hour',
      unconfirmed: `${step.id}: provisioned throughput (${String(provisioned.modelUnits ?? '?')} model unit(s), commitment ${String(provisioned.commitment ?? 'none')}) bills an hourly rate that is UNCONFIRMED: not in the total`,
    };
  }
  return { costUsd: 0, basis: 'on-demand deployment: paid per token by the infer steps (priced as the base model: UNCONFIRMED for custom models)' };
}

export interface EstimateOptions {
  /** Only these steps (e.g. what `run` selected and can run); default every step. */
  include?: (variant: string, step: ResolvedStep) => boolean;
  /** Step ids run even if cached (`run --force`): estimated as if not cached. */
  force?: readonly string[];
}

/** Cost of every remote step of the plans, each distinct key once. */
export async function estimateCost(plans: readonly PlannedVariant[], options: EstimateOptions = {}): Promise<CostEstimate> {
  const byKey = new Map<string, StepEstimate>();
  const out: StepEstimate[] = [];
  for (const { variant, steps } of plans) {
    const byId = new Map(steps.map((s) => [s.id, s]));
    for (const resolved of steps) {
      if (!resolved.remote || (options.include && !options.include(variant.name, resolved))) continue;
      const step = options.force?.includes(resolved.id) && resolved.cached ? { ...resolved, cached: false } : resolved;
      const seen = step.key ? byKey.get(step.key) : undefined;
      if (seen) {
        if (!seen.variants.includes(variant.name)) seen.variants.push(variant.name);
        continue;
      }
      const base: StepEstimate = {
        variants: [variant.name],
        id: step.id,
        kind: step.kind,
        key: step.key ?? null,
        cached: step.cached,
        requests: null,
        inputTokens: null,
        outputTokens: null,
        price: null,
        costUsd: 0,
        basis: 'cached: nothing to pay',
      };
      let estimate: StepEstimate = base;
      if (!step.cached) {
        let part: Partial<StepEstimate>;
        if (step.kind === 'infer') part = await estimateInfer(step, byId);
        else if (step.kind === 'distill') part = await estimateDistill(step, byId);
        else if (step.kind === 'deploy') part = estimateDeploy(step);
        else part = { costUsd: 0, basis: 'S3 requests and storage or API calls without a per-token charge: not estimated (cents at most)' };
        estimate = { ...base, costUsd: part.pending ? null : 0, ...part };
        if (part.pending) estimate.costUsd = null;
      }
      if (step.key) byKey.set(step.key, estimate);
      out.push(estimate);
    }
  }
  const totalUsd = out.reduce((n, s) => n + (s.costUsd ?? 0), 0);
  return {
    steps: out,
    totalUsd,
    complete: out.every((s) => !s.pending),
    unconfirmed: out.filter((s) => !s.cached && s.unconfirmed).map((s) => s.unconfirmed!),
  };
}

export function formatUsd(x: number): string {
  return x === 0 ? '$0' : x < 0.01 ? `$${x.toFixed(4)}` : `$${x.toFixed(2)}`;
}

/** Lines for `plan`: each remote step's estimate, then the total. */
export function renderCostEstimate(estimate: CostEstimate): string[] {
  if (estimate.steps.length === 0) return [];
  const lines = ['cost estimate (steps that call a paid API; cached steps cost 0):'];
  const width = Math.max(...estimate.steps.map((s) => s.id.length)) + 2;
  for (const s of estimate.steps) {
    const what = s.cached
      ? 'cached'
      : s.pending
        ? `pending: ${s.pending}`
        : s.costUsd === null
          ? 'unknown (rate UNCONFIRMED)'
          : `${formatUsd(s.costUsd)}${s.inputTokens !== null ? `  (${s.requests} requests, ~${s.inputTokens} in + ~${s.outputTokens} out tokens${s.price ? ` at $${s.price.input}/$${s.price.output} per 1M` : ', no price'})` : ''}`;
    const shared = s.variants.length > 1 ? `  [${s.variants.length} variants]` : '';
    lines.push(`  ${s.id.padEnd(width)}${what}${shared}`);
  }
  lines.push(`  total: ${formatUsd(estimate.totalUsd)}${estimate.complete ? '' : ' so far (some steps are pending: their local inputs are not built yet; `run` builds them, then asks)'}`);
  for (const u of estimate.unconfirmed) lines.push(`  not included: ${u}`);
  return lines;
}
