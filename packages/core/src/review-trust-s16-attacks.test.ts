// Session-16 review, attacks on the rules decisions 0028-0030 added (see `review-trust-s16.test.ts`
// for the residuals they name): ONE liar `x`, a member with a valid identity, against honest peers,
// seeds 1-10 (`SEED=n` reruns one). `it` where the defence holds (0 honest peers misled),
// `it.fails` where it breaks, with what was found.
import { describe, expect, it, vi } from 'vitest';
import { encode, MessageType, UpdateKind } from './codec.js';
import { presets } from './config.js';
import { seededRandom } from './random.js';
import { signUpdate } from './signed-update.js';
import { testTrust } from './test-trust.js';
import type { TestNetwork } from './test-network.js';
import {
  ACCUSED,
  fullMesh,
  lieFailed,
  makeLyingRelay,
  N,
  reviewSeeds,
  sendPingReq,
  sparse,
} from './test-sparse.js';

// Deterministic simulations over many seeds: CPU-bound (5-40 s a test on this 2-core machine,
// more beside other work); the timeout only guards against a hang, the assertions are the test.
vi.setConfig({ testTimeout: 180_000 });

const { SEEDS, REPRODUCE, bySeed } = reviewSeeds('review-trust-s16-attacks.test.ts', process.env.SEED);

const FREEZES = [1_500, 1_000, 1_500, 1_500, 1_000, 1_500];

/**
 * p0 freezes in turn for each of {@link FREEZES} (5 s apart) on a full signed mesh of `ids`
 * (browser), or on the sparse mesh of `test-sparse.ts` (node), with `loss`; as each freeze starts `x` tells every honest peer p0 failed (three times,
 * a second apart, the first at its start) and `during` runs (`x`'s extra, from just after the first lie). Returns the honest
 * peers that held p0 failed.
 */
function freezesWithLie(
  seed: number,
  ids: readonly string[] | 'sparse',
  loss: number,
  setUp: (net: TestNetwork) => void,
  during: (net: TestNetwork, freezeEndMs: number) => void = () => undefined,
): string[] {
  const net = ids === 'sparse' ? sparse(seed, presets.node).net : fullMesh(seed, ids);
  setUp(net);
  const random = seededRandom(seed * 15_485_863);
  const lossy = (): boolean => random.next() < loss;
  net.drop = lossy;
  net.run(net.nowMs + 2_000);
  const t0 = net.nowMs;
  const honest = [...net.detectors.keys()].filter((id) => id !== 'x' && id !== ACCUSED);
  for (const stallMs of FREEZES) {
    const start = net.nowMs;
    net.stalledUntil.set(ACCUSED, start + stallMs);
    lieFailed(net, 'x', ACCUSED, honest);
    during(net, start + stallMs);
    for (let k = 1; k < 3; k++) {
      net.run(Math.max(net.nowMs, start + k * 1_000));
      lieFailed(net, 'x', ACCUSED, honest);
    }
    net.drop = lossy;
    net.run(start + 5_000);
  }
  net.run(net.nowMs + 10_000);
  return honest.filter((o) => net.firstTransitionMs(o, ACCUSED, 'failed', t0) !== undefined);
}

const ROOM_OF_8 = ['p0', 'p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'x'];
const IDS = [...Array.from({ length: N - 1 }, (_, i) => `p${i}`), 'x'];

describe('review s16: relays that "cannot try" (0030) shorten no suspicion of a frozen peer', () => {
  // Holds: `x`, asked as a relay by peers probing p0 during its freezes (in a room of 8 each
  // probe asks 3 of 6 relays), nacks at once and bare ("no link"): the prober's suspicion then
  // waits for one confirmation less (`relaysUnable`), but its verdict still waits for its own
  // pings to go unanswered for the stall tolerance (`suspicionExpired`), which no relay can
  // shorten: 1-1.5 s freezes at 10 % loss, with the lie, fail p0 nowhere (5 %: the same).
  it('room of 8, x nacks every ping-req bare, p0 freezes 1-1.5 s six times, 10 % loss, the lie: p0 failed nowhere', () => {
    const relays: { answered: number }[] = [];
    const run = (seed: number): string[] =>
      freezesWithLie(seed, ROOM_OF_8, 0.1, (net) => {
        relays.push(makeLyingRelay(net, 'x', 'unable'));
      });
    expect(bySeed(run), REPRODUCE).toEqual({});
    // The premise: x was asked (and nacked bare) during the runs.
    expect(relays.reduce((sum, r) => sum + r.answered, 0)).toBeGreaterThanOrEqual(10);
  });

  // Holds: the same on the sparse mesh (node), where most relays truly cannot try: `x` among
  // them changes nothing; the verdict waits for the prober's own silence.
  it('sparse mesh, x nacks every ping-req bare, p0 freezes 1-1.5 s six times, 10 % loss, the lie: p0 failed nowhere', () => {
    const relays: { answered: number }[] = [];
    const run = (seed: number): string[] =>
      freezesWithLie(seed, 'sparse', 0.1, (net) => {
        relays.push(makeLyingRelay(net, 'x', 'unable'));
      });
    expect(bySeed(run), REPRODUCE).toEqual({});
    expect(relays.reduce((sum, r) => sum + r.answered, 0)).toBeGreaterThanOrEqual(10);
  });

  // Holds: `x` fills every honest peer's relay jobs (`relayJobsMax`, 64) with ping-reqs about
  // itself, and answers none of their pings, for the whole of each freeze: every honest relay
  // then nacks bare ("jobs full", `handlePingReq`), so every prober of p0 counts all 3 relays
  // unable and its suspicion expects no confirmation at all. The verdict still waits for the
  // prober's own silence: 0 misled, 40 peers, 1-1.5 s freezes, 10 % loss (5 %: the same), the lie.
  // Since decision 0056 one requester gets at most 16 jobs at once from a relay (`relay-budget.ts`):
  // x's flood no longer fills `relayJobsMax`, its ping-reqs past the budget are dropped, counted.
  it("x keeps every honest relay's jobs full as p0 freezes 1-1.5 s six times, 10 % loss, the lie: p0 failed nowhere", () => {
    let dropped = 0;
    const run = (seed: number): string[] =>
      freezesWithLie(
        seed,
        IDS,
        0.1,
        () => undefined,
        (net, endMs) => {
          const lossy = net.drop;
          net.drop = (from, to) => to === 'x' || lossy(from, to);
          const relays = IDS.filter((id) => id !== 'x' && id !== ACCUSED);
          let seq = 0;
          const fill = (): void => {
            for (const r of relays)
              for (let k = 0; k < 66; k++) sendPingReq(net, 'x', r, 'x', seq++ & 0xffff);
          };
          while (net.nowMs < endMs) {
            fill();
            net.run(net.nowMs + 100);
          }
          dropped = Math.max(
            dropped,
            ...relays.map((r) => net.get(r).stats().relayJobsDropped + net.get(r).stats().relayJobsRefused),
          );
        },
      );
    expect(bySeed(run), REPRODUCE).toEqual({});
    // The premise: x's flood reached the honest relays (full jobs or x's budget spent: dropped).
    expect(dropped).toBeGreaterThan(0);
  });
});

/**
 * The sparse mesh of `test-sparse.ts` (node), `x` a lying relay that acks every ping-req at once.
 * First, for `lieMs`, `x` tells every honest peer without a link to the live p0 that p0 failed,
 * every 500 ms: their relay checks are acked by honest relays that reach p0 (each such relay is
 * remembered as having vouched, `hearsay.ts`), and p0 refutes. Then p0 crashes; `x` keeps lying
 * every 500 ms. Returns, per honest observer, ms from the crash to its first `failed` of p0.
 */
function vouchedThenCrash(seed: number, lieMs: number): { failedMs: number[]; incarnation: number } {
  const sp = sparse(seed, presets.node);
  const net = sp.net;
  makeLyingRelay(net, 'x', 'ack');
  for (let t = 0; t < lieMs; t += 500) {
    lieFailed(net, 'x', ACCUSED, sp.unlinked);
    net.run(net.nowMs + 500);
  }
  const incarnation = net.get(ACCUSED).localIncarnation();
  const t0 = net.nowMs;
  net.crashed.add(ACCUSED);
  for (let t = 0; t < 15_000; t += 500) {
    lieFailed(net, 'x', ACCUSED, sp.unlinked);
    net.run(net.nowMs + 500);
  }
  const failedMs = sp.honest
    .filter((o) => o !== ACCUSED)
    .map((o) => (net.firstTransitionMs(o, ACCUSED, 'failed', t0) ?? Infinity) - t0);
  return { failedMs, incarnation };
}

describe('review s16: hearsay memory (0028) against a liar that forges relayed acks (sparse, node)', () => {
  // Holds: the liar cannot make the memory skip the honest relays. Its lies about the live p0
  // (every 500 ms for 5 s) get honest relays to vouch, but each relay ping carries the verdict, p0
  // refutes, and the new incarnation starts the memory afresh; after the crash no honest relay
  // reaches p0, so none vouches, and `x` (one voucher) disputes one check per incarnation. Every
  // honest peer fails the crashed p0 within the bound of `scenario-trust-sparse` (9 s).
  it('x lies about the live p0 for 5 s (honest relays vouch), then p0 crashes: all fail it within 9 s', () => {
    const late: Record<number, string> = {};
    let refuted = 0;
    for (const seed of SEEDS) {
      const { failedMs, incarnation } = vouchedThenCrash(seed, 5_000);
      if (incarnation > 0) refuted += 1;
      const slowest = Math.max(...failedMs);
      if (slowest > 9_000) late[seed] = `${slowest} ms (${failedMs.filter((t) => t > 9_000).length} late)`;
    }
    expect(late, REPRODUCE).toEqual({});
    // The premise: the lies reached p0 and it refuted (its incarnation rose) on most seeds.
    expect(refuted).toBeGreaterThanOrEqual(SEEDS.length > 1 ? 5 : 0);
  });
});

/**
 * A membership flood on the sparse mesh (browser, `membersMax` 256), the roster in use: `x`
 * piggybacks `sybils` fresh identities' signed `alive`s on pings to each of its links (three
 * rounds 5 s apart), three honest joiners arrive 1 s apart (each linked to three honest peers,
 * on the roster), then, with `again`, `x` floods again with as many new identities, and the
 * network runs 20 s. Returns the `observer>joiner` pairs of honest peers that do not know a joiner
 * (marked `(full)` when the observer's table is full).
 */
function floodThenJoin(seed: number, sybils: number, again: boolean): string[] {
  const sp = sparse(seed, presets.browser, ['x']);
  const net = sp.net;
  const flood = (prefix: string): void => {
    const fakes = Array.from({ length: sybils }, (_, i) =>
      signUpdate(testTrust(`${prefix}${i}`), {
        kind: UpdateKind.alive,
        peer: `${prefix}${i}`,
        incarnation: 0,
        from: undefined,
      }),
    );
    for (let round = 0; round < 3; round++) {
      for (const o of sp.links.get('x') ?? [])
        for (let k = 0; k < fakes.length; k += 6) {
          const updates = fakes.slice(k, k + 6);
          const bytes = encode({ type: MessageType.ping, seq: 100 + k, updates, extensions: [] });
          net.apply(o, net.get(o).receive('x', bytes, net.nowMs));
        }
      net.run(net.nowMs + 5_000);
    }
  };
  if (sybils > 0) flood('s');
  const joiners = ['n1', 'n2', 'n3'];
  joiners.forEach((id, j) => {
    net.add(id, presets.browser);
    for (const h of sp.honest.slice(3 + 7 * j, 6 + 7 * j)) net.link(id, h);
    net.run(net.nowMs + 1_000);
  });
  if (again && sybils > 0) flood('t');
  net.run(net.nowMs + 20_000);
  const full = (o: string): string =>
    net.get(o).stats().members >= presets.browser.membersMax ? ' (full)' : '';
  return sp.honest.flatMap((o) =>
    joiners.filter((h) => net.get(o).peer(h) === undefined).map((h) => `${o}>${h}${full(o)}`),
  );
}

describe('review s16: joiners after a membership flood, the roster in use (sparse, browser)', () => {
  // Found, with NO flood: 1-7 honest peers do not know a joiner 20 s after it joined on 7 of 10
  // seeds (seed 4: 7 pairs; the same counts at 60 s, no member dropped or evicted anywhere: each
  // such table holds 40-41 of 256). A joiner pulls the whole table from a link (`askSync`), but
  // nobody pulls news of it: its `alive` is gossiped a bounded number of times
  // (`retransmitMult`), and on a sparse mesh (degree ≤ 6) that does not reach every peer; nothing
  // repairs it later, though the signaling roster lists the joiner at every peer. Such a peer never
  // probes, suspects or counts the joiner (nor hears it fail). Fix: a peer whose roster lists a
  // member it has no record of asks a link about it (a sync-request naming the ids, answered with
  // their `alive`s: ~100 signed bytes each), at most once per member per period (`timers.ts`);
  // cost: bytes per joiner per peer that missed it only.
  it('without a flood, every honest peer knows every joiner 20 s on', () => {
    expect(
      bySeed((seed) => floodThenJoin(seed, 0, false)),
      REPRODUCE,
    ).toEqual({});
  });

  // Found: one of x's flooded links (its table full, 256) does not know a joiner 20 s on, on
  // seeds 5 (p34>n1), 8 (p16>n1), 9 (p30>n2) and 10 (p16>n2). Not an eviction or a drop: with
  // every message to it instrumented (seeds 5, 8, 9), that peer never received one update about
  // the joiner. It is the gap above (no peer pulls news of a joiner), likelier at x's links,
  // whose gossip queues hold 800 sybil `alive`s ahead of the joiners'. Decision 0028's eviction
  // order holds: a full table takes an admitted joiner's `alive` when it comes. Fix: the one above.
  it('400 sybils before the joiners and 400 more after them: no full table misses a joiner', () => {
    expect(
      bySeed((seed) => floodThenJoin(seed, 400, true).filter((p) => p.endsWith('(full)'))),
      REPRODUCE,
    ).toEqual({});
  });
});
