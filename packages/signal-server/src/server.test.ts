import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { joined, next, startServer, testHarness, until } from './test-support.js';

const { server, client } = testHarness();

describe('signal server with real clients', () => {
  it('joins, sends rosters, relays and announces leaves', async () => {
    const { url } = await server();
    const a = client(url, 'room', 'a');
    const b = client(url, 'room', 'b');
    expect(await joined(a)).toEqual([]);
    const aSeesB = next(a, 'peer-join');
    expect(await joined(b)).toEqual(['a']);
    expect((await aSeesB).detail.peer).toBe('b');
    expect(a.state).toBe('connected');

    const got = next(b, 'signal');
    expect(a.signal('b', { type: 'offer', sdp: 'v=0' })).toBe(true);
    expect((await got).detail).toEqual({ from: 'a', payload: { type: 'offer', sdp: 'v=0' } });

    const left = next(a, 'peer-leave');
    b.close();
    expect((await left).detail.peer).toBe('b');
    expect(b.state).toBe('offline');
  });

  it('reconnects and re-joins after the server restarts on the same port', async () => {
    const first = await startServer();
    const a = client(first.url, 'room', 'a');
    const b = client(first.url, 'room', 'b');
    await joined(a);
    await joined(b);
    const states: string[] = [];
    a.addEventListener('state', (e) => states.push(e.detail.state));
    await first.server.close();
    await until(() => a.state === 'reconnecting', 3_000, 'reconnecting');
    const rosterA = next(a, 'roster', () => true, 8_000);
    const second = await server({}, first.port);
    const rosterB = next(b, 'roster', () => true, 8_000);
    const [ra, rb] = await Promise.all([rosterA, rosterB]);
    // Whoever re-joined second sees the other in its roster.
    expect([...ra.detail.peers, ...rb.detail.peers]).toHaveLength(1);
    expect(states).toEqual(['reconnecting', 'connected']);
    expect(second.server.stats().sockets).toBe(2);
    const got = next(a, 'signal');
    b.signal('a', 'hello again');
    expect((await got).detail.payload).toBe('hello again');
  });

  it('detects a stalled server with application pings and reconnects', async () => {
    const r = await server();
    const serverSockets: Socket[] = [];
    r.server.httpServer.on('connection', (socket: Socket) => serverSockets.push(socket));
    const a = client(r.url, 'room', 'a', { pingIntervalMs: 100, pingTimeoutMs: 150 });
    await joined(a);
    for (const socket of serverSockets) socket.pause(); // the server stops reading: pings go unanswered
    await until(() => a.state === 'reconnecting', 2_000, 'ping timeout');
    for (const socket of serverSockets) socket.resume();
    await until(() => a.state === 'connected', 3_000, 'reconnected');
  });
});
