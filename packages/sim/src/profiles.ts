/**
 * Benchmark profiles: a network model plus a fault workload. Durations are chosen per group size so
 * the full matrix fits the time budget; every run reports its own `simSeconds` and `nodeHours`.
 */
import type { Random } from '@pulsemesh/core';
import type { Metrics } from './metrics.js';
import type { NetworkConfig } from './network.js';
import type { Simulator } from './simulator.js';
import {
  clampTabs,
  pickNodes,
  scheduleCrashes,
  scheduleLeaves,
  schedulePartition,
  scheduleSessionResets,
  scheduleStalls,
} from './workload.js';
import type { WitnessModel } from './simulator-options.js';

/** Profile names. */
export const ProfileName = {
  lan: 'lan',
  wan: 'wan',
  hang: 'hang',
  hostileBrowser: 'hostile-browser',
  partition: 'partition',
  massFailure: 'mass-failure',
  churn: 'churn',
} as const;
export type ProfileName = (typeof ProfileName)[keyof typeof ProfileName];

/** What a profile's setup gets. */
export interface ProfileContext {
  sim: Simulator;
  metrics: Metrics;
  random: Random;
  n: number;
  warmupMs: number;
  endMs: number;
}

/** A benchmark profile. */
export interface Profile {
  /** A matrix profile, or a calibration profile (`calibration.ts`, not in the matrix). */
  name: ProfileName | 'loopback' | 'loopback-loss5';
  description: string;
  network: NetworkConfig;
  /** Simulated seconds for a group of `n` (full run). */
  simSeconds(n: number): number;
  /** The signaling witness; default {@link signalingWitness}. */
  witness?: WitnessModel;
  setup(ctx: ProfileContext): void;
}

/** 1-20 ms one way, 1 % loss. */
export const lanNetwork: NetworkConfig = {
  minDelayMs: 1,
  linkSpreadMs: 4,
  tail: { kind: 'exponential', meanMs: 2 },
  jitterMs: 1,
  delayMaxMs: 20,
  loss: 0.01,
  duplicate: 0.001,
  ordering: 'unordered',
};

/** 30-200 ms one way, 2 % loss, jitter. */
export const wanNetwork: NetworkConfig = {
  minDelayMs: 30,
  linkSpreadMs: 60,
  tail: { kind: 'exponential', meanMs: 20 },
  jitterMs: 20,
  delayMaxMs: 200,
  loss: 0.02,
  duplicate: 0.002,
  ordering: 'unordered',
};

/** 5 % loss, Pareto heavy tail (median +6 ms, p99 +200 ms, capped at 3 s). */
export const hostileNetwork: NetworkConfig = {
  minDelayMs: 5,
  linkSpreadMs: 20,
  tail: { kind: 'pareto', scaleMs: 10, alpha: 1.5 },
  jitterMs: 5,
  delayMaxMs: 3000,
  loss: 0.05,
  duplicate: 0.002,
  ordering: 'unordered',
};

/**
 * The signaling-session witness in every profile (decision 0013): a crashed node's socket is closed
 * by its OS or browser at once; the server sees it 2 ms + Exp(mean 20 ms) later (capped at 1 s) and
 * tells each member 1-5 ms later. Hangs, stalls and partitions close nothing.
 */
export const signalingWitness: WitnessModel = {
  description:
    'crash → session closed-by-peer after 2 ms + Exp(mean 20 ms) (cap 1 s), members told 1-5 ms later; hangs, stalls, partitions: no witness',
  sessionCloseDelayMs: (random) => Math.min(1000, 2 - 20 * Math.log(1 - random.next())),
};

/** A crashed node restarts (new incarnation) this long after its crash. */
const CRASH_DOWN_MS = 45_000;
/** No crash in the last 30 s of a run: every detector gets that long to detect the last one. */
const DETECTION_HORIZON_MS = 30_000;
/** Crashes per run at most (lan N = 1000 over 150 s draws 100: enough for a p99 that is not the max). */
const CRASHES_MAX = 150;

function crashesAndLeaves(
  ctx: ProfileContext,
  perNodeHour: number,
  leaves: boolean,
  fault: 'crash' | 'hang' = 'crash',
): void {
  const { sim, random, n, warmupMs, endMs } = ctx;
  // Short runs (large N) still get a 5 s crash window; late crashes may then go undetected, and
  // are reported as such.
  const window = Math.max(5_000, endMs - DETECTION_HORIZON_MS - warmupMs);
  // The scale runs (N > 1000) keep the 60 crashes their wall-time history was measured with.
  const cap = n > 1000 ? 60 : CRASHES_MAX;
  const count = Math.max(4, Math.min(cap, Math.round((n * window * perNodeHour) / 3_600_000)));
  scheduleCrashes(sim, random, {
    count,
    fromMs: warmupMs,
    toMs: warmupMs + window,
    downMs: CRASH_DOWN_MS,
    concurrentMax: Math.max(1, Math.floor(n / 10)),
    fault,
  });
  if (leaves)
    scheduleLeaves(sim, random, {
      count: Math.max(2, Math.round(count / 4)),
      fromMs: warmupMs,
      toMs: warmupMs + window,
      awayMs: 30_000,
    });
}

const byN = (small: number, mid: number, large: number) => (n: number) =>
  n <= 10 ? small : n <= 100 ? mid : large;

/** All profiles by name. */
export const profiles: Record<ProfileName, Profile> = {
  lan: {
    name: 'lan',
    description: 'LAN: 1-20 ms one way, 1 % loss; crashes (restart after 45 s) and graceful leaves',
    network: lanNetwork,
    // N = 1000 runs 150 s: 100 crashes and 25 leaves, so its p99s are percentiles, not maxima.
    simSeconds: byN(600, 600, 150),
    setup: (ctx) => crashesAndLeaves(ctx, 3, true),
  },
  hang: {
    name: 'hang',
    description: 'LAN; hangs (silent, signaling session open: no witness; restart after 45 s) and leaves',
    network: lanNetwork,
    simSeconds: byN(600, 600, 30),
    setup: (ctx) => crashesAndLeaves(ctx, 3, true, 'hang'),
  },
  wan: {
    name: 'wan',
    description: 'WAN: 30-200 ms one way, 2 % loss, jitter; crashes and graceful leaves',
    network: wanNetwork,
    simSeconds: byN(600, 600, 30),
    setup: (ctx) => crashesAndLeaves(ctx, 3, true),
  },
  'hostile-browser': {
    name: 'hostile-browser',
    description:
      '5 % loss, heavy-tail delay, 30 % hidden tabs (1 Hz timers), 10 % with stalls up to 1 s; spurious signaling resets (1 per node-hour, and 0.5 % of stalls); crashes',
    network: hostileNetwork,
    simSeconds: byN(1800, 3700, 30), // N=100: ≥ 100 node-hours after warm-up and crash downtime
    setup(ctx) {
      const hidden = pickNodes(ctx.random, ctx.n, 0.3);
      const stalling = pickNodes(ctx.random, ctx.n, 0.1);
      const drifting = pickNodes(ctx.random, ctx.n, 0.05);
      clampTabs(ctx.sim, hidden);
      // A few machines with a badly slewing clock: ±0.2 % (every node already drifts up to ±50 ppm).
      for (const i of drifting) ctx.sim.setDrift(i, (ctx.random.next() < 0.5 ? -1 : 1) * 0.002);
      scheduleStalls(ctx.sim, ctx.random, stalling, {
        fromMs: 0,
        toMs: ctx.endMs,
        meanGapMs: 10_000,
        stallMsMax: 1000,
        resetShare: 0.005,
      });
      scheduleSessionResets(ctx.sim, ctx.random, { fromMs: 0, toMs: ctx.endMs, perNodeHour: 1 });
      crashesAndLeaves(ctx, 0.1, false);
    },
  },
  partition: {
    name: 'partition',
    description:
      'LAN; a third split off for 20 s (symmetric), heal; later a one-way partition for 20 s, heal',
    network: lanNetwork,
    simSeconds: byN(120, 120, 45),
    setup(ctx) {
      const w = ctx.warmupMs;
      schedulePartition(ctx.sim, ctx.metrics, ctx.random, {
        atMs: w + 10_000,
        healMs: w + 30_000,
        share: 1 / 3,
        oneWay: false,
      });
      schedulePartition(ctx.sim, ctx.metrics, ctx.random, {
        atMs: w + 60_000,
        healMs: w + 80_000,
        share: 1 / 3,
        oneWay: true,
      });
    },
  },
  'mass-failure': {
    name: 'mass-failure',
    description: 'LAN; half the peers crash at once and stay down',
    network: lanNetwork,
    simSeconds: byN(90, 90, 30),
    setup(ctx) {
      const at = ctx.warmupMs + 5_000;
      for (const i of pickNodes(ctx.random, ctx.n, 0.5)) ctx.sim.at(at, () => ctx.sim.crash(i));
    },
  },
  churn: {
    name: 'churn',
    description: 'LAN; heavy churn: crash-restart (down 45 s) and leave-rejoin, ~12 per node-hour',
    network: lanNetwork,
    simSeconds: byN(600, 300, 30),
    setup: (ctx) => crashesAndLeaves(ctx, 12, true),
  },
};
