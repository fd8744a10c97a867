// Session-16 review of decisions 0028 (relayed acks are hearsay), 0029 (own silence counts from a
// chain's second moment) and 0030 (relays that cannot try) as landed: first the residual gaps each
// record names, as tests (is the gap real, how often). Seeds 1-10, `SEED=n` reruns one. `it` where
// the defence holds (0 honest peers misled), `it.fails` where it breaks, with what was found.
// Attacks on the new rules: `review-trust-s16-attacks.test.ts`; no liar: `review-trust-s16-ordinary.test.ts`.
//
// Broke: a relay pair and its follow-up lost just before a 1.5 s freeze (0029's "two lost
// exchanges"): with a liar's ping-req spray and its lie, 38 of 38 on 3 of 10 seeds at 10 % loss;
// a hang in a room of hidden tabs only is never failed (0029); an honest peer whose path to a
// live p0 broke declares it again at every incarnation and gets flagged as a liar by p0's links.
// The last two hold since decision 0033 (session 17). Held: the 0028/0030 residual (a live p0 one of whose links is dead, with a liar's `failed`),
// the spray at 5 % loss or without the lie, and the liar timing the second moment itself.
// Attacks file: 0030's bare nacks (room of 8, sparse) and full relay jobs, 0028's memory after
// lies then a crash: held; a joiner never learned by some peers of a sparse mesh (flood or not): broke.
import { describe, expect, it, vi } from 'vitest';
import { presets, stallToleranceMs } from './config.js';
import { seededRandom } from './random.js';
import { TestNetwork } from './test-network.js';
import { ACCUSED, hideTabs, lieFailed, N, reviewSeeds, sendPingReq, sparse } from './test-sparse.js';

// Deterministic simulations over many seeds: CPU-bound (5-40 s a test on this 2-core machine,
// more beside other work); the timeout only guards against a hang, the assertions are the test.
vi.setConfig({ testTimeout: 180_000 });

const { SEEDS, REPRODUCE, bySeed } = reviewSeeds('review-trust-s16.test.ts', process.env.SEED);
const IDS = [...Array.from({ length: N - 1 }, (_, i) => `p${i}`), 'x'];

/**
 * The sparse mesh of `test-sparse.ts` (node): every datagram between p0 and its first honest link
 * `h` is lost for `deadMs` (the link stays up: a broken path, not a link-down), p0 otherwise live.
 * With `liar`, from 2 s on `x` tells every other honest peer five times, a second apart, that p0
 * failed. Returns the honest peers other than `h` that held p0 failed, and those that flagged `h`
 * as a liar, within 15 s.
 */
function brokenLink(
  seed: number,
  liar: boolean,
  deadMs: number,
): { misled: string[]; flaggedH: string[]; unflaggedX: string[] } {
  const sp = sparse(seed, presets.node);
  const net = sp.net;
  const h = [...(sp.links.get(ACCUSED) ?? [])].filter((id) => id !== 'x').sort()[0] as string;
  const t0 = net.nowMs;
  net.drop = (a, b) => net.nowMs < t0 + deadMs && ((a === h && b === ACCUSED) || (a === ACCUSED && b === h));
  const others = sp.honest.filter((o) => o !== ACCUSED && o !== h);
  net.run(t0 + 2_000);
  for (let k = 0; liar && k < 5; k++) {
    lieFailed(net, 'x', ACCUSED, others);
    net.run(net.nowMs + 1_000);
  }
  net.run(t0 + 15_000);
  return {
    misled: others.filter((o) => net.firstTransitionMs(o, ACCUSED, 'failed', t0) !== undefined),
    flaggedH: others.filter((o) => net.get(o).liars().includes(h)).map((o) => `${o}>${h}`),
    unflaggedX: [...(sp.links.get(ACCUSED) ?? [])].filter(
      (o) => o !== 'x' && o !== h && !net.get(o).liars().includes('x'),
    ),
  };
}

describe('review s16: the residual of 0028 and 0030, a live p0 one of whose links is dead (sparse, node)', () => {
  // Holds: the residual 0028 names (a live accused reached by one of P's links only, two
  // declarers: the liar and an honest peer whose own link to the accused is dead) did not happen
  // on seeds 1-10: h declares 1.7-11 s after its link died (decision 0030: its relays cannot try,
  // it waits for its own silence only), the relay checks it and `x` trigger reach p0 through its
  // other links, and p0's refutation is pushed back before any check without that relay ends.
  it("h's path to p0 dead for 15 s, x tells everyone p0 failed five times: no other honest peer fails p0", () => {
    expect(
      bySeed((seed) => brokenLink(seed, true, 15_000).misled),
      REPRODUCE,
    ).toEqual({});
  });

  it("h's path to p0 dead for 1.5 s (inside the stall tolerance), the same lie: p0 failed nowhere", () => {
    expect(
      bySeed((seed) => brokenLink(seed, true, 1_500).misled),
      REPRODUCE,
    ).toEqual({});
  });

  // Found: 1 honest peer flags the honest h as a liar on seeds 1 and 4 (no liar at all; seed 1:
  // p4 flags p22 at +12.6 s, seed 4: p26 flags p12 at +14.9 s, both links of p0). h's path to p0
  // is dead, so h declares p0 failed (rightly, from where it stands; the suspicion runs 0.5 s,
  // decision 0030: its relays cannot try, it waits for its own silence only). p0 refutes, h takes
  // the refutation (`alive-gossip`), its pings still go unanswered, and it declares again at the
  // new incarnation: every ~3 s (4-5 verdicts in 15 s). p0's other links verify each verdict, p0
  // answers them, and `checkAnswered` scores every accuser: the fourth or fifth flags h
  // (`LIAR_SCORE`), whose declarations then no longer count there (`declarersOf`): one declarer
  // fewer for a real crash next to a broken path. Fix: a peer whose own verdict about m was
  // refuted while its pings to m still go unanswered has a broken path, not a dead m: it keeps m
  // suspected and signs no new `failed` about it until m answers or the link drops (a mark on the
  // member, set by `applyAlive` over our own verdict, read by `declareFailed` in membership.ts).
  // Cost: a crash right after such a refutation is declared by m's other links only.
  // Holds since decision 0033 (that fix: `Member.ownVerdictRefutedMs`, read by `suspicionExpired`;
  // the mark is set only when the refutation reaches h through others, not from p0 itself).
  it("h's path to p0 dead for 15 s, no liar: nobody flags the honest h as a liar", () => {
    expect(
      bySeed((seed) => brokenLink(seed, false, 15_000).flaggedH),
      REPRODUCE,
    ).toEqual({});
  });

  // The leniency above is h's own (decision 0033): it signs no new verdict; how others score an
  // accuser is unchanged. A liar that re-accuses the live p0 at each new incarnation, as h did, is
  // still flagged by every honest link of p0 (each of its lies is checked there and answered).
  it("x re-accuses the live p0 at each new incarnation (h's path dead): every other honest link of p0 flags x", () => {
    expect(
      bySeed((seed) => brokenLink(seed, true, 15_000).unflaggedX),
      REPRODUCE,
    ).toEqual({});
  });
});

/** A full signed mesh of {@link IDS} (browser), run until every peer knows every other. */
function fullMesh(seed: number): TestNetwork {
  const net = new TestNetwork(seed, true);
  for (const id of IDS) net.add(id, presets.browser);
  net.fullMesh(IDS);
  net.run(10_000);
  for (const id of IDS) expect(net.get(id).peers().length, `${id} knows everyone (seed ${seed})`).toBe(N - 1);
  return net;
}

/**
 * 0029's residual, two lost exchanges: on a full signed mesh (browser) with `loss` on every link,
 * p0…p5 in turn: `x` asks every other honest peer to ping the victim (a ping-req each: a pair;
 * `pairs` of them 55 ms apart, so that `x`, not the follow-up, times the chain's second moment),
 * `gapMs` later the victim freezes for 1.5 s and, with `lie`, `x` tells every honest peer it
 * failed (three times, a second apart); 5 s per victim. Returns `observer>victim` for each honest
 * peer that held a victim failed.
 */
function sprayedFreezes(seed: number, loss: number, gapMs: number, lie: boolean, pairs = 1): string[] {
  const net = fullMesh(seed);
  const random = seededRandom(seed * 104_729);
  net.drop = () => random.next() < loss;
  net.run(net.nowMs + 3_000);
  const t0 = net.nowMs;
  const victims = ['p0', 'p1', 'p2', 'p3', 'p4', 'p5'];
  victims.forEach((victim, v) => {
    const relays = IDS.filter((id) => id !== 'x' && id !== victim);
    const start = net.nowMs;
    for (let k = 0; k < pairs; k++) {
      if (k > 0) net.run(net.nowMs + 55);
      relays.forEach((r, i) => sendPingReq(net, 'x', r, victim, (60_000 + v * 100 + k * 50 + i) & 0xffff));
    }
    net.run(start + gapMs);
    net.stalledUntil.set(victim, net.nowMs + 1_500);
    for (let k = 0; lie && k < 3; k++) {
      lieFailed(net, 'x', victim, relays);
      net.run(net.nowMs + 1_000);
    }
    net.run(start + 5_000);
  });
  net.run(net.nowMs + 10_000);
  return victims.flatMap((v) =>
    IDS.filter((o) => o !== 'x' && o !== v && net.firstTransitionMs(o, v, 'failed', t0) !== undefined).map(
      (o) => `${o}>${v}`,
    ),
  );
}

describe("review s16: 0029's residual, a relay pair and its follow-up lost before a freeze (full mesh, browser)", () => {
  it('the premise: the stall tolerance is 1.7 s (browser, N = 40): the freezes are inside it', () => {
    expect(stallToleranceMs(presets.browser, N)).toBe(1_700);
  });

  it('without the lie, the spray 270 ms before each 1.5 s freeze at 10 % loss fails nobody', () => {
    expect(
      bySeed((seed) => sprayedFreezes(seed, 0.1, 270, false)),
      REPRODUCE,
    ).toEqual({});
  });

  it('at 5 % loss, the spray 270 ms before each 1.5 s freeze and the lie fail nobody', () => {
    expect(
      bySeed((seed) => sprayedFreezes(seed, 0.05, 270, true)),
      REPRODUCE,
    ).toEqual({});
  });

  // Found: 38 of 38 honest peers on seeds 2, 7 (p0) and 8 (p1) of 10 (gap 290 ms: seeds 2 and 7).
  // Seed 2: p20 and p27 each had the pair of `x`'s ping-req to p0 (at 13,000 ms) lost and its
  // follow-up 50 ms later (`followUpAtMs`: one unstretched probe timeout, the chain's second
  // moment) lost too; the next follow-up is a period (250 ms) later, at 13,300, inside the freeze
  // that began at 13,270. Own silence counts from the second moment, 13,050: 1,700 ms at 14,750,
  // 1,480 ms into the 1.5 s freeze. The lie made them suspect; both declared at 14,750 (two honest
  // declarers), and every peer took it. The window is [tolerance - freeze, one period) after the
  // second moment: 200-250 ms for a 1.5 s freeze; per relay ~0.7 % at 10 % loss (the record's
  // figure), 38 relays × 6 freezes. Fix: in `followUpAtMs` (timers.ts) follow a chain up at
  // `probeTimeoutMsMin` spacing, not a period, until its silence is a period old, so a freeze
  // after the second moment always meets a follow-up within 50 ms (the window shrinks 5×, to
  // [1.65, 1.7) s freezes); cost: ~4 more pings per chain that outlives its second moment (≈ 1 %
  // of relay pairs at 10 % loss, every real hang). Or count from the third moment.
  // Tried in session 20 (not landed): that first fix (`followUpAtMs` at `probeTimeoutMsMin` while
  // `lastPingMs - silentSinceMs < probeIntervalMs`) closes this on seeds 1-10, but in the
  // simulator (seed 42, pulsemesh-default, N = 100) hang p50 went 1,928 → 1,996 ms against its
  // 2 s floor (p99 2,548 → 2,628 ms), lan random-32 false suspected 0.063 → 0.125 per node-hour,
  // hostile-browser --quick 0 → 1.2 per node-hour (1.6 node-hours): too close to a floor to land.
  it.fails(
    '10 % loss, the spray 270 ms before each 1.5 s freeze and the lie: nobody fails a frozen peer',
    () => {
      expect(
        bySeed((seed) => sprayedFreezes(seed, 0.1, 270, true)),
        REPRODUCE,
      ).toEqual({});
    },
  );

  // Holds (seeds 1-10): `x` times the second moment itself, a second ping-req 55 ms after the
  // first (just over `probeTimeoutMsMin`), 270 ms before each freeze. It needs both pairs lost
  // (~0.13 % per relay at 10 % loss, against ~0.7 % for a pair and its follow-up): the liar's
  // timing buys nothing over the residual above, whose odds it already chooses.
  it('x times the second moment (two ping-reqs 55 ms apart) 270 ms before each freeze, 10 % loss, the lie', () => {
    expect(
      bySeed((seed) => sprayedFreezes(seed, 0.1, 270, true, 2)),
      REPRODUCE,
    ).toEqual({});
  });
});

describe('review s16: a hang in a room of hidden tabs only (full mesh, browser, no liar)', () => {
  // Found: 0 of 39 peers hold the hung p0 failed 60 s after the hang, on seeds 1-5 (all 39
  // suspect it; seed 3: 38). Every tab is hidden (timers on a 1 s grid): pings a second apart
  // never join one chain (`chainGapMs` 550 ms, decision 0029), so no peer's own silence ever
  // counts and nobody declares; a hang is not a crash, the signaling witness does not see it. A
  // dead peer kept alive for good (the record names it: "stays suspected until a visible peer
  // declares it"). Fix: `chainGapMs` (send.ts) of a peer whose own lifecycle is hidden = its
  // timer grid (1 s) plus `probeTimeoutMsMax`, with own silence still counted from the second
  // moment, and follow-ups at its own period: that restores a hidden tab's declarations at the
  // cost the record names (two losses a second apart in a hidden tab's chain; its own silence
  // counts from a ping a grid step before a freeze, so its stall tolerance should grow by a grid
  // step too: `memberStallToleranceMs` + 1 s while this peer is hidden).
  // Holds since decision 0033 (that fix: `chainGapMs` in send.ts, `ownStallToleranceMs` in trust.ts).
  it('every peer fails a p0 hung for good within 20 s, all 40 tabs hidden', () => {
    const late: Record<number, string> = {};
    for (const seed of SEEDS.slice(0, 5)) {
      const ids = Array.from({ length: N }, (_, i) => `p${i}`);
      const net = new TestNetwork(seed, true);
      for (const id of ids) net.add(id, presets.browser);
      net.fullMesh(ids);
      hideTabs(net, ids);
      net.run(20_000);
      const t0 = net.nowMs;
      net.stalledUntil.set(ACCUSED, t0 + 120_000);
      net.run(t0 + 20_000);
      const never = ids.slice(1).filter((o) => net.firstTransitionMs(o, ACCUSED, 'failed', t0) === undefined);
      if (never.length > 0) late[seed] = `${never.length} of ${ids.length - 1} never failed it`;
    }
    expect(late, REPRODUCE).toEqual({});
  });
});
