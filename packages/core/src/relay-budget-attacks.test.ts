// Decision 0071 attacked: the per-target reserve kept for requesters that have not asked about the
// target within a period, and the relay's open jobs shared longest-queue first. Unit level on a
// `RelayJobBudget` (browser preset, charged as `handlePingReq` charges it), then real detectors on
// a `TestNetwork` (signed, virtual clock, seeded loss). Every run is the same.
// Run: nice -n 10 pnpm vitest run packages/core/src/relay-budget-attacks.test.ts
import { describe, expect, it } from 'vitest';
import { presets } from './config.js';
import { RelayJobBudget } from './relay-budget.js';
import { TestNetwork } from './test-network.js';
import { ask } from './test-relay.js';
import type { PeerId } from './types.js';

const config = presets.browser;
const PERIOD_MS = config.probeIntervalMsMin;

/**
 * `k` ids of Mallory act by `mallory(i, t)` (the target id i asks about at t ms, or undefined) for
 * 20 s; an honest prober asks about carol once every `honestEveryMs` (a period: every round) at
 * each of 20 phases. Honest asks from 5 s on nacked, of all.
 */
function honestNacked(
  k: number,
  mallory: (i: number, t: number) => PeerId | undefined,
  honestEveryMs = PERIOD_MS,
): [number, number] {
  let nacked = 0;
  let asks = 0;
  for (let phase = 0; phase < honestEveryMs; phase += honestEveryMs / 20) {
    const budget = new RelayJobBudget(config);
    for (let t = 0; t < 20_000; t += 1) {
      for (let i = 0; i < k; i++) {
        const target = mallory(i, t);
        if (target !== undefined) ask(budget, `mallory${i}`, target, t);
      }
      if (t % honestEveryMs !== phase) continue;
      const r = ask(budget, 'honest', 'carol', t);
      if (t < 5_000) continue;
      asks += 1;
      if (r !== 'job') nacked += 1;
    }
  }
  return [nacked, asks];
}

/** Id i's turn every `everyMs` (the k ids spread evenly over it). */
const every = (k: number, everyMs: number) => (i: number, t: number) =>
  (t + Math.floor((i * everyMs) / k)) % everyMs === 0;

describe('decision 0071: the per-target reserve against ids that play by its rule', () => {
  it('ids honest for 10 s, then flooding at 20/s each, never get an honest ask nacked', () => {
    // Honest for 10 s: each id asks about carol once every k x 100 ms (10/s all together, half the
    // refill), so each has a history of asking as a prober does; then each floods at 20/s.
    for (const k of [4, 16]) {
      const [nacked, asks] = honestNacked(k, (i, t) =>
        every(k, t < 10_000 ? k * 100 : 50)(i, t) ? 'carol' : undefined,
      );
      console.log(`${k} ids honest then flooding: honest asks nacked ${nacked} of ${asks}`);
      expect(nacked).toBe(0);
    }
  });

  it('ids spending their burst on other targets to be forgotten never get an honest ask nacked', () => {
    // Each id: 19 asks about fresh targets in one ms (its whole burst and more), then carol, then
    // carol every 50 ms for 0.8 s (its refill), over and over.
    const k = 8;
    const [nacked, asks] = honestNacked(k, (i, t) => {
      const inCycle = (t + i * 100) % 1_000;
      if (inCycle < 19) return `decoy${i}-${t}`;
      return inCycle % 50 === 19 ? 'carol' : undefined;
    });
    console.log(`${k} ids forgetting carol by decoys: honest asks nacked ${nacked} of ${asks}`);
    expect(nacked).toBe(0);
  });

  // Held: ids asking once a period each take only the upper half of the reserve; an honest
  // prober asks one relay about one target once in N rounds (here once a second) and keeps the
  // lower half.
  it('any number of ids asking about carol once a period each never get a quiet honest ask nacked', () => {
    for (const k of [4, 16, 64]) {
      const [nacked, asks] = honestNacked(
        k,
        (i, t) => (every(k, PERIOD_MS)(i, t) ? 'carol' : undefined),
        1_000,
      );
      console.log(`${k} ids once a period, honest once a second: honest asks nacked ${nacked} of ${asks}`);
      expect(nacked).toBe(0);
    }
  });

  // OPEN: ids that each ask about carol at most once a period are the reserve's middle class, and
  // nothing this budget sees tells them from a prober asking that relay about carol every round
  // (honest only in a room of a few members). Their k x 5/s share the upper half of the reserve
  // with it. Measured (20 phases x 75 asks from 5 s to 20 s): 3 ids: 0 of 1,500 nacked; 4 ids:
  // 780; 8 ids: 1,500; 16 ids: 1,500. Fix (not made): hand the reserve by standing as well (the
  // age of the requester's membership, oldest first), so a burst of new ids waits behind the
  // room's older members.
  it.fails('4 ids asking about carol once a period each never get an every-round honest ask nacked', () => {
    for (const k of [3, 8, 16]) {
      const [nacked, asks] = honestNacked(k, (i, t) => (every(k, PERIOD_MS)(i, t) ? 'carol' : undefined));
      console.log(`${k} ids once a period: honest asks nacked ${nacked} of ${asks}`);
    }
    const [nacked, asks] = honestNacked(4, (i, t) => (every(4, PERIOD_MS)(i, t) ? 'carol' : undefined));
    console.log(`4 ids once a period: honest asks nacked ${nacked} of ${asks}`);
    expect(nacked).toBe(0);
  });

  // OPEN: ids quiet for the whole quiet time (each asking about carol once every 800 ms) are
  // where the honest prober is; 16 of them take the refill (16 x 1.25/s = 20/s). Measured (honest
  // once a second, 20 phases x 15 asks from 5 s to 20 s): 16 ids: 0 of 300 nacked; 18: 5; 20: 47;
  // 24: 142; 32: 300 of 300. Fix (not made): standing, as above.
  it.fails('20 ids asking about carol once every 800 ms each never get a quiet honest ask nacked', () => {
    for (const k of [16, 18, 24, 32]) {
      const [nacked, asks] = honestNacked(k, (i, t) => (every(k, 800)(i, t) ? 'carol' : undefined), 1_000);
      console.log(
        `${k} ids once every 800 ms, honest once a second: honest asks nacked ${nacked} of ${asks}`,
      );
    }
    const [nacked, asks] = honestNacked(20, (i, t) => (every(20, 800)(i, t) ? 'carol' : undefined), 1_000);
    console.log(`20 ids once every 800 ms, honest once a second: honest asks nacked ${nacked} of ${asks}`);
    expect(nacked).toBe(0);
  });
});

/** Relay-budget answers to honest ping-reqs, summed over a run: refused, capped, dropped. */
function budgetNacks(net: TestNetwork): { refused: number; capped: number; dropped: number; sent: number } {
  const sum = { refused: 0, capped: 0, dropped: 0, sent: 0 };
  for (const d of net.detectors.values()) {
    const st = d.stats();
    sum.refused += st.relayJobsRefused;
    sum.capped += st.relayJobsCapped;
    sum.dropped += st.relayJobsDropped;
    sum.sent += st.indirectProbesSent;
  }
  return sum;
}

describe('decision 0071: honest probing is never nacked by the relay budgets', () => {
  it('N = 100, full mesh, 10 % loss each way, 30 s: no ping-req refused, capped or dropped', () => {
    const net = new TestNetwork(7, true);
    const ids = Array.from({ length: 100 }, (_, i) => `p${i}`);
    for (const id of ids) net.add(id, config);
    net.fullMesh(ids);
    let x = 12345;
    net.drop = () => {
      x = (x * 1103515245 + 12345) % 2 ** 31;
      return x / 2 ** 31 < 0.1;
    };
    net.run(30_000);
    const r = budgetNacks(net);
    console.log(
      `N=100, 10 % loss, 30 s: ${r.sent} indirect probes sent; ping-reqs refused ${r.refused}, ` +
        `capped ${r.capped}, dropped ${r.dropped}`,
    );
    expect(r.sent).toBeGreaterThan(1_000);
    expect(r.refused + r.capped + r.dropped).toBe(0);
  });
});
