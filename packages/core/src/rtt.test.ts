import { describe, expect, it } from 'vitest';
import { probeTimeoutMs, updateRtt, type RttEstimate } from './rtt.js';

describe('updateRtt (RFC 6298)', () => {
  it('first sample sets srtt = R and rttvar = R/2, then smooths', () => {
    const e: RttEstimate = { srttMs: NaN, rttVarMs: NaN };
    updateRtt(e, 100);
    expect(e).toEqual({ srttMs: 100, rttVarMs: 50 });
    updateRtt(e, 200);
    expect(e.rttVarMs).toBeCloseTo(0.75 * 50 + 0.25 * 100);
    expect(e.srttMs).toBeCloseTo(0.875 * 100 + 0.125 * 200);
  });
  it('converges on a constant RTT with vanishing variation', () => {
    const e: RttEstimate = { srttMs: NaN, rttVarMs: NaN };
    for (let i = 0; i < 200; i++) updateRtt(e, 10);
    expect(e.srttMs).toBeCloseTo(10);
    expect(e.rttVarMs).toBeLessThan(0.01);
  });
});

describe('probeTimeoutMs = clamp(srtt + k × rttvar, min, max)', () => {
  it.each([
    [NaN, NaN, 4, 50, 500, 500],
    [10, 5, 4, 50, 500, 50],
    [100, 40, 4, 50, 500, 260],
    [300, 100, 4, 50, 500, 500],
    [100.2, 0, 4, 50, 500, 101],
    [100, 40, 2, 50, 500, 180],
  ])('srtt %d rttvar %d k %d [%d, %d] → %d', (s, v, k, min, max, want) => {
    expect(probeTimeoutMs(s, v, k, min, max)).toBe(want);
  });
});
