import { describe, expect, it } from 'vitest';
import { applyLocalHealthDelta, probeOutcomeDelta, scaleByLocalHealth } from './local-health.js';

describe('local health maths', () => {
  it.each([
    [0, 1, 8, 1],
    [8, 1, 8, 8],
    [0, -1, 8, 0],
    [3, -1, 8, 2],
  ])('score %d + %d (max %d) → %d', (s, d, m, want) => {
    expect(applyLocalHealthDelta(s, d, m)).toBe(want);
  });
  it.each([
    [500, 0, 500],
    [500, 3, 2000],
    [250, 8, 2250],
  ])('scale %d by score %d → %d', (ms, s, want) => {
    expect(scaleByLocalHealth(ms, s)).toBe(want);
  });
  it.each([
    [true, 3, 0, -1],
    [false, 3, 0, 1],
    [false, 0, 0, 1],
    [false, 3, 1, 0],
    [false, 3, 3, 0],
  ])('probe succeeded %s, relays %d, nacks %d → %d', (ok, relays, nacks, want) => {
    expect(probeOutcomeDelta(ok, relays, nacks)).toBe(want);
  });
});
