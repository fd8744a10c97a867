// Session-17 review of decisions 0033 (a refuted verdict over a dead path is held, not signed
// again; a hidden tab's chains) and 0034 (roster asks), and of the bare `sync-req` 0034 kept, by
// a lying or flooding member (0031's attacks: review-trust-s17-ahead.test.ts). Seeds 1-10
// (`SEED=n` reruns one). `it` where the defence holds, `it.fails` where it breaks (the comment
// names the hole, the numbers and a proposed fix).
import { describe, expect, it, vi } from 'vitest';
import { decode, encode, MessageType, UpdateKind } from './codec.js';
import { wantedExtension } from './roster-asks.js';
import { presets } from './config.js';
import { signUpdate } from './signed-update.js';
import { TestNetwork } from './test-network.js';
import { testTrust } from './test-trust.js';
import { ACCUSED, foundBySeed, fullMesh, hideTabs, lieFailed, reviewSeeds, sparse } from './test-sparse.js';

// Deterministic simulations over many seeds: CPU-bound; the timeout only guards against a hang.
vi.setConfig({ testTimeout: 180_000 });

const { SEEDS, REPRODUCE, bySeed } = reviewSeeds('review-trust-s17.test.ts', process.env.SEED);

const ROOM = [...Array.from({ length: 7 }, (_, i) => `p${i}`), 'x'];
const HONEST = ROOM.filter((id) => id !== 'x' && id !== ACCUSED);

/** How soon after the lie every honest peer fails p0 again (seeds 1-10: 0.3-3.0 s). */
const REFAIL_MS = 5_000;
/** Holds the lie set off (`verdictsHeldForPath`, summed): the premise. */
let held = 0;

/**
 * Room of 8 (browser, full signed mesh) or the sparse mesh of `test-sparse.ts` (node, 40 peers).
 * `x` suspects p0 to p0 alone; p0 refutes (its incarnation k + 1, signed) and crashes at once, its
 * refutation reaching `x` only (it went to `x` first). `x` keeps that genuine `alive` at k + 1
 * and, once `afterFailed` honest peers hold p0 failed at k, hands it to every honest peer: each
 * own `failed` at k is "refuted through others" (0033), so that peer holds p0 `suspected` until it
 * hears p0 first-hand, which a crashed p0 never gives. Returns the honest peers that do not fail
 * p0 again within {@link REFAIL_MS} of the lie. Not every honest peer signed its own verdict (some
 * took two declarers' first): room seeds 1-10, 1-4 of 6 held (`verdictsHeldForPath`).
 */
function heldCrash(seed: number, afterFailed: number | 'all', where: 'room' | 'sparse' = 'room'): string[] {
  const net = where === 'room' ? fullMesh(seed, ROOM) : sparse(seed, presets.node, ['x']).net;
  const honest = [...net.detectors.keys()].filter((id) => id !== 'x' && id !== ACCUSED);
  const enough = afterFailed === 'all' ? honest.length : afterFailed;
  const k = net.get(ACCUSED).localIncarnation();
  const suspect = signUpdate(testTrust('x'), {
    kind: UpdateKind.suspect,
    peer: ACCUSED,
    incarnation: k,
    from: 'x',
  });
  net
    .get(ACCUSED)
    .receive('x', encode({ type: MessageType.sync, seq: 1, updates: [suspect], extensions: [] }), net.nowMs);
  const refuted = net.get(ACCUSED).localIncarnation();
  expect(refuted, 'the premise: p0 refuted').toBe(k + 1);
  net.crashed.add(ACCUSED); // its sends after the refutation are lost with it
  const alive = signUpdate(testTrust(ACCUSED), {
    kind: UpdateKind.alive,
    peer: ACCUSED,
    incarnation: refuted,
    from: undefined,
  });
  const t0 = net.nowMs;
  let told = false;
  let tTold = 0;
  for (let t = t0; t <= t0 + 30_000; t += 100) {
    net.run(t);
    if (told) continue;
    const failed = honest.filter((o) => net.verdictOf(o, ACCUSED) === 'failed');
    if (failed.length < enough && t < t0 + 20_000) continue;
    for (const o of honest) net.say('x', o, [alive]);
    told = true;
    tTold = t;
  }
  held += honest.reduce((sum, o) => sum + net.get(o).stats().verdictsHeldForPath, 0);
  return honest.flatMap((o) => {
    const at = net.firstTransitionMs(o, ACCUSED, 'failed', tTold + 1);
    if (at === undefined) return [`${o}:${String(net.verdictOf(o, ACCUSED))}`];
    return at - tTold > REFAIL_MS ? [`${o}:late ${at - tTold}ms`] : [];
  });
}

describe("review s17: a liar sets off 0033's hold on purpose with a crashed peer's own refutation", () => {
  for (const [when, after] of [
    ['2 honest peers', 2],
    ['all 6 honest peers', 'all'],
  ] as const)
    it(`x hands over p0's alive at k + 1 once ${when} failed p0: every honest peer fails p0 again within 5 s`, () => {
      held = 0;
      expect(
        bySeed((seed) => heldCrash(seed, after)),
        REPRODUCE,
      ).toEqual({});
      expect(held, 'the premise: the lie set off holds').toBeGreaterThan(0);
    });
  // Holds: the sparse mesh (node, 40 peers, degree <= 6), where only p0's own links ping it and so
  // declare: once all 38 honest peers failed p0, x hands each p0's alive at k + 1 (the alive is
  // genuine, so honest gossip would carry it too): the held links do not declare again, yet every
  // honest peer fails p0 again within 5 s. Seeds 1-5 here (~1.5 s each at nice 19); seeds 1-10 held too
  // (110 holds in all).
  it("sparse mesh: x hands over p0's alive at k + 1 once every honest peer failed p0: all fail p0 again within 5 s", () => {
    held = 0;
    expect(
      foundBySeed((seed) => heldCrash(seed, 'all', 'sparse'), SEEDS.slice(0, 5)),
      REPRODUCE,
    ).toEqual({});
    expect(held, 'the premise: the lie set off holds').toBeGreaterThan(0);
  });
});

describe('review s17: roster asks (0034) asked by a flooding member', () => {
  /** `x`'s ask of `ids` to p1 at `atMs`; the updates p1 sent back and the bytes both ways. */
  function askOf(ids: string[]): { answered: number; askBytes: number; answerBytes: number } {
    const net = fullMesh(1, ROOM);
    net.recordSends = true;
    const t0 = net.nowMs;
    const bytes = encode({
      type: MessageType.syncRequest,
      seq: 1,
      updates: [],
      extensions: [wantedExtension(ids)],
    });
    net.apply('p1', net.get('p1').receive('x', bytes, t0));
    const answers = net.sent.filter((s) => s.from === 'p1' && s.to === 'x' && s.atMs === t0);
    const answered = answers.reduce((sum, s) => {
      const r = decode(s.bytes);
      return sum + (r.ok && r.message.type === MessageType.sync ? r.message.updates.length : 0);
    }, 0);
    const answerBytes = answers.reduce((sum, s) => sum + s.bytes.length, 0);
    return { answered, askBytes: bytes.length, answerBytes };
  }

  // Holds (the premise of the next): an ask naming the 5 other honest members gets their 5 records
  // (seed 1: a 24-byte ask, 511 bytes back), to the asker only, once a second (roster-asks.test.ts).
  it('an ask naming 5 distinct members is answered with their 5 records', () => {
    const r = askOf(HONEST.filter((id) => id !== 'p1'));
    expect(r.answered).toBe(HONEST.length - 1);
  });

  // Closed (session 18, 0034 amended): `answerWanted` answers each id once and counts each repeat
  // in `rosterAsksRejected` (roster-asks.test.ts). Was (session 17): `readWanted` did not refuse a
  // repeated id, so an ask naming p2
  // sixteen times is answered with sixteen copies of p2's signed record, every second, on every
  // link of the liar: 16 records for what 1 buys (seed 1: a 57-byte ask, 1,622 bytes back, 28x;
  // one copy is ~100 bytes). Bounded (one answer a second a requester,
  // back to the asker only), so no third peer is hit; a waste, not a verdict. Proposed fix: answer
  // each id once (a `Set` in `answerWanted`), or count a repeated id as a malformed extension.
  it('an ask naming one member 16 times is answered with its record once', () => {
    const r = askOf(Array.from({ length: 16 }, () => 'p2'));
    expect(r.answered).toBe(1);
  });
});

describe('review s17: roster asks (0034) starved by roster sybils that never link', () => {
  /** 0034's asks take ~20 s (its "limit"): a joiner missed that long is learned by asking or not. */
  const JOINER_ASKED_MS = 20_000;

  /**
   * a and b linked (signed, browser); `ghosts` roster ids nobody holds (a flooder's sybils in the
   * signaling room, never linked: crashed at once), then the joiner j, linked to b only. b's
   * gossip of j to a is lost (every message b sends a naming j, but a `sync`: an answer gets
   * through). When a first holds j (ms after j joined), or undefined within 60 s.
   */
  function learnsJoinerMs(seed: number, ghosts: number, after = 0): number | undefined {
    const net = new TestNetwork(seed, true);
    for (const id of ['a', 'b']) net.add(id, presets.browser);
    net.link('a', 'b');
    net.run(5_000);
    const ghost = (i: number): void => {
      net.add(`g${i}`, presets.browser);
      net.crashed.add(`g${i}`);
    };
    for (let i = 0; i < ghosts; i++) ghost(i);
    net.add('j', presets.browser);
    for (let i = ghosts; i < ghosts + after; i++) ghost(i);
    net.link('j', 'b');
    const t0 = net.nowMs;
    net.drop = (from, to, bytes) => {
      if (from !== 'b' || to !== 'a' || bytes === undefined) return false;
      const r = decode(bytes);
      return r.ok && r.message.type !== MessageType.sync && r.message.updates.some((u) => u.peer === 'j');
    };
    for (let t = t0; t <= t0 + 60_000; t += 500) {
      net.run(t);
      if (net.get('a').peer('j') !== undefined) return t - t0;
    }
    return undefined;
  }

  const lateOrNever =
    (ghosts: number, after = 0) =>
    (seed: number): string[] => {
      const ms = learnsJoinerMs(seed, ghosts, after);
      return ms !== undefined && ms <= JOINER_ASKED_MS ? [] : [`a learns j at ${String(ms)} ms`];
    };

  // Holds (the premise): without sybils a learns j by asking b (seeds 1-3: 5.5-6 s).
  it('no roster sybils: a learns j within 20 s of its joining', () => {
    expect(bySeed(lateOrNever(0)), REPRODUCE).toEqual({});
  });

  // Closed (session 18, 0034 amended): every missing id a scan finds (at most 64) is asked about
  // before the next scan, 16 an ask, asks 1.25 s apart, so neither the roster's order nor sybils
  // ahead of j delay it much. Seeds 1-10: 48 sybils before j 10-10.5 s, after j 5.5-6 s (as
  // with none), 24 before and 24 after 7-7.5 s. Seen, not asserted (a roster above 64 ids takes
  // more than one scan a pass, and a member is asked about in the second pass that finds it:
  // 0034's limit): 100 sybils before j 19.5-20 s, after 10.5-11 s; 200 before 37-37.5 s; 1,000
  // not within 60 s.
  // Was (session 17): an ask names the first 16 missing roster ids in roster order, and
  // each is asked about 3 times; sybils a flooder put on the signaling roster ahead of j (never
  // linked, so no one holds them) fill every ask until their asks run out. Seeds 1-10, 48
  // sybils: j learned at 51-53 s (without: 5.5-6 s, seeds 1-3); seed 1: 16 sybils -> 21 s, 60
  // -> 51.5 s, 100 or 1,000 -> not within 60 s. Past the asks' ~20 s window (0034's limit) a
  // missed joiner stays unknown: never probed or counted. Not a verdict, but input from the room
  // undoes the repair. Proposed fix: fill an ask newest-listed first and from a rotating offset
  // in the missing set, so k sybils cannot hold the 16 slots for 3k/16 scans.
  it('48 roster sybils listed before j: a learns j within 20 s of its joining', () => {
    expect(bySeed(lateOrNever(48)), REPRODUCE).toEqual({});
  });
  it('48 roster sybils listed after j: a learns j within 20 s of its joining', () => {
    expect(bySeed(lateOrNever(0, 48)), REPRODUCE).toEqual({});
  });
  it('24 roster sybils listed before j and 24 after: a learns j within 20 s of its joining', () => {
    expect(bySeed(lateOrNever(24, 24)), REPRODUCE).toEqual({});
  });
});

describe('review s17: a liar in a room of hidden tabs (0033 rule 2)', () => {
  /**
   * Room of 8 (browser), the 7 honest tabs hidden (timers on a 1 s grid, chains over 2.25 s), `x`
   * visible. p1 freezes `freezeMs`; as it starts and twice more a second apart, `x` tells every
   * honest tab its signed `failed` and `suspect` of p1 (the first `lies` times). The honest tabs that
   * held p1 failed.
   */
  function hiddenLie(seed: number, freezeMs: number, lies = 3): string[] {
    const net = fullMesh(seed, ROOM);
    const honest = ROOM.filter((id) => id !== 'x' && id !== 'p1');
    hideTabs(
      net,
      ROOM.filter((id) => id !== 'x'),
    );
    net.run(net.nowMs + 10_000);
    const t0 = net.nowMs;
    net.stalledUntil.set('p1', t0 + freezeMs);
    for (let k = 0; k < 3; k++) {
      net.run(t0 + k * 1_000);
      if (k < lies) lieFailed(net, 'x', 'p1', honest);
    }
    net.run(t0 + 20_000);
    return honest.filter((o) => net.firstTransitionMs(o, 'p1', 'failed', t0) !== undefined);
  }
  // Holds: through a 3.5 s freeze (a 4 s one is failed by 1 honest tab on seed 4 with no liar at
  // all: the hidden tabs' own tolerance), x's three lies fail p1 at no hidden tab, seeds 1-10.
  // Seen, not asserted (the trust model's limit, decision 0012: x and one honest tab whose own
  // silence ran out are two declarers): a 5 s freeze is failed by 0-6 of 6 tabs without the lie
  // (seed 9: 0) and by 5-6 of 6 with it.
  it('all 7 honest tabs hidden, p1 freezes 3.5 s, x signs failed of p1 thrice to each: p1 failed nowhere', () => {
    expect(
      bySeed((seed) => hiddenLie(seed, 3_500)),
      REPRODUCE,
    ).toEqual({});
  });
  // Holds, and the premise of the one above (no liar, the same freeze: nothing).
  it('the same without the lie: p1 failed nowhere', () => {
    expect(
      bySeed((seed) => hiddenLie(seed, 3_500, 0)),
      REPRODUCE,
    ).toEqual({});
  });
});

describe('review s17: bare sync requests from a sender no table holds (amplification)', () => {
  /** p1 is sent 100 bare `sync-req`s 10 ms apart by `from`: the messages and bytes it answers with. */
  function flood(from: string): { messages: number; bytes: number; askBytes: number } {
    const net = fullMesh(1, ROOM);
    net.recordSends = true;
    const t0 = net.nowMs;
    const bare = encode({ type: MessageType.syncRequest, seq: 1, updates: [], extensions: [] });
    for (let i = 0; i < 100; i++) net.apply('p1', net.get('p1').receive(from, bare, t0 + i * 10));
    const out = net.sent.filter((s) => s.from === 'p1' && s.to === from && s.atMs >= t0);
    return {
      messages: out.length,
      bytes: out.reduce((sum, s) => sum + s.bytes.length, 0),
      askBytes: bare.length,
    };
  }

  // Holds: a member asking 100 times in 1 s is served one table (`SYNC_SERVE_GAP_MS`).
  it('a member flooding 100 bare sync-reqs in 1 s is answered once', () => {
    expect(flood('x').messages).toBe(1);
  });

  // Closed (session 18, 0034 amended): a requester with no record here is served once per
  // `SYNC_SERVE_GAP_MS` too (a map by id, at most 64 such ids within the gap), the refusals counted
  // in `syncRequestsRefused` (roster-asks.test.ts). Was (session 17):
  // HOLE (`sendSync`, send.ts, older than this session; 0034 kept "a bare sync-req still gets the
  // full table"): the serve gap is kept on the requester's `Member`, so a sender this peer holds no record
  // of (the test's `zz`; e.g. one reaped after its `failed` or `left` that keeps sending over its
  // link) is served the whole table at every request. Seed 1, room of 8: 100 five-byte requests in 1 s -> 100 answers,
  // 81,300 bytes (~163x; the table is 8 records here, the answer grows with it). Only the
  // asker receives it (no reflection), but each costs the answerer a full table walk and its
  // uplink. Proposed fix: rate-limit unknown requesters too (a bounded map of last-served times
  // by link id, or one table a `SYNC_SERVE_GAP_MS` for all unknown senders together).
  it('a sender no table holds flooding 100 bare sync-reqs in 1 s is answered at most twice', () => {
    expect(flood('zz').messages).toBeLessThanOrEqual(2);
  });
});
