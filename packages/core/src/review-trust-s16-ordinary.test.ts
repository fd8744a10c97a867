// Session-16 review, an ordinary network with NO liar (decisions 0028-0030 as landed): 40 signed
// peers (browser default), 5-10 % loss on every link, peers freezing in turn for 1-1.5 s (inside
// the 1.7 s stall tolerance), hidden tabs (timers on a 1 s grid) among them and among the frozen,
// on a full mesh and on the sparse mesh of `test-sparse.ts`. The bar: 0 false `failed`. Seeds
// 1-10 (`SEED=n` reruns one); `it` where it holds, `it.fails` with what was found.
import { describe, expect, it, vi } from 'vitest';
import { presets } from './config.js';
import { seededRandom } from './random.js';
import { TestNetwork } from './test-network.js';
import { hideTabs, N, reviewSeeds, sparse } from './test-sparse.js';

// Deterministic simulations over many seeds: CPU-bound (5-40 s a test on this 2-core machine,
// more beside other work); the timeout only guards against a hang, the assertions are the test.
vi.setConfig({ testTimeout: 180_000 });

const { SEEDS, REPRODUCE, bySeed } = reviewSeeds('review-trust-s16-ordinary.test.ts', process.env.SEED);
const IDS = Array.from({ length: N }, (_, i) => `p${i}`);
const FREEZES = [1_500, 1_000, 1_500, 1_000, 1_500, 1_500, 1_000, 1_500];
/** Peers that suspected a frozen peer, over every run of this file. */
let suspicions = 0;

interface Room {
  topology: 'full' | 'sparse';
  loss: number;
  /** Hidden tabs: lifecycle `hidden`, timers on a 1 s grid (a background tab's clamp). */
  hidden: readonly string[];
}

/**
 * Builds the room (run to 10 s, every peer knowing every other), hides `hidden`, turns on `loss`
 * and runs to 20 s; then p0…p7 freeze in turn for {@link FREEZES}, 5 s apart, and the network runs
 * 10 s more. Returns `observer>victim` for each peer that held a frozen peer failed (and adds to
 * {@link suspicions} each time a peer suspected a frozen one: the premise, the freezes are felt).
 */
function ordinary(seed: number, o: Room): string[] {
  let net: TestNetwork;
  if (o.topology === 'sparse') net = sparse(seed, presets.browser, []).net;
  else {
    net = new TestNetwork(seed, true);
    for (const id of IDS) net.add(id, presets.browser);
    net.fullMesh(IDS);
  }
  hideTabs(net, o.hidden);
  const random = seededRandom(seed * 7_919);
  net.drop = () => random.next() < o.loss;
  net.run(20_000);
  const t0 = net.nowMs;
  const victims = IDS.slice(0, FREEZES.length);
  FREEZES.forEach((stallMs, i) => {
    net.stalledUntil.set(victims[i] as string, net.nowMs + stallMs);
    net.run(net.nowMs + 5_000);
  });
  net.run(net.nowMs + 10_000);
  for (const v of victims)
    for (const id of IDS)
      if (id !== v && net.firstTransitionMs(id, v, 'suspected', t0) !== undefined) suspicions += 1;
  return victims.flatMap((v) =>
    IDS.filter((id) => id !== v && net.firstTransitionMs(id, v, 'failed', t0) !== undefined).map(
      (id) => `${id}>${v}`,
    ),
  );
}

/** p4…p11 hidden: half of the frozen peers are hidden tabs, and so are four that are not frozen. */
const HIDDEN_AMONG_FROZEN = IDS.slice(4, 12);

describe('review s16: no liar, full mesh (browser)', () => {
  it('10 % loss, 8 hidden tabs (4 of them frozen in turn), eight 1-1.5 s freezes: no false failed', () => {
    expect(
      bySeed((seed) => ordinary(seed, { topology: 'full', loss: 0.1, hidden: HIDDEN_AMONG_FROZEN })),
      REPRODUCE,
    ).toEqual({});
  });

  it('5 % loss, 20 hidden tabs together (half the room), eight 1-1.5 s freezes: no false failed', () => {
    expect(
      bySeed((seed) => ordinary(seed, { topology: 'full', loss: 0.05, hidden: IDS.slice(4, 24) })),
      REPRODUCE,
    ).toEqual({});
  });
});

describe('review s16: no liar, sparse mesh (browser, three random cycles, degree ≤ 6)', () => {
  it('10 % loss, eight 1-1.5 s freezes: no false failed', () => {
    expect(
      bySeed((seed) => ordinary(seed, { topology: 'sparse', loss: 0.1, hidden: [] })),
      REPRODUCE,
    ).toEqual({});
  });

  it('5 % loss, 8 hidden tabs (4 of them frozen in turn), eight 1-1.5 s freezes: no false failed', () => {
    expect(
      bySeed((seed) => ordinary(seed, { topology: 'sparse', loss: 0.05, hidden: HIDDEN_AMONG_FROZEN })),
      REPRODUCE,
    ).toEqual({});
  });

  it('10 % loss, 8 hidden tabs (4 of them frozen in turn), eight 1-1.5 s freezes: no false failed', () => {
    expect(
      bySeed((seed) => ordinary(seed, { topology: 'sparse', loss: 0.1, hidden: HIDDEN_AMONG_FROZEN })),
      REPRODUCE,
    ).toEqual({});
  });

  it('the premise: the freezes were felt (peers suspected frozen peers)', () => {
    const before = suspicions;
    ordinary(SEEDS[0] as number, { topology: 'sparse', loss: 0.1, hidden: HIDDEN_AMONG_FROZEN });
    expect(suspicions - before).toBeGreaterThan(0);
  });
});
