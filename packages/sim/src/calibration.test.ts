/** The calibration experiment and its table: the simulator's side of the real-process comparison. */
import { describe, expect, it } from 'vitest';
import { CALIBRATION_TRIALS, calibrationProfile, calibrationTable, type RealConfig } from './calibration.js';
import { runScenario } from './scenario.js';
import { strategyFor } from './strategies.js';

describe('calibration', () => {
  it('kills one member at a time and every kill is timed (swim, N = 10, 5 % loss)', () => {
    const profile = calibrationProfile(5);
    const r = runScenario({
      strategy: strategyFor('swim', 10),
      profile,
      n: 10,
      seed: 7,
      simSeconds: profile.simSeconds(10),
    });
    expect(r.crashes).toBe(CALIBRATION_TRIALS);
    expect(r.undetectedAll).toBe(0);
    expect(r.falseFailed).toBe(0); // memberlist's TCP fallback and nacks: no false dead at 5 % loss
    // Lifeguard with 2 confirmations: min suspicion 4 s after the first failed probe (≤ ~9 s in).
    expect(r.detectionAllMs.p50).toBeGreaterThan(4_000);
    expect(r.detectionAllMs.p50).toBeLessThan(9_000);
  });

  it('pairs memberlist with swim and edge peers with pulsemesh at the same N and loss', () => {
    const sim = [
      {
        strategy: 'swim',
        preset: 'lan-defaults',
        profile: 'loopback',
        n: 10,
        detectionAllMs: { p50: 5_500 },
        detectionFirstMs: { p50: 5_000 },
      },
      {
        strategy: 'swim',
        preset: 'lan-defaults',
        profile: 'loopback-loss5',
        n: 10,
        detectionAllMs: { p50: 9_000 },
        detectionFirstMs: { p50: 1 },
      },
      {
        strategy: 'pulsemesh',
        preset: 'default',
        profile: 'loopback',
        n: 10,
        detectionAllMs: { p50: 600 },
        detectionFirstMs: { p50: 500 },
      },
    ];
    const real: RealConfig[] = [
      {
        system: 'memberlist',
        n: 10,
        lossPct: 0,
        firstMs: { p50: 5_000, max: 0 },
        allMs: { p50: 5_000, max: 0 },
        trials: [1, 2],
      },
      {
        system: 'pulsemesh',
        n: 10,
        lossPct: 0,
        firstMs: { p50: 500, max: 0 },
        allMs: { p50: 500, max: 0 },
        trials: [1],
      },
      {
        system: 'memberlist',
        n: 30,
        lossPct: 0,
        firstMs: { p50: 1, max: 0 },
        allMs: { p50: 1, max: 0 },
        trials: [],
      },
    ];
    const rows = calibrationTable(sim, real, 'default');
    expect(rows.map((r) => [r.sim, r.n, r.ratioAll, r.ratioFirst])).toEqual([
      ['swim', 10, 1.1, 1],
      ['pulsemesh:default', 10, 1.2, 1],
      ['swim', 30, null, null],
    ]);
  });
});
