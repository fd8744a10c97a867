/**
 * Seeded scenario tests: safety under faults first (no live peer declared failed), then liveness
 * (crashes detected everywhere) and convergence after the faults heal. Every strategy runs over the
 * fixed seeds plus two fresh seeds; a failure prints the one-line command that replays it.
 */
import { describe, expect, it } from 'vitest';
import { lanNetwork, type Profile } from './profiles.js';
import { runScenario } from './scenario.js';
import { strategyFor, type StrategyKey } from './strategies.js';
import { testSeeds, withReplay } from './test-seed.js';
import { schedulePartition } from './workload.js';

const FILE = 'packages/sim/src/scenario.test.ts';
const seeds = testSeeds(process.env.SEED, Number(process.hrtime.bigint() % 4294967296n));
console.log(`scenario seeds: ${seeds.join(', ')} (set SEED=n to replay one)`);

/**
 * Strategies under test and what each promises. Where a baseline, by design, cannot keep a promise,
 * the test asserts the documented limitation instead (so the baseline stays what it claims to be).
 *
 * - `heal`: after a symmetric partition heals, every pair trusts again within `healWithinMs`. Not
 *   for `swim`: memberlist exchanges state (push-pull) only with members it thinks alive, so across
 *   a healed partition only its 30 s of gossip to the dead can carry the refutation, and whether it
 *   does depends on the timing (Serf, above memberlist, adds reconnects for this).
 * - `badLink`: a one-way dead link is not a dead peer when someone else can vouch (`tolerated`, needs
 *   indirect probing); the seed heartbeat has no indirection, so it `declares-failed`.
 */
/*
 * `detectWithinMs` bounds liveness near each detector's real detection time: about 1.2× the largest
 * crash → failed-everywhere time over 60 crashes of this test's scenario on seeds 1-30 (measured:
 * pulsemesh-browser max 5.0 s, p50 2.7 s; pulsemesh-lan 1.9 s, 0.9 s; swim (Lifeguard) 9.9 s, 6.9 s;
 * seed 25.0 s, 20.0 s), so a detector that got twice as slow fails here, not only in the benchmark.
 */
const subjects: {
  key: StrategyKey;
  detectWithinMs: number;
  healWithinMs: number | null;
  badLink: 'tolerated' | 'declares-failed';
}[] = [
  { key: 'pulsemesh-default', detectWithinMs: 6_000, healWithinMs: 60_000, badLink: 'tolerated' },
  { key: 'pulsemesh-lan', detectWithinMs: 2_500, healWithinMs: 60_000, badLink: 'tolerated' },
  { key: 'swim', detectWithinMs: 12_000, healWithinMs: null, badLink: 'tolerated' },
  { key: 'seed', detectWithinMs: 26_000, healWithinMs: 60_000, badLink: 'declares-failed' },
];

const lossy: Profile = {
  name: 'lan',
  description: '1 % loss, no crashes',
  network: { ...lanNetwork, loss: 0.01 },
  simSeconds: () => 120,
  setup: () => undefined,
};

const crashes: Profile = {
  ...lossy,
  description: 'two crashes, no restart',
  setup: ({ sim, warmupMs }) => {
    sim.at(warmupMs + 5_000, () => sim.crash(3));
    sim.at(warmupMs + 20_000, () => sim.crash(7));
  },
};

const partitionThenHeal: Profile = {
  ...lossy,
  name: 'partition',
  description: 'a third split off for 20 s, then healed for 90 s',
  setup: ({ sim, metrics, random, warmupMs }) =>
    schedulePartition(sim, metrics, random, {
      atMs: warmupMs + 5_000,
      healMs: warmupMs + 25_000,
      share: 1 / 3,
      oneWay: false,
    }),
};

/** One direction of one link is dead and another link clogs for 3 s: a bad link, not a dead peer. */
const badLinks: Profile = {
  ...lossy,
  description: 'one-way dead link 2→5, clogged link 4→9 for 3 s every 20 s',
  setup: ({ sim, endMs }) => {
    sim.network.setLinkLoss(2, 5, 1);
    for (let t = 15_000; t < endMs; t += 20_000) sim.at(t, () => sim.network.clog(4, 9, t + 3_000));
  },
};

describe.each(subjects)('$key', ({ key, detectWithinMs, healWithinMs, badLink }) => {
  it.each(seeds)(
    badLink === 'tolerated'
      ? 'safety: a one-way dead link or a clogged link is not a dead peer (seed %i)'
      : 'limitation: without indirect probes a one-way dead link gets a live peer declared failed (seed %i)',
    (seed) => {
      withReplay(seed, FILE, () => {
        const r = runScenario({
          strategy: strategyFor(key, 12),
          profile: badLinks,
          n: 12,
          seed,
          simSeconds: 90,
        });
        if (badLink === 'tolerated') expect(r.falseFailed).toBe(0);
        else expect(r.falseFailed).toBeGreaterThan(0);
      });
    },
  );

  it.each(seeds)('safety: 1 %% loss never gets a live peer declared failed (seed %i)', (seed) => {
    withReplay(seed, FILE, () => {
      const r = runScenario({ strategy: strategyFor(key, 20), profile: lossy, n: 20, seed, simSeconds: 120 });
      expect(r.falseFailed).toBe(0);
    });
  });

  it.each(seeds)('liveness: every crash is marked failed by every live peer in time (seed %i)', (seed) => {
    withReplay(seed, FILE, () => {
      const r = runScenario({
        strategy: strategyFor(key, 20),
        profile: crashes,
        n: 20,
        seed,
        simSeconds: 60,
      });
      expect(r.crashes).toBe(2);
      expect(r.undetectedAll).toBe(0);
      expect(r.detectionAllMs.max).toBeLessThan(detectWithinMs);
    });
  });

  it.skipIf(healWithinMs === null).each(seeds)(
    'convergence: after a partition heals, every pair trusts again (seed %i)',
    (seed) => {
      withReplay(seed, FILE, () => {
        const r = runScenario({
          strategy: strategyFor(key, 15),
          profile: partitionThenHeal,
          n: 15,
          seed,
          simSeconds: 120,
        });
        expect(r.falseFailed).toBeGreaterThan(0); // the partition was real
        expect(r.convergenceMs).toHaveLength(1);
        expect(r.convergenceMs[0]).not.toBeNull();
        expect(r.convergenceMs[0] as number).toBeLessThan(healWithinMs as number);
      });
    },
  );
});
