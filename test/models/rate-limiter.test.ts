import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../../src/models/rate-limiter.js';
import { measureQuota } from './quota.js';

describe('adaptive rate limiter', () => {
  it('spaces requests at the configured cap', async () => {
    const limiter = new RateLimiter({ requestsPerMinute: 1200 });
    const t0 = performance.now();
    for (let i = 0; i < 11; i++) await limiter.acquire();
    const ms = performance.now() - t0;
    expect(ms).toBeGreaterThanOrEqual(450);
    expect(ms).toBeLessThan(900);
  });

  it("backs off on throttling (once per episode), climbs again", async () => {
    let now = 0;
    const limiter = new RateLimiter({ initialPerMinute: 600, now: () => now });
    limiter.onThrottle();
    limiter.onThrottle(); // same episode
    expect(limiter.stats().decreases).toBe(1);
    expect(limiter.stats().ratePerMinute).toBeCloseTo(540);
    now = 5000;
    limiter.onThrottle();
    const low = limiter.stats().ratePerMinute;
    now = 15_000;
    await limiter.acquire();
    expect(limiter.stats().ratePerMinute).toBeGreaterThan(low);
  });

  it('under an injected quota of 600/min (429 above it): >= 90% of the quota, >= 99% success, none lost', async () => {
    const f = await measureQuota({ quotaPerMinute: 600, seconds: 10 });
    console.log(`quota ${f.quotaPerMinute}/min: achieved ${f.achievedPerMinute.toFixed(0)}/min = ${(100 * f.share).toFixed(1)}%, ${f.succeeded}/${f.requests} succeeded, ${f.throttled} throttled attempts, ${f.seconds.toFixed(1)} s`);
    expect(f.share).toBeGreaterThanOrEqual(0.9);
    expect(f.successRate).toBeGreaterThanOrEqual(0.99);
    expect(f.lost).toBe(0);
  }, 40_000);
});
