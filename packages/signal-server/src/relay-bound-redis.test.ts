/**
 * The relay bound across instances (decision 0055): what one client address puts into one target
 * socket is bounded where the target lives, whichever instances its sockets came in through and
 * whichever rooms it relays in. Two real instances over a real redis-server, real `ws` sockets;
 * each client's address is set by `X-Forwarded-For` behind `trustProxy`.
 */
import { describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { RejectReason } from './server/metrics.js';
import { DEFAULT_SERVER_OPTIONS } from './server/options.js';
import { joinRoom, relaysProcessed, testHarness, testRedis, until, type Running } from './test-support.js';

const redis = testRedis();
const { server, raw, rejections } = testHarness();
const instance = (prefix: string): Promise<Running> =>
  server({ redis: redis.url, redisPrefix: prefix, instanceTtlMs: 2_000, trustProxy: true });

const RELAY_BURST_BYTES = 262_144;
const RELAY_BYTES_PER_S = DEFAULT_SERVER_OPTIONS.relayBytesPerSecondMax;
const PAYLOAD_BYTES = 60_000;
const signal = (to: string, room: string): string =>
  JSON.stringify({ v: 1, t: 3, room, to, payload: 'x'.repeat(PAYLOAD_BYTES) });

/** A raw socket from `address` joined to each of `rooms` as `peer` (resolves on the rosters). */
async function member(r: Running, peer: string, address: string, rooms: string[]): Promise<WebSocket> {
  const ws = await raw(r.url, { 'x-forwarded-for': address });
  for (const room of rooms) await joinRoom(ws, peer, room);
  return ws;
}

/** Relays delivered, or dropped for their rate or a full buffer, on either instance. */
const processed = async (A: Running, B: Running): Promise<number> =>
  (await relaysProcessed(A)) + (await relaysProcessed(B));

/**
 * Sends every frame of `sends` at once, waits until both instances processed them, then waits
 * for t (a little); returns the relay bytes at t, the time taken, and the drops on B (t's).
 */
async function relayAll(A: Running, B: Running, t: WebSocket, sends: [WebSocket, string][]) {
  let bytes = 0;
  t.on('message', (d) => {
    const f = JSON.parse(String(d)) as Record<string, unknown>;
    if (f['t'] === 9) bytes += String(f['payload']).length;
  });
  const startMs = performance.now();
  for (const [ws, frame] of sends) ws.send(frame);
  await until(async () => (await processed(A, B)) >= sends.length, 8_000, 'all relays processed');
  await until(() => bytes >= PAYLOAD_BYTES * 4 || performance.now() - startMs > 2_000, 3_000, 'at t');
  const elapsedS = (performance.now() - startMs) / 1000;
  const bound = RELAY_BURST_BYTES + RELAY_BYTES_PER_S * elapsedS;
  return { bytes, elapsedS, bound, droppedAtB: await rejections(B, RejectReason.relayRate) };
}

describe('the relay bound across instances (Redis scale-out)', () => {
  it("16 sockets of one address, 8 on t's instance and 8 on another, relay at most the bound to t", async () => {
    const A = await instance('rb1');
    const B = await instance('rb1');
    const t = await member(B, 't', '198.51.100.1', ['room']);
    const senders: WebSocket[] = [];
    for (let i = 0; i < 16; i++) senders.push(await member(i % 2 ? A : B, `f${i}`, '198.51.100.2', ['room']));
    const sends = senders.flatMap((ws) =>
      Array.from({ length: 4 }, () => [ws, signal('t', 'room')] as [WebSocket, string]),
    );
    const out = await relayAll(A, B, t, sends);
    console.log(
      `one address, 8+8 sockets over two instances: ${out.bytes} B at t in ${out.elapsedS.toFixed(2)} s (bound ${Math.round(out.bound)} B), ${out.droppedAtB} dropped at t's instance`,
    );
    expect(out.bytes).toBeGreaterThanOrEqual(4 * PAYLOAD_BYTES); // the burst passes
    expect(out.bytes).toBeLessThanOrEqual(out.bound);
  });

  it("one socket on another instance relaying in 8 rooms is charged once at t's instance", async () => {
    // The sending instance cannot see t's socket (it knows t by room and id), so its own check
    // passes 4 frames per room; t's instance charges the address and t's socket.
    const A = await instance('rb2');
    const B = await instance('rb2');
    const rooms = Array.from({ length: 8 }, (_, i) => `doc${i}`);
    const t = await member(B, 't', '198.51.100.1', rooms);
    const f = await member(A, 'f', '198.51.100.2', rooms);
    const sends = rooms.flatMap((room) =>
      Array.from({ length: 4 }, () => [f, signal('t', room)] as [WebSocket, string]),
    );
    const out = await relayAll(A, B, t, sends);
    console.log(
      `one socket, 8 rooms, across instances: ${out.bytes} B at t in ${out.elapsedS.toFixed(2)} s (bound ${Math.round(out.bound)} B), ${out.droppedAtB} dropped at t's instance`,
    );
    expect(out.droppedAtB).toBeGreaterThanOrEqual(1);
    expect(out.bytes).toBeLessThanOrEqual(out.bound);
  });

  it('another address relaying to the same target across instances is not charged for the first', async () => {
    const A = await instance('rb3');
    const B = await instance('rb3');
    const t = await member(B, 't', '198.51.100.1', ['room']);
    const f = await member(A, 'f', '198.51.100.2', ['room']);
    const h = await member(A, 'h', '198.51.100.3', ['room']);
    const fromH: unknown[] = [];
    t.on('message', (d) => {
      const m = JSON.parse(String(d)) as Record<string, unknown>;
      if (m['t'] === 9 && m['from'] === 'h') fromH.push(m['payload']);
    });
    const sends = Array.from({ length: 10 }, () => [f, signal('t', 'room')] as [WebSocket, string]);
    await relayAll(A, B, t, sends);
    h.send(JSON.stringify({ v: 1, t: 3, room: 'room', to: 't', payload: 'offer from h' }));
    await until(() => fromH.length === 1, 3_000, "h's offer at t");
    expect(fromH).toEqual(['offer from h']);
  });
});
