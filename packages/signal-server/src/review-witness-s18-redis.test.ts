/**
 * Review (session 18) of the signaling witness (decision 0013) across instances: two servers over a
 * real redis-server, real `ws` sockets on loopback. What a member (anyone who reaches a server, not
 * anyone with Redis access) can make an instance report about ANOTHER peer's session, and whether
 * restarts (an instance's or Redis's) produce witnesses. `it` = held, `it.fails` = a hole (the
 * comment names it, its numbers and a fix). One server: `review-witness-s18.test.ts`.
 */
import { Redis } from 'ioredis';
import type { WebSocket } from 'ws';
import { describe, expect, it, onTestFinished } from 'vitest';
import { ErrorCode } from '@pulsemesh/signal';
import type { SignalClient } from '@pulsemesh/signal';
import { startRedis } from './redis-support.js';
import {
  joinFrame,
  joined,
  keyPair,
  next,
  nextFrame,
  recordEnds,
  testHarness,
  testRedis,
} from './test-support.js';

const redis = testRedis();
const { server, client, raw } = testHarness();
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
/** Every `peer-leave` `c` passes on, in order. */
function recordLeaves(c: SignalClient): string[] {
  const out: string[] = [];
  c.addEventListener('peer-leave', (e) => out.push(e.detail.peer));
  return out;
}

/** Two instances; p joined on A, then w on B (w knows p from its roster: no session); w's ends and leaves. */
async function pOnAwOnB(prefix: string, pId = 'p', pOptions: Parameters<typeof client>[3] = {}) {
  const opts = { redis: redis.url, redisPrefix: prefix, instanceTtlMs: 3_000 };
  const A = await server(opts);
  const B = await server(opts);
  const p = client(A.url, 'room', pId, pOptions);
  await joined(p);
  const w = client(B.url, 'room', 'w');
  await joined(w);
  return { B, p, w, ends: recordEnds(w), leaves: recordLeaves(w) };
}

/**
 * A thief joins as `peer` on `url` while Redis holds every claim up 300 ms; 50 ms in, `act` (its
 * claim pending); 600 ms later, returns the frames the thief got.
 */
async function withPendingClaim(
  url: string,
  peer: string,
  act: (thief: WebSocket) => void,
): Promise<Record<string, unknown>[]> {
  const admin = new Redis(redis.url);
  try {
    await admin.call('CLIENT', 'PAUSE', '300', 'WRITE');
    const thief = await raw(url);
    const frames: Record<string, unknown>[] = [];
    thief.on('message', (d) => frames.push(JSON.parse(String(d)) as Record<string, unknown>));
    thief.send(joinFrame(peer, 'guess'.repeat(4)));
    await sleep(50);
    act(thief);
    await sleep(600);
    return frames;
  } finally {
    admin.disconnect();
  }
}
/** A thief joins as `peer` on `url` and drops its socket while its claim is held up. */
const dropDuringClaim = (url: string, peer: string): Promise<unknown> =>
  withPendingClaim(url, peer, (thief) => thief.terminate());

describe('scale-out: a member cannot end another peer session on another instance', () => {
  it('HOLE: a join of a connected peer id dropped while its claim is in flight ends that session', async () => {
    // HOLE (item a): `Hub.#join` with a bus registers the joiner (`rooms.addLocal`,
    // `conn.rooms.set`) BEFORE `bus.claim` answers; a socket that closes in that window goes
    // through `#leave` like a member: the instance broadcasts `session-ended {peer: p,
    // kind: closed-by-peer}` with the THIEF's session and `peer-leave p` to its members, though p
    // is connected to the other instance and the claim is then refused (`peer-id-taken`). A member
    // that knows p from the roster (no session) accepts the end: every one of its members starts a
    // witnessed check of live p (and its mesh drops p from the dial list). Plain ids only (a
    // key-derived id needs its key proof before `addLocal`). Numbers: here the claim is held up
    // 300 ms (`CLIENT PAUSE ... WRITE`, a slow Redis) to make the window certain; with no pause,
    // join then drop 0-3 ms later hit it 3 times in 40 on this machine (probe run, loopback Redis).
    // Fix: keep a pending claim out of `#leave` (mark the membership pending until `claim`
    // answers; a close then drops it with no witness and no leave), or add the member only after
    // the claim succeeded.
    const { B, p, ends, leaves } = await pOnAwOnB('rw1');
    await dropDuringClaim(B.url, 'p');
    expect(p.state).toBe('connected');
    expect({ ends, leaves }).toEqual({ ends: [], leaves: [] });
  });

  it('the same drop against a key-derived id (the default): refused at the key proof, nothing said', async () => {
    const owner = keyPair();
    const { B, p, ends, leaves } = await pOnAwOnB('rw7', owner.id, { keyProof: owner });
    await dropDuringClaim(B.url, owner.id);
    expect({ ends, leaves, p: p.state }).toEqual({ ends: [], leaves: [], p: 'connected' });
  });

  it('the same thief, claim answered first: refused (peer-id-taken), nothing said about p', async () => {
    const { B, p, ends, leaves } = await pOnAwOnB('rw2');
    const thief = await raw(B.url);
    const refused = nextFrame(thief);
    thief.send(joinFrame('p', 'guess'.repeat(4)));
    expect(await refused).toMatchObject({ t: 10, code: ErrorCode.peerIdTaken });
    thief.terminate();
    await sleep(300);
    expect({ ends, leaves, p: p.state }).toEqual({ ends: [], leaves: [], p: 'connected' });
  });
});

describe('scale-out: a pending claim after decision 0041', () => {
  it('a join still waiting for its claim receives no relay addressed to the connected owner', async () => {
    // Closed by decision 0044 (pending joins in their own map, p's remote entry kept until the
    // claim wins): the thief gets nothing, p gets w's offer. Was the HOLE (0041's pending
    // member, interception): a pending join is no member for `#leave`, but
    // `rooms.local(room, p)` still answers it everywhere else: `#signal` (and `onRelay` from other
    // instances) hand it every relay addressed to p while its claim is in flight, and p, on the
    // other instance, never gets them (`addLocal` also dropped p's remote entry on this
    // instance). Seen: w's offer to p went to the thief (a `relay` frame from w), p got nothing.
    // With plain ids the thief can answer the offer as p; the same lookup makes `onSessionEnded`
    // drop p's real end while a join of p is pending here, and joins of p with one claim from
    // several sockets evict each other and keep it pending back to back (a probe, not kept as a
    // test because it is a race: 4 and 16 thief sockets joining p on B 0-2 ms before p crashed
    // on A lost p's end at B's member in 1 and 3 of 20 trials). Fix: a pending member is invisible to `local()` for everyone but
    // its own `#join` (keep pending joins in their own map, and p's remote entry until the claim
    // wins).
    const { B, p, w } = await pOnAwOnB('rw8');
    const got: unknown[] = [];
    p.addEventListener('signal', (e) => got.push(e.detail.payload));
    const frames = await withPendingClaim(B.url, 'p', () => w.signal('p', 'offer for p'));
    const relayed = frames.filter((f) => f['t'] === 9).map((f) => f['payload']);
    expect({ thief: relayed, p: got }).toEqual({ thief: [], p: ['offer for p'] });
  });

  it("p's real end still reaches the other instance while a join of p waits there; the pending join hears nothing", async () => {
    // Decision 0044: `onSessionEnded` asks `local(room, p)`, which no longer answers a pending
    // join, and p's remote entry stays: w (on B) gets p's end whichever of the thief's claim
    // answer and A's announcement B reads first; the thief gets only its refusal.
    const { B, p, ends } = await pOnAwOnB('rw9');
    const frames = await withPendingClaim(B.url, 'p', () => p.abort());
    expect(ends.map((e) => [e.peer, e.kind])).toEqual([['p', 'closed-by-peer']]);
    expect(frames.map((f) => [f['t'], f['code']])).toEqual([[10, ErrorCode.peerIdTaken]]);
  });
});

describe('restarts produce no witness (item d)', () => {
  it('an instance drained gracefully: its peers move to the other instance, no session-ended', async () => {
    const opts = { redis: redis.url, redisPrefix: 'rw3', instanceTtlMs: 600 };
    const A = await server(opts);
    const B = await server(opts);
    const a = client(A.url, 'room', 'a');
    await joined(a);
    const ends = recordEnds(a);
    const b = client([B.url, A.url], 'room', 'b');
    await joined(b);
    const back = next(a, 'peer-join', (e) => e.detail.peer === 'b', 8_000);
    const rejoined = next(b, 'roster', () => true, 8_000);
    await B.server.close();
    await Promise.all([back, rejoined]);
    await sleep(300);
    expect(ends).toEqual([]);
  });

  describe('a restart of redis-server (no persistence)', () => {
    /** Two instances on a Redis of their own, `a` on A and `b` on B; Redis restarted on its port. */
    async function restartedRedis(prefix: string): Promise<{
      a: SignalClient;
      b: SignalClient;
      A: string;
      ends: () => ReturnType<typeof recordEnds>;
      leaves: string[][];
    }> {
      let own = await startRedis();
      const opts = { redis: own.url, redisPrefix: prefix, instanceTtlMs: 600 };
      const A = await server(opts);
      const B = await server(opts);
      const a = client(A.url, 'room', 'a');
      const b = client(B.url, 'room', 'b');
      await joined(a);
      const bJoins = next(a, 'peer-join', (e) => e.detail.peer === 'b');
      await joined(b);
      await bJoins;
      const endsA = recordEnds(a);
      const endsB = recordEnds(b);
      const leaves = [recordLeaves(a), recordLeaves(b)];
      await own.stop();
      own = await startRedis(undefined, Number(new URL(own.url).port));
      const restarted = own;
      onTestFinished(() => restarted.stop()); // after the harness closed the servers
      await sleep(2_500); // ioredis reconnects (its backoff), heartbeats and a reconcile round run
      return { a, b, A: A.url, ends: () => [...endsA, ...endsB], leaves };
    }

    it('reports no session-ended to anyone', async () => {
      const { a, b, ends } = await restartedRedis('rw4');
      expect(ends()).toEqual([]);
      expect([a.state, b.state]).toEqual(['connected', 'connected']);
    });

    it('HOLE: each instance tells its members that the connected peers of the other one left', async () => {
      // HOLE (item d, no witness involved): after the restart `reconcile` reads empty rosters and
      // sends `peer-leave` for every remote member (seen: a was told b left and b that a left,
      // both connected), and nothing announces them again; a mesh then marks them absent and does
      // not re-dial them (`removePeer`) until they reconnect. Fix: the re-claim below, and in
      // `reconcile` treat a roster that lost a live instance's every entry as missing data (wait
      // for its re-claim), not as leaves.
      const { a, b, leaves } = await restartedRedis('rw6');
      expect({ leaves, a: a.state, b: b.state }).toEqual({
        leaves: [[], []],
        a: 'connected',
        b: 'connected',
      });
    });

    it('HOLE: the claims are gone: a thief takes connected b from the other instance, then ends it', async () => {
      // HOLE (item d): the rosters (`P:r:<room>`) live only in Redis and no instance writes its
      // local members back after Redis lost them (`reconcile` repairs the REMOTE view only). After
      // a restart of redis-server without persistence, any socket can join as a connected plain
      // id (a key-derived one still needs its key proof) on another instance: the claim finds no
      // entry and succeeds, the owner's instance evicts
      // the real peer (`replaced`, which its client takes as final: it stops reconnecting), and
      // when the thief drops its socket the room hears `session-ended {b, closed-by-peer}` with
      // the thief's session, which every member accepts (it is b's latest join): a witnessed
      // check of live b at every member, b's signaling gone for good. (On the way, each instance's
      // reconcile also tells its members that every peer of the other instance left: peer-leave
      // for connected peers.) Fix: each instance re-claims its local members when its roster
      // entries are missing (in `reconcile`: HSETNX of `<instance> <claimHash>` for every local
      // member absent from the snapshot) before a join can find the id free; and a join of an id
      // the room still has on a live instance stays refused until then.
      const { a, b, A, ends } = await restartedRedis('rw5');
      const thief = await raw(A);
      const answer = nextFrame(thief);
      thief.send(joinFrame('b', 'guess'.repeat(4)));
      const reply = await answer;
      thief.terminate();
      await sleep(300);
      // Seen (session 18): reply t 6 (the thief's roster), b 'offline' (replaced), one
      // session-ended {b, closed-by-peer} at a with the thief's session.
      expect({
        reply: reply['code'] ?? `t ${String(reply['t'])}`,
        ends: ends(),
        b: b.state,
        a: a.state,
      }).toEqual({
        reply: ErrorCode.peerIdTaken,
        ends: [],
        b: 'connected',
        a: 'connected',
      });
    });
  });
});
