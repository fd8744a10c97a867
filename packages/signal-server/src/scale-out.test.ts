import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '@pulsemesh/signal';
import { startRedis } from './redis-support.js';
import {
  joinFrame,
  joined,
  next,
  nextFrame,
  rawSocket,
  testHarness,
  testRedis,
  until,
  type Running,
} from './test-support.js';

const redis = testRedis();
const { server, client } = testHarness();
const instance = (prefix: string): Promise<Running> =>
  server({ redis: redis.url, redisPrefix: prefix, instanceTtlMs: 600 });

/** Two instances, `a` joined on A and `b` on B. */
async function aOnAbOnB(prefix: string) {
  const A = await instance(prefix);
  const B = await instance(prefix);
  const a = client(A.url, 'room', 'a');
  const b = client(B.url, 'room', 'b');
  await joined(a);
  await joined(b);
  return { A, B, a, b };
}

describe('two instances over a real redis-server', () => {
  it('share rosters, relay both ways, keep ids unique across instances', async () => {
    const A = await instance('t1');
    const B = await instance('t1');
    const a = client(A.url, 'room', 'a');
    const b = client(B.url, 'room', 'b');
    const other = client(B.url, 'elsewhere', 'o');
    await joined(a);
    await joined(other);
    const aSeesB = next(a, 'peer-join');
    expect(await joined(b)).toEqual(['a']);
    expect((await aSeesB).detail.peer).toBe('b');

    const atB = next(b, 'signal');
    a.signal('b', { sdp: 'offer' });
    expect((await atB).detail).toEqual({ from: 'a', payload: { sdp: 'offer' } });
    const atA = next(a, 'signal');
    b.signal('a', { sdp: 'answer' });
    expect((await atA).detail).toEqual({ from: 'b', payload: { sdp: 'answer' } });

    const thief = await rawSocket(A.url);
    thief.send(JSON.stringify({ v: 1, t: 1, room: 'room', peer: 'b', claim: 'thief'.repeat(4) }));
    expect(await nextFrame(thief)).toMatchObject({ t: 10, code: ErrorCode.peerIdTaken });
    thief.terminate();

    const relayed = await A.server.metrics.getSingleMetric('pulsemesh_signal_relayed_total')?.get();
    expect(relayed?.values.find((v) => v.labels['path'] === 'remote')?.value).toBe(1);

    const aSeesLeave = next(a, 'peer-leave');
    b.close();
    expect((await aSeesLeave).detail.peer).toBe('b');
  });

  it('when an instance dies, its clients reconnect to the survivor and its ghosts are swept', async () => {
    const A = await instance('t2');
    const B = await instance('t2');
    const a = client([A.url], 'room', 'a');
    // b knows both instances; it starts on B and fails over to A.
    const b = client([B.url, A.url], 'room', 'b');
    await joined(a);
    await joined(b);
    // A raw peer on B that never reconnects: after B dies it must disappear from rosters.
    const ghost = await rawSocket(B.url);
    ghost.send(JSON.stringify({ v: 1, t: 1, room: 'room', peer: 'ghost', claim: 'ghost'.repeat(4) }));
    await next(a, 'peer-join', (e) => e.detail.peer === 'ghost');

    const ghostGone = next(a, 'peer-leave', (e) => e.detail.peer === 'ghost', 5_000);
    const bBack = next(b, 'roster', () => true, 5_000);
    await B.server.kill();
    const roster = (await bBack).detail.peers;
    expect(roster).toContain('a');
    expect(A.server.stats().sockets).toBe(2);
    await ghostGone;
    const atA = next(a, 'signal');
    b.signal('a', 'after failover');
    expect((await atA).detail.payload).toBe('after failover');
    const atB = next(b, 'signal');
    a.signal('b', 'welcome');
    expect((await atB).detail.payload).toBe('welcome');
  });

  it('enforces peersPerRoomMax across instances', async () => {
    const A = await server({ redis: redis.url, redisPrefix: 't3', peersPerRoomMax: 2 });
    const B = await server({ redis: redis.url, redisPrefix: 't3', peersPerRoomMax: 2 });
    await joined(client(A.url, 'room', 'a'));
    await joined(client(B.url, 'room', 'b'));
    const c = client(B.url, 'room', 'c');
    const err = next(c, 'error');
    c.connect();
    expect((await err).detail.code).toBe(ErrorCode.roomFull);
  });

  it('answers joins with unavailable while Redis is down, and the client retries', async () => {
    const own = await startRedis();
    const A = await server({ redis: own.url, redisPrefix: 't4' });
    await own.stop();
    const c = client(A.url, 'room', 'a');
    const err = next(c, 'error', () => true, 10_000);
    c.connect();
    expect((await err).detail.code).toBe(ErrorCode.unavailable);
    expect(c.state).not.toBe('offline');
    c.close();
  });

  it('repairs rosters from Redis (anti-entropy) when pub/sub missed a change', async () => {
    const { a, B } = await aOnAbOnB('t5');
    const admin = new Redis(redis.url);
    try {
      const back = next(a, 'peer-join', (e) => e.detail.peer === 'phantom', 3_000);
      await admin.hset('t5:r:room', 'phantom', `${B.server.instanceId} x`); // no join is published
      await back;
      const left = next(a, 'peer-leave', (e) => e.detail.peer === 'phantom', 3_000);
      await admin.hdel('t5:r:room', 'phantom'); // no leave is published
      await left;
    } finally {
      admin.disconnect();
    }
  });

  it('writes back the roster entry of a connected peer that Redis lost (decision 0041)', async () => {
    const { A, b, B } = await aOnAbOnB('t6');
    const admin = new Redis(redis.url);
    try {
      const entry = await admin.hget('t6:r:room', 'b');
      await admin.hdel('t6:r:room', 'b'); // as if Redis had lost it: B never released b
      await until(async () => (await admin.hget('t6:r:room', 'b')) === entry, 3_000);
    } finally {
      admin.disconnect();
    }
    const reclaims = await B.server.metrics.getSingleMetric('pulsemesh_signal_roster_reclaims_total')?.get();
    expect(reclaims?.values[0]?.value).toBe(1);
    // b stays b's: a thief on A is refused.
    const thief = await rawSocket(A.url);
    thief.send(joinFrame('b', 'guess'.repeat(4)));
    expect(await nextFrame(thief)).toMatchObject({ t: 10, code: ErrorCode.peerIdTaken });
    thief.terminate();
    expect(b.state).toBe('connected');
  });

  it('refuses (unavailable) a join of an id it sees on a live instance while Redis has no entry', async () => {
    const { A, b } = await aOnAbOnB('t8');
    const thief = await rawSocket(A.url);
    const admin = new Redis(redis.url);
    try {
      const entry = await admin.hget('t8:r:room', 'b');
      await admin.hdel('t8:r:room', 'b'); // lost, and B's write-back (every 200 ms) not yet run
      thief.send(joinFrame('b', 'guess'.repeat(4)));
      // peer-id-taken if B's round happened to write b back first.
      expect([ErrorCode.unavailable, ErrorCode.peerIdTaken]).toContain((await nextFrame(thief))['code']);
      thief.terminate();
      await until(async () => (await admin.hget('t8:r:room', 'b')) === entry, 3_000);
    } finally {
      admin.disconnect();
    }
    expect(b.state).toBe('connected');
  });

  it('releases the entry of a join whose socket closed while its claim was in flight', async () => {
    const A = await instance('t7');
    await joined(client(A.url, 'room', 'a'));
    const admin = new Redis(redis.url);
    try {
      await admin.call('CLIENT', 'PAUSE', '300', 'WRITE');
      const quitter = await rawSocket(A.url);
      quitter.send(joinFrame('q', 'quits'.repeat(4)));
      await new Promise((r) => setTimeout(r, 50));
      quitter.terminate();
      await new Promise((r) => setTimeout(r, 600)); // the pause is over, the claim answered
      expect(await admin.hkeys('t7:r:room')).toEqual(['a']);
    } finally {
      admin.disconnect();
    }
  });
});
