// Liars on a sparse mesh (issue 12, session-12 review): 40 signed peers, about 6 links each. A
// peer with no link to the accused cannot check it itself; what it learns from relays must never
// let one (or two) lying members fail a live peer anywhere, and must not turn one lie into a flood.
import { describe, expect, it } from 'vitest';
import { ACCUSER_UNCONFIRMED_MAX } from './accuser-budget.js';
import { decode, MessageType, UpdateKind, type Update } from './codec.js';
import { presets, type DetectorConfig } from './config.js';
import { randomInt, seededRandom } from './random.js';
import { signUpdate } from './signed-update.js';
import { TestNetwork } from './test-network.js';
import { testTrust } from './test-trust.js';

const N = 40;
const SEEDS = process.env.SEED === undefined ? [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] : [Number(process.env.SEED)];
const ACCUSED = 'p0';
/**
 * Crash or hang → `failed` at every live peer (ms, the slowest seed). Main before the fix (a6827a4):
 * 5,835-7,622 ms on seeds 1-10 (most of it the second-hand path of peers without a link); the
 * bound keeps ~18 % margin over that, so the fix may not slow real detection.
 */
const DETECTION_ALL_MS_MAX = 9_000;

interface Sparse {
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
function sparse(seed: number, config: DetectorConfig, liars: string[] = ['x']): Sparse {
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
  // Every peer's signed `alive` handed to every peer by one of its links, as a full sync would
  // (on links that all come up at once, gossip alone left some peers unknown to some others).
  const alives = ids.map((id) =>
    signUpdate(testTrust(id), { kind: UpdateKind.alive, peer: id, incarnation: 0, from: undefined }),
  );
  for (const id of ids) {
    const via = [...(links.get(id) ?? [])][0] as string;
    const others = alives.filter((u) => u.peer !== id);
    for (let k = 0; k < others.length; k += 8) net.say(via, id, others.slice(k, k + 8));
  }
  net.run(10_000);
  for (const id of ids) expect(net.get(id).peers().length, `${id} knows everyone (seed ${seed})`).toBe(N - 1);
  const honest = ids.filter((id) => !liars.includes(id));
  const unlinked = honest.filter((id) => id !== ACCUSED && links.get(ACCUSED)?.has(id) !== true);
  return { net, links, honest, unlinked };
}

/** `signer`'s own signed accusation of `peer` at the incarnation it holds. */
function accusation(net: TestNetwork, signer: string, kind: UpdateKind, peer = ACCUSED): Update {
  const incarnation = net.get(signer).peer(peer)?.incarnation ?? 0;
  return signUpdate(testTrust(signer), { kind, peer, incarnation, from: signer });
}

/** Honest peers (other than the accused) that ever held `peer` failed at or after `sinceMs`. */
function failedAt(sp: Sparse, sinceMs: number, peer = ACCUSED): string[] {
  return sp.honest.filter(
    (o) => o !== peer && sp.net.firstTransitionMs(o, peer, 'failed', sinceMs) !== undefined,
  );
}

const relayChecks = (sp: Sparse): number =>
  sp.honest.reduce((sum, id) => sum + sp.net.get(id).stats().relayChecksSent, 0);

/**
 * Runs `scenario` on every seed and checks that no honest peer ever held the live accused failed
 * (counted per seed, so a failure shows every seed's count) and that all hold it healthy at the end.
 */
function expectUnharmedOnSeeds(scenario: (seed: number) => { sp: Sparse; sinceMs: number }): void {
  const failedBySeed: Record<number, string> = {};
  const notHealthy: string[] = [];
  for (const seed of SEEDS) {
    const { sp, sinceMs } = scenario(seed);
    const failed = failedAt(sp, sinceMs);
    if (failed.length > 0) failedBySeed[seed] = `${failed.length}: ${failed.join(' ')}`;
    for (const o of sp.honest)
      if (o !== ACCUSED && sp.net.stateOf(o, ACCUSED) !== 'healthy')
        notHealthy.push(`seed ${seed}: ${o} holds ${sp.net.stateOf(o, ACCUSED)}`);
  }
  const reproduce =
    'SEED=<seed> node_modules/.bin/vitest run packages/core/src/scenario-trust-sparse.test.ts';
  expect(failedBySeed, `honest peers that held live p0 failed, by seed (${reproduce})`).toEqual({});
  expect(notHealthy).toEqual([]);
}

/** Honest peers without a link to the accused that any of `liars` can hand a lie to. */
function lie(
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

/** The base case on `config`: the lie, told three times a second apart, then 15 s to settle. */
function repeatedLie(seed: number, config: DetectorConfig, liars = ['x']): { sp: Sparse; sinceMs: number } {
  const sp = sparse(seed, config, liars);
  const t0 = sp.net.nowMs;
  for (let k = 0; k < 3; k++) {
    lie(sp, liars);
    sp.net.run(sp.net.nowMs + 1_000);
  }
  sp.net.run(t0 + 15_000);
  return { sp, sinceMs: t0 };
}

describe('sparse signed mesh: a lie about a live peer to the peers without a link to it', () => {
  it('one liar (signed `failed` and `suspect`, repeated) fails the live peer nowhere (node preset, seeds 1-10)', () => {
    expectUnharmedOnSeeds((seed) => repeatedLie(seed, presets.node));
  });

  it('the same on the browser default (seeds 1-10)', () => {
    expectUnharmedOnSeeds((seed) => repeatedLie(seed, presets.browser));
  });

  it('a liar that forwards nothing else (drops all gossip, answers no relay request or ping)', () => {
    expectUnharmedOnSeeds((seed) => {
      const sp = sparse(seed, presets.node);
      sp.net.drop = (from) => from === 'x';
      const t0 = sp.net.nowMs;
      for (let k = 0; k < 3; k++) {
        lie(sp, ['x']);
        sp.net.run(sp.net.nowMs + 1_000);
      }
      sp.net.run(t0 + 15_000);
      return { sp, sinceMs: t0 };
    });
  });

  it('a liar that re-gossips every honest accusation of p0 it receives as confirmations', () => {
    expectUnharmedOnSeeds((seed) => {
      const sp = sparse(seed, presets.node);
      sp.net.recordSends = true;
      const harvested = new Map<string, Update>();
      const t0 = sp.net.nowMs;
      lie(sp, ['x']);
      for (let t = t0 + 100; t <= t0 + 6_000; t += 100) {
        sp.net.run(t);
        for (const m of sp.net.sent.splice(0)) {
          const r = m.to === 'x' ? decode(m.bytes) : undefined;
          if (r?.ok !== true) continue;
          for (const u of r.message.updates)
            if (
              u.peer === ACCUSED &&
              u.from !== 'x' &&
              u.kind !== UpdateKind.alive &&
              u.kind !== UpdateKind.left
            )
              harvested.set(`${u.kind}:${u.from}:${u.incarnation}`, u);
        }
        if (harvested.size === 0) continue;
        const loot = [...harvested.values()].slice(0, 8);
        for (const o of sp.unlinked)
          sp.net.say('x', o, [accusation(sp.net, 'x', UpdateKind.failed), ...loot]);
      }
      sp.net.run(t0 + 15_000);
      return { sp, sinceMs: t0 };
    });
  });

  it('two colluding liars that both sign accusations fail the live peer nowhere', () => {
    expectUnharmedOnSeeds((seed) => repeatedLie(seed, presets.node, ['x', 'y']));
  });
});

describe('sparse signed mesh: the cost of a lie is bounded', () => {
  it('one lie costs at most one relay check per honest peer within 3 s', () => {
    for (const seed of SEEDS) {
      const sp = sparse(seed, presets.node);
      sp.net.recordSends = true;
      const before = relayChecks(sp);
      lie(sp, ['x'], [UpdateKind.failed]);
      sp.net.run(sp.net.nowMs + 3_000);
      const checks = relayChecks(sp) - before;
      const pingReqs = sp.net.sent.filter((m) => {
        const r = decode(m.bytes);
        return r.ok && r.message.type === MessageType.pingReq && r.message.target === ACCUSED;
      }).length;
      // Each honest peer without a link checks a lie at most once, through `indirectChecks` relays.
      expect(checks, `relay checks, seed ${seed}`).toBeLessThanOrEqual(sp.honest.length - 1);
      expect(pingReqs, `ping-reqs about p0, seed ${seed}`).toBeLessThanOrEqual(
        (sp.honest.length - 1) * presets.node.indirectChecks,
      );
    }
  });

  it('one accuser accusing many live peers gets few relay checks per peer per window', () => {
    for (const seed of SEEDS) {
      const sp = sparse(seed, presets.node);
      const accused = ['p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7', 'p8', 'p9', 'p10'];
      const before = new Map(sp.honest.map((id) => [id, sp.net.get(id).stats().relayChecksSent]));
      const t0 = sp.net.nowMs;
      for (const p of accused)
        for (const o of sp.honest)
          if (o !== p && sp.links.get(p)?.has(o) !== true)
            sp.net.say('x', o, [accusation(sp.net, 'x', UpdateKind.failed, p)]);
      sp.net.run(t0 + 3_000);
      const most = Math.max(
        ...sp.honest.map((id) => sp.net.get(id).stats().relayChecksSent - (before.get(id) ?? 0)),
      );
      // Each budgeted check may ask its relays once more when its suspicion runs out uncorroborated.
      expect(most, `most relay checks at one peer, seed ${seed}`).toBeLessThanOrEqual(
        2 * ACCUSER_UNCONFIRMED_MAX,
      );
      sp.net.run(t0 + 15_000);
      for (const p of accused)
        for (const o of sp.honest)
          if (o !== p)
            expect(
              sp.net.firstTransitionMs(o, p, 'failed', t0),
              `${o} failed ${p}, seed ${seed}`,
            ).toBeUndefined();
    }
  });
});

describe('sparse signed mesh: real failures are still detected everywhere', () => {
  /** ms from the fault until every live honest peer holds p0 failed (each peer's first `failed`). */
  function detection(seed: number, fault: 'crash' | 'hang'): { allMs: number; secondHand: number } {
    const sp = sparse(seed, presets.node, []);
    const t0 = sp.net.nowMs;
    if (fault === 'crash') sp.net.crashed.add(ACCUSED);
    else sp.net.stalledUntil.set(ACCUSED, Infinity);
    sp.net.run(t0 + 20_000);
    let allMs = 0;
    for (const o of sp.honest) {
      if (o === ACCUSED) continue;
      const at = sp.net.firstTransitionMs(o, ACCUSED, 'failed', t0);
      expect(at, `${o} never failed the ${fault}ed p0 (seed ${seed})`).toBeDefined();
      allMs = Math.max(allMs, (at as number) - t0);
    }
    const secondHand = sp.unlinked.filter((o) => sp.net.get(o).peer(ACCUSED)?.secondHand === true).length;
    return { allMs, secondHand };
  }

  for (const fault of ['crash', 'hang'] as const)
    it(`a ${fault}ed peer is failed at every live peer, linked or not, within ${DETECTION_ALL_MS_MAX} ms`, () => {
      const times: number[] = [];
      for (const seed of SEEDS) {
        const { allMs, secondHand } = detection(seed, fault);
        times.push(allMs);
        expect(
          secondHand,
          `peers without a link took the verdict second-hand (seed ${seed})`,
        ).toBeGreaterThan(0);
      }
      expect(Math.max(...times), `all-peers detection times: ${times.join(', ')}`).toBeLessThanOrEqual(
        DETECTION_ALL_MS_MAX,
      );
    });
});
