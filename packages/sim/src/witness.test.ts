/**
 * The signaling witness under the hostile-browser network, compressed: many spurious session
 * resets of live peers (some during stalls, some of hidden tabs, some seen by stalled or throttled
 * observers) and a few crashes. Safety first (no live peer failed, whatever reason), then the
 * crashes are still failed. The full profile (1,000 node-hours, `pnpm bench`) found 894 false
 * `failed` from witnessed checks too short for the network's tail and for stalls their checkers had
 * not heard of; this finds that in seconds. Fixed seeds plus fresh ones; a failure prints the command that replays it.
 */
import { describe, expect, it } from 'vitest';
import { hostileNetwork, type Profile } from './profiles.js';
import { runScenario } from './scenario.js';
import { strategyFor } from './strategies.js';
import { reproduceCommand, testSeeds } from './test-seed.js';
import { clampTabs, pickNodes, scheduleSessionResets, scheduleStalls } from './workload.js';

const FILE = 'packages/sim/src/witness.test.ts';
/**
 * Fresh seeds that failed once, kept: 1431160977 (20 false `failed` before the premise stall below:
 * the stated limit, decision 0013 session 10).
 */
const REGRESSION_SEEDS = [1431160977];
const seeds = testSeeds(process.env.SEED, Number(process.hrtime.bigint() % 4294967296n), REGRESSION_SEEDS);
console.log(`witness seeds: ${seeds.join(', ')} (set SEED=n to replay one)`);

/**
 * The hostile-browser workload on 30 peers for 240 s after a minute of warm-up, with 40× its
 * spurious resets (~80) and 40× its resets in stalls. Its premise: stallers have been heard
 * stalling (the first stall of a peer nobody has heard stall is the stated limit, decision 0013).
 * `seenStalling` makes sure of it: every staller stalls once (0.5-1 s, more than a period, so its
 * timers measure it) in the warm-up's last 20 s, after any start-up. Without it a staller whose
 * warm-up stalls all ended before its next timer was due (lateness ~0) could be reset in its first
 * measured stall (seed 1431160977).
 */
function resets(seenStalling: boolean): Profile {
  return {
    name: 'hostile-browser',
    description: 'hostile network; hidden tabs, stalls up to 1 s, many spurious resets; 3 crashes',
    network: hostileNetwork,
    simSeconds: () => 240,
    setup(ctx) {
      clampTabs(ctx.sim, pickNodes(ctx.random, ctx.n, 0.3));
      const stalling = pickNodes(ctx.random, ctx.n, 0.3);
      scheduleStalls(ctx.sim, ctx.random, stalling, {
        fromMs: 0,
        toMs: ctx.endMs,
        meanGapMs: 10_000,
        stallMsMax: 1000,
        resetShare: 0.2,
      });
      scheduleSessionResets(ctx.sim, ctx.random, { fromMs: ctx.warmupMs, toMs: ctx.endMs, perNodeHour: 40 });
      for (const [k, node] of [5, 11, 17].entries())
        ctx.sim.at(ctx.warmupMs + 40_000 * (k + 1), () => ctx.sim.crash(node));
      if (!seenStalling) return;
      for (const i of stalling) {
        const at = ctx.warmupMs - 5_000 - 15_000 * ctx.random.next();
        const d = 500 + 500 * ctx.random.next();
        ctx.sim.at(at, () => ctx.sim.stall(i, d));
      }
    },
  };
}

function expectSafeAndLive(seed: number, seenStalling: boolean): void {
  try {
    const r = runScenario({
      strategy: strategyFor('pulsemesh-default', 30),
      profile: resets(seenStalling),
      n: 30,
      seed,
      simSeconds: 240,
      warmupMs: 60_000,
    });
    expect(r.witness?.spuriousResets).toBeGreaterThan(40);
    expect(r.falseFailed).toBe(0);
    expect(r.crashes).toBe(3);
    expect(r.undetectedAll).toBe(0);
    // The slowest observer is a hidden tab (timers at 1 Hz). With signed membership (what
    // createMesh runs) a verdict pushed to it is one member's word: it checks (2 pings, up to
    // 2 × 250 ms, read at its next tick: ≤ 1.5 s) and then suspects for its own minimum
    // (0.5 s × 3 for a hidden suspect, or 0.5 s + the stall patience of a staller, ≤ ~1.6 s
    // here: stalls ≤ 1 s), read at a tick (≤ 1 s). The first verdict comes at most ~3.4 s
    // after the crash (witness ≤ ~0.1 s, window 0.3 s + a 3 s stall allowance). So ≤ ~7.6 s;
    // unsigned, the verdict was taken after the check (≤ ~5 s: max 3.5-4.4 s on seeds 1-8,
    // 4.3-5.9 s signed on seeds 1-16, witness-round fix b0e3f27 included).
    expect(r.detectionAllMs.max).toBeLessThan(8_000);
  } catch (error) {
    console.error(`reproduce: ${reproduceCommand(seed, FILE)}`);
    throw error;
  }
}

describe('pulsemesh default with the signaling witness', () => {
  it.each(seeds)(
    'spurious resets of live peers never fail them; crashes are still failed (seed %i)',
    (seed) => expectSafeAndLive(seed, true),
  );

  // The CI failure of session 9, replayed on the workload as it then was (no premise stall, which
  // hides it): a reset staller's second stall of a run outlasted an allowance sized with the
  // checker's 200 ms adaptive period; 2 false `failed` before 4e1268d (decision 0013, session 10).
  it('seed 1170141372 without the premise stall: the allowance uses the longest period', () =>
    expectSafeAndLive(1170141372, false));
});
