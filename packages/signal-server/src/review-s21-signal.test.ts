// Session-21 review of decision 0055 (relay bound per client address and target socket, across
// rooms, sockets and Redis instances; `trustProxy` hop count) from a hostile client's side: a way
// around the bound, a way to turn it against an honest client, memory of the new table, and
// malformed input on the new paths (the Redis relay envelope's `a` and `b`). Real server on port 0,
// real `ws` sockets, a real redis-server for the Redis paths.
// A held property is an `it`; a hole is an `it.fails` naming the hole, its numbers and a fix.
// Run: nice -n 10 pnpm vitest run packages/signal-server/src/review-s21-signal.test.ts
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { RejectReason } from './server/metrics.js';
import { DEFAULT_SERVER_OPTIONS } from './server/options.js';
import { BucketMap } from './server/rate-limiter.js';
import {
  joinFrame,
  joinRoom,
  metricTotal,
  relaysProcessed,
  testHarness,
  testRedis,
  until,
  type Running,
} from './test-support.js';

const redis = testRedis();
const { server, raw, rejections } = testHarness();

const RELAY_BURST_BYTES = 262_144;
const RELAY_BYTES_PER_S = DEFAULT_SERVER_OPTIONS.relayBytesPerSecondMax;
const PAYLOAD_BYTES = 60_000;
const signal = (to: string, room = 'room'): string =>
  JSON.stringify({ v: 1, t: 3, room, to, payload: 'x'.repeat(PAYLOAD_BYTES) });

/** A raw socket whose trusted proxy saw `address`, joined to each of `rooms` as `peer`. */
async function member(r: Running, peer: string, address: string, rooms = ['room']): Promise<WebSocket> {
  const ws = await raw(r.url, { 'x-forwarded-for': address });
  for (const room of rooms) await joinRoom(ws, peer, room);
  return ws;
}

/** Relay frames (t = 9) `ws` received, as [from, payload]. */
function relaysAt(ws: WebSocket): [unknown, unknown][] {
  const got: [unknown, unknown][] = [];
  ws.on('message', (d) => {
    const f = JSON.parse(String(d)) as Record<string, unknown>;
    if (f['t'] === 9) got.push([f['from'], f['payload']]);
  });
  return got;
}

describe('the relay bound per client address (decision 0055) against many addresses of one client', () => {
  // Was a HOLE, closed in session 21 by decision 0060 (every per-IP bound counts an IPv6 client
  // by its /64, `addressKey`; it.fails -> it; after: 240,000 B at t, 4 frames). The hole as found:
  // (one IPv6 client is 2^64 addresses): the relay budget (and the socket and join bounds) is
  // keyed by the full address, and an IPv6 client commonly holds a whole /64 (SLAAC privacy
  // addresses; any host can bind more of its prefix). Behind a trusted proxy that appends what it
  // saw, 16 sockets from 16 addresses of 2001:db8::/64, each relaying 4 frames of 60 KB to t, all
  // pass: measured 3,840,000 B at t in ~0.1 s, about 14x the bound the decision promises per
  // client (~270,000 B), past t's `sendBufferBytesMax` (1 MiB); the socket bound (64 per address)
  // does not hold per /64 either. The decision names it under "Not done". Fix: count an IPv6
  // address by its /64 prefix for every per-IP bound (`clientAddress` returns the prefix as the
  // key: `2001:db8::/64`), or a /56 as an option for providers that hand out larger prefixes.
  it('16 addresses of one IPv6 /64 relay at most the per-client bound to one target', async () => {
    const r = await server({ trustProxy: true });
    const t = await member(r, 't', '198.51.100.1');
    const atT = relaysAt(t);
    const senders: WebSocket[] = [];
    for (let i = 0; i < 16; i++) senders.push(await member(r, `f${i}`, `2001:db8::${(i + 1).toString(16)}`));
    const startMs = performance.now();
    for (const ws of senders) for (let i = 0; i < 4; i++) ws.send(signal('t'));
    await until(async () => (await relaysProcessed(r)) >= 64, 5_000, 'all relays processed');
    await until(() => atT.length >= 64 || performance.now() - startMs > 2_000, 3_000, 'relays at t');
    const elapsedS = (performance.now() - startMs) / 1000;
    const bytes = atT.length * PAYLOAD_BYTES;
    const bound = RELAY_BURST_BYTES + RELAY_BYTES_PER_S * elapsedS;
    console.log(
      `16 addresses of one /64: ${bytes} B at t in ${elapsedS.toFixed(2)} s (bound ${Math.round(bound)} B), ` +
        `${await rejections(r, RejectReason.relayRate)} relay-rate, ${await rejections(r, RejectReason.slowConsumer)} slow-consumer`,
    );
    expect(bytes).toBeLessThanOrEqual(bound);
  });

  it('the forms a proxy may write for one IPv4 client (mapped, hex-mapped, with port) share one budget', async () => {
    const r = await server({ trustProxy: true });
    const t = await member(r, 't', '198.51.100.1');
    const atT = relaysAt(t);
    const forms = ['198.51.100.7', '::ffff:198.51.100.7', '[::FFFF:C633:6407]:443', '198.51.100.7:5000'];
    const senders = [];
    for (const [i, form] of forms.entries()) senders.push(await member(r, `f${i}`, form));
    for (const ws of senders) for (let i = 0; i < 4; i++) ws.send(signal('t'));
    await until(async () => (await rejections(r, RejectReason.relayRate)) >= 1, 5_000, 'some refused');
    await new Promise((resolve) => setTimeout(resolve, 300));
    console.log(`4 forms of one address, 16 frames: ${atT.length} at t`);
    expect(atT.length).toBeLessThanOrEqual(5); // 4 in the burst, at most one more from the refill
  });
});

describe('the shared budget of one address (decision 0055) turned against an honest neighbour', () => {
  // Was a HOLE, closed in session 21 by decision 0060 (the per-(sender socket, target) floor of
  // 8 KiB and 2 KiB/s under the address budget, `Relays.#withinBudget`; it.fails -> it; after: 9 of
  // 9 at t, the offer in). The hole as found: (a NAT-mate starves an honest member's negotiation): the budget into t is per sender
  // address, so a member behind the same address as Mallory (an office or campus NAT, a carrier's
  // CGNAT, a café's Wi-Fi: she only has to get on it) shares Mallory's budget. 0055 measured
  // honest tabs sharing it; a hostile one keeps it empty: 24 sockets of her address (of 64) take
  // turns relaying 200 B to t every millisecond (each socket under 50 frames/s), so the bucket
  // never holds much more than one such frame. Then h, behind the same address, sends t
  // a data-channel negotiation (an offer of 1,000 B, 8 candidates of 250 B trickled 50 ms apart):
  // measured 1 or 2 of 9 reach t and the offer never does (5 of 5 runs; the rest `relay-rate`, h
  // told `rate-limited`), for as long as Mallory keeps it up: ~64 KiB/s per target she starves,
  // after 5 frames of 60 KB that empty the burst. Before 0055 the budget was per sender socket and h
  // was untouched. Fix: a per-(sender socket, target) floor under the address budget: when the
  // address bucket is empty, a socket still passes up to a small burst of its own (8 KiB, three
  // negotiations; refilled 2 KiB/s) so the heaviest sender is cut first; worst case per address
  // 256 KiB + 64 x 8 KiB = 768 KiB, under `sendBufferBytesMax` (1 MiB). (Sketched so in `Relays.
  // #withinBudget`, a second BucketMap of 2,048 B/s and 8,192 B keyed by socket and budget key, and
  // reverted: h's 9 of 9 reached t, the offer in, 2 of 2 runs.)
  it("Mallory flooding t from h's address does not keep h's negotiation from t", async () => {
    const r = await server({ trustProxy: true });
    const t = await member(r, 't', '198.51.100.1');
    const atT = relaysAt(t);
    const nat = '203.0.113.5';
    const mallory: WebSocket[] = [];
    for (let i = 0; i < 24; i++) mallory.push(await member(r, `m${i}`, nat));
    const h = await member(r, 'h', nat);
    for (const ws of mallory.slice(0, 5)) ws.send(signal('t')); // the burst: 5 x 60 KB
    // One small frame a millisecond, round robin over 24 sockets (each under 50 frames/s): the
    // bucket is taken as soon as it holds one of them, so it never holds an offer's worth.
    const small = JSON.stringify({ v: 1, t: 3, room: 'room', to: 't', payload: 'm'.repeat(200) });
    let next = 0;
    const flood = setInterval(() => mallory[next++ % mallory.length]!.send(small), 1);
    try {
      await new Promise((resolve) => setTimeout(resolve, 500));
      const negotiation = ['o'.repeat(1_000), ...Array.from({ length: 8 }, () => 'c'.repeat(250))];
      for (const payload of negotiation) {
        h.send(JSON.stringify({ v: 1, t: 3, room: 'room', to: 't', payload }));
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    } finally {
      clearInterval(flood);
    }
    const fromH = atT.filter(([from]) => from === 'h').length;
    const offer = atT.some(([from, p]) => from === 'h' && String(p).startsWith('o'));
    const fromMalloryBytes = atT
      .filter(([from]) => from !== 'h')
      .reduce((n, [, p]) => n + String(p).length, 0);
    console.log(
      `NAT-mate flood: ${fromH} of 9 of h's negotiation frames at t (offer ${offer ? 'in' : 'refused'}); Mallory's bytes at t ${fromMalloryBytes} in ~1.5 s; ` +
        `${await rejections(r, RejectReason.relayRate)} relay-rate`,
    );
    expect(fromH).toBe(9);
  });
});

describe('the new budget table (one BucketMap on Relays) stays bounded', () => {
  it('100,000 one-off (address, target) pairs, one a millisecond, leave at most ~4,096 keys', () => {
    const budgets = new BucketMap(RELAY_BYTES_PER_S, RELAY_BURST_BYTES, 4096);
    let most = 0;
    for (let i = 0; i < 100_000; i++) {
      budgets.take(`198.51.100.${i % 250}\u0000${i}`, i, 1_000);
      most = Math.max(most, budgets.size);
    }
    expect(most).toBeLessThanOrEqual(4096 + 1);
  });

  // Held, with a cost: past 4,096 keys every new key scans the whole table for full buckets, so
  // 8,192 keys all drained within one refill time cost ~0.4 s of CPU to add (quadratic). Reaching
  // it takes 4,096 pairs drained within their refill time (a 64 KB relay refills in 1 s): about
  // 256 MB/s of relays through the 50 frames/s per-socket limit, far past what the bound exists for.
  it('8,192 drained pairs are all kept while draining, and forgotten once refilled (4 s later)', () => {
    const budgets = new BucketMap(RELAY_BYTES_PER_S, RELAY_BURST_BYTES, 4096);
    const startMs = performance.now();
    for (let i = 0; i < 8192; i++) expect(budgets.take(`a${i}\u0000t`, 0, RELAY_BURST_BYTES)).toBe(true);
    const fillMs = performance.now() - startMs;
    expect(budgets.size).toBe(8192); // a drained bucket is not the same as a fresh one: kept
    budgets.take('late\u0000t', 4_001, 1);
    console.log(`8,192 drained pairs: ${fillMs.toFixed(0)} ms to add (a full scan per new key past 4,096)`);
    expect(budgets.size).toBe(1);
  });
});

describe('malformed relay envelopes from Redis (the new fields a and b)', () => {
  it('a of any type, b negative, a string or huge: nothing throws, each charged or dropped, honest relays pass', async () => {
    const prefix = 'rv21';
    const B = await server({ redis: redis.url, redisPrefix: prefix, instanceTtlMs: 2_000, trustProxy: true });
    const t = await member(B, 't', '198.51.100.1');
    const h = await member(B, 'h', '198.51.100.2');
    const atT = relaysAt(t);
    const pub = new Redis(redis.url, { lazyConnect: true });
    await pub.connect();
    try {
      const envelope = (extra: Record<string, unknown>): string =>
        JSON.stringify({ k: 'r', i: 'other-instance', f: 'f', to: 't', at: Date.now(), ...extra });
      const channel = `${prefix}:c:room`;
      const texts = [
        envelope({ pl: 'a-object', a: { x: 1 }, b: 10 }),
        envelope({ pl: 'a-empty-b-negative', a: '', b: -5 }),
        envelope({ pl: 'b-string', a: '203.0.113.9', b: '12' }),
        envelope({ pl: 'b-huge', a: '203.0.113.10', b: 1e300 }),
        envelope({ pl: 'to-object', to: { t: 1 }, a: '203.0.113.11', b: 10 }),
        envelope({ pl: 'a-array', a: ['x'], b: [1] }),
        '{"k":"r","i":"other-instance","f":"f","to":"t"', // cut short
        '[]',
        '7',
      ];
      for (const text of texts) await pub.publish(channel, text);
      await until(() => atT.length >= 4, 3_000, 'the chargeable envelopes at t');
      await new Promise((resolve) => setTimeout(resolve, 200));
      h.send(JSON.stringify({ v: 1, t: 3, room: 'room', to: 't', payload: 'offer from h' }));
      await until(() => atT.some(([from]) => from === 'h'), 3_000, "h's offer at t");
      const payloads = atT.map(([, payload]) => payload);
      console.log(`malformed envelopes: at t ${JSON.stringify(payloads)}`);
      expect(payloads).toEqual(['a-object', 'a-empty-b-negative', 'b-string', 'a-array', 'offer from h']);
      expect(await rejections(B, RejectReason.relayRate)).toBe(1); // b-huge
    } finally {
      pub.disconnect();
    }
  });
});

/** The CLI as a real process on port 0 over Redis; resolves with its url and exit once it logs `ready`. */
async function cliProcess(redisUrl: string) {
  const main = fileURLToPath(new URL('./main.ts', import.meta.url));
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', main], {
    env: { ...process.env, PULSEMESH_SIGNAL_PORT: '0', PULSEMESH_SIGNAL_REDIS: redisUrl },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let exitCode: number | null | undefined;
  child.once('exit', (code) => (exitCode = code));
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  await until(() => /"msg":"ready"/.test(out) || exitCode !== undefined, 15_000, 'the CLI ready');
  const url = /"url":"([^"]+)"/.exec(out)?.[1] ?? '';
  return { url, exited: () => exitCode !== undefined, kill: () => child.kill('SIGKILL') };
}

describe("the target's instance charges relays from other instances by sender address (0055, decision 3)", () => {
  // Held, and a gap in `relay-bound-redis.test.ts` closed: its "another address relaying to the
  // same target across instances is not charged for the first" still passes with `fromRemote`
  // charging t's socket alone (the sender's address dropped from the key; tried and reverted),
  // because f's 10 frames in one room are cut to 4 by f's own instance, which leaves ~22 KB in t's
  // bucket for h's 12 B offer. Here f, on instance A, relays to t on B 4 frames of 60 KB in each
  // of 4 rooms and 2 of 5 KB in each of 4 more (A passes all 24: its check is per room and id),
  // so B takes t's whole burst from f's address, to within ~2 KB; h, another address on A, then
  // sends t a media offer of 10 KB, which must reach t. With the address dropped from the key the
  // offer is refused and this test fails (tried and reverted).
  it("f draining its budget into t from another instance leaves h's 10 KB offer to t alone", async () => {
    const opts = { redis: redis.url, redisPrefix: 'rv21b', instanceTtlMs: 2_000, trustProxy: true };
    const A = await server(opts);
    const B = await server(opts);
    const rooms = Array.from({ length: 8 }, (_, i) => `doc${i}`);
    const t = await member(B, 't', '198.51.100.1', rooms);
    const f = await member(A, 'f', '198.51.100.2', rooms);
    const h = await member(A, 'h', '198.51.100.3', ['doc0']);
    const atT = relaysAt(t);
    const frame = (room: string, bytes: number): string =>
      JSON.stringify({ v: 1, t: 3, room, to: 't', payload: 'f'.repeat(bytes) });
    for (const room of rooms.slice(0, 4)) for (let i = 0; i < 4; i++) f.send(frame(room, PAYLOAD_BYTES));
    for (const room of rooms.slice(4)) for (let i = 0; i < 2; i++) f.send(frame(room, 5_000));
    const atB = async (): Promise<number> =>
      (await metricTotal(B, 'pulsemesh_signal_relayed_total')) +
      (await rejections(B, RejectReason.relayRate));
    await until(async () => (await atB()) >= 24, 5_000, "f's 24 frames charged at B");
    h.send(JSON.stringify({ v: 1, t: 3, room: 'doc0', to: 't', payload: 'o'.repeat(10_000) }));
    await until(() => atT.some(([from]) => from === 'h'), 3_000, "h's offer at t");
    const fromF = atT.filter(([from]) => from === 'f').reduce((n, [, p]) => n + String(p).length, 0);
    const dropped = await rejections(B, RejectReason.relayRate);
    console.log(
      `f over 8 rooms from instance A: ${fromF} B at t, ${dropped} dropped at B; h's 10 KB offer at t`,
    );
    expect(fromF).toBeLessThanOrEqual(RELAY_BURST_BYTES + RELAY_BYTES_PER_S);
  });
});

describe('a JSON null on a room channel (any envelope that parses to null)', () => {
  // Was a HOLE (pre-existing, on the relay path decision 0055 extends): `RedisScaleOut.#onMessage`
  // read `e.i` on whatever `JSON.parse` gave; `PUBLISH pulsemesh:signal:c:room null` made a CLI
  // instance over a real redis-server exit within 1 s (uncaught TypeError in ioredis's listener).
  // Closed in session 21: `asEnvelope` drops and logs anything that is not an object with a known
  // `k`, a string `i` and canonical peer ids (the test failed with the check reverted).
  it('the instance survives a null envelope on its room channel', async () => {
    const cli = await cliProcess(redis.url);
    const pub = new Redis(redis.url, { lazyConnect: true });
    try {
      const ws = await raw(cli.url);
      ws.send(joinFrame('t', 't'.padEnd(16, '_'), 'room'));
      await pub.connect();
      const subscribers = async (): Promise<unknown> =>
        (await pub.pubsub('NUMSUB', 'pulsemesh:signal:c:room'))[1];
      await until(async () => (await subscribers()) === 1, 3_000, 'the instance subscribed to the room');
      await pub.publish('pulsemesh:signal:c:room', 'null');
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      console.log(`after a null envelope the CLI process ${cli.exited() ? 'exited' : 'is alive'}`);
      expect(cli.exited()).toBe(false);
    } finally {
      pub.disconnect();
      cli.kill();
    }
  });
});
