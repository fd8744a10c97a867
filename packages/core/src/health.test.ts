import { describe, expect, it } from 'vitest';
import { clusterHealth, healthTier, isMinorityPartition } from './health.js';
import type { PeerState } from './types.js';

const t = { healthyPercentMin: 90, degradedPercentMin: 70, criticalPercentMin: 50 };
const counts = (h: number, s = 0, f = 0, r = 0, l = 0): Record<PeerState, number> => ({
  healthy: h,
  suspected: s,
  failed: f,
  recovering: r,
  left: l,
});

describe('healthTier', () => {
  it.each([
    [100, 'HEALTHY'],
    [90, 'HEALTHY'],
    [89.99, 'DEGRADED'],
    [70, 'DEGRADED'],
    [69.9, 'CRITICAL'],
    [50, 'CRITICAL'],
    [49.9, 'FAILED'],
    [0, 'FAILED'],
  ])('%d %% → %s', (p, want) => {
    expect(healthTier(p, t)).toBe(want);
  });
  it('honours configured thresholds', () => {
    expect(healthTier(80, { healthyPercentMin: 75, degradedPercentMin: 50, criticalPercentMin: 25 })).toBe(
      'HEALTHY',
    );
  });
});

describe('clusterHealth', () => {
  it('excludes left peers from the percentage and counts everything in total', () => {
    const h = clusterHealth(counts(9, 0, 1, 0, 5), t);
    expect(h.total).toBe(15);
    expect(h.healthPercent).toBe(90);
    expect(h.tier).toBe('HEALTHY');
  });
  it('suspected and recovering are not healthy', () => {
    expect(clusterHealth(counts(7, 1, 0, 2), t).healthPercent).toBe(70);
  });
  it('a lone peer is 100 % healthy', () => {
    expect(clusterHealth(counts(1), t)).toMatchObject({
      healthPercent: 100,
      tier: 'HEALTHY',
      minorityPartition: false,
    });
  });
});

describe('isMinorityPartition', () => {
  it.each([
    [counts(2, 0, 1), false],
    [counts(1, 0, 2), true],
    [counts(2, 1, 2), true],
    [counts(3, 1, 2), false],
    [counts(1, 1), false], // two peers: no majority to speak of
    [counts(2, 0, 0, 0, 9), false],
    [counts(1, 0, 0, 2), false],
  ])('%o → %s', (c, want) => {
    expect(isMinorityPartition(c)).toBe(want);
  });
  it.each([
    // Two of five crashed (settled), a third silent: the survivors are no minority.
    [counts(2, 1, 2), 2, false],
    [counts(2, 1, 2), 0, true],
    [counts(2, 1, 2), 1, false],
    [counts(2, 2, 2), 1, true],
    // A partition: failures of the same silence are not settled and still count.
    [counts(2, 2, 1), 0, true],
    [counts(1, 0, 3), 3, false], // nobody left to be a minority of
  ])('%o with %d settled failures → %s', (c, settled, want) => {
    expect(isMinorityPartition(c, settled)).toBe(want);
  });
});
