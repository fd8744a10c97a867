/** The `swim` baseline's Lifeguard suspicion against memberlist 0.2.2's own table test. */
import { describe, expect, it } from 'vitest';
import { Suspicion, suspicionTimeoutMs, suspicionTotalMs } from './swim-suspicion.js';

describe('suspicionTotalMs', () => {
  // memberlist suspicion_test.go TestSuspicion_remainingSuspicionTime: remaining = total − elapsed.
  it.each([
    [0, 3, 0, 30_000],
    [1, 3, 2_000, 14_000],
    [2, 3, 3_000, 4_810],
    [3, 3, 4_000, -2_000],
    [4, 3, 5_000, -3_000],
    [5, 3, 10_000, -8_000],
  ])('%i of %i confirmations, %i ms elapsed: %i ms remain', (n, k, elapsed, remaining) => {
    expect(suspicionTotalMs(n, k, 2_000, 30_000) - elapsed).toBe(remaining);
  });
});

describe('suspicionTimeoutMs', () => {
  it.each([
    [1, 4_000],
    [10, 4_000],
    [30, 4_000 * Math.log10(30)],
    [100, 8_000],
    [1000, 12_000],
  ])('n = %i: %f ms (4 · max(1, log10 n) · 1 s)', (n, ms) => {
    expect(suspicionTimeoutMs(4, n, 1_000)).toBeCloseTo(ms, 9);
  });
});

describe('Suspicion', () => {
  it('starts at max, shrinks per distinct accuser, never below min', () => {
    const s = new Suspicion('a', 2, 4_000, 24_000, 100);
    expect(s.deadlineMs).toBe(100 + 24_000);
    expect(s.confirm('a')).toBe(false); // the first accuser is not a confirmation
    expect(s.confirm('b')).toBe(true);
    expect(s.deadlineMs).toBe(100 + Math.floor(24_000 - (Math.log(2) / Math.log(3)) * 20_000));
    expect(s.confirm('b')).toBe(false);
    expect(s.confirm('c')).toBe(true);
    expect(s.deadlineMs).toBe(100 + 4_000);
    expect(s.confirm('d')).toBe(false); // k reached
  });

  it('expects no confirmations in a group too small for them: min at once', () => {
    expect(new Suspicion('a', 0, 4_000, 24_000, 0).deadlineMs).toBe(4_000);
  });
});
