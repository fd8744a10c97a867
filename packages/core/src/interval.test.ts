import { describe, expect, it } from 'vitest';
import {
  adaptProtocolPeriodMs,
  indirectChecksFor,
  jitterRttMsMin,
  linkJitterRatio,
  networkBadness,
} from './interval.js';

const base = { minMs: 250, maxMs: 1000, lossRatioHigh: 0.1, jitterRatioHigh: 0.5 };

function run(startMs: number, loss: number, jitterRatio: number, steps: number): number[] {
  const out: number[] = [];
  let c = startMs;
  for (let i = 0; i < steps; i++) {
    c = adaptProtocolPeriodMs({ ...base, currentMs: c, loss, jitterRatio });
    out.push(c);
  }
  return out;
}

describe('adaptProtocolPeriodMs', () => {
  it('a calm network drifts to the maximum and stays (documented example)', () => {
    expect(run(500, 0, 0, 6)).toEqual([750, 875, 938, 1000, 1000, 1000]);
  });
  it('loss drives the period to the minimum', () => {
    expect(run(1000, 0.2, 0, 7)).toEqual([625, 438, 344, 297, 274, 250, 250]);
  });
  it('jitter alone also shortens it, halfway bad → midpoint', () => {
    expect(run(1000, 0, 0.25, 8).at(-1)).toBe(625);
  });
  it('keeps the period within 5 % (hysteresis) and clamps out-of-range input', () => {
    expect(adaptProtocolPeriodMs({ ...base, currentMs: 980, loss: 0, jitterRatio: 0 })).toBe(980);
    expect(adaptProtocolPeriodMs({ ...base, currentMs: 5000, loss: 0, jitterRatio: 0 })).toBe(1000);
  });
});

describe('networkBadness and indirectChecksFor', () => {
  it.each([
    [0, 0, 0],
    [0.05, 0, 0.5],
    [0.5, 0, 1],
    [0, 0.25, 0.5],
    [0.02, 0.4, 0.8],
    [NaN, 0, 1],
  ])('loss %d jitter %d → %d', (l, j, want) => {
    expect(networkBadness(l, j, 0.1, 0.5)).toBeCloseTo(want);
  });
  it('adds one indirect probe on a bad network', () => {
    expect(indirectChecksFor(3, 0.2)).toBe(3);
    expect(indirectChecksFor(3, 0.5)).toBe(4);
  });
});

describe('linkJitterRatio', () => {
  it.each([
    // srttMs, rttVarMs, ratio
    [0.4, 0.2, 0.1], // documented: loopback scheduling noise is calm
    [100, 50, 0.5], // documented: a WAN link's ratio is its own
    [2, 1, 0.5], // from jitterRttMsMin up, the plain ratio (the simulator's 1 ms links)
    [0.5, 0.25, 0.125], // RFC 6298's first rttvar (half the sample) on a 0.5 ms link
    [0, 0.3, 0.15], // no RTT yet measured above 0
  ])('srtt %f ms, rttvar %f ms → %f', (srtt, rttvar, ratio) => {
    expect(linkJitterRatio(srtt, rttvar)).toBeCloseTo(ratio, 10);
  });
  it('jitterRttMsMin is 2 ms', () => {
    expect(jitterRttMsMin).toBe(2);
  });
});
