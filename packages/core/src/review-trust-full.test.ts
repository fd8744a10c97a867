// Session-13 review: the attack of `review-trust-s13.test.ts` (one liar's signed `failed` told as
// the accused freezes for less than the stall tolerance) on a FULL signed mesh, the shape most
// browser rooms have. 40 signed peers, every pair linked, seeds 1-10 (`SEED=n` reruns one).
import { describe, expect, it, vi } from 'vitest';
import { presets, type DetectorConfig } from './config.js';
import { signUpdate } from './signed-update.js';
import { testTrust } from './test-trust.js';
import { TestNetwork } from './test-network.js';
import { UpdateKind } from './codec.js';
import { seedsFrom } from './test-sparse.js';

// Deterministic simulations over many seeds: CPU-bound (5-40 s a test on this 2-core machine,
// more beside other work); the timeout only guards against a hang, the assertions are the test.
vi.setConfig({ testTimeout: 180_000 });

const SEEDS = seedsFrom(process.env.SEED);
const N = 40;

/** Honest peers that ever held live p0 failed when liar `x` accuses it `lieAtMs` into a freeze. */
function fullMeshFreeze(seed: number, config: DetectorConfig, stallMs: number, lie: boolean): string[] {
  const ids = [...Array.from({ length: N - 1 }, (_, i) => `p${i}`), 'x'];
  const net = new TestNetwork(seed, true);
  for (const id of ids) net.add(id, config);
  for (let i = 0; i < ids.length; i++)
    for (let j = i + 1; j < ids.length; j++) net.link(ids[i] as string, ids[j] as string);
  net.run(10_000);
  for (const id of ids) expect(net.get(id).peers().length, `${id} knows everyone (seed ${seed})`).toBe(N - 1);
  const t0 = net.nowMs;
  net.stalledUntil.set('p0', t0 + stallMs);
  if (lie)
    for (let k = 0; k < 3; k++) {
      const incarnation = net.get('x').peer('p0')?.incarnation ?? 0;
      const lies = [UpdateKind.failed, UpdateKind.suspect].map((kind) =>
        signUpdate(testTrust('x'), { kind, peer: 'p0', incarnation, from: 'x' }),
      );
      for (const o of ids) if (o !== 'x' && o !== 'p0') net.say('x', o, lies);
      net.run(net.nowMs + 1_000);
    }
  net.run(t0 + 15_000);
  return ids.filter(
    (o) => o !== 'x' && o !== 'p0' && net.firstTransitionMs(o, 'p0', 'failed', t0) !== undefined,
  );
}

function bySeed(config: DetectorConfig, stallMs: number, lie: boolean): Record<number, number> {
  const out: Record<number, number> = {};
  for (const seed of SEEDS) {
    const n = fullMeshFreeze(seed, config, stallMs, lie).length;
    if (n > 0) out[seed] = n;
  }
  return out;
}

describe('review s13 on a full signed mesh: one liar timed with a freeze of the accused', () => {
  it('the 1 s freeze alone fails p0 nowhere', () => {
    expect(bySeed(presets.browser, 1_000, false)).toEqual({});
  });
  // Found: 38 of 38 honest peers on every seed 1-10 at 2155057; fixed by decision 0024 (two
  // declarers or our own silence of the stall tolerance): 0.
  it('a lie told as p0 freezes for 1 s fails it nowhere (browser default)', () => {
    expect(bySeed(presets.browser, 1_000, true)).toEqual({});
  });
  it('and as p0 freezes for 1.5 s, just inside the stall tolerance (1.7 s), nowhere either (decision 0024)', () => {
    expect(bySeed(presets.browser, 1_500, false)).toEqual({});
    expect(bySeed(presets.browser, 1_500, true)).toEqual({});
  });
});
