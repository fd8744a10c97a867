/**
 * The `session-ended` witness (decision 0013) over the real server, real sockets and a real
 * redis-server: each kind is reported as it happened, with the session the join announced, and
 * never for sockets a stopping or lost instance drops.
 */
import { describe, expect, it } from 'vitest';
import {
  joined,
  next,
  nextFrame,
  rawSocket,
  recordEnds as record,
  startServer,
  testHarness,
  testRedis,
  until,
} from './test-support.js';

const redis = testRedis();
const { server, client } = testHarness();
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('session-ended on one server', () => {
  it('closed-by-peer when a client drops its socket without a leave (abort, like a dying process)', async () => {
    const { url } = await server();
    const a = client(url, 'room', 'a');
    await joined(a);
    const session = next(a, 'peer-join').then((e) => e.detail.peer);
    const b = client(url, 'room', 'b');
    await joined(b);
    await session;
    const ended = next(a, 'session-ended');
    b.abort();
    const d = (await ended).detail;
    expect(d).toMatchObject({ peer: 'b', kind: 'closed-by-peer' });
    expect(d.session.length).toBeGreaterThan(0);
  });

  it('closed-by-peer when the TCP connection is reset (no close frame)', async () => {
    const { url } = await server();
    const a = client(url, 'room', 'a');
    await joined(a);
    const raw = await rawSocket(url);
    raw.send(JSON.stringify({ v: 1, t: 1, room: 'room', peer: 'r', claim: 'r'.repeat(16) }));
    await next(a, 'peer-join', (e) => e.detail.peer === 'r');
    const ended = next(a, 'session-ended');
    raw.terminate(); // destroys the socket: the server sees the connection drop, no close frame
    expect((await ended).detail).toMatchObject({ peer: 'r', kind: 'closed-by-peer' });
  });

  it('left on a graceful close (leave frame)', async () => {
    const { url } = await server();
    const a = client(url, 'room', 'a');
    const b = client(url, 'room', 'b');
    await joined(a);
    await joined(b);
    const ended = next(a, 'session-ended');
    b.close();
    expect((await ended).detail).toMatchObject({ peer: 'b', kind: 'left' });
  });

  it('timed-out when the server idle timeout closes a silent client', async () => {
    const { url } = await server({ idleTimeoutMs: 300 });
    const a = client(url, 'room', 'a', { pingIntervalMs: 100, pingTimeoutMs: 1_000 });
    await joined(a);
    const raw = await rawSocket(url);
    raw.send(JSON.stringify({ v: 1, t: 1, room: 'room', peer: 'quiet', claim: 'q'.repeat(16) }));
    const ended = next(a, 'session-ended', (e) => e.detail.peer === 'quiet', 5_000);
    expect((await ended).detail.kind).toBe('timed-out');
    raw.terminate();
  });

  it('no session-ended when the server restarts (instance death is not peer death)', async () => {
    const first = await startServer();
    const a = client(first.url, 'room', 'a');
    const b = client(first.url, 'room', 'b');
    await joined(a);
    await joined(b);
    const seenA = record(a);
    const seenB = record(b);
    await first.server.close();
    await until(() => a.state === 'reconnecting', 3_000, 'reconnecting');
    await server({}, first.port);
    await until(() => a.state === 'connected' && b.state === 'connected', 8_000, 'both back');
    await sleep(200);
    expect([...seenA, ...seenB]).toEqual([]);
  });

  it('a client cannot forge one: a session-ended frame from a client is rejected as malformed', async () => {
    const { url } = await server();
    const a = client(url, 'room', 'a');
    const b = client(url, 'room', 'b');
    await joined(a);
    await joined(b);
    const seen = record(a);
    const raw = await rawSocket(url);
    raw.send(JSON.stringify({ v: 1, t: 1, room: 'room', peer: 'm', claim: 'm'.repeat(16) }));
    await next(a, 'peer-join', (e) => e.detail.peer === 'm');
    const reply = nextFrame(raw);
    raw.send(JSON.stringify({ v: 1, t: 11, room: 'room', peer: 'b', session: 'x', kind: 'closed-by-peer' }));
    expect(await reply).toMatchObject({ t: 10, code: 'malformed' });
    await sleep(100);
    expect(seen).toEqual([]);
    raw.close();
  });
});

describe('session-ended across instances over a real redis-server', () => {
  it('reaches members on the other instance, with the session its join announced', async () => {
    const A = await server({ redis: redis.url, redisPrefix: 'se1', instanceTtlMs: 600 });
    const B = await server({ redis: redis.url, redisPrefix: 'se1', instanceTtlMs: 600 });
    const a = client(A.url, 'room', 'a');
    await joined(a);
    const bJoins = next(a, 'peer-join', (e) => e.detail.peer === 'b');
    const b = client(B.url, 'room', 'b');
    await joined(b);
    await bJoins;
    const ended = next(a, 'session-ended', () => true, 5_000);
    b.abort();
    expect((await ended).detail).toMatchObject({ peer: 'b', kind: 'closed-by-peer' });
    const c = client(B.url, 'room', 'c');
    await joined(c);
    const left = next(a, 'session-ended', (e) => e.detail.peer === 'c', 5_000);
    c.close();
    expect((await left).detail.kind).toBe('left');
  });

  it('no session-ended when an instance is lost: its peers are swept with peer-leave only', async () => {
    const A = await server({ redis: redis.url, redisPrefix: 'se2', instanceTtlMs: 600 });
    const B = await startServer({ redis: redis.url, redisPrefix: 'se2', instanceTtlMs: 600 });
    const a = client([A.url], 'room', 'a');
    await joined(a);
    const ghost = await rawSocket(B.url);
    ghost.send(JSON.stringify({ v: 1, t: 1, room: 'room', peer: 'ghost', claim: 'g'.repeat(16) }));
    await next(a, 'peer-join', (e) => e.detail.peer === 'ghost');
    const seen = record(a);
    const gone = next(a, 'peer-leave', (e) => e.detail.peer === 'ghost', 5_000);
    await B.server.kill();
    await gone;
    await sleep(200);
    expect(seen).toEqual([]);
  });
});
