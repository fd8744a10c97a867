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
