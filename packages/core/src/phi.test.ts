import { describe, expect, it } from 'vitest';
import { arrivalStdMs, phi, phiTimeoutMs, updateArrival, type ArrivalStats } from './phi.js';

describe('phi (logistic approximation of the normal tail)', () => {
  it.each([
    [1000, 1000, 100, 0.301, 0.001],
    [1500, 1000, 100, 7.3, 0.01],
    [500, 1000, 100, 0, 0.001],
    [1200, 1000, 100, 1.6, 0.1],
  ])('elapsed %d mean %d std %d → %d', (e, m, s, want, tol) => {
    expect(Math.abs(phi(e, m, s) - want)).toBeLessThanOrEqual(tol);
  });
  it('grows with silence', () => {
    let prev = -1;
    for (let t = 0; t <= 3000; t += 100) {
      const p = phi(t, 1000, 200);
      expect(p).toBeGreaterThanOrEqual(prev);
      prev = p;
    }
  });
});

describe('phiTimeoutMs inverts phi', () => {
  it.each([
    [1000, 100, 8, 1522.6],
    [1000, 400, 8, 3090.4],
    [1000, 100, 1, 1000 + 100 * 1.2816], // the 90th percentile of a normal: z = 1.2816
  ])('mean %d std %d threshold %d → %d', (m, s, th, want) => {
    expect(phiTimeoutMs(m, s, th)).toBeCloseTo(want, 0);
  });
  it('phi at the timeout equals the threshold', () => {
    for (const th of [1, 3, 5, 8, 12]) expect(phi(phiTimeoutMs(800, 150, th), 800, 150)).toBeCloseTo(th, 6);
  });
  it('a wide distribution gets a longer timeout than a tight one with the same mean', () => {
    expect(phiTimeoutMs(1000, 400, 5)).toBeGreaterThan(phiTimeoutMs(1000, 100, 5) + 1000);
  });
});

describe('updateArrival', () => {
  it('tracks the mean and spread of gaps', () => {
    const tight: ArrivalStats = { meanMs: NaN, varMs2: 0, samples: 0 };
    const wide: ArrivalStats = { meanMs: NaN, varMs2: 0, samples: 0 };
    for (let i = 0; i < 200; i++) {
      updateArrival(tight, 1000 + (i % 2 === 0 ? 10 : -10));
      updateArrival(wide, 1000 + (i % 2 === 0 ? 600 : -600));
    }
    expect(tight.meanMs).toBeCloseTo(1000, -1);
    expect(wide.meanMs).toBeCloseTo(1000, -2);
    expect(arrivalStdMs(tight, 1)).toBeLessThan(20);
    expect(arrivalStdMs(wide, 1)).toBeGreaterThan(500);
    expect(arrivalStdMs(tight, 200)).toBe(200);
  });
});
