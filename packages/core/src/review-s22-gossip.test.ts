// Session-22 review of decision 0063 §1 (one destination counts at most a quarter of an update's
// retransmit limit, `BroadcastQueue.take`) as a hostile room member attacks it. The room of
// review-s21b-budgets: victim, h1-h3 in a full signed mesh (browser preset, 1 ms links, virtual
// clock: every run is the same); dave joins linked to victim only, so h1-h3 can hear of him only
// through victim. Mallory speaks to victim under one or more ids, each message a ping that victim
// answers with an ack carrying gossip (`sendTo`).
// A held property is an `it`; a hole is an `it.fails` naming the property, with its numbers and a fix.
// Both holes are closed by decision 0070 (all replies together count as one destination).
// Run: nice -n 19 pnpm vitest run packages/core/src/review-s22-gossip.test.ts
import { describe, expect, it } from 'vitest';
import { BroadcastQueue } from './broadcast-queue.js';
import { decode, encode, MessageType, UpdateKind, type Update } from './codec.js';
import { presets } from './config.js';
import { TestNetwork } from './test-network.js';
import type { PeerId } from './types.js';

const HONEST: PeerId[] = ['h1', 'h2', 'h3'];
const PING = encode({ type: MessageType.ping, seq: 1, updates: [], extensions: [] });
const pingReq = (seq: number, target: PeerId): Uint8Array =>
  encode({ type: MessageType.pingReq, seq: seq & 0xffff, target, updates: [], extensions: [] });

interface Outcome {
  /** Gossip (not `sync`: a roster ask's answer) victim sent h1-h3 carrying an update about dave. */
  copies: number;
  /** Acks victim sent Mallory's ids carrying an update about dave. */
  toMallory: number;
  /** When each of h1-h3 first held dave, ms after he linked to victim (Infinity: not within 10 s). */
  knownAfterMs: number[];
  /** Mallory's ids. */
  ids: number;
}

/**
 * dave links to victim at 5 s; `ids` (Mallory's) each send victim one ping every `everyMs` from
 * then on. `linked`: each id is a member linked to victim (a real link, a seat in its table);
 * otherwise the ids are nobody victim knows (no link, no member record: `messagesFromUnknown`).
 * `relayTo`: with each ping, each id also sends a ping-req naming each of these (but itself), so
 * victim's relay jobs ping them: sends the ids ask for, to destinations they choose.
 */
function daveJoins(
  ids: readonly PeerId[],
  everyMs: number,
  linked: boolean,
  relayTo: readonly PeerId[] = [],
  seed = 7,
): Outcome {
  const net = new TestNetwork(seed, true);
  for (const id of ['victim', ...HONEST]) net.add(id, presets.browser);
  net.fullMesh(['victim', ...HONEST]);
  net.add('dave', presets.browser);
  for (const id of ids) {
    if (!linked) continue;
    net.add(id, presets.browser);
    net.link('victim', id);
  }
  net.recordSends = true;
  net.run(5_000);
  net.link('victim', 'dave');
  const victim = net.get('victim');
  const knownAtMs = new Map<PeerId, number>();
  for (let t = 5_000; t <= 15_000; t += 1) {
    if (ids.length > 0 && t % everyMs === 0)
      for (const id of ids) {
        net.apply('victim', victim.receive(id, PING, t));
        for (const target of relayTo)
          if (target !== id) net.apply('victim', victim.receive(id, pingReq(t, target), t));
      }
    net.run(t);
    if (t % 50 === 0)
      for (const h of HONEST)
        if (!knownAtMs.has(h) && net.get(h).peer('dave') !== undefined) knownAtMs.set(h, t - 5_000);
  }
  let copies = 0;
  let toMallory = 0;
  for (const s of net.sent) {
    if (s.from !== 'victim') continue;
    const d = decode(s.bytes);
    if (!d.ok || !d.message.updates.some((u) => u.peer === 'dave')) continue;
    if (HONEST.includes(s.to)) copies += d.message.type === MessageType.sync ? 0 : 1;
    else if (ids.includes(s.to)) toMallory += 1;
  }
  return {
    copies,
    toMallory,
    knownAfterMs: HONEST.map((h) => knownAtMs.get(h) ?? Infinity),
    ids: ids.length,
  };
}

const ids = (k: number, prefix = 'mallory'): PeerId[] => Array.from({ length: k }, (_, i) => `${prefix}${i}`);

function show(label: string, r: Outcome): string {
  return (
    `${label}: ${r.copies} copies to h1-h3, ${r.toMallory} to Mallory's ids, ` +
    `known after ${JSON.stringify(r.knownAfterMs.map((x) => (Number.isFinite(x) ? x : null)))} ms`
  );
}

/** Logs `r` and asserts that victim's gossip told h1-h3 of dave and all three knew him within 2 s. */
function expectSpread(label: string, r: Outcome): void {
  console.log(show(label, r));
  expect(r.copies).toBeGreaterThan(0);
  expect(Math.max(...r.knownAfterMs)).toBeLessThanOrEqual(2_000);
}

describe("decision 0063 §1: what one hostile member can spend of an update's retransmissions", () => {
  it('control: without a flood victim tells h1-h3 of dave and all three know him within 2 s', () => {
    expectSpread('no flood', daveJoins([], 1, true));
  });

  // Held: one id, however fast it makes victim answer (a ping a millisecond: 1,000/s, past any
  // ping budget the transport would let through), counts one of dave's 4 transmissions.
  it('one linked id answered 1,000 times a second does not keep dave from h1-h3', () => {
    expectSpread('1 linked id, 1,000 pings/s', daveJoins(ids(1), 1, true));
  });

  // Was a HOLE (0063's Consequences named k >= 4 ids; in a signed room 3 did it, at a tenth of the
  // pace): victim's share per destination is 1 of dave's 4 transmissions (4 x ceil(log10(N + 1))
  // = 4 while victim holds fewer than 9 others; at 9 or more it is 8 and the share 2, still a
  // quarter), and dave's own signed alive reaches victim from dave, so dave is a holder whose
  // first skip counted one more. Measured before decision 0070 (ids linked to victim, each a
  // healthy member, one ping each every 100 ms, i.e. 10/s, a twentieth of the 190/s ping budget):
  // 3 ids: 0 gossip copies of dave to h1-h3, 3 acks to Mallory's ids carried him (one each), and
  // h1-h3 learned of dave only from roster asks' answers (syncs) at [5,400, 5,550, 5,400] ms,
  // against [400, 300, 400] ms without a flood (3 gossip copies); the same at one ping per id
  // every 5, 10, 20 or 50 ms and with 4 ids. Decision 0070: replies (an ack, a nack, a relayed
  // ack, a relay job's ping: sends another peer asked for) together count at most one
  // destination's share (1 of dave's 4), however many ids ask; past it their copies ride along
  // `free`, as a witnessed check's do (0045): sent, noting their holder, spending nothing. The
  // other three quarters go out on sends victim chose. Now: 3 gossip copies to h1-h3, known
  // after [400, 300, 400] ms, as without the flood; each id still gets dave once (below).
  it("3 linked ids at 10 pings/s each do not keep dave's join from h1-h3 for 2 s", () => {
    expectSpread('3 linked ids, 10 pings/s each', daveJoins(ids(3), 100, true));
  });

  // Was a HOLE (not in 0063, whose "each needs a link" is the transport's rule, not the queue's):
  // victim answers a ping from an id it holds no record of (`messagesFromUnknown`: an unseated
  // link of a full table, a reaped member that still talks) with an ack that carries gossip, and
  // `take` counted that transmission for the id, although it is not one of victim's links
  // (`reach`). Measured before decision 0070: 3 ids victim has no link to and no record of, one
  // ping each every 100 ms: 0 gossip copies to h1-h3, 3 acks to those ids carried dave, h1-h3 knew
  // him only from roster asks at [5,400, 5,550, 5,400] ms. Decision 0070: that ack is a reply, so
  // it counts within the replies' one share like any other; it still carries gossip (an unseated
  // honest link learns the room's news from it, as from the `sync` it is served). Now 3 copies,
  // [400, 300, 400] ms.
  it('3 ids victim holds no record of (10 pings/s each) do not keep dave from h1-h3 for 2 s', () => {
    expectSpread('3 unknown ids, 10 pings/s each', daveJoins(ids(3, 'nobody'), 100, false));
  });

  // Held (the bound decision 0070 relies on): a reply riding free is not an unbounded one. A copy sent
  // notes its destination as a holder, so however often an id makes victim answer it, it gets
  // each update once (until 48 others hold it, `HOLDERS_MAX`); the number of answers is the
  // transport's ping budget (190/s a member, decision 0050) and the stranger budget (0056).
  it('ids answered 1,000 times a second each get dave once, linked or not', () => {
    for (const [label, r] of [
      ['1 linked id, 1,000 pings/s', daveJoins(ids(1), 1, true)],
      ['3 linked ids, 1,000 pings/s each', daveJoins(ids(3), 1, true)],
      ['3 unknown ids, 1,000 pings/s each', daveJoins(ids(3, 'nobody'), 1, false)],
    ] as const) {
      expectSpread(label, r);
      expect(r.toMallory).toBe(r.ids);
    }
  });

  // Held (decision 0070): a relay job's ping is a send its requester asks for, to a target it
  // names, so it counts as a reply does (within the replies' half). 3 linked ids that each ping
  // victim 10 times a second and ask it, with each ping, to relay to the other two and to dave (a
  // target a relay ping reaches counts one of its share; dave's first skip counts one more).
  it("3 linked ids that make victim relay to each other and to dave do not keep dave's join from h1-h3", () => {
    const mallory = ids(3);
    expectSpread(
      '3 linked ids, 10 pings and ping-reqs/s',
      daveJoins(mallory, 100, true, [...mallory, 'dave']),
    );
  });

  // Held (decision 0070), and not by the luck of one seed: victim's probes of Mallory's ids are
  // sends it chose, each of which counts, so which ids its rotation visits first decides. With
  // replies sharing one destination's share (1 of dave's 4), 3 or 4 linked ids at 10 pings/s keep
  // dave from h1-h3 past 2 s on none of seeds 1-30. Measured with replies sharing half the limit
  // instead: 4 and 5 of 30 seeds; before 0070: 26 and 25 of 30.
  it('3 or 4 linked ids at 10 pings/s each keep dave from h1-h3 past 2 s on none of 30 seeds', () => {
    const late: string[] = [];
    for (const k of [3, 4])
      for (let seed = 1; seed <= 30; seed++) {
        const r = daveJoins(ids(k), 100, true, [], seed);
        if (r.copies === 0 || Math.max(...r.knownAfterMs) > 2_000)
          late.push(`${k} ids, seed ${seed}: ${show('', r)}`);
      }
    expect(late).toEqual([]);
  });

  // Held: 2 linked ids (plus dave's own holder skip) leave a copy for the room.
  it("2 linked ids at 10 pings/s each leave dave's join a gossip copy to h1-h3", () => {
    expectSpread('2 linked ids, 10 pings/s each', daveJoins(ids(2), 100, true));
  });

  // Held: what 0063 remembers per update is bounded (`counted` at most the limit, `holders` at
  // most 48), and one destination never counts more than its share however often it is answered.
  it('per-destination counts stay bounded: 10,000 takes by one id, then 10,000 ids', () => {
    const q = new BroadcastQueue(256);
    const alive = (peer: string): Update => ({
      kind: UpdateKind.alive,
      peer,
      incarnation: 0,
      from: undefined,
    });
    for (let i = 0; i < 256; i++) q.push(alive(`p${i}`));
    for (let i = 0; i < 10_000; i++) q.take('mallory', 16_384, 16);
    expect(q.size).toBe(256); // 4 of 16 counted each: nothing retired by one destination
    const entries = (q as unknown as { list: { counted: string[]; holders: string[] }[] }).list;
    expect(Math.max(...entries.map((e) => e.counted.length))).toBe(4);
    for (let i = 0; i < 10_000 && q.size > 0; i++) {
      q.take(`sybil${i}`, 16_384, 16);
      for (const e of entries) {
        expect(e.counted.length).toBeLessThanOrEqual(16);
        expect(e.holders.length).toBeLessThanOrEqual(48);
      }
    }
    expect(q.size).toBe(0);
  });
});
