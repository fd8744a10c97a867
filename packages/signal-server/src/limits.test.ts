import { describe, expect, it } from 'vitest';
import { CloseCode, ErrorCode } from '@pulsemesh/signal';
import { closed, joined, next, nextFrame, rawSocket, testHarness, until } from './test-support.js';

const { server, client, raw, rejections } = testHarness();
const claim = (s: string): string => s.padEnd(16, '.');
const join = (room: string, peer: string, c = claim(peer)): string =>
  JSON.stringify({ v: 1, t: 1, room, peer, claim: c });

describe('limits', () => {
  it('closes with 1009 on a frame above frameBytesMax', async () => {
    const r = await server({ frameBytesMax: 1024 });
    const ws = await raw(r.url);
    ws.send('x'.repeat(2000));
    expect(await closed(ws)).toBe(CloseCode.messageTooBig);
    await until(async () => (await rejections(r, 'frame-too-large')) === 1);
  });

  it('closes with 1003 on a binary frame', async () => {
    const r = await server();
    const ws = await raw(r.url);
    ws.send(new Uint8Array([1, 2, 3]));
    expect(await closed(ws)).toBe(CloseCode.unsupportedData);
  });

  it('refuses a room beyond roomsPerSocketMax', async () => {
    const r = await server({ roomsPerSocketMax: 2 });
    const ws = await raw(r.url);
    ws.send(join('r1', 'p'));
    expect((await nextFrame(ws))['t']).toBe(6);
    ws.send(join('r2', 'p'));
    expect((await nextFrame(ws))['t']).toBe(6);
    ws.send(join('r3', 'p'));
    expect(await nextFrame(ws)).toMatchObject({ t: 10, code: ErrorCode.tooManyRooms, room: 'r3' });
  });

  it('refuses a peer beyond peersPerRoomMax and the client goes offline', async () => {
    const r = await server({ peersPerRoomMax: 2 });
    await joined(client(r.url, 'room', 'a'));
    await joined(client(r.url, 'room', 'b'));
    const c = client(r.url, 'room', 'c');
    const err = next(c, 'error');
    c.connect();
    expect((await err).detail.code).toBe(ErrorCode.roomFull);
    await until(() => c.state === 'offline', 2_000, 'offline');
  });

  it('refuses sockets beyond socketsPerIpMax with HTTP 429', async () => {
    const r = await server({ socketsPerIpMax: 2 });
    await raw(r.url);
    await raw(r.url);
    await expect(rawSocket(r.url)).rejects.toThrow(/429/);
    expect(await rejections(r, 'sockets-per-ip')).toBe(1);
  });

  it('default limits: one address holds at most socketsPerIpMax x roomsPerSocketMax = 512 sessions at once', async () => {
    // The per-IP bound on concurrent sessions (review item: one address opening thousands):
    // 64 sockets x 8 rooms each; the 9th room of a socket and the 65th socket are refused, and
    // another address still gets in. (Their churn, joins per IP per second, is not bounded:
    // decisions 0044, 0047.)
    const r = await server({ trustProxy: true });
    const from = { 'x-forwarded-for': '203.0.113.7' };
    const sockets = await Promise.all(Array.from({ length: 64 }, () => raw(r.url, from)));
    // Each join is answered to its socket by a roster (6) or an error (10); peer-joins (7) of
    // the other sockets are not answers.
    const answered = sockets.map(
      (ws, i) =>
        new Promise<Record<string, unknown>[]>((resolve) => {
          const answers: Record<string, unknown>[] = [];
          ws.on('message', (d) => {
            const f = JSON.parse(String(d)) as Record<string, unknown>;
            if (f['t'] === 6 || f['t'] === 10) answers.push(f);
            if (answers.length === 9) resolve(answers);
          });
          for (let room = 0; room < 9; room++) ws.send(join(`r${room}`, `s${i}`));
        }),
    );
    const answers = (await Promise.all(answered)).flat();
    expect(answers.filter((f) => f['t'] === 6)).toHaveLength(512);
    expect(answers.filter((f) => f['code'] === ErrorCode.tooManyRooms)).toHaveLength(64);
    expect(r.server.stats().rooms).toBe(8);
    await expect(rawSocket(r.url, from)).rejects.toThrow(/429/);
    expect(await rejections(r, 'sockets-per-ip')).toBe(1);
    await raw(r.url, { 'x-forwarded-for': '203.0.113.8' });
    expect(r.server.stats()).toMatchObject({ sockets: 65, ips: 2 });
  });

  it('counts sockets per X-Forwarded-For address behind a trusted proxy (the entry it appended)', async () => {
    // The last entry is the proxy's; what is left of it is the client's own text (decision 0055).
    const r = await server({ socketsPerIpMax: 1, trustProxy: true });
    await raw(r.url, { 'x-forwarded-for': '10.0.0.1, 203.0.113.1' });
    await raw(r.url, { 'x-forwarded-for': '203.0.113.2' });
    await expect(rawSocket(r.url, { 'x-forwarded-for': '10.0.0.2, 203.0.113.1' })).rejects.toThrow(/429/);
    expect(r.server.stats().ips).toBe(2);
  });

  it('drops frames above messagesPerSecondMax with a typed error, closes abusers with 1008', async () => {
    const r = await server({ messagesPerSecondMax: 10 });
    const ws = await raw(r.url);
    const frames: Record<string, unknown>[] = [];
    ws.on('message', (d) => frames.push(JSON.parse(String(d)) as Record<string, unknown>));
    for (let i = 0; i < 15; i++) ws.send(JSON.stringify({ v: 1, t: 4, n: i }));
    await until(() => frames.length >= 11, 2_000, 'pongs and an error');
    expect(frames.filter((f) => f['t'] === 5)).toHaveLength(10);
    expect(frames.find((f) => f['t'] === 10)).toMatchObject({ code: ErrorCode.rateLimited });
    for (let i = 0; i < 30; i++) ws.send(JSON.stringify({ v: 1, t: 4, n: i }));
    expect(await closed(ws)).toBe(CloseCode.policyViolation);
  });

  it('closes idle sockets with 4000 and terminates sockets that do not answer pings', async () => {
    const r = await server({ idleTimeoutMs: 200 });
    const ws = await raw(r.url);
    expect(await closed(ws)).toBe(CloseCode.idleTimeout);

    const r2 = await server({ pingIntervalMs: 100, pingTimeoutMs: 100 });
    const ws2 = await raw(r2.url);
    // A socket whose peer vanished: pause the TCP stream so pongs never come back.
    (ws2 as unknown as { _socket: { pause(): void } })._socket.pause();
    await until(() => r2.server.stats().sockets === 0, 3_000, 'ping timeout');
    expect(await rejections(r2, 'ping-timeout')).toBe(1);
  });

  it('answers malformed frames with typed errors and stays up', async () => {
    const r = await server();
    const ws = await raw(r.url);
    ws.send('{nope');
    expect(await nextFrame(ws)).toMatchObject({ t: 10, code: ErrorCode.malformed });
    ws.send('{"v":9,"t":4,"n":1}');
    expect(await nextFrame(ws)).toMatchObject({ t: 10, code: ErrorCode.unsupportedVersion });
    ws.send(JSON.stringify({ v: 1, t: 3, room: 'r', to: 'x', payload: 1 }));
    expect(await nextFrame(ws)).toMatchObject({ t: 10, code: ErrorCode.notInRoom });
    ws.send(join('r', 'p'));
    await nextFrame(ws);
    ws.send(JSON.stringify({ v: 1, t: 3, room: 'r', to: 'ghost', payload: 1 }));
    expect(await nextFrame(ws)).toMatchObject({ t: 10, code: ErrorCode.unknownPeer });
  });

  it('serves /healthz and /metrics, and drains on close with 1001', async () => {
    const r = await server();
    const base = r.url.replace('ws:', 'http:');
    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', sockets: 0 });
    const a = client(r.url, 'room', 'a');
    const b = client(r.url, 'room', 'b');
    await joined(a);
    await joined(b);
    const relayed = next(b, 'signal');
    a.signal('b', 1);
    await relayed;
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(text).toMatch(/pulsemesh_signal_sockets\{instance="[^"]+"\} 2/);
    expect(text).toMatch(/pulsemesh_signal_rooms\{instance="[^"]+"\} 1/);
    expect(text).toMatch(/pulsemesh_signal_relayed_total\{path="local",instance="[^"]+"\} 1/);
    expect(text).toMatch(/pulsemesh_signal_relay_latency_seconds_count\{instance="[^"]+"\} 1/);
    const ws = await raw(r.url);
    const code = closed(ws);
    await r.server.close();
    expect(await code).toBe(CloseCode.goingAway);
    expect(a.state).toBe('reconnecting');
  });
});
