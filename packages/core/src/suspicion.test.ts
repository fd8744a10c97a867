import { describe, expect, it } from 'vitest';
import {
  failAtMs,
  lifecyclePatience,
  suspicionConfirmationsExpected,
  suspicionTimeoutMs,
  suspicionTimeoutMsMax,
  suspicionTimeoutMsMin,
} from './suspicion.js';

describe('suspicionTimeoutMsMin = mult × max(1, log10 N) × interval', () => {
  it.each([
    [4, 1, 1000, 4000],
    [4, 5, 1000, 4000],
    [4, 10, 1000, 4000],
    [4, 100, 1000, 8000],
    [4, 1000, 1000, 12000],
    [5, 10_000, 500, 10000],
    [4, 0, 1000, 4000],
  ])('mult %d, N %d, interval %d → %d', (mult, n, interval, want) => {
    expect(suspicionTimeoutMsMin(mult, n, interval)).toBe(want);
  });
});

describe('suspicionTimeoutMsMax and confirmations expected', () => {
  it('max is mult × min', () => {
    expect(suspicionTimeoutMsMax(6, 4000)).toBe(24000);
    expect(suspicionTimeoutMsMax(1, 4000)).toBe(4000);
  });
  it.each([
    [3, 10, 3],
    [3, 4, 2],
    [3, 3, 1],
    [3, 2, 0],
    [3, 1, 0],
  ])('configured %d, N %d → %d', (k, n, want) => {
    expect(suspicionConfirmationsExpected(k, n)).toBe(want);
  });
});

describe('suspicionTimeoutMs (Lifeguard: shrinks with log of confirmations)', () => {
  it.each([
    // min, max, confirmations, expected, want
    [4000, 24000, 0, 3, 24000],
    [4000, 24000, 1, 3, 14000],
    [4000, 24000, 2, 3, 8150],
    [4000, 24000, 3, 3, 4000],
    [4000, 24000, 7, 3, 4000],
    [4000, 24000, 0, 0, 4000],
    [2000, 2000, 0, 3, 2000],
  ])('min %d max %d c %d k %d → %d', (min, max, c, k, want) => {
    expect(suspicionTimeoutMs(min, max, c, k)).toBe(want);
  });
  it('is monotonically non-increasing in confirmations', () => {
    let prev = Infinity;
    for (let c = 0; c < 10; c++) {
      const t = suspicionTimeoutMs(1000, 6000, c, 5);
      expect(t).toBeLessThanOrEqual(prev);
      prev = t;
    }
  });
});

describe('lifecyclePatience and failAtMs', () => {
  it.each([
    ['visible', 1],
    ['server', 1],
    ['hidden', 3],
    ['frozen', 10],
    [undefined, 1],
  ])('%s → %d', (l, want) => {
    expect(lifecyclePatience(l, 3, 10)).toBe(want);
  });
  it.each([
    // start, timeout, max, patience, phiDeadline, want
    [0, 4000, 24000, 1, NaN, 4000],
    [0, 4000, 24000, 1, 2000, 4000],
    [0, 4000, 24000, 1, 9000, 9000],
    [0, 4000, 24000, 1, 90000, 24000],
    [1000, 4000, 24000, 3, NaN, 13000],
    [1000, 4000, 24000, 3, 50000, 50000],
    [1000, 4000, 24000, 3, 99000, 73000],
  ])('start %d timeout %d max %d patience %d phi %d → %d', (s, t, m, p, phiAt, want) => {
    expect(failAtMs(s, t, m, p, phiAt)).toBe(want);
  });
});
