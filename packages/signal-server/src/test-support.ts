/**
 * Test helpers (Node): real servers on port 0 and real clients over `ws`. Not part of the public API.
 */
import { generateKeyPairSync, sign } from 'node:crypto';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { WebSocket } from 'ws';
import { SignalClient } from '@pulsemesh/signal';
import type { KeyProofSigner, SignalClientOptions } from '@pulsemesh/signal';
import type { SignalClientEventMap } from '@pulsemesh/signal';
import { keyDerivedId } from './server/key-proof.js';
import { RejectReason } from './server/metrics.js';
import { createSignalServer } from './server/signal-server.js';
import type { SignalServer } from './server/signal-server.js';
import { DEFAULT_SERVER_OPTIONS, relayBurstBytes, resolveServerOptions } from './server/options.js';
import type { SignalServerOptions } from './server/options.js';
import { startRedis, type RedisProcess } from './redis-support.js';

/** A listening server plus its URL. */
export interface Running {
  server: SignalServer;
  url: string;
  port: number;
}

/** Starts a silent server on 127.0.0.1, port 0 (or `port`). */
export async function startServer(options: SignalServerOptions = {}, port = 0): Promise<Running> {
  const server = createSignalServer({ logLevel: 'silent', ...options });
  const { url, port: bound } = await server.listen(port);
  return { server, url, port: bound };
}

/** A Node `SignalClient` with fast test timings; not connected yet. */
export function makeClient(
  url: string | string[],
  room: string,
  peerId: string,
  options: Partial<SignalClientOptions> = {},
): SignalClient {
  return new SignalClient({
    url,
    room,
    peerId,
    WebSocket,
    backoffMsMin: 20,
    backoffMsMax: 200,
    pingIntervalMs: 1_000,
    pingTimeoutMs: 1_000,
    ...options,
  });
}

/** Resolves with the next event of `type` matching `accept`; rejects after `timeoutMs`. */
export function next<K extends keyof SignalClientEventMap>(
  client: SignalClient,
  type: K,
  accept: (ev: SignalClientEventMap[K]) => boolean = () => true,
  timeoutMs = 5_000,
): Promise<SignalClientEventMap[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.removeEventListener(type, listener);
      reject(new Error(`timed out waiting for '${type}' on ${client.peerId}`));
    }, timeoutMs);
    const listener = (ev: SignalClientEventMap[K]): void => {
      if (!accept(ev)) return;
      clearTimeout(timer);
      client.removeEventListener(type, listener);
      resolve(ev);
    };
    client.addEventListener(type, listener);
  });
}

/** Connects and resolves with the first roster. */
export async function joined(client: SignalClient, timeoutMs = 5_000): Promise<string[]> {
  const roster = next(client, 'roster', () => true, timeoutMs);
  client.connect();
  return (await roster).detail.peers;
}

/** Every `session-ended` `client` passes on (what its detector takes as a witness), in order. */
export function recordEnds(client: SignalClient): SignalClientEventMap['session-ended']['detail'][] {
  const out: SignalClientEventMap['session-ended']['detail'][] = [];
  client.addEventListener('session-ended', (e) => out.push(e.detail));
  return out;
}

/** A raw join frame of `peer` in `room` with `claim` (the reconnect secret). */
export function joinFrame(peer: string, claim: string, room = 'room'): string {
  return JSON.stringify({ v: 1, t: 1, room, peer, claim });
}

/** A fresh Ed25519 key (Node crypto) as a signer, and its key-derived id. */
export function keyPair(): KeyProofSigner & { id: string } {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(12);
  return {
    id: keyDerivedId(raw),
    publicKey: new Uint8Array(raw),
    sign: (data) => new Uint8Array(sign(null, data, privateKey)),
  };
}

/** Polls `check` until it returns true, or rejects after `timeoutMs`. */
export async function until(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 5_000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A raw `ws` socket to the server, resolved once open. */
export function rawSocket(url: string, headers: Record<string, string> = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, 'pulsemesh-signal.v1', { headers });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

/** Resolves with the close code of `ws`. */
export function closed(ws: WebSocket): Promise<number> {
  return new Promise((resolve) => {
    if (ws.readyState === WebSocket.CLOSED) resolve(-1);
    ws.once('close', (code) => resolve(code));
  });
}

/** Payload bytes (and frames) of the relays `ws` receives (t = 9), counted as they arrive. */
export function relayBytesAt(ws: WebSocket): { bytes: number; frames: number } {
  const got = { bytes: 0, frames: 0 };
  ws.on('message', (d) => {
    const f = JSON.parse(String(d)) as Record<string, unknown>;
    if (f['t'] !== 9) return;
    got.frames++;
    got.bytes += String(f['payload']).length;
  });
  return got;
}

/** A raw `signal` frame to `to` in room `room` whose payload is `bytes` characters. */
export const signalOfBytes = (to: string, bytes: number): string =>
  JSON.stringify({ v: 1, t: 3, room: 'room', to, payload: 'x'.repeat(bytes) });

/** The address relay budget's burst under the default options (decision 0047). */
export const DEFAULT_RELAY_BURST_BYTES = relayBurstBytes(resolveServerOptions({}, () => 'id'));
/** Each socket's relay floor per target under its address's budget (`server/relays.ts`, decision 0060). */
const RELAY_FLOOR_BURST_BYTES = 8_192;
const RELAY_FLOOR_BYTES_PER_S = 2_048;

/**
 * Decision 0060's bound on the relay bytes one address puts into one target in `elapsedS` seconds
 * while `sockets` of its sockets use their floors (default options): the address burst plus each
 * socket's floor burst, plus both refills over the time.
 */
export function addressRelayBoundBytes(sockets: number, elapsedS: number): number {
  const perSecond = DEFAULT_SERVER_OPTIONS.relayBytesPerSecondMax + sockets * RELAY_FLOOR_BYTES_PER_S;
  return DEFAULT_RELAY_BURST_BYTES + sockets * RELAY_FLOOR_BURST_BYTES + perSecond * elapsedS;
}

/** Resolves with the next text frame of `ws`, parsed as JSON. */
export function nextFrame(ws: WebSocket, timeoutMs = 3_000): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timed out waiting for a frame')), timeoutMs);
    ws.once('message', (data) => {
      clearTimeout(timer);
      resolve(JSON.parse(String(data)) as Record<string, unknown>);
    });
  });
}

/** Joins `ws` to `room` as `peer` and resolves with the answer: its roster (t = 6) or error (t = 10). */
export function joinAnswer(ws: WebSocket, peer: string, room = 'room'): Promise<Record<string, unknown>> {
  const answer = new Promise<Record<string, unknown>>((resolve) => {
    const onFrame = (d: unknown): void => {
      const f = JSON.parse(String(d)) as Record<string, unknown>;
      if (f['room'] !== room || (f['t'] !== 6 && f['t'] !== 10)) return;
      ws.off('message', onFrame);
      resolve(f);
    };
    ws.on('message', onFrame);
  });
  ws.send(joinFrame(peer, peer.padEnd(16, '_'), room));
  return answer;
}

/** Joins `ws` to `room` as `peer`; resolves on the roster, rejects on a refusal. */
export async function joinRoom(ws: WebSocket, peer: string, room = 'room'): Promise<void> {
  const answer = await joinAnswer(ws, peer, room);
  if (answer['t'] !== 6) throw new Error(`join of ${peer} refused: ${String(answer['code'])}`);
}

/** The sum of the counter `name` over all its labels at `r` (0 before its first count). */
export async function metricTotal(r: Running, name: string): Promise<number> {
  const metric = await r.server.metrics.getSingleMetric(name)?.get();
  return metric?.values.reduce((n, v) => n + v.value, 0) ?? 0;
}

/** How many messages `r` rejected for `reason` (a `RejectReason`). */
export async function rejectionsAt(r: Running, reason: string): Promise<number> {
  const metric = await r.server.metrics.getSingleMetric('pulsemesh_signal_rejections_total')?.get();
  return metric?.values.find((v) => v.labels['reason'] === reason)?.value ?? 0;
}

/** Relays `r` has done with: delivered, or dropped for the relay rate or a full send buffer. */
export async function relaysProcessed(r: Running): Promise<number> {
  return (
    (await metricTotal(r, 'pulsemesh_signal_relayed_total')) +
    (await rejectionsAt(r, RejectReason.relayRate)) +
    (await rejectionsAt(r, RejectReason.slowConsumer))
  );
}

/**
 * Servers, clients and raw sockets for one test file, all closed after each test (registers its
 * own `afterEach`), and the server's rejection counter by reason.
 */
export function testHarness(): {
  server: (...args: Parameters<typeof startServer>) => Promise<Running>;
  client: (...args: Parameters<typeof makeClient>) => SignalClient;
  raw: (url: string, headers?: Record<string, string>) => Promise<WebSocket>;
  member: (r: Running, peer: string, address: string) => Promise<WebSocket>;
  rejections: (r: Running, reason: string) => Promise<number>;
  track: (s: { destroy(): void }) => void;
} {
  const running: Running[] = [];
  const clients: SignalClient[] = [];
  const closers: (() => void)[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    for (const close of closers.splice(0)) close();
    await Promise.all(running.splice(0).map((r) => r.server.close()));
  });
  const raw = async (url: string, headers: Record<string, string> = {}): Promise<WebSocket> => {
    const ws = await rawSocket(url, headers);
    closers.push(() => ws.terminate());
    return ws;
  };
  return {
    async server(...args) {
      const r = await startServer(...args);
      running.push(r);
      return r;
    },
    client(...args) {
      const c = makeClient(...args);
      clients.push(c);
      return c;
    },
    raw,
    // A raw socket from `address` (as a trusted proxy forwards it) joined to 'room' as `peer`,
    // resolved on its roster; retried while refused (a 429 while closed sockets of the address
    // are not yet released), up to 50 times 20 ms apart.
    async member(r, peer, address) {
      for (let attempt = 0; ; attempt++) {
        try {
          const ws = await raw(r.url, { 'x-forwarded-for': address });
          const roster = nextFrame(ws);
          ws.send(joinFrame(peer, peer.padEnd(16, '_')));
          await roster;
          return ws;
        } catch (error) {
          if (attempt >= 50) throw error;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      }
    },
    rejections: rejectionsAt,
    track(s) {
      closers.push(() => s.destroy());
    },
  };
}

/** A real redis-server for one test file: started before its tests, stopped after all of them. */
export function testRedis(): { readonly url: string } {
  let redis: RedisProcess | undefined;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });
  return {
    get url() {
      if (redis === undefined) throw new Error('testRedis(): redis-server has not started');
      return redis.url;
    },
  };
}
