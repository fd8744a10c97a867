// Helpers of the sparse signed-mesh scenarios (`scenario-trust-sparse.test.ts`, `review-trust-s13.test.ts`):
// 40 signed peers linked by three random Hamiltonian cycles, liars' signed accusations.
import { expect } from 'vitest';
import { decode, encode, MessageType, UpdateKind, type Update } from './codec.js';
import { presets, type DetectorConfig } from './config.js';
import { randomInt, seededRandom } from './random.js';
import { signUpdate } from './signed-update.js';
import { TestNetwork } from './test-network.js';
import { testTrust } from './test-trust.js';
import { Lifecycle } from './types.js';

export const N = 40;
/** Seeds 1-10, or `SEED=n` alone (`process.env.SEED`, read by the test files). */
export function seedsFrom(env: string | undefined): number[] {
  return env === undefined ? [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] : [Number(env)];
}
export const ACCUSED = 'p0';

export interface Sparse {
  net: TestNetwork;
  links: Map<string, Set<string>>;
  honest: string[];
  /** Honest peers (not the accused) with no link to the accused. */
  unlinked: string[];
}

/**
 * `liars` plus honest `p0`… up to {@link N} peers, linked by three random Hamiltonian cycles
 * (degree ≤ 6, connected), run until every peer knows every other.
 */
export function sparse(seed: number, config: DetectorConfig, liars: string[] = ['x']): Sparse {
  const ids = [...Array.from({ length: N - liars.length }, (_, i) => `p${i}`), ...liars];
  const net = new TestNetwork(seed, true);
  for (const id of ids) net.add(id, config);
  const links = new Map(ids.map((id) => [id, new Set<string>()]));
  const random = seededRandom(seed * 7919);
  for (let cycle = 0; cycle < 3; cycle++) {
    const order = [...ids];
    for (let i = order.length - 1; i > 0; i--) {
      const j = randomInt(random, i + 1);
      [order[i], order[j]] = [order[j] as string, order[i] as string];
    }
    for (let i = 0; i < order.length; i++) {
      const a = order[i] as string;
      const b = order[(i + 1) % order.length] as string;
      if (links.get(a)?.has(b) === true) continue;
      links.get(a)?.add(b);
      links.get(b)?.add(a);
      net.link(a, b);
    }
  }
  introduceAll(net, ids, links, seed);
  const honest = ids.filter((id) => !liars.includes(id));
  const unlinked = honest.filter((id) => id !== ACCUSED && links.get(ACCUSED)?.has(id) !== true);
  return { net, links, honest, unlinked };
}

/**
 * Every peer's signed `alive` handed to every peer by one of its links, as a full sync would (on
 * links that all come up at once, gossip alone left some peers unknown to some others); then the
 * network runs to 10 s, and every peer must know every other.
 */
export function introduceAll(
  net: TestNetwork,
  ids: readonly string[],
  links: Map<string, Set<string>>,
  seed: number,
): void {
  const alives = ids.map((id) =>
    signUpdate(testTrust(id), { kind: UpdateKind.alive, peer: id, incarnation: 0, from: undefined }),
  );
  for (const id of ids) {
    const via = [...(links.get(id) ?? [])][0] as string;
    const others = alives.filter((u) => u.peer !== id);
    for (let k = 0; k < others.length; k += 8) net.say(via, id, others.slice(k, k + 8));
  }
  net.run(10_000);
  for (const id of ids)
    expect(net.get(id).peers().length, `${id} knows everyone (seed ${seed})`).toBe(ids.length - 1);
}

/** `signer`'s own signed accusation of `peer` at the incarnation it holds. */
export function accusation(net: TestNetwork, signer: string, kind: UpdateKind, peer = ACCUSED): Update {
  const incarnation = net.get(signer).peer(peer)?.incarnation ?? 0;
  return signUpdate(testTrust(signer), { kind, peer, incarnation, from: signer });
}

/** Honest peers (other than the accused) that ever held `peer` failed at or after `sinceMs`. */
export function failedAt(sp: Sparse, sinceMs: number, peer = ACCUSED): string[] {
  return sp.honest.filter(
    (o) => o !== peer && sp.net.firstTransitionMs(o, peer, 'failed', sinceMs) !== undefined,
  );
}

/** Honest peers without a link to the accused that any of `liars` can hand a lie to. */
export function lie(
  sp: Sparse,
  liars: string[],
  kinds: UpdateKind[] = [UpdateKind.failed, UpdateKind.suspect],
): void {
  for (const liar of liars)
    for (const o of sp.unlinked)
      sp.net.say(
        liar,
        o,
        kinds.map((k) => accusation(sp.net, liar, k)),
      );
}

/**
 * Runs `scenario` on every seed and checks that no honest peer ever held the live accused failed
 * (counted per seed, so a failure shows every seed's count) and that all hold it healthy at the end.
 */
export function expectUnharmedOnSeeds(
  seeds: readonly number[],
  scenario: (seed: number) => { sp: Sparse; sinceMs: number },
  file = 'scenario-trust-sparse.test.ts',
): void {
  const failedBySeed: Record<number, string> = {};
  const notHealthy: string[] = [];
  for (const seed of seeds) {
    const { sp, sinceMs } = scenario(seed);
    const failed = failedAt(sp, sinceMs);
    if (failed.length > 0) failedBySeed[seed] = `${failed.length}: ${failed.join(' ')}`;
    for (const o of sp.honest)
      if (o !== ACCUSED && sp.net.stateOf(o, ACCUSED) !== 'healthy')
        notHealthy.push(`seed ${seed}: ${o} holds ${sp.net.stateOf(o, ACCUSED)}`);
  }
  const reproduce = `SEED=<seed> node_modules/.bin/vitest run packages/core/src/${file}`;
  expect(failedBySeed, `honest peers that held live p0 failed, by seed (${reproduce})`).toEqual({});
  expect(notHealthy).toEqual([]);
}

/** The lie of {@link lie} told three times, a second apart (runs the network 3 s). */
export function lieThrice(sp: Sparse, liars: string[]): void {
  for (let k = 0; k < 3; k++) {
    lie(sp, liars);
    sp.net.run(sp.net.nowMs + 1_000);
  }
}

/**
 * Makes `liar` a lying relay: it answers every ping-req at once, whatever the target's state:
 * `ack` a relayed ack (it claims the target answered), `nack` a nack with its signed `failed` and
 * `suspect` of the target (it tried, and a verdict), `unable` a bare nack (it claims it could not
 * try: no link, or its relay jobs full, decision 0030). All else it handles as an honest peer.
 * Returns a live count of the ping-reqs it answered.
 */
export function makeLyingRelay(
  net: TestNetwork,
  liar: string,
  answer: 'ack' | 'nack' | 'unable',
): { answered: number } {
  const d = net.get(liar);
  const honest = d.receive.bind(d);
  let seq = 40_000;
  const count = { answered: 0 };
  d.receive = (from, bytes, nowMs) => {
    const r = decode(bytes);
    if (!r.ok || r.message.type !== MessageType.pingReq) return honest(from, bytes, nowMs);
    count.answered += 1;
    const base = { seq: seq++ & 0xffff, ackSeq: r.message.seq, extensions: [] };
    const target = r.message.target;
    const incarnation = d.peer(target)?.incarnation ?? 0;
    const sign = (kind: UpdateKind): Update =>
      signUpdate(testTrust(liar), { kind, peer: target, incarnation, from: liar });
    const reply = encode(
      answer === 'ack'
        ? { ...base, type: MessageType.ack, relayed: true, vitals: undefined, updates: [] }
        : {
            ...base,
            type: MessageType.nack,
            updates: answer === 'nack' ? [sign(UpdateKind.failed), sign(UpdateKind.suspect)] : [],
          },
    );
    return { sends: [{ to: from, bytes: reply }], events: [] };
  };
  return count;
}

/** `from` asks `relay` (raw, over their link) to ping `target`: any member may send a ping-req. */
export function sendPingReq(
  net: TestNetwork,
  from: string,
  relay: string,
  target: string,
  seq: number,
): void {
  const bytes = encode({ type: MessageType.pingReq, seq, target, updates: [], extensions: [] });
  net.apply(relay, net.get(relay).receive(from, bytes, net.nowMs));
}

/** A review file's seeds (`SEED=n` picks one), its rerun line, and {@link foundBySeed} over them. */
export function reviewSeeds(
  file: string,
  seedEnv: string | undefined,
): {
  SEEDS: number[];
  REPRODUCE: string;
  bySeed: (run: (seed: number) => string[]) => Record<number, string>;
} {
  const SEEDS = seedsFrom(seedEnv);
  return {
    SEEDS,
    REPRODUCE: `SEED=<seed> node_modules/.bin/vitest run packages/core/src/${file}`,
    bySeed: (run) => foundBySeed(run, SEEDS),
  };
}

/** Runs `run` on each seed; the seeds where it returned something, with how many and the first few. */
export function foundBySeed(
  run: (seed: number) => string[],
  seeds: readonly number[],
): Record<number, string> {
  const out: Record<number, string> = {};
  for (const seed of seeds) {
    const found = run(seed);
    if (found.length > 0) out[seed] = `${found.length}: ${found.slice(0, 4).join(' ')}`;
  }
  return out;
}

/** `liar`'s signed `failed` and `suspect` of `victim` (at the incarnation it holds) told to each of `to`. */
export function lieFailed(net: TestNetwork, liar: string, victim: string, to: readonly string[]): void {
  const incarnation = net.get(liar).peer(victim)?.incarnation ?? 0;
  const lies = [UpdateKind.failed, UpdateKind.suspect].map((kind) =>
    signUpdate(testTrust(liar), { kind, peer: victim, incarnation, from: liar }),
  );
  for (const o of to) net.say(liar, o, lies);
}

/** Makes each of `ids` a hidden tab: lifecycle `hidden`, timers on a 1 s grid (a background tab's clamp). */
export function hideTabs(net: TestNetwork, ids: readonly string[]): void {
  for (const h of ids) {
    net.apply(h, net.get(h).setLifecycle(Lifecycle.hidden, net.nowMs));
    net.timerGridMs.set(h, 1_000);
  }
}

/** A full signed mesh of `ids` (`config`), run to 10 s. */
export function fullMesh(
  seed: number,
  ids: readonly string[],
  config: DetectorConfig = presets.browser,
): TestNetwork {
  const net = new TestNetwork(seed, true);
  for (const id of ids) net.add(id, config);
  net.fullMesh(ids);
  net.run(10_000);
  return net;
}
