// Session-14 review of decision 0024 (a verdict needs two declarers or this peer's own silence of
// the stall tolerance): one liar `x` in a signed room of 40 (seeds 1-10, `SEED=n` reruns one).
import { describe, expect, it, vi } from 'vitest';
import { encode, MessageType, UpdateKind } from './codec.js';
import { presets, stallToleranceMs, type DetectorConfig } from './config.js';
import { seededRandom } from './random.js';
import { signUpdate } from './signed-update.js';
import { testTrust } from './test-trust.js';
import type { TestNetwork } from './test-network.js';
import { fullMesh, HONEST } from './test-review-s15.js';
import {
  ACCUSED,
  expectUnharmedOnSeeds,
  lieThrice,
  N,
  seedsFrom,
  sparse,
  type Sparse,
} from './test-sparse.js';

// Deterministic simulations over many seeds: CPU-bound (5-40 s a test on this 2-core machine,
// more beside other work); the timeout only guards against a hang, the assertions are the test.
vi.setConfig({ testTimeout: 180_000 });

const SEEDS = seedsFrom(process.env.SEED);
const FILE = 'review-trust-s14.test.ts';

/** `liar` asks `relay` (raw, over their link) to ping `target`: any member may send a ping-req. */
function pingReq(net: TestNetwork, liar: string, relay: string, target: string, seq: number): void {
  const bytes = encode({ type: MessageType.pingReq, seq, target, updates: [], extensions: [] });
  net.apply(relay, net.get(relay).receive(liar, bytes, net.nowMs));
}

/** Liar `x`'s signed `failed` and `suspect` about p0 told to `to`, three times a second apart. */
function lieToAll(net: TestNetwork, to: readonly string[]): void {
  for (let k = 0; k < 3; k++) {
    const incarnation = net.get('x').peer(ACCUSED)?.incarnation ?? 0;
    const lies = [UpdateKind.failed, UpdateKind.suspect].map((kind) =>
      signUpdate(testTrust('x'), { kind, peer: ACCUSED, incarnation, from: 'x' }),
    );
    for (const o of to) net.say('x', o, lies);
    net.run(net.nowMs + 1_000);
  }
}

/** Runs `net` to 15 s after `t0`; the honest peers that held live p0 failed since `t0`. */
function misledAfter(net: TestNetwork, t0: number): string[] {
  net.run(t0 + 15_000);
  return HONEST.filter((id) => net.firstTransitionMs(id, ACCUSED, 'failed', t0) !== undefined);
}

/**
 * The lost-relay-ping attack on a full mesh: at t0 the liar asks `relays` to ping p0 and exactly
 * the first datagram each sends to p0 afterwards is lost (one lost datagram per link, a 5 %-loss
 * event); `gapMs` later p0 freezes for `stallMs` (< the stall tolerance) and, with `lie`, the liar
 * tells everyone p0 failed. Returns the honest peers that ever held live p0 failed.
 */
function lostPingThenFreeze(
  seed: number,
  config: DetectorConfig,
  relays: readonly string[],
  o: { gapMs: number; stallMs: number; lie: boolean; lost?: number },
): string[] {
  const net = fullMesh(seed, config);
  const t0 = net.nowMs;
  const lost = new Map<string, number>();
  net.drop = (from, to) => {
    const n = lost.get(from) ?? 0;
    if (to !== ACCUSED || !relays.includes(from) || n >= (o.lost ?? 1)) return false;
    lost.set(from, n + 1);
    return true;
  };
  relays.forEach((r, i) => pingReq(net, 'x', r, ACCUSED, 60_000 + i));
  net.run(t0 + o.gapMs);
  net.stalledUntil.set(ACCUSED, net.nowMs + o.stallMs);
  if (o.lie) lieToAll(net, HONEST);
  return misledAfter(net, t0);
}

/** Baselines without the lie run on seeds 1-5 only (the file stays under 20 s on a loaded machine). */
const BASE_SEEDS = SEEDS.slice(0, 5);

function bySeed(run: (seed: number) => string[], seeds = SEEDS): Record<number, number> {
  const out: Record<number, number> = {};
  for (const seed of seeds) {
    const n = run(seed).length;
    if (n > 0) out[seed] = n;
  }
  return out;
}

describe('review s14: a stale `unansweredSinceMs` (one lost relay ping) opens the own-silence gate', () => {
  it('the set-up is inside the stall tolerance: 1.5 s freeze < 1.7 s (browser, N = 40)', () => {
    expect(stallToleranceMs(presets.browser, N)).toBeGreaterThan(1_500);
  });

  it('without the lie, one lost relay ping and a 1.5 s freeze fail p0 nowhere', () => {
    const run = (seed: number): string[] =>
      lostPingThenFreeze(seed, presets.browser, ['p1'], { gapMs: 300, stallMs: 1_500, lie: false });
    expect(bySeed(run, BASE_SEEDS)).toEqual({});
  });

  // Found: 38 of 38 honest peers on seeds 1-5 and 7-10 (0 on seed 6). p1's relay ping (asked for
  // by the liar) is lost, so p1's `unansweredSinceMs` stays at t0 (nothing else from p0 for ~10 s
  // on a full mesh of 40); the lie makes p1 check and suspect frozen p0, and when the suspicion
  // runs out (~1.1 s into the freeze) `suspicionExpired` reads 1.4 s + of "own silence" and p1
  // signs `failed`: with the liar's, two declarers, taken at once by every linked peer whose
  // check pings went unanswered for 2 probe timeouts (`applyUpdate`).
  // Fixed (integrator, same session): own silence starts only at the first of two unanswered pings
  // sent within a probe timeout (`Member.silentSinceMs`), and a relay sends two pings: 0.
  it('one lost relay ping at ONE honest peer, then a lie as p0 freezes for 1.5 s: p0 failed nowhere', () => {
    const run = (seed: number): string[] =>
      lostPingThenFreeze(seed, presets.browser, ['p1'], { gapMs: 300, stallMs: 1_500, lie: true });
    expect(bySeed(run)).toEqual({});
  });
  // With the pair alone, both pings of the relay's pair lost (two datagrams, ~0.25 % at 5 % loss)
  // made the same stale mark. Fixed: a chain of unanswered pings no more than a period and a probe
  // timeout apart, followed up once a period (`followSilences`): the next ping is answered. 0.
  it('the same with both pings of the relay pair lost', () => {
    const run = (seed: number): string[] =>
      lostPingThenFreeze(seed, presets.browser, ['p1'], { gapMs: 300, stallMs: 1_500, lie: true, lost: 2 });
    expect(bySeed(run, BASE_SEEDS)).toEqual({});
  });
});

/**
 * The same on the sparse mesh of `test-sparse.ts`: the liar asks one of p0's links (one linked to
 * the liar when there is one) to ping p0, that ping is lost, and `gapMs` later p0 freezes for
 * `stallMs` while, with `lie`, the liar tells every honest peer p0 failed (three times, 1 s apart).
 */
function sparseLostPing(
  seed: number,
  config: DetectorConfig,
  o: { gapMs: number; stallMs: number; lie: boolean },
): { sp: Sparse; sinceMs: number } {
  const sp = sparse(seed, config);
  const net = sp.net;
  const near = [...(sp.links.get(ACCUSED) ?? [])].filter((id) => id !== 'x');
  const relay = near.find((id) => sp.links.get('x')?.has(id) === true) ?? (near[0] as string);
  const t0 = net.nowMs;
  let lost = false;
  net.drop = (from, to) => {
    if (lost || from !== relay || to !== ACCUSED) return false;
    lost = true;
    return true;
  };
  pingReq(net, 'x', relay, ACCUSED, 60_000);
  net.run(t0 + o.gapMs);
  net.stalledUntil.set(ACCUSED, net.nowMs + o.stallMs);
  if (o.lie) {
    sp.unlinked.push(...near);
    lieThrice(sp, ['x']);
  }
  net.run(t0 + 15_000);
  return { sp, sinceMs: t0 };
}

describe('review s14: the lost relay ping on the sparse mesh (degree <= 6)', () => {
  it('without the lie, fails p0 nowhere (node)', () => {
    const run = (seed: number) =>
      sparseLostPing(seed, presets.node, { gapMs: 300, stallMs: 1_500, lie: false });
    expectUnharmedOnSeeds(BASE_SEEDS, run, FILE);
  });
  // Found: 36, 38 and 37 of 38 honest peers on seeds 1, 7 and 10 (0 on the others: p0's links
  // talk to it every ~1.5 s, so the stale mark is more often cleared before the suspicion ends).
  // Fixed as the full-mesh case above: 0.
  it('with the lie, one lost relay ping and a 1.5 s freeze fail p0 nowhere (node)', () => {
    const run = (seed: number) =>
      sparseLostPing(seed, presets.node, { gapMs: 300, stallMs: 1_500, lie: true });
    expectUnharmedOnSeeds(SEEDS, run, FILE);
  });
});

/**
 * 5 % loss on every link (seeded), from 5 s before p0 freezes for `stallMs`; with `lie`, the liar
 * tells everyone p0 failed as it freezes. Honest peers that ever held live p0 failed.
 */
function lossyFreeze(seed: number, config: DetectorConfig, stallMs: number, lie: boolean): string[] {
  const net = fullMesh(seed, config);
  const random = seededRandom(seed * 104_729);
  net.drop = () => random.next() < 0.05;
  net.run(net.nowMs + 5_000);
  const t0 = net.nowMs;
  net.stalledUntil.set(ACCUSED, t0 + stallMs);
  if (lie) lieToAll(net, HONEST);
  return misledAfter(net, t0);
}

describe('review s14: 5 % loss on every link (full mesh, browser)', () => {
  it('a 1.5 s freeze alone fails p0 nowhere', () => {
    expect(bySeed((seed) => lossyFreeze(seed, presets.browser, 1_500, false), BASE_SEEDS)).toEqual({});
  });
  // Found: 38 of 38 honest peers on seeds 3, 8, 9, 10 with no ping-req trick at all: plain 5 %
  // loss leaves stale marks (seed 3: p31 declared 0.6 s into the freeze with `unansweredSinceMs`
  // 2.2 s before it, a lost ping nothing from p0 answered since), then the cascade above.
  // With two unanswered pings needed: seed 3 only (38 of 38): a pair of p12's pings to p0 both went
  // unanswered 714 ms before the freeze, and p12 sent p0 nothing more until the lie made it check.
  // Fixed by the followed-up chain (see the pair test above): 0.
  it('a lie told as p0 freezes for 1.5 s fails it nowhere', () => {
    expect(bySeed((seed) => lossyFreeze(seed, presets.browser, 1_500, true))).toEqual({});
  });
});
