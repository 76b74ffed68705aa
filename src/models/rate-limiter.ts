import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Client-side pacing of inference requests, driven by the endpoint's throttling.
 *
 * Requests are spaced at the current rate `r` (requests per second). The rate adapts:
 * - slow start: until the first throttle, `r` grows by half per second of clean traffic;
 * - on a throttle: `r` is cut to `decrease` x its value (once per `holdMs`: the throttles of
 *   requests already in flight belong to the same episode), and the rate it was cut from is
 *   remembered as `ceiling`;
 * - recovery: below the ceiling `r` climbs back quickly (half the gap per second), at and above
 *   it slowly (`probe` x ceiling per second), so the rate spends most of its time just under
 *   what the endpoint accepts, and finds a raised quota again.
 * Throttled requests are not lost: the caller retries them. Because an endpoint enforcing a
 * quota rejects only the excess, running at or slightly above the quota costs a few cheap
 * rejections but no throughput.
 *
 * Hard caps: `requestsPerMinute` (the rate never exceeds it; it is also the start rate) and
 * `tokensPerMinute` (a sliding 60 s window of reported tokens; a request waits while the window
 * plus its estimate would exceed the cap).
 */
export interface RateLimiterOptions {
  requestsPerMinute?: number;
  tokensPerMinute?: number;
  /** Start rate (requests/minute) when no requestsPerMinute cap is set. Default 300. */
  initialPerMinute?: number;
  /** Lowest rate (requests/minute). Default 1. */
  minPerMinute?: number;
  decrease?: number;
  probe?: number;
  holdMs?: number;
  now?: () => number;
}

export interface RateLimiterStats {
  ratePerMinute: number;
  throttles: number;
  decreases: number;
  acquired: number;
}

export class RateLimiter {
  private rate: number; // requests per second
  private readonly cap: number;
  private readonly min: number;
  private readonly tokenCap: number;
  private readonly decrease: number;
  private readonly probe: number;
  private readonly holdMs: number;
  private readonly now: () => number;
  private nextAt = 0;
  private lastUpdate: number;
  private lastDecrease = -Infinity;
  private ceiling: number | null = null;
  private slowStart: boolean;
  private readonly tokenWindow: { at: number; tokens: number }[] = [];
  private tokenSum = 0;
  private throttles = 0;
  private decreases = 0;
  private acquired = 0;
  private queue: Promise<void> = Promise.resolve();

  constructor(options: RateLimiterOptions = {}) {
    this.now = options.now ?? (() => performance.now());
    this.cap = options.requestsPerMinute ? options.requestsPerMinute / 60 : Infinity;
    this.min = (options.minPerMinute ?? 1) / 60;
    this.rate = Math.min(this.cap, (options.initialPerMinute ?? options.requestsPerMinute ?? 300) / 60);
    this.tokenCap = options.tokensPerMinute ?? Infinity;
    this.decrease = options.decrease ?? 0.9;
    this.probe = options.probe ?? 0.04;
    this.holdMs = options.holdMs ?? 1000;
    this.slowStart = !options.requestsPerMinute;
    this.lastUpdate = this.now();
  }

  /** Advance the rate for the clean time since the last update. */
  private grow(): void {
    const t = this.now();
    const dt = Math.max(0, (t - this.lastUpdate) / 1000);
    this.lastUpdate = t;
    if (dt === 0 || t - this.lastDecrease < this.holdMs) return;
    if (this.slowStart) this.rate *= Math.pow(1.5, dt);
    else if (this.ceiling !== null && this.rate < this.ceiling) this.rate += Math.min(this.ceiling - this.rate, (this.ceiling - this.rate) * 0.5 * dt + this.ceiling * 0.01 * dt);
    else this.rate += (this.ceiling ?? this.rate) * this.probe * dt;
    this.rate = Math.min(this.cap, this.rate);
  }

  /** Wait for a slot (serialised, so concurrent callers are spaced). */
  acquire(estimatedTokens = 0, signal?: AbortSignal): Promise<void> {
    const turn = this.queue.then(() => this.wait(estimatedTokens, signal));
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  private async wait(estimatedTokens: number, signal?: AbortSignal): Promise<void> {
    for (;;) {
      signal?.throwIfAborted();
      this.grow();
      const t = this.now();
      const slot = Math.max(this.nextAt, t);
      let waitMs = slot - t;
      if (this.tokenCap !== Infinity) {
        this.expireTokens(t);
        if (this.tokenSum > 0 && this.tokenSum + estimatedTokens > this.tokenCap && this.tokenWindow.length) {
          waitMs = Math.max(waitMs, this.tokenWindow[0]!.at + 60_000 - t);
        }
      }
      if (waitMs <= 0) {
        this.nextAt = slot + 1000 / this.rate;
        this.acquired++;
        return;
      }
      await sleep(Math.min(waitMs, 250), undefined, signal ? { signal } : undefined);
    }
  }

  private expireTokens(t: number): void {
    while (this.tokenWindow.length && this.tokenWindow[0]!.at + 60_000 <= t) this.tokenSum -= this.tokenWindow.shift()!.tokens;
  }

  /** Tokens a finished request used (for the tokens-per-minute cap). */
  recordTokens(tokens: number): void {
    if (this.tokenCap === Infinity || tokens <= 0) return;
    this.tokenWindow.push({ at: this.now(), tokens });
    this.tokenSum += tokens;
  }

  /** The endpoint throttled a request. */
  onThrottle(): void {
    this.throttles++;
    this.grow();
    const t = this.now();
    if (t - this.lastDecrease < this.holdMs) return;
    this.decreases++;
    this.ceiling = this.rate;
    this.slowStart = false;
    this.rate = Math.max(this.min, this.rate * this.decrease);
    this.lastDecrease = t;
    this.lastUpdate = t;
    // Requests already spaced at the old rate keep their slots; the next ones use the new one.
    this.nextAt = Math.max(this.nextAt, t + 1000 / this.rate);
  }

  stats(): RateLimiterStats {
    return { ratePerMinute: this.rate * 60, throttles: this.throttles, decreases: this.decreases, acquired: this.acquired };
  }
}
