// Session-22 review of decision 0063 §1 (one destination counts at most a quarter of an update's
// retransmit limit, `BroadcastQueue.take`) as a hostile room member attacks it. The room of
// review-s21b-budgets: victim, h1-h3 in a full signed mesh (browser preset, 1 ms links, virtual
// clock: every run is the same); dave joins linked to victim only, so h1-h3 can hear of him only
// through victim. Mallory speaks to victim under one or more ids, each message a ping that victim
// answers with an ack carrying gossip (`sendTo`).
// A held property is an `it`; a hole is an `it.fails` naming the property, with its numbers and a fix.
// Run: nice -n 19 pnpm vitest run packages/core/src/review-s22-gossip.test.ts
import { describe, expect, it } from 'vitest';
import { BroadcastQueue } from './broadcast-queue.js';
import { decode, encode, MessageType, UpdateKind, type Update } from './codec.js';
import { presets } from './config.js';
import { TestNetwork } from './test-network.js';
import type { PeerId } from './types.js';

const HONEST: PeerId[] = ['h1', 'h2', 'h3'];
const PING = encode({ type: MessageType.ping, seq: 1, updates: [], extensions: [] });

interface Outcome {
  /** Gossip (not `sync`: a roster ask's answer) victim sent h1-h3 carrying an update about dave. */
  copies: number;
  /** Acks victim sent Mallory's ids carrying an update about dave. */
  toMallory: number;
  /** When each of h1-h3 first held dave, ms after he linked to victim (Infinity: not within 10 s). */
  knownAfterMs: number[];
}

/**
 * dave links to victim at 5 s; `ids` (Mallory's) each send victim one ping every `everyMs` from
 * then on. `linked`: each id is a member linked to victim (a real link, a seat in its table);
 * otherwise the ids are nobody victim knows (no link, no member record: `messagesFromUnknown`).
 */
function daveJoins(ids: readonly PeerId[], everyMs: number, linked: boolean): Outcome {
  const net = new TestNetwork(7, true);
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
      for (const id of ids) net.apply('victim', victim.receive(id, PING, t));
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
  return { copies, toMallory, knownAfterMs: HONEST.map((h) => knownAtMs.get(h) ?? Infinity) };
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

  // HOLE (0063's Consequences name k >= 4 ids; in a signed room 3 do it, at a tenth of the pace):
  // victim's share per destination is 1 of dave's 4 transmissions (4 x ceil(log10(N + 1)) = 4
  // while victim holds fewer than 9 others; at 9 or more it is 8 and the share 2, still a
  // quarter), and dave's own signed alive reaches victim from dave, so dave is a holder whose
  // first skip counts one more. Measured (ids
  // linked to victim, each a healthy member, one ping each every 100 ms, i.e. 10/s, a twentieth
  // of the 190/s ping budget): 3 ids: 0 gossip copies of dave to h1-h3, 3 acks to Mallory's ids
  // carried him (one each), and h1-h3 learned of dave only from roster asks' answers (syncs) at
  // [5,400, 5,550, 5,400] ms, against [400, 300, 400] ms without a flood (3 gossip copies); the
  // same at one ping per id every 5, 10, 20 or 50 ms and with 4 ids. 2 ids: 1 gossip copy, known
  // after [650, 300, 550] ms. Without a signaling roster (no roster asks) nothing would recover
  // it. Each id costs Mallory one link, one seat and one signaling join.
  // Fix: count a transmission only on a send this peer chose (a probe, a ping-req, a push: the
  // sends SWIM's λ·log N copies are meant for) and let a reply to a member's message (an ack, a
  // nack, a relayed ack) ride `free`, as a witnessed check's ping does (decision 0045). 0063
  // turned that down for being per message kind, but the reply is the one kind whose rate a
  // member sets; or count a holder's first skip only when this peer chose the send.
  it.fails("3 linked ids at 10 pings/s each do not keep dave's join from h1-h3 for 2 s", () => {
    expectSpread('3 linked ids, 10 pings/s each', daveJoins(ids(3), 100, true));
  });

  // HOLE (not in 0063, whose "each needs a link" is the transport's rule, not the queue's): victim
  // answers a ping from an id it holds no record of (`messagesFromUnknown`: an unseated link of a
  // full table, a reaped member that still talks) with an ack that carries gossip, and `take`
  // counts that transmission for the id, although it is not one of victim's links (`reach`).
  // Measured: 3 ids victim has no link to and no record of, one ping each every 100 ms: 0 gossip
  // copies to h1-h3, 3 acks to those ids carried dave, h1-h3 knew him only from roster asks at
  // [5,400, 5,550, 5,400] ms: the linked case without a seat. Over WebRTC an id needs a data
  // channel, but a link the full table refused (decision 0069's `unseated`) is such an id.
  // Fix: a reply to a sender that is not a member piggybacks nothing (or rides `free`): it holds
  // no seat here, so nothing it is told is worth a transmission owed to the room.
  it.fails('3 ids victim holds no record of (10 pings/s each) do not keep dave from h1-h3 for 2 s', () => {
    expectSpread('3 unknown ids, 10 pings/s each', daveJoins(ids(3, 'nobody'), 100, false));
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
