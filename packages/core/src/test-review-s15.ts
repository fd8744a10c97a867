// Test-only set-ups of the session-15 review (review-trust-s15-*.test.ts): ONE liar `x`, a member
// with a valid identity, against 39 honest peers on a full signed mesh (seeds 1-10, `SEED=n`
// reruns one: see {@link reviewFile}). Not shipped (package.json "files", tsconfig.build.json
// "exclude", bench-check's TEST_ONLY_HELPERS).
import { expect } from 'vitest';
import { encode, MessageType, UpdateKind, type Update } from './codec.js';
import { presets, type DetectorConfig } from './config.js';
import { seededRandom } from './random.js';
import { signUpdate } from './signed-update.js';
import { testTrust } from './test-trust.js';
import { TestNetwork } from './test-network.js';
import { ACCUSED, N, seedsFrom } from './test-sparse.js';

export const IDS = [...Array.from({ length: N - 1 }, (_, i) => `p${i}`), 'x'];
/** The honest peers (not the liar, not the accused). */
export const HONEST = IDS.filter((id) => id !== 'x' && id !== ACCUSED);

/** The seeds and messages of one review test file. */
export interface ReviewFile {
  FILE: string;
  SEEDS: readonly number[];
  /** Set-ups without the lie (baselines) run on seeds 1-5 only, to keep the files short. */
  BASE_SEEDS: readonly number[];
  /** How to rerun one seed of the file. */
  REPRODUCE: string;
  /** Runs `run` on each seed; the seeds where someone was misled, with how many. */
  bySeed: (run: (seed: number) => string[], seeds?: readonly number[]) => Record<number, number>;
}

/** Seeds 1-10, or only `seedEnv` (the file's `process.env.SEED`), for `file` of packages/core/src. */
export function reviewFile(file: string, seedEnv: string | undefined): ReviewFile {
  const SEEDS = seedsFrom(seedEnv);
  return {
    FILE: file,
    SEEDS,
    BASE_SEEDS: SEEDS.slice(0, 5),
    REPRODUCE: `SEED=<seed> node_modules/.bin/vitest run packages/core/src/${file}`,
    bySeed: (run, seeds = SEEDS) => bySeed(run, seeds),
  };
}

/** A full signed mesh of {@link IDS}, run until every peer knows every other. */
export function fullMesh(seed: number, config: DetectorConfig): TestNetwork {
  const net = new TestNetwork(seed, true);
  for (const id of IDS) net.add(id, config);
  net.fullMesh(IDS);
  net.run(10_000);
  for (const id of IDS) expect(net.get(id).peers().length, `${id} knows everyone (seed ${seed})`).toBe(N - 1);
  return net;
}

/** `x`'s signed accusation of `peer` at `incarnation`. */
export function liarSays(kind: UpdateKind, peer: string, incarnation: number): Update {
  return signUpdate(testTrust('x'), { kind, peer, incarnation, from: 'x' });
}

/** `x` asks `relay` (raw, over their link) to ping `target`: any member may send a ping-req. */
export function pingReq(net: TestNetwork, relay: string, target: string, seq: number): void {
  const bytes = encode({ type: MessageType.pingReq, seq, target, updates: [], extensions: [] });
  net.apply(relay, net.get(relay).receive('x', bytes, net.nowMs));
}

/** `x`'s signed `failed` and `suspect` of p0 told to `to`, three times a second apart (runs 3 s). */
export function lieToAll(net: TestNetwork, to: readonly string[]): void {
  for (let k = 0; k < 3; k++) {
    const incarnation = net.get('x').peer(ACCUSED)?.incarnation ?? 0;
    const lies = [UpdateKind.failed, UpdateKind.suspect].map((kind) => liarSays(kind, ACCUSED, incarnation));
    for (const o of to) net.say('x', o, lies);
    net.run(net.nowMs + 1_000);
  }
}

/**
 * `x` tells each of `to`, straight to it, that it is suspected (at its own incarnation), `times`
 * times `gapMs` apart: each refutes, and each refutation raises its Lifeguard local health score
 * (`LocalHealthCause.refutedSuspicion`), which stretches its period and its probe timeouts (and,
 * before decision 0029, `chainGapMs`). Nobody else hears of it, so nobody checks it and `x` scores
 * nothing as a liar.
 */
export function sicken(net: TestNetwork, to: readonly string[], times: number, gapMs: number): void {
  for (let k = 0; k < times; k++) {
    for (const o of to) net.say('x', o, [liarSays(UpdateKind.suspect, o, net.get(o).localIncarnation())]);
    net.run(net.nowMs + gapMs);
  }
}

/** Honest peers that held live p0 failed at or after `t0`, once the network ran to `t0 + 15 s`. */
export function misledAfter(net: TestNetwork, t0: number, honest = HONEST): string[] {
  net.run(t0 + 15_000);
  return honest.filter((id) => net.firstTransitionMs(id, ACCUSED, 'failed', t0) !== undefined);
}

/** Runs `run` on each seed; the seeds where someone was misled, with how many. */
function bySeed(run: (seed: number) => string[], seeds: readonly number[]): Record<number, number> {
  const out: Record<number, number> = {};
  for (const seed of seeds) {
    const n = run(seed).length;
    if (n > 0) out[seed] = n;
  }
  return out;
}

export interface Spray {
  /** Loss on every link (seeded), from 3 s before the attack. */
  loss: number;
  /** Honest peers `x` asks to ping p0 (a ping-req each: two pings) `gapMs` before p0 freezes. */
  relays: readonly string[];
  gapMs: number;
  stallMs: number;
  lie: boolean;
  /** `sicken` rounds first (50 ms apart), 0 for none. */
  sick?: number;
  /** The first two datagrams each relay sends p0 after the ping-req are lost (on top of `loss`). */
  losePair?: boolean;
}

/**
 * The chain-slack attack on a full signed mesh (browser default): `x` asks `relays` to ping p0,
 * `gapMs` later p0 freezes for `stallMs` (< the stall tolerance) and, with `lie`, `x` tells every
 * honest peer p0 failed (three times, a second apart). A relay pair whose two pings or acks were
 * lost starts a chain of unanswered pings (`notePing`) that the first follow-up, landing in the
 * freeze, confirms: own silence is then counted from before the freeze.
 */
export function sprayThenFreeze(seed: number, o: Spray): string[] {
  const net = fullMesh(seed, presets.browser);
  const random = seededRandom(seed * 104_729);
  net.drop = () => o.loss > 0 && random.next() < o.loss;
  net.run(net.nowMs + 3_000);
  if ((o.sick ?? 0) > 0) sicken(net, HONEST, o.sick ?? 0, 50);
  const t0 = net.nowMs;
  if (o.losePair === true) {
    const lost = new Map<string, number>();
    const lossy = net.drop;
    net.drop = (from, to) => {
      const n = lost.get(from) ?? 0;
      if (to !== ACCUSED || !o.relays.includes(from) || n >= 2) return lossy(from, to);
      lost.set(from, n + 1);
      return true;
    };
  }
  o.relays.forEach((r, i) => pingReq(net, r, ACCUSED, 60_000 + i));
  net.run(t0 + o.gapMs);
  net.stalledUntil.set(ACCUSED, net.nowMs + o.stallMs);
  if (o.lie) lieToAll(net, HONEST);
  return misledAfter(net, t0);
}

/** Signed `failed` of p0 at `incarnation` by each of `signers` (honest signers stand for verdicts `x` captured). */
export function verdicts(signers: readonly string[], incarnation: number): Update[] {
  return signers.map((id) =>
    signUpdate(testTrust(id), { kind: UpdateKind.failed, peer: ACCUSED, incarnation, from: id }),
  );
}
