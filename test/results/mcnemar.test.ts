import { describe, expect, it } from 'vitest';
import { binomialHalfCdf, mcnemarExact, wilsonInterval } from '../../src/results/mcnemar.js';

describe('exact McNemar test', () => {
  it('matches known values', () => {
    // b=10, c=2: 2 * P(X <= 2 | n=12, 1/2) = 2 * 79/4096
    expect(mcnemarExact(10, 2)).toBeCloseTo(0.03857421875, 12);
    expect(mcnemarExact(2, 10)).toBeCloseTo(0.03857421875, 12);
    expect(mcnemarExact(5, 5)).toBe(1);
    expect(mcnemarExact(0, 0)).toBe(1);
    expect(mcnemarExact(0, 6)).toBeCloseTo(2 / 64, 12);
    // 2 * sum(comb(60, k) for k <= 20) / 2**60, in Python's exact integers
    expect(mcnemarExact(20, 40)).toBeCloseTo(0.01348929373119186, 12);
  });

  it('stays exact for thousands of discordant pairs (no overflow or underflow)', () => {
    // Reference values from Python's exact integer arithmetic (math.comb).
    expect(binomialHalfCdf(2500, 5000)).toBeCloseTo(0.50564161374774, 10);
    expect(mcnemarExact(2400, 2600)).toBeCloseTo(0.004883649737517518, 10);
    expect(mcnemarExact(0, 3000)).toBeGreaterThanOrEqual(0);
    expect(Number.isFinite(mcnemarExact(1500, 1500))).toBe(true);
    expect(mcnemarExact(1500, 1500)).toBe(1);
  });
});

describe('Wilson interval', () => {
  it('is exact at the ends and brackets the accuracy', () => {
    expect(wilsonInterval(0, 10)[0]).toBe(0);
    expect(wilsonInterval(10, 10)[1]).toBe(1);
    const [lo, hi] = wilsonInterval(50, 100);
    expect(lo).toBeCloseTo(0.403832, 5);
    expect(hi).toBeCloseTo(0.596168, 5);
    expect(wilsonInterval(0, 0)).toEqual([0, 1]);
  });
});
