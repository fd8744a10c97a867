/**
 * The minority-partition rule against faults that follow one another. Two crashes in a mesh of
 * five used to make the three survivors a "minority" (2 × 3 healthy < 5 present, failed counted as
 * unreachable) and held a hang's verdict until the crashed peers were reaped: ~27 s instead of ~3 s
 * (found by the field bench, #17). Settled failures (witnessed, or failed before the suspect was
 * last heard from) no longer count; a real partition still holds its verdicts. Fixed seeds plus
 * fresh ones; a failure prints the command that replays it.
 */
import { describe, expect, it } from 'vitest';
import { seededRandom } from '@pulsemesh/core';
import type { DetectorNode } from './detector-node.js';
import { lanNetwork, signalingWitness, type Profile } from './profiles.js';
import { runScenario } from './scenario.js';
import { Simulator } from './simulator.js';
import { strategyFor } from './strategies.js';
import { testSeeds, withReplay } from './test-seed.js';
import { pickNodes } from './workload.js';

const FILE = 'packages/sim/src/minority.test.ts';
const seeds = testSeeds(process.env.SEED, Number(process.hrtime.bigint() % 4294967296n));
console.log(`minority seeds: ${seeds.join(', ')} (set SEED=n to replay one)`);

/** Nodes 1 and 2 fail together (`first`), node 3 hangs `gapMs` later: 3 of 5 gone, one at a time. */
function oneAfterAnother(first: 'crash' | 'hang', gapMs: number): Profile {
  return {
    name: 'lan',
    description: `two ${first}es, a hang ${gapMs} ms later`,
    network: lanNetwork,
    simSeconds: () => 40,
    setup: ({ sim, warmupMs }) => {
      sim.at(warmupMs + 5_000, () => sim[first](1));
      sim.at(warmupMs + 5_000, () => sim[first](2));
      sim.at(warmupMs + 5_000 + gapMs, () => sim.hang(3));
    },
  };
}

/*
 * The hang floor of the default (lan N = 100: p99 ≤ 4 s) holds here too: measured 1.7-2.7 s on
 * seeds 1-3; 27.3-29.8 s before the fix (and 3.0-4.0 s with the fix but the suspicion still
 * expecting confirmations from the crashed peers).
 */
describe('a hang after two failures in a mesh of five', () => {
  it.each(
    seeds.flatMap((seed) => [
      { seed, first: 'crash' as const, gapMs: 500 },
      { seed, first: 'crash' as const, gapMs: 3_000 },
      { seed, first: 'hang' as const, gapMs: 5_000 },
    ]),
  )(
    'two $first then a hang $gapMs ms later: failed everywhere within 4 s (seed $seed)',
    ({ seed, first, gapMs }) => {
      withReplay(seed, FILE, () => {
        const r = runScenario({
          strategy: strategyFor('pulsemesh-default', 5),
          profile: oneAfterAnother(first, gapMs),
          n: 5,
          seed,
          simSeconds: 40,
        });
        expect(r.crashes).toBe(3);
        expect(r.undetectedAll).toBe(0);
        expect(r.falseFailed).toBe(0);
        // In order of the faults: the two first, then the hang.
        expect(r.samples.detectionAllMs).toHaveLength(3);
        expect(r.samples.detectionAllMs[2]).toBeLessThan(4_000);
      });
    },
  );
});

/**
 * A symmetric partition of `k` of `n` nodes for 25 s: what each node of the small side thinks of
 * the big side at the end, and its detector.
 */
function partition(n: number, k: number, seed: number) {
  const small = new Set(pickNodes(seededRandom(seed), n, k / n));
  const sim = new Simulator({
    n,
    seed,
    network: lanNetwork,
    strategy: strategyFor('pulsemesh-default', n),
    witness: signalingWitness,
  });
  sim.startAll();
  sim.at(15_000, () => sim.network.partition(Array.from({ length: n }, (_, i) => (small.has(i) ? 1 : 0))));
  sim.runUntil(40_000);
  return [...small].map((i) => {
    const detector = (sim.nodeAt(i) as DetectorNode).detector;
    const states = detector.peers().filter((p) => !small.has(Number(p.id.slice(1))));
    return { detector, failed: states.filter((p) => p.state === 'failed').length, big: n - k };
  });
}

/*
 * Measured before and after the change on seeds 1-3 (5/2, 10/4, 15/5, 30/12, 30/14, 100/1, 100/10,
 * 100/40, 10/1): the small side failed exactly as many big-side peers as before in all 27 runs.
 * Most escape the rule, before and after: a verdict reached before enough peers are suspected is
 * not held. 30/12 holds 3 of 18 on every seed tried (41); 10/4 holds 1 of 6 on most seeds and none
 * on some (seed 9: the small side's verdicts reach each other by gossip), so it is not asserted.
 */
describe('a real partition still holds verdicts on the small side', () => {
  it.each(seeds.map((seed) => ({ seed, n: 30, k: 12 })))(
    '$k of $n cut off: every small-side node keeps suspecting part of the big side (seed $seed)',
    ({ seed, n, k }) => {
      withReplay(seed, FILE, () => {
        for (const { detector, failed, big } of partition(n, k, seed)) {
          expect(detector.health().minorityPartition).toBe(true);
          expect(detector.stats().failuresHeldByPartition).toBeGreaterThan(0);
          expect(failed).toBeLessThan(big);
        }
      });
    },
  );
});
