// A hang on a sparse mesh (issue 13, decision 0030): the hung peer's links each declare it about
// when their own silence passes the stall tolerance, as in a full mesh, instead of waiting near
// the suspicion maximum for confirmations that relays without a link to it could never send.
import { describe, expect, it } from 'vitest';
import { presets, stallToleranceMs } from './config.js';
import { ACCUSED, N, seedsFrom, sparse } from './test-sparse.js';

const SEEDS = seedsFrom(process.env.SEED);

/**
 * Per linked peer that suspected the hung p0 after its own probe (`probe-failed`) and declared it
 * (`suspicion-timeout`): ms from that suspicion to its verdict. The suspicion comes at the end of a
 * probe round (`probeRoundMsMin` after its first unanswered ping), the verdict once that silence
 * reached the stall tolerance: about the suspicion minimum apart.
 */
function suspicionToVerdict(seed: number): number[] {
  const sp = sparse(seed, presets.node, []);
  const t0 = sp.net.nowMs;
  sp.net.crashed.add(ACCUSED);
  sp.net.run(t0 + 15_000);
  const gaps: number[] = [];
  for (const o of sp.links.get(ACCUSED) ?? []) {
    const h = sp.net.get(o).history(ACCUSED);
    const suspected = h.find((e) => e.atMs >= t0 && e.to === 'suspected' && e.reason === 'probe-failed');
    if (suspected === undefined) continue;
    const failed = h.find(
      (e) => e.atMs >= suspected.atMs && e.to === 'failed' && e.reason === 'suspicion-timeout',
    );
    if (failed !== undefined) gaps.push(failed.atMs - suspected.atMs);
  }
  return gaps;
}

describe('a hang on a sparse mesh (node, 40 peers, ~6 links each)', () => {
  it('its links declare it about when their own silence passes the stall tolerance', () => {
    const c = presets.node;
    // 500 ms here (the suspicion minimum), plus a period of slack for timer granularity.
    const boundMs = stallToleranceMs(c, N) - c.probeRoundMsMin + c.probeIntervalMsMax;
    const late: Record<number, number[]> = {};
    let declarers = 0;
    for (const seed of SEEDS) {
      const gaps = suspicionToVerdict(seed);
      declarers += gaps.length;
      const slow = gaps.filter((g) => g > boundMs);
      if (slow.length > 0) late[seed] = slow;
    }
    expect(declarers).toBeGreaterThan(0);
    expect(late).toEqual({});
  });
});
