// Session-23 second review (s23review2) of decision 0073 (in a signed full mesh a witnessed verdict
// is pushed to `pushFanout` = 4 links whose own vital signs say they may be late, `mayBeLate`:
// hidden, frozen, a stall of at least 50 ms, or no vitals yet; and to one other link) as a hostile
// room member attacks it and as an honest hidden tab suffers it. Room: p0-p9 in a full signed mesh
// (browser default, 2 ms links, virtual clock: every run is the same), p9 an honest hidden tab (1 Hz
// timers), plus `k` sybil ids linked to everyone that claim to be hidden (their own vitals say so,
// their timers run at full speed) and pass the verdict on to p9 in nothing they send. p0 crashes at
// 12 s and every live peer gets the room's witness.
// Numbers "before 0073" are computed, not run: main pushed each verdict to 4 random links of the
// N − 2 others, so an honest hidden tab got a push from one declarer with chance 4 / (N − 2); 0073
// gives 4 / (late links), never less while the sybils are part of N.
// A held property is an `it`; a hole is an `it.fails` naming the property, with its numbers and a fix.
// Run: nice -n 10 pnpm vitest run packages/core/src/review-s23b-push.test.ts
import { describe, expect, it } from 'vitest';
import { decode, MessageType, UpdateKind } from './codec.js';
import { presets } from './config.js';
import { TestNetwork } from './test-network.js';
import type { PeerId } from './types.js';
import { WitnessKind } from './witness.js';

const HONEST = Array.from({ length: 10 }, (_, i) => `p${i}`);
const CRASHED = 'p0';
const HIDDEN = 'p9';

/** Whether `bytes` decode to a message that carries a `failed` about the crashed peer, and whether it is a push (`sync`). */
function verdictIn(bytes: Uint8Array): { carries: boolean; push: boolean } {
  const d = decode(bytes);
  if (!d.ok) return { carries: false, push: false };
  const carries = d.message.updates.some((u) => u.kind === UpdateKind.failed && u.peer === CRASHED);
  return { carries, push: carries && d.message.type === MessageType.sync };
}

interface HiddenTab {
  /** Honest declarers' pushes of the verdict that reached p9 (sybils pass it nothing). */
  pushesToHidden: number;
  /** Honest declarers that pushed at all (each pushes 4 late + 1 other). */
  declarers: number;
  /** When p9 failed the crash, ms after the witness (Infinity: not within 5 s). */
  failedAfterMs: number;
}

/**
 * p0-p9 and `k` sybils `s0…` in one full mesh; the sybils claim hidden. `noPushes`: every pushed
 * verdict to p9 is lost (what p9 does on its own witness and piggybacked copies alone).
 */
function crash(seed: number, k: number, noPushes = false): HiddenTab {
  const net = new TestNetwork(seed, true);
  net.latencyMs = () => 2;
  const sybils = Array.from({ length: k }, (_, i) => `s${i}`);
  const all = [...HONEST, ...sybils];
  for (const id of all) net.add(id, presets.browser);
  net.fullMesh(all);
  net.apply(HIDDEN, net.get(HIDDEN).setLifecycle('hidden', net.nowMs));
  net.timerGridMs.set(HIDDEN, 1_000);
  for (const id of sybils) net.apply(id, net.get(id).setLifecycle('hidden', net.nowMs));
  const sybil = new Set<PeerId>(sybils);
  net.drop = (from, to, bytes) => {
    if (to !== HIDDEN || bytes === undefined) return false;
    const v = verdictIn(bytes);
    return (sybil.has(from) && v.carries) || (noPushes && v.push);
  };
  net.run(12_000);
  net.recordSends = true;
  net.crashed.add(CRASHED);
  const at = net.nowMs;
  for (const o of all.slice(1)) net.apply(o, net.get(o).witness(CRASHED, WitnessKind.closedByPeer, at));
  net.run(at + 5_000);
  let pushesToHidden = 0;
  const declarers = new Set<PeerId>();
  for (const s of net.sent) {
    if (s.atMs < at || sybil.has(s.from) || !verdictIn(s.bytes).push) continue;
    declarers.add(s.from);
    if (s.to === HIDDEN && !noPushes) pushesToHidden += 1;
  }
  const failedAt = net.firstTransitionMs(HIDDEN, CRASHED, 'failed', at);
  return { pushesToHidden, declarers: declarers.size, failedAfterMs: (failedAt ?? Infinity) - at };
}

const SEEDS = [1, 2, 3];

function show(k: number, runs: HiddenTab[], seeds: readonly number[] = SEEDS): string {
  const n = HONEST.length + k;
  const chance = (late: number): string => (4 / late).toFixed(2);
  return (
    `${k} sybils claiming hidden (N = ${n}): per honest declarer a push to p9 with chance ` +
    `${chance(k + 1)} (before 0073: ${chance(n - 2)}); seeds ${seeds.join(',')}: pushes to p9 ` +
    `[${runs.map((r) => r.pushesToHidden).join(',')}] from [${runs.map((r) => r.declarers).join(',')}] ` +
    `honest declarers; p9 failed the crash after [${runs.map((r) => r.failedAfterMs).join(',')}] ms`
  );
}

describe('decision 0073: sybils that claim to be hidden draw the late pushes', () => {
  // Reference: what an honest hidden tab does with no pushed verdict at all (its own witness on
  // 1 Hz timers, piggybacked copies): the time 0073's pushes save it, and what the sybils could at
  // most take away.
  it('reference: with every push to p9 lost, p9 still fails the crash on its own', () => {
    const runs = SEEDS.map((seed) => crash(seed, 0, true));
    console.log(
      `no pushes reach p9: p9 failed the crash after [${runs.map((r) => r.failedAfterMs).join(',')}] ms`,
    );
    for (const r of runs) expect(r.failedAfterMs).toBeLessThan(5_000);
  });

  // Held: 4 sybils (the pushes' fanout) leave p9 one chance in 5 per declarer (4 / 5 = 0.80,
  // against main's 4 / 12 = 0.33): it still hears within 1 s, as with no sybils.
  it('4 sybils claiming hidden: the honest hidden tab still gets pushes and fails the crash within 1 s', () => {
    const runs = SEEDS.map((seed) => crash(seed, 4));
    console.log(show(4, runs));
    for (const r of runs) {
      expect(r.pushesToHidden).toBeGreaterThanOrEqual(1);
      expect(r.failedAfterMs).toBeLessThan(1_000);
    }
  });

  // Held: 12 sybils (more links than the honest room has) dilute the late pool to 13: 4 / 13 =
  // 0.31 per declarer, above main's 4 / 20 = 0.20 in the same room. Measured (seeds 1-3): 4 pushes
  // reach p9 of 8 with no sybils, and it fails the crash after 302 ms, as with none.
  it('12 sybils claiming hidden: the honest hidden tab still fails the crash within 1 s', () => {
    const runs = SEEDS.map((seed) => crash(seed, 12));
    console.log(show(12, runs));
    for (const r of runs) {
      expect(r.pushesToHidden).toBeGreaterThanOrEqual(1);
      expect(r.failedAfterMs).toBeLessThan(1_000);
    }
  });

  // HOLE (s23review2): 0073 says a member that claims to be hidden "draws more pushes to itself ...
  // neither changes what any other member receives". It does: the late pushes are 4 draws from one
  // pool, so every sybil claiming hidden takes draws from the honest hidden tab. Measured, seeds
  // 1-6, p9 failed the crash after (ms): no sybils 302 each (8 pushes of 8 declarers); 12 sybils
  // 302 (4 pushes); 24 sybils (N = 34) 302 / 842 / 470 / 646 / 336 / 443 (pushes 3 / 1 / 1 / 1 / 1 /
  // 1); 36 sybils (N = 46) 976 / 310 / 302 / 302 / 1,340 / 1,147 (pushes 0 / 1 / 2 / 3 / 0 / 1);
  // with no push at all (reference above) 761 / 1,343 / 1,339. So the attack costs an honest hidden
  // tab up to ~1 s, the gain 0073 gave it. Bounded by main: the pool never holds more than the N − 2
  // links main drew from (at N = 34: 4 / 25 = 0.16 per declarer against main's 4 / 32 = 0.13).
  // A sybil that never sends vital signs counts as late just the same (`mayBeLate`: none yet).
  // Proposed fix: push to every late link when there are at most 2 × `pushFanout` of them, and
  // past that to `pushFanout` late links chosen first among those this peer saw late itself
  // (pings from it arriving on a 1 s grid, acks late by a stall), so a claim alone cannot outbid
  // a tab the receiver's own clock confirms.
  it.fails("24 sybils' claims to be hidden do not slow the honest hidden tab's failure", () => {
    const seeds = [1, 2, 3, 4, 5, 6];
    const runs = seeds.map((seed) => crash(seed, 24));
    console.log(show(24, runs, seeds));
    const alone = crash(1, 0);
    for (const r of runs) expect(r.failedAfterMs).toBeLessThanOrEqual(alone.failedAfterMs + 100);
  });
});
