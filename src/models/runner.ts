import { setTimeout as sleep } from 'node:timers/promises';
import { InfrastructureError, type InferenceProvider, type InferenceRequest, type InferenceResponse, type InfrastructureErrorKind } from './provider.js';
import type { Journal, JournalError } from './journal.js';
import type { RateLimiter } from './rate-limiter.js';

/**
 * Runs a set of inference requests against one provider: skips those the journal already
 * answered, paces the rest through the rate limiter with `concurrency` workers, journals each
 * response the moment it arrives, and turns failures into journalled errors.
 *
 * Failure policy (the provider has already used its own retries, e.g. the SDK's retry mode):
 * - throttled: the limiter slows down and the request goes back in the queue (up to
 *   `maxThrottleRounds` times);
 * - timeout / server / network: back in the queue after a pause, up to `maxRounds` times;
 * - access: recorded, and no further request is started (every other one would fail too);
 * - invalid-request and anything else non-retryable: recorded.
 * Recorded errors are never model answers: the caller reports them as missing, and the next
 * run retries them (the journal keeps a response only once one arrives).
 */

export interface InferenceItem {
  key: string;
  request: InferenceRequest;
  /** Rough token estimate for a tokens-per-minute cap. */
  estimatedTokens?: number;
}

export interface RunOptions {
  provider: InferenceProvider;
  items: InferenceItem[];
  journal: Journal;
  limiter: RateLimiter;
  concurrency: number;
  signal?: AbortSignal;
  maxRounds?: number;
  maxThrottleRounds?: number;
  retryPauseMs?: number;
  /** Short key of the step, written into each journal entry (provenance). */
  step?: string;
  onResponse?: (item: InferenceItem, response: InferenceResponse) => void;
  onProgress?: (done: number, total: number) => void;
}

export interface RunOutcome {
  /** Answered before this run (from the journal). */
  cached: number;
  /** Answered in this run. */
  sent: number;
  /** Errors recorded in this run, by key. */
  errors: Map<string, JournalError>;
  /** Not attempted (stopped after an access error or an abort). */
  notAttempted: number;
  stoppedBy?: string;
  attempts: number;
}

export async function runInference(options: RunOptions): Promise<RunOutcome> {
  const { provider, journal, limiter, signal } = options;
  const maxRounds = options.maxRounds ?? 3;
  const maxThrottleRounds = options.maxThrottleRounds ?? 30;
  const pending: { item: InferenceItem; rounds: number; throttles: number }[] = [];
  let cached = 0;
  for (const item of options.items) {
    if (journal.response(item.key)) cached++;
    else pending.push({ item, rounds: 0, throttles: 0 });
  }
  const total = options.items.length;
  let done = cached;
  let sent = 0;
  let attempts = 0;
  let inFlight = 0;
  let stoppedBy: string | undefined;
  const errors = new Map<string, JournalError>();
  options.onProgress?.(done, total);

  const record = async (item: InferenceItem, error: InfrastructureError | Error, tries: number) => {
    const kind: InfrastructureErrorKind = error instanceof InfrastructureError ? error.kind : 'network';
    const entry: JournalError = { kind, message: error.message.slice(0, 500), attempts: tries };
    errors.set(item.key, entry);
    await journal.append({ key: item.key, id: item.request.id, ...(options.step ? { step: options.step } : {}), at: new Date().toISOString(), error: entry });
    options.onProgress?.(++done, total);
  };

  const worker = async () => {
    for (;;) {
      if (stoppedBy || signal?.aborted) return;
      const next = pending.shift();
      if (!next) {
        // Others may still requeue work: wait while anything is in flight.
        if (inFlight === 0) return;
        await sleep(20);
        continue;
      }
      inFlight++;
      try {
        await limiter.acquire(next.item.estimatedTokens ?? 0, signal);
        if (stoppedBy) {
          pending.unshift(next);
          return;
        }
        attempts++;
        const response = await provider.infer({ ...next.item.request, ...(signal ? { signal } : {}) });
        await journal.append({ key: next.item.key, id: next.item.request.id, ...(options.step ? { step: options.step } : {}), at: new Date().toISOString(), response });
        limiter.recordTokens(response.usage.inputTokens + response.usage.outputTokens);
        sent++;
        options.onResponse?.(next.item, response);
        options.onProgress?.(++done, total);
      } catch (error) {
        if (signal?.aborted) {
          pending.unshift(next);
          return;
        }
        const e = error instanceof Error ? error : new Error(String(error));
        if (e instanceof InfrastructureError && e.kind === 'throttled') {
          limiter.onThrottle();
          next.throttles++;
          if (next.throttles < maxThrottleRounds) pending.push(next);
          else await record(next.item, e, next.rounds + next.throttles);
        } else if (e instanceof InfrastructureError && e.retryable && next.rounds + 1 < maxRounds) {
          next.rounds++;
          await sleep((options.retryPauseMs ?? 1000) * next.rounds, undefined, signal ? { signal } : undefined).catch(() => undefined);
          pending.push(next);
        } else {
          await record(next.item, e, next.rounds + next.throttles + 1);
          if (e instanceof InfrastructureError && e.kind === 'access') stoppedBy = e.message;
        }
      } finally {
        inFlight--;
      }
    }
  };

  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency, pending.length || 1)) }, worker));
  await journal.sync();
  return { cached, sent, errors, notAttempted: pending.length, ...(stoppedBy ? { stoppedBy } : {}), attempts };
}
