/**
 * The per-pair relay bound (`relayBytesPerSecondMax`, decision 0047): one member relaying to one
 * target at its frame limit cannot fill the target's send buffer, where every other member's
 * relays to it would be dropped (`slow-consumer`). Real server on port 0, real `ws` sockets.
 */
import { describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { ErrorCode } from '@pulsemesh/signal';
import { RejectReason } from './server/metrics.js';
import { DEFAULT_SERVER_OPTIONS, relayBurstBytes, resolveServerOptions } from './server/options.js';
import {
  joinFrame,
  metricTotal,
  nextFrame,
  relaysProcessed,
  testHarness,
  until,
  type Running,
} from './test-support.js';

const { server, raw, rejections } = testHarness();
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const relayed = (r: Running): Promise<number> => metricTotal(r, 'pulsemesh_signal_relayed_total');

/** A raw socket joined to `room` as `peer` (resolves on its roster); `frames` collects what it gets after. */
async function member(
  r: Running,
  peer: string,
  address = '198.51.100.1',
): Promise<{ ws: WebSocket; frames: Record<string, unknown>[] }> {
  const ws = await raw(r.url, { 'x-forwarded-for': address });
  const roster = nextFrame(ws);
  ws.send(joinFrame(peer, peer.padEnd(16, '_')));
  await roster;
  const frames: Record<string, unknown>[] = [];
  ws.on('message', (d) => frames.push(JSON.parse(String(d)) as Record<string, unknown>));
  return { ws, frames };
}

const signal = (to: string, payload: unknown): string =>
  JSON.stringify({ v: 1, t: 3, room: 'room', to, payload });
const FLOOD_FRAMES = 500;

/**
 * t stops reading; f relays FLOOD_FRAMES frames of 60 KB to t (frame limit raised to 1,000/s so
 * the flood is 30 MB in well under a second); then h relays one small signal to t, and t reads
 * again for a while. Returns what t got from h and f, and the server's counters.
 */
async function floodThenHonest(relayBytesPerSecondMax: number) {
  // Three clients at three addresses (the bound is per sender address, decision 0055).
  const r = await server({ messagesPerSecondMax: 1_000, relayBytesPerSecondMax, trustProxy: true });
  const t = await member(r, 't', '198.51.100.1');
  const f = await member(r, 'f', '198.51.100.2');
  const h = await member(r, 'h', '198.51.100.3');
  t.ws.pause();
  const frame = signal('t', 'x'.repeat(60_000));
  const startMs = Date.now();
  for (let i = 0; i < FLOOD_FRAMES; i++) f.ws.send(frame);
  await until(async () => (await relaysProcessed(r)) >= FLOOD_FRAMES, 20_000, 'flood processed');
  const floodMs = Date.now() - startMs;
  h.ws.send(signal('t', 'offer from h'));
  await until(async () => (await relaysProcessed(r)) >= FLOOD_FRAMES + 1, 5_000, "h's relay processed");
  t.ws.resume();
  const fromH = (): unknown[] =>
    t.frames.filter((x) => x['t'] === 9 && x['from'] === 'h').map((x) => x['payload']);
  await until(() => fromH().length > 0, 3_000, "h's relay at t").catch(() => undefined);
  await sleep(300);
  return {
    r,
    f,
    floodMs,
    frameBytes: Buffer.byteLength(frame),
    fromH: fromH(),
    fromF: t.frames.filter((x) => x['t'] === 9 && x['from'] === 'f').length,
    relayRate: await rejections(r, RejectReason.relayRate),
    slowConsumer: await rejections(r, RejectReason.slowConsumer),
  };
}

describe('relayBurstBytes (documented on relayBytesPerSecondMax)', () => {
  it.each([
    [{}, 262_144],
    [{ relayBytesPerSecondMax: 1 }, 65_536],
    [{ frameBytesMax: 1_048_576 }, 1_048_576],
    [{ relayBytesPerSecondMax: 1_000_000 }, 4_000_000],
  ])('%o -> burst %i bytes', (options, burstBytes) => {
    expect(relayBurstBytes(resolveServerOptions(options, () => 'id'))).toBe(burstBytes);
  });
  it('defaults to 65,536 bytes/s', () => {
    expect(DEFAULT_SERVER_OPTIONS.relayBytesPerSecondMax).toBe(65_536);
  });
});

describe('one member flooding one target with relays', () => {
  it("default bound: the flooder's excess is dropped at the sender, another member's relay still reaches the target", async () => {
    const { f, floodMs, frameBytes, fromH, fromF, relayRate, slowConsumer } = await floodThenHonest(
      DEFAULT_SERVER_OPTIONS.relayBytesPerSecondMax,
    );
    const allowed = Math.floor((262_144 + (65_536 * (floodMs + 1_000)) / 1_000) / frameBytes);
    console.log(
      `relay bound: f's 500 x ${frameBytes} B to t in ${floodMs} ms: ${fromF} delivered (allowed ${allowed}), ${relayRate} relay-rate, ${slowConsumer} slow-consumer; h's relay at t: ${fromH.length}`,
    );
    expect(fromH).toEqual(['offer from h']);
    expect(slowConsumer).toBe(0);
    expect(fromF).toBeGreaterThanOrEqual(4); // the burst: 262,144 B
    expect(fromF).toBeLessThanOrEqual(allowed);
    expect(relayRate).toBe(FLOOD_FRAMES - fromF);
    const errors = f.frames.filter((x) => x['t'] === 10);
    expect(errors.length).toBeGreaterThanOrEqual(1);
    expect(errors.length).toBeLessThanOrEqual(Math.ceil(floodMs / 1_000) + 1); // at most one a second
    expect(errors[0]).toMatchObject({ code: ErrorCode.rateLimited, room: 'room' });
  });

  it("without the bound (the hole it closes): the same flood fills t's buffer and h's relay is dropped", async () => {
    // Shows the scenario above is strong enough to fail without the bound: 30 MB to a socket
    // that does not read is far past the kernel's buffers and `sendBufferBytesMax` (1 MiB).
    const { fromH, slowConsumer, relayRate } = await floodThenHonest(2 ** 30);
    console.log(`no relay bound: h's relay at t: ${fromH.length}; ${slowConsumer} slow-consumer`);
    expect(relayRate).toBe(0);
    expect(slowConsumer).toBeGreaterThan(0);
    expect(fromH).toEqual([]);
  });

  it('the budget is per target: a flooded pair does not limit the same sender to anyone else, and a negotiation fits', async () => {
    const r = await server();
    const t = await member(r, 't');
    const h = await member(r, 'h');
    const f = await member(r, 'f');
    const big = signal('t', 'x'.repeat(60_000));
    for (let i = 0; i < 10; i++) f.ws.send(big);
    await until(async () => (await rejections(r, RejectReason.relayRate)) >= 6, 5_000, 'f -> t bounded');
    // A WebRTC negotiation from f to h: a 10 KB offer and 30 candidates of ~200 B.
    f.ws.send(signal('h', { sdp: 'o'.repeat(10_000) }));
    for (let i = 0; i < 30; i++) f.ws.send(signal('h', { candidate: 'c'.repeat(200), i }));
    await until(() => h.frames.filter((x) => x['t'] === 9).length === 31, 5_000, 'negotiation at h');
    await until(() => t.frames.filter((x) => x['t'] === 9).length === 4, 5_000, 'burst at t');
    expect(await rejections(r, RejectReason.relayRate)).toBe(6);
    expect(h.frames.filter((x) => x['t'] === 10)).toEqual([]);
  });
});

/**
 * Sends `rounds` data-channel-only negotiations with trickle (what `createMesh` sends: an offer of
 * ~1 KB, 8 candidates of ~250 B) from each tab to t at once; returns the bytes sent.
 */
function negotiate(tabs: { ws: WebSocket }[], rounds: number): number {
  let bytes = 0;
  for (const tab of tabs) {
    for (let n = 0; n < rounds; n++) {
      const frames = [signal('t', { sdp: 'o'.repeat(1_000) })];
      for (let i = 0; i < 8; i++) frames.push(signal('t', { candidate: 'c'.repeat(250), i }));
      for (const frame of frames) {
        bytes += Buffer.byteLength(frame);
        tab.ws.send(frame);
      }
    }
  }
  return bytes;
}

describe('the bound is per address (decision 0055): clients behind one NAT share it', () => {
  const officeNat = async (r: Running) => {
    const t = await member(r, 't', '198.51.100.1');
    const tabs = await Promise.all(Array.from({ length: 63 }, (_, i) => member(r, `tab${i}`, '203.0.113.7')));
    return { t, tabs };
  };

  it('an office NAT: 63 tabs each negotiating a data channel with one newcomer at once all pass', async () => {
    // 63 negotiations at once from one address to one target: ~227 KB on the wire, inside the
    // burst (262,144 B). With 10 KB offers and 30 candidates (media SDPs, decision 0047's
    // example) about 16 fit at once; the rest are dropped and the sender told `rate-limited`.
    const r = await server({ trustProxy: true });
    const { t, tabs } = await officeNat(r);
    const bytes = negotiate(tabs, 1);
    await until(() => t.frames.filter((x) => x['t'] === 9).length === 63 * 9, 5_000, 'all at t');
    console.log(`office NAT: 63 negotiations, ${bytes} B from one address to one target, all delivered`);
    expect(bytes).toBeLessThan(262_144);
    expect(await rejections(r, RejectReason.relayRate)).toBe(0);
  });

  it("the same 63 tabs negotiating twice at once all pass: past the shared burst, each tab's floor (0060)", async () => {
    // 0055 cut this at the shared burst (440 and 473 of 1,134 refused); since decision 0060 each
    // tab keeps a floor of its own into t (8 KiB), and two negotiations (~7.2 KB) fit it.
    const r = await server({ trustProxy: true });
    const { t, tabs } = await officeNat(r);
    const bytes = negotiate(tabs, 2);
    await until(() => t.frames.filter((x) => x['t'] === 9).length === 63 * 18, 5_000, 'all at t');
    console.log(`office NAT, twice: ${bytes} B sent at once, all ${63 * 18} delivered`);
    expect(bytes).toBeGreaterThan(262_144);
    expect(await rejections(r, RejectReason.relayRate)).toBe(0);
  });

  it('the same 63 tabs negotiating 4 times at once are cut: the burst is shared, the floors are 8 KiB', async () => {
    const r = await server({ trustProxy: true });
    const { tabs } = await officeNat(r);
    const startMs = Date.now();
    const bytes = negotiate(tabs, 4);
    const processed = async (): Promise<number> =>
      (await relayed(r)) + (await rejections(r, RejectReason.relayRate));
    await until(async () => (await processed()) >= 63 * 36, 5_000, 'all processed');
    const refused = await rejections(r, RejectReason.relayRate);
    console.log(`office NAT, 4 times: ${bytes} B sent at once, ${refused} of ${63 * 36} relays refused`);
    const elapsedS = (Date.now() - startMs) / 1_000;
    expect(bytes).toBeGreaterThan(262_144 + 63 * 8_192 + (65_536 + 63 * 2_048) * elapsedS);
    expect(refused).toBeGreaterThan(0);
  });
});
