/**
 * Session-21 second review of decision 0060 (every per-IP bound counts IPv6 by its /64; a relay
 * floor per (sender socket, target) under the address budget), as a hostile client would attack
 * it: IPv6 forms that embed an IPv4 address (6to4, Teredo), and the floor's worst case when
 * sockets come and go. Pure functions, then the real server on port 0 with real `ws` sockets.
 * A held property is an `it`; a hole is an `it.fails` naming the hole, its numbers and a fix.
 * Session 22 closed all three (decision 0065).
 * Run: pnpm exec vitest run packages/signal-server/src/review-s21b-signal.test.ts
 */
import { describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { addressKey, clientAddress } from './server/client-address.js';
import { RejectReason } from './server/metrics.js';
import { DEFAULT_SERVER_OPTIONS } from './server/options.js';
import {
  addressRelayBoundBytes,
  relayBytesAt,
  signalOfBytes as signal,
  testHarness,
  until,
  type Running,
} from './test-support.js';

const { server, member, rejections } = testHarness();

describe('addressKey (decision 0060) and IPv6 forms that carry an IPv4 address', () => {
  it('holds: the forms a proxy writes for one IPv4 client share one key', () => {
    const keys = ['192.0.2.1', '::ffff:192.0.2.1', '[::FFFF:C000:201]:443', '192.0.2.1:5000'].map(
      (form) => clientAddress(undefined, form, 1).key,
    );
    expect(new Set(keys)).toEqual(new Set(['192.0.2.1']));
  });

  // FIXED (decision 0065: `addressKey` keys 2002::/16 by the IPv4 address it embeds; it.fails ->
  // it; after: both `192.0.2.1`). The hole as found (6to4: one IPv4 host holds 65,536 /64s): a
  // 6to4 address is 2002:AABB:CCDD::/48 for the IPv4 address AA.BB.CC.DD, and the host behind
  // that IPv4 address owns the whole /48 (RFC 3056):
  // 2^16 /64 keys, each with its own 64 sockets, 64 joins/s and relay budget per target. Measured:
  // `2002:c000:201:1::1` and `2002:c000:201:2::1` (both 192.0.2.1's) -> `2002:c000:201:1::/64`
  // and `2002:c000:201:2::/64`: two keys.
  // Where 6to4 still reaches the server (a relay router, or a proxy that forwards it), one IPv4
  // client gets 65,536 times every per-IP bound. Fix: in `addressKey`, a 2002::/16 address is
  // keyed by the IPv4 address it embeds (bits 16-47), as IPv4-mapped addresses already are.
  it('two 6to4 addresses of one IPv4 host share a key', () => {
    const [a, b] = [addressKey('2002:c000:201:1::1'), addressKey('2002:c000:201:2::1')];
    console.log(`6to4 of 192.0.2.1: ${a} and ${b}`);
    expect(a).toBe(b);
  });

  // FIXED (decision 0065: `addressKey` keys 2001::/32 by the client's public IPv4 address, the
  // last 32 bits XOR 0xffffffff; it.fails -> it; after: `192.0.2.45` and `195.50.100.7`). The
  // hole as found (Teredo: every client of one Teredo server shares one key): a Teredo address is
  // 2001:0:SSSS:SSSS:flags:port:client (RFC 4380): its /64 is 2001:0 and the Teredo server's IPv4
  // address, the same for every client that server serves. Two unrelated clients (192.0.2.45 and
  // 195.50.100.7, obfuscated in the last 32 bits) get one key: 64 sockets and one relay budget
  // between them all (an honest-user outage, and a NAT-mate drain at Internet scale). Teredo is
  // rare now (Windows turned it off by default), so low. Fix: key a 2001::/32 address by its
  // client IPv4 (the last 32 bits XOR 0xffffffff).
  it('two clients of one Teredo server get different keys', () => {
    const a = addressKey('2001:0:4136:e378:8000:63bf:3fff:fdd2'); // client 192.0.2.45
    const b = addressKey('2001:0:4136:e378:8000:63bf:3ccd:9bf8'); // client 195.50.100.7
    console.log(`two Teredo clients of 65.54.227.120: ${a} and ${b}`);
    expect(a).not.toBe(b);
  });
});

const NAT = '203.0.113.5';

/**
 * Mallory's churn into t from `NAT`: `drain` empties the address budget (5 x 60 KB), then
 * `rounds` of 60 fresh sockets each send 8,000 B to t and are closed (`open` sockets stay).
 * Returns the relays sent, for waiting on the ones still to come.
 */
async function churn(
  r: Running,
  atT: { frames: number },
  drain: WebSocket,
  rounds: number,
  open: number,
): Promise<number> {
  for (let i = 0; i < 5; i++) drain.send(signal('t', 60_000)); // the address burst (256 KiB)
  let [n, sent] = [0, 5];
  for (let round = 0; round < rounds; round++) {
    const batch: WebSocket[] = [];
    for (let i = 0; i < 60; i++) batch.push(await member(r, `c${n++}`, NAT));
    for (const ws of batch) ws.send(signal('t', 8_000));
    sent += batch.length;
    await until(async () => (await processed(r, atT)) >= sent, 10_000, 'the round relayed');
    for (const ws of batch) ws.terminate();
    await until(() => r.server.stats().sockets <= open, 10_000, 'the round closed');
  }
  return sent;
}

/** Relays to t delivered or refused for the relay rate. */
async function processed(r: Running, atT: { frames: number }): Promise<number> {
  return atT.frames + (await rejections(r, RejectReason.relayRate));
}

describe("the per-socket relay floor's worst case (decisions 0060, 0065)", () => {
  // FIXED (decision 0065: the floor is keyed by the socket's slot among its address's 64, and a
  // reopened socket takes a closed one's slot and its floors as drained as they were left;
  // it.fails -> it; after (4 runs): 800,000-832,000 B at t in 1.05-1.60 s, the first round's 60
  // floors and the address refill (bound for those times 993,755-1,101,364 B), 287-291
  // relay-rate). The hole as found (a fresh socket brings a fresh floor: churn mints relay
  // budget): the floor is keyed by connection id (`${conn.id}\0${budget key}`), and a new socket
  // gets a new id and a full 8 KiB floor. Decision 0060 bounds one address into one target at
  // 256 KiB + 64 x 8 KiB, refilled at 64 KiB/s + 64 x 2 KiB/s = 192 KiB/s, counting only the 64 sockets open at once. Mallory
  // empties the address budget, then opens 60 sockets, sends 8,000 B to t from each (its floor),
  // closes them and opens 60 more: joins are the only limit (64/s, burst 512), so about 512 KiB
  // of fresh floors a second on top. Measured (4 runs): 6 rounds of 60 sockets, 8,000 B each:
  // 3,120,000 B at t in 0.84-1.20 s (0060's bound for that time: 951,360-1,022,056 B), 1
  // relay-rate (the drain's 5th frame). A target on a slow downlink (1 Mbit/s, ~125 KB/s) then
  // sits with a full send buffer and everyone's relays to it are dropped (slow-consumer). Fix:
  // fill a new floor from an address-level bucket of floor credit (64 x 8 KiB, refilled
  // 64 x 2 KiB/s), so churn cannot mint more than the stated refill (keying the floor by peer id
  // instead does not help: a fresh socket comes with a fresh id).
  it("sockets closed and reopened from one address keep t's bytes within 0060's bound", async () => {
    const r = await server({ trustProxy: true });
    const t = await member(r, 't', '198.51.100.1');
    const atT = relayBytesAt(t);
    const drain = await member(r, 'drain', NAT);
    const startMs = performance.now();
    await churn(r, atT, drain, 6, 2);
    const elapsedS = (performance.now() - startMs) / 1000;
    const bound = addressRelayBoundBytes(DEFAULT_SERVER_OPTIONS.socketsPerIpMax, elapsedS);
    console.log(
      `socket churn, 6 rounds of 60 sockets: ${atT.bytes} B at t in ${elapsedS.toFixed(2)} s ` +
        `(0060's bound ${Math.round(bound)} B), ${await rejections(r, RejectReason.relayRate)} relay-rate, ` +
        `${await rejections(r, RejectReason.slowConsumer)} slow-consumer`,
    );
    expect(atT.bytes).toBeLessThanOrEqual(bound);
  });

  // Holds (decision 0065): h, open on Mallory's address before her churn, keeps its own floor into
  // t: 8 of 8 frames of 1 KB at t (4 runs). With the floors pooled per (address, target) and a
  // socket new to a target taking one a closed socket left (tried first, reverted): 4 of 8.
  it("an honest socket that stays open keeps its floor while its NAT-mates' sockets churn", async () => {
    const r = await server({ trustProxy: true });
    const t = await member(r, 't', '198.51.100.1');
    const atT = relayBytesAt(t);
    const h = await member(r, 'h', NAT);
    const drain = await member(r, 'drain', NAT);
    const sent = await churn(r, atT, drain, 3, 3);
    const before = atT.frames;
    for (let i = 0; i < 8; i++) h.send(signal('t', 1_000)); // a negotiation with trickle, ~8 KB
    await until(async () => (await processed(r, atT)) >= sent + 8, 10_000, "h's relays processed");
    console.log(
      `h's 8 frames of 1 KB after 3 rounds of 60 churned sockets: ${atT.frames - before} of 8 at t`,
    );
    expect(atT.frames - before).toBeGreaterThanOrEqual(7);
  });
});
