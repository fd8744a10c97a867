/**
 * Calibration of the simulator against real processes (`bench-results/real-peers.json`): the same
 * experiment in both worlds. N members on loopback (sub-millisecond delay), 0 or 5 % loss, one
 * member crashed at a time and timed to the first and the last survivor's verdict, then replaced
 * (here: restarted with a new incarnation) before the next trial.
 */
import { randomInt } from '@pulsemesh/core';
import type { NetworkConfig } from './network.js';
import type { Profile } from './profiles.js';

/** Loopback: 0.05-0.2 ms one way, no jitter, `loss` in [0, 1). */
export function loopbackNetwork(loss: number): NetworkConfig {
  return {
    minDelayMs: 0.05,
    linkSpreadMs: 0.05,
    tail: { kind: 'exponential', meanMs: 0.05 },
    jitterMs: 0,
    delayMaxMs: 2,
    loss,
    duplicate: 0,
    ordering: 'unordered',
  };
}

/** Seconds between two kills: longer than any detector's detection plus a restart. */
export const CALIBRATION_TRIAL_S = 40;
/** Group sizes calibrated (the real-process benchmark's). */
export const CALIBRATION_SIZES: readonly number[] = [10, 30];
/** Trials per calibration run. */
export const CALIBRATION_TRIALS = 25;

/** The calibration profile at `lossPct` percent: a kill every 40 s, restarted 20 s later. */
export function calibrationProfile(lossPct: number): Profile {
  return {
    name: lossPct === 0 ? 'loopback' : 'loopback-loss5',
    description: `loopback (0.05-0.2 ms), ${lossPct} % loss; one member killed every ${CALIBRATION_TRIAL_S} s, back 20 s later`,
    network: loopbackNetwork(lossPct / 100),
    simSeconds: () => CALIBRATION_TRIAL_S * CALIBRATION_TRIALS,
    setup({ sim, random, n, warmupMs }) {
      for (let k = 0; k < CALIBRATION_TRIALS; k++) {
        const at = warmupMs + 5_000 + k * CALIBRATION_TRIAL_S * 1000;
        const victim = 1 + randomInt(random, n - 1);
        sim.at(at, () => sim.crash(victim));
        sim.at(at + 20_000, () => sim.start(victim));
      }
    },
  };
}

/** What `calibrationTable` reads from `real-peers.json` (one entry of `configs`). */
export interface RealConfig {
  system: string;
  n: number;
  lossPct: number;
  firstMs: { p50: number; max: number };
  allMs: { p50: number; max: number };
  trials: unknown[];
}

/** One line of the calibration table: a simulated detector beside the real processes it models. */
export interface CalibrationRow {
  n: number;
  lossPct: number;
  real: string;
  sim: string;
  realAllP50Ms: number;
  simAllP50Ms: number | null;
  /** sim / real, all-peer detection p50 (1.00 = exact). */
  ratioAll: number | null;
  ratioFirst: number | null;
}

/**
 * Pairs each real system's configs with the simulated strategy that models it (memberlist ↔ swim,
 * edge peers ↔ pulsemesh at `pulsemeshPreset`) on the calibration profile of the same loss and N.
 */
export function calibrationTable(
  sim: readonly {
    strategy: string;
    preset: string;
    profile: string;
    n: number;
    detectionAllMs: { p50: number | null };
    detectionFirstMs: { p50: number | null };
  }[],
  real: readonly RealConfig[],
  pulsemeshPreset: string,
): CalibrationRow[] {
  const pairs: Record<string, { strategy: string; preset?: string }> = {
    memberlist: { strategy: 'swim' },
    pulsemesh: { strategy: 'pulsemesh', preset: pulsemeshPreset },
  };
  return real.flatMap((c) => {
    const want = pairs[c.system];
    if (!want) return [];
    const profile = calibrationProfile(c.lossPct).name;
    const s = sim.find(
      (r) =>
        r.strategy === want.strategy &&
        (want.preset === undefined || r.preset === want.preset) &&
        r.profile === profile &&
        r.n === c.n,
    );
    const all = s?.detectionAllMs.p50 ?? null;
    const first = s?.detectionFirstMs.p50 ?? null;
    return [
      {
        n: c.n,
        lossPct: c.lossPct,
        real: `${c.system} (${c.trials.length} kills)`,
        sim: want.preset === undefined ? want.strategy : `${want.strategy}:${want.preset}`,
        realAllP50Ms: c.allMs.p50,
        simAllP50Ms: all,
        ratioAll: all === null ? null : all / c.allMs.p50,
        ratioFirst: first === null ? null : first / c.firstMs.p50,
      },
    ];
  });
}
