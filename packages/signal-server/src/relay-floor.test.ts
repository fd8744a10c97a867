/**
 * The per-socket floor under the address relay budget (decision 0060): what one address can put
 * into one target socket when all 64 of its sockets use their floors is still bounded (256 KiB +
 * 64 x 8 KiB plus the refills), and a floor is one socket's, not shared with its other targets.
 * Real server on port 0, real `ws` sockets.
 */
import { describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { RejectReason } from './server/metrics.js';
import { DEFAULT_SERVER_OPTIONS } from './server/options.js';
import {
  addressRelayBoundBytes,
  DEFAULT_RELAY_BURST_BYTES as burst,
  relayBytesAt,
  signalOfBytes as signal,
  testHarness,
  until,
} from './test-support.js';

const { server, member, rejections } = testHarness();
const SOCKETS = DEFAULT_SERVER_OPTIONS.socketsPerIpMax;

describe('the per-socket floor under the address relay budget (decision 0060)', () => {
  it('64 sockets of one address each pushing past its floor: at most burst + 64 floors (+ refills) at t', async () => {
    const r = await server({ trustProxy: true });
    const t = await member(r, 't', '198.51.100.1');
    const atT = relayBytesAt(t);
    const senders: WebSocket[] = [];
    for (let i = 0; i < SOCKETS - 1; i++) senders.push(await member(r, `s${i}`, '203.0.113.5'));
    const startMs = performance.now();
    // Each socket: 8 frames of 2,000 B (16 KB, twice its floor) after the address burst is gone.
    for (const ws of senders.slice(0, 5)) ws.send(signal('t', 60_000));
    for (const ws of senders) for (let i = 0; i < 8; i++) ws.send(signal('t', 2_000));
    const total = 5 + senders.length * 8;
    const processed = async (): Promise<number> => atT.frames + (await rejections(r, RejectReason.relayRate));
    await until(async () => (await processed()) >= total, 10_000, 'all relays processed');
    const elapsedS = (performance.now() - startMs) / 1000;
    const bound = addressRelayBoundBytes(senders.length, elapsedS);
    const refused = await rejections(r, RejectReason.relayRate);
    console.log(
      `${senders.length} sockets of one address: ${atT.bytes} B at t in ${elapsedS.toFixed(2)} s ` +
        `(bound ${Math.round(bound)} B; address burst alone ${burst} B), ${refused} relay-rate`,
    );
    expect(atT.bytes).toBeLessThanOrEqual(bound);
    expect(atT.bytes).toBeGreaterThan(burst); // the floors do pass something past the burst
    expect(refused).toBeGreaterThan(0);
  });

  it("a socket's floor into one target leaves its floor into another alone", async () => {
    const r = await server({ trustProxy: true });
    const t = await member(r, 't', '198.51.100.1');
    const u = await member(r, 'u', '198.51.100.2');
    const [atT, atU] = [relayBytesAt(t), relayBytesAt(u)];
    const m = await member(r, 'm', '203.0.113.5');
    const h = await member(r, 'h', '203.0.113.5');
    // m empties its address's budgets into t and into u (5 x 60 KB, then 12 x 2 KB past its floor).
    for (const to of ['t', 'u']) {
      for (let i = 0; i < 5; i++) m.send(signal(to, 60_000));
      for (let i = 0; i < 12; i++) m.send(signal(to, 2_000));
    }
    const processed = async (): Promise<number> =>
      atT.frames + atU.frames + (await rejections(r, RejectReason.relayRate));
    await until(async () => (await processed()) >= 34, 5_000, "m's relays processed");
    const [mAtT, mAtU] = [atT.frames, atU.frames];
    // h: 8 frames of 1 KB to t, then 8 to u (each run past one 8 KiB floor, not past two).
    for (const to of ['t', 'u']) for (let i = 0; i < 8; i++) h.send(signal(to, 1_000));
    await until(async () => (await processed()) >= 50, 5_000, "h's relays processed");
    const [hAtT, hAtU] = [atT.frames - mAtT, atU.frames - mAtU];
    console.log(`h's floors after m drained its address: ${hAtT} of 8 at t, ${hAtU} of 8 at u`);
    expect(hAtT).toBeGreaterThanOrEqual(7);
    expect(hAtU).toBeGreaterThanOrEqual(7);
  });
});
