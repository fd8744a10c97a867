/**
 * Review (session 18) of the signaling witness (decision 0013, issue 13) on ONE server: what a
 * member of a room, or anyone who reaches the server, can make the server say about ANOTHER peer's
 * session. Real server on port 0, real `ws` sockets on loopback. A held property is an `it`; a hole
 * is an `it.fails` naming the hole, its numbers and a proposed fix. Scale-out (real redis-server):
 * `review-witness-s18-redis.test.ts`; the detector's side: core's `review-witness-s18.test.ts`.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { ErrorCode, parseClientMessage } from '@pulsemesh/signal';
import type { SignalClient } from '@pulsemesh/signal';
import { RejectReason } from './server/metrics.js';
import {
  joinFrame,
  joined,
  next,
  nextFrame,
  recordEnds,
  testHarness,
  until,
  type Running,
} from './test-support.js';

const seed = Number(process.env.SEED ?? Math.floor(Math.random() * 2 ** 31));
console.log(`review-witness-s18.test SEED=${seed}`);
const reproduce = `SEED=${seed} node_modules/.bin/vitest run packages/signal-server/src/review-witness-s18.test.ts`;

const { server, client, raw, rejections } = testHarness();
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
/** Sum of the server's rejection counter over every reason. */
async function rejectedTotal(r: Running): Promise<number> {
  let total = 0;
  for (const reason of Object.values(RejectReason)) total += await rejections(r, reason);
  return total;
}
/** A raw socket joined as `peer`, once the watcher `w` heard of it (its session is then `w`'s latest). */
async function rawMember(
  r: Running,
  w: SignalClient,
  peer: string,
  claim = peer.padEnd(16, '_'),
): Promise<WebSocket> {
  const ws = await raw(r.url);
  const seen = next(w, 'peer-join', (e) => e.detail.peer === peer);
  ws.send(joinFrame(peer, claim));
  await seen;
  return ws;
}

/** A server (`options`) with p and w joined by clients, w's ends recorded, and m on a raw socket. */
async function roomWithMember(options: Parameters<typeof server>[0] = {}) {
  const r = await server(options);
  const p = client(r.url, 'room', 'p');
  const w = client(r.url, 'room', 'w');
  await joined(p);
  await joined(w);
  const ends = recordEnds(w);
  const m = await rawMember(r, w, 'm');
  return { r, p, w, ends, m };
}

/**
 * From each of `sockets`, a join of a fresh id (`idOf(i)`) and a leave every 40 ms on average (50
 * frames/s: the default limit) for `ms`.
 */
async function joinFlood(sockets: WebSocket[], ms: number, idOf: (i: number) => string): Promise<void> {
  const startMs = Date.now();
  let i = 0;
  for (let pairs = 0; Date.now() - startMs < ms; await sleep(10)) {
    for (; pairs <= (Date.now() - startMs) / 40; pairs++) {
      for (const ws of sockets) {
        ws.send(joinFrame(idOf(i++), 's'.repeat(16)));
        ws.send(JSON.stringify({ v: 1, t: 2, room: 'room' }));
      }
    }
  }
}

describe('a member cannot make the server end another peer session (one server)', () => {
  it('taking, leaving for, forging or relaying an end of p: refused and counted, p never reported', async () => {
    const { r, p, w, ends, m } = await roomWithMember();
    const frames: Record<string, unknown>[] = [];
    m.on('message', (d) => frames.push(JSON.parse(String(d)) as Record<string, unknown>));
    // Its own socket, as p; a second socket, as p with a guessed claim; a leave of a room it is not
    // in; a server frame (session-ended, peer-leave) about p; a session-ended relayed to p.
    m.send(joinFrame('p', 'guess'.repeat(4)));
    const thief = await raw(r.url);
    const refused = nextFrame(thief);
    thief.send(joinFrame('p', 'guess'.repeat(4)));
    expect(await refused).toMatchObject({ t: 10, code: ErrorCode.peerIdTaken });
    thief.terminate();
    m.send(JSON.stringify({ v: 1, t: 2, room: 'elsewhere' }));
    m.send(JSON.stringify({ v: 1, t: 11, room: 'room', peer: 'p', session: 'x', kind: 'closed-by-peer' }));
    m.send(JSON.stringify({ v: 1, t: 8, room: 'room', peer: 'p' }));
    const relayed = next(p, 'signal');
    const forged = { v: 1, t: 11, room: 'room', peer: 'w', session: 'x', kind: 'closed-by-peer' };
    m.send(JSON.stringify({ v: 1, t: 3, room: 'room', to: 'p', payload: forged }));
    expect((await relayed).detail).toEqual({ from: 'm', payload: forged });
    await until(() => frames.length >= 4, 3_000, 'four errors back');
    expect(frames.map((f) => f['code'])).toEqual([
      ErrorCode.peerIdTaken,
      ErrorCode.notInRoom,
      ErrorCode.malformed,
      ErrorCode.malformed,
    ]);
    expect(await rejections(r, RejectReason.peerIdTaken)).toBe(2);
    expect(await rejections(r, RejectReason.malformed)).toBe(2);
    expect(await rejections(r, RejectReason.notInRoom)).toBe(1);
    // Its own end is the only one the room hears, and p's client is still joined.
    const own = next(w, 'session-ended', (e) => e.detail.peer === 'm');
    m.terminate();
    await own;
    await sleep(100);
    expect(ends.map((e) => `${e.peer}:${e.kind}`)).toEqual(['m:closed-by-peer']);
    expect(p.state).toBe('connected');
  });

  it('a reconnect race (same claim) reports the live session only: the replaced socket ends nothing', async () => {
    const r = await server();
    const w = client(r.url, 'room', 'w');
    await joined(w);
    const ends = recordEnds(w);
    const claim = 'p'.repeat(16);
    const old = await raw(r.url);
    old.send(joinFrame('p', claim));
    await next(w, 'peer-join', (e) => e.detail.peer === 'p');
    const fresh = await raw(r.url);
    const replaced = nextFrame(old);
    fresh.send(joinFrame('p', claim));
    expect(await replaced).toMatchObject({ t: 10, code: ErrorCode.replaced });
    old.terminate(); // the old socket dies after it lost the id: not p's death
    await sleep(150);
    expect(ends).toEqual([]);
    fresh.terminate();
    await until(() => ends.length === 1, 3_000, 'the live session ends');
    expect(ends[0]).toMatchObject({ peer: 'p', kind: 'closed-by-peer' });
  });

  it('a reconnect storm: every one of 20 reconnects of m is one closed-by-peer, each with its own session', async () => {
    // Measures what a member that reconnects over and over makes the server send the room (item
    // b of the review): one end, one leave and one join per reconnect, no limit per id. What it
    // costs the room's detectors is core's `review-witness-s18.test.ts` ("a reconnect storm").
    const r = await server();
    const w = client(r.url, 'room', 'w');
    await joined(w);
    const ends = recordEnds(w);
    const joins: string[] = [];
    w.addEventListener('peer-join', (e) => joins.push(e.detail.peer));
    const startMs = Date.now();
    for (let i = 0; i < 20; i++) {
      const m = await rawMember(r, w, 'm', 'm'.repeat(16));
      m.terminate();
      await next(w, 'session-ended', (e) => e.detail.peer === 'm');
    }
    const elapsedMs = Date.now() - startMs;
    console.log(`reconnect storm: 20 closed-by-peer about m in ${elapsedMs} ms`);
    expect(joins).toHaveLength(20);
    expect(ends.map((e) => e.kind)).toEqual(Array<string>(20).fill('closed-by-peer'));
    expect(new Set(ends.map((e) => e.session)).size).toBe(20);
  });
});

describe('a flood of fresh ids through one room (the `joined` witness)', () => {
  it('default limits: one IP (64 sockets) paced at the frame limit gets at most its burst of 512 fresh ids plus 64 a second through', async () => {
    // What core's `review-witness-s18.test.ts` ("a flood of joins") needs: how fast one IP can
    // make every member's detector admit fresh ids (`joined`). Was bounded only by the per-socket
    // frame limit and the per-IP socket limit (915-1,586 a second in runs under load: 61 × 25 +
    // the buckets' start); now also by `joinsPerIpPerSecondMax` (decision 0047): a burst of
    // 64 × 8 = 512, then 64 a second, the rest refused `unavailable` and counted `join-rate`.
    const { r, w } = await roomWithMember();
    let joins = 0;
    w.addEventListener('peer-join', () => joins++);
    const sockets = await Promise.all(Array.from({ length: 61 }, () => raw(r.url)));
    const startMs = Date.now();
    await joinFlood(sockets, 2_000, (i) => `s${i}`);
    const floodMs = Date.now() - startMs;
    await sleep(200);
    const refused = await rejections(r, RejectReason.joinRate);
    console.log(
      `join flood: ${joins} peer-joins at w in ${floodMs} ms from ${sockets.length} sockets; ${refused} join-rate`,
    );
    // p, w and m joined from the same address before the flood: 3 of its 512.
    expect(joins).toBeGreaterThanOrEqual(509);
    expect(joins).toBeLessThanOrEqual(509 + Math.ceil((64 * (floodMs + 200)) / 1_000));
    expect(refused).toBeGreaterThan(0); // how many depends on how fast a loaded machine floods
    expect(await rejections(r, RejectReason.rateLimited)).toBe(0);
    expect(await rejections(r, RejectReason.rateAbuse)).toBe(0);
  });
});

/** Frames near the protocol: a valid frame of every type (server-only ones too, some about p), half mutated. */
function fuzzFrames(count: number): string[] {
  const room = fc.constantFrom('room', 'room', 'room', 'elsewhere', '', 'x'.repeat(65));
  const peer = fc.constantFrom('p', 'w', 'm', 'q', 'P', 'p\u200b', '');
  const claim = fc.constantFrom('c'.repeat(16), 'short');
  const kind = fc.constantFrom('closed-by-peer', 'timed-out', 'left', 'crashed');
  const valid = fc.oneof(
    fc.record({ v: fc.constant(1), t: fc.constant(1), room, peer, claim }),
    fc.record({ v: fc.constant(1), t: fc.constant(2), room }),
    fc.record({
      v: fc.constant(1),
      t: fc.constant(3),
      room,
      to: peer,
      payload: fc.jsonValue({ maxDepth: 3 }),
    }),
    fc.record({
      v: fc.constant(1),
      t: fc.constantFrom(4, 5),
      n: fc.oneof(fc.nat(), fc.constant(-1), fc.double()),
    }),
    fc.record({ v: fc.constant(1), t: fc.constant(12) }),
    fc.record({
      v: fc.constant(1),
      t: fc.integer({ min: 6, max: 11 }),
      room,
      peer,
      session: fc.string(),
      kind,
    }),
  );
  const mutated = valid.chain((o: Record<string, unknown>) =>
    fc.oneof(
      fc.constantFrom(...Object.keys(o)).map((k) => JSON.stringify({ ...o, [k]: undefined })),
      fc
        .tuple(fc.constantFrom(...Object.keys(o)), fc.jsonValue({ maxDepth: 2 }))
        .map(([k, x]) => JSON.stringify({ ...o, [k]: x })),
      fc.nat({ max: 40 }).map((cut) => JSON.stringify(o).slice(0, cut)),
    ),
  );
  return fc.sample(
    fc.oneof(
      valid.map((o) => JSON.stringify(o)),
      mutated,
    ),
    { seed, numRuns: count },
  );
}

describe('malformed frames from a member of the room (item e)', () => {
  it('300 near-protocol frames: each refusal counted and answered, no end about p, the server serves on', async () => {
    // The default limits but the frame rate (the fuzz sends 300 frames at once; the rate limit
    // has its own tests): a refused frame must be a typed error, counted once, and change nothing
    // about anybody else.
    const { r, p, w, ends, m } = await roomWithMember({ messagesPerSecondMax: 10_000 });
    const errors: string[] = [];
    let ponged = false;
    m.on('message', (d) => {
      const f = JSON.parse(String(d)) as { t: number; code?: string; n?: number };
      if (f.t === 10) errors.push(String(f.code));
      if (f.t === 5 && f.n === 424_242) ponged = true;
    });
    const frames = fuzzFrames(300);
    const unparsable = frames.filter((f) => !parseClientMessage(f).ok).length;
    const before = await rejectedTotal(r);
    try {
      for (const f of frames) m.send(f);
      m.send(JSON.stringify({ v: 1, t: 4, n: 424_242 }));
      await until(() => ponged, 5_000, 'the pong after the fuzz');
      // Joins are answered after the pong (they wait on a queue): let every answer come in.
      await sleep(300);
      const counted = (await rejectedTotal(r)) - before;
      console.log(`fuzz: ${frames.length} frames, ${unparsable} unparsable, ${counted} refusals counted`);
      expect(unparsable).toBeGreaterThan(100);
      expect(counted).toBeGreaterThanOrEqual(unparsable);
      expect(counted).toBe(errors.length);
      for (const code of errors) expect(Object.values(ErrorCode)).toContain(code);
      // Nothing about p or w; p is still joined and still reachable.
      expect(ends.filter((e) => e.peer === 'p' || e.peer === 'w')).toEqual([]);
      expect(p.state).toBe('connected');
      const got = next(p, 'signal');
      w.signal('p', 'still here');
      expect((await got).detail).toEqual({ from: 'w', payload: 'still here' });
    } catch (err) {
      console.error(`reproduce: ${reproduce}`);
      throw err;
    }
  });
});

/**
 * A room (`roomWithMember`) and `slow`, a member whose socket stops reading, to which ten members
 * relay 50 frames of 60 KB each, until the server drops frames to it (`slow-consumer`). `seen`:
 * the peers of the `session-ended` frames slow gets.
 */
async function relayFlooded(options: Parameters<typeof server>[0] = {}) {
  // The per-pair relay bound (decision 0047) would stop this flood at the senders; lifted here so
  // these tests keep measuring what the server does with a socket whose buffer is full anyway
  // (ten members can still fill it within the bound, only more slowly).
  const { r, w, m, ends } = await roomWithMember({ relayBytesPerSecondMax: 2 ** 30, ...options });
  const slow = await rawMember(r, w, 'slow');
  const seen: string[] = [];
  slow.on('message', (d) => {
    const f = JSON.parse(String(d)) as { t: number; peer?: string };
    if (f.t === 11) seen.push(String(f.peer));
  });
  slow.pause();
  const flooders = await Promise.all(Array.from({ length: 10 }, (_, i) => rawMember(r, w, `f${i}`)));
  const payload = 'x'.repeat(60_000);
  for (const f of flooders)
    for (let i = 0; i < 50; i++) f.send(JSON.stringify({ v: 1, t: 3, room: 'room', to: 'slow', payload }));
  await until(async () => (await rejections(r, RejectReason.slowConsumer)) > 0, 10_000, 'slow-consumer');
  return { r, w, m, slow, seen, ends };
}
/** m crashes (the room hears it at w); then slow reads again for 1.5 s. */
async function crashAndRead(
  r: Running,
  w: SignalClient,
  m: WebSocket,
  slow: WebSocket,
  what: string,
  seen: string[],
) {
  const ended = next(w, 'session-ended', (e) => e.detail.peer === 'm', 15_000);
  m.terminate();
  await ended;
  slow.resume();
  await sleep(1_500);
  const drops = await rejections(r, RejectReason.slowConsumer);
  console.log(
    `${what}: slow saw ${seen.length} ends, m's among them: ${seen.includes('m')}; slow-consumer drops ${drops}`,
  );
}

describe("a member flooding another's socket with relays", () => {
  it("HOLE: the room's session-ended frames still reach a peer whose socket a member floods", async () => {
    // HOLE (witnesses withheld): `#signal` relays any number of frames (≤ frameBytesMax each, the
    // per-socket rate only) to one target, and `#sendText` DROPS every frame to a socket whose
    // buffer is over `sendBufferBytesMax` (counted `slow-consumer`): control frames too. Ten
    // members that relay 50 frames of 60 KB each to `slow` (a peer reading slowly, paused here)
    // fill its buffer, and the room's `session-ended` about m, which crashes meanwhile, never
    // reaches it, nor any join, leave or relay after: its detector misses the witness (a crash it
    // then fails only by the patient path or a pushed verdict) and its signaling view drifts
    // from the room's without its knowing. Seen: m's end dropped, 418 frames counted `slow-consumer`. Fix:
    // bound what one member may relay to one target (bytes per second per pair), and when a
    // socket's buffer overflows, close it (its client reconnects and re-joins with a fresh
    // roster) or keep control frames (joins, leaves, ends) out of the drop.
    const { r, w, m, slow, seen } = await relayFlooded();
    await crashAndRead(r, w, m, slow, 'relay flood', seen);
    expect(seen).toContain('m');
  });
  it('a join flood on top of the relay flood: the flooded socket is closed, never left open without the room frames', async () => {
    // Was the HOLE (after 0041): the room's own frames are a member's to make too (a join and a
    // leave of a fresh 64-character id send each member ~370 B), so 50 more sockets of one IP at
    // the default frame limit pushed slow's buffer past 2 × `sendBufferBytesMax` and m's end was
    // dropped, the socket left open (seen: slow got 2,688 of the flood's ends, not m's). Decision
    // 0044: a room frame that would be dropped closes the socket instead (counted
    // `slow-consumer-closed`, no witness about slow); its client reconnects with a fresh roster.
    // Deterministic: slow never reads until the end, so nothing drains and the flood passes the
    // limit however loaded the machine (only how long it takes varies). Server pings (every 20 s
    // by default) are pushed out of the way: a paused socket does not answer them, and the ping
    // timeout would close it first on a slow run (as `timed-out`, the right verdict on a stall).
    // The per-IP join bound (decision 0047) is lifted: this flood of joins is the way to fill
    // slow's buffer with the room's own frames, what is tested here is the close that follows.
    const { r, w, m, slow, seen, ends } = await relayFlooded({
      pingIntervalMs: 600_000,
      joinsPerIpPerSecondMax: 2 ** 30,
    });
    let slowClosed = false;
    slow.on('close', () => (slowClosed = true));
    const closedCount = (): Promise<number> => rejections(r, RejectReason.slowConsumerClosed);
    const sockets = await Promise.all(Array.from({ length: 50 }, () => raw(r.url)));
    let floodedMs = 0;
    for (let round = 0; (await closedCount()) === 0 && floodedMs < 60_000; round++) {
      await joinFlood(
        sockets,
        1_000,
        (i) => `${'z'.repeat(48)}${String(round).padStart(8, '0')}${String(i).padStart(8, '0')}`,
      );
      floodedMs += 1_000;
    }
    const ended = next(w, 'session-ended', (e) => e.detail.peer === 'm', 15_000);
    m.terminate();
    await ended;
    slow.resume();
    await until(() => slowClosed, 10_000, "slow's socket closed");
    const drops = await rejections(r, RejectReason.slowConsumer);
    console.log(
      `relay + join flood: slow closed by the server after ${floodedMs} ms of joins (${await closedCount()} closed), saw ${seen.length} ends, m's among them: ${seen.includes('m')}; relays dropped ${drops}`,
    );
    expect(await closedCount()).toBe(1);
    // The server's close is no witness about slow: w heard no end of it.
    expect(ends.filter((e) => e.peer === 'slow')).toEqual([]);
    // Its client re-joins and learns the room afresh: m is gone, w is there.
    const back = await raw(r.url);
    const roster = nextFrame(back);
    back.send(joinFrame('slow', 'slow'.padEnd(16, '_')));
    const peers = ((await roster) as { peers?: string[] }).peers ?? [];
    expect({ m: peers.includes('m'), w: peers.includes('w') }).toEqual({ m: false, w: true });
    // Room for a loaded machine: the flood stops once slow is closed (3 s when quiet) or at 60 s.
  }, 120_000);
});
