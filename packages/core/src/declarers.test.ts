// Decision 0027: a signer of `failed` counts as a declarer (decision 0024) only when this peer
// knows it as a room member of its own evidence: linked to it, or admitted by the signaling roster
// (`Detector.admit`, `witness(peer, 'joined')`). Unknown signers are dropped before they take a
// declarer slot, and counted (`declarersUnknown`).
import { describe, expect, it } from 'vitest';
import { UpdateKind, type Update } from './codec.js';
import { presets } from './config.js';
import { signUpdate } from './signed-update.js';
import { TestNetwork } from './test-network.js';
import { testTrust } from './test-trust.js';

/** Signed `failed` verdicts about p0 at `incarnation`, one per signer. */
function verdicts(signers: readonly string[], incarnation: number): Update[] {
  return signers.map((id) =>
    signUpdate(testTrust(id), { kind: UpdateKind.failed, peer: 'p0', incarnation, from: id }),
  );
}

/** Adds o, p0, x and y (browser preset): o is linked to p0 and x; y to p0 and x; x to p0. */
function addPeers(net: TestNetwork): void {
  for (const id of ['o', 'p0', 'x', 'y']) net.add(id, presets.browser);
  for (const [a, b] of [
    ['o', 'p0'],
    ['o', 'x'],
    ['x', 'p0'],
    ['y', 'p0'],
    ['x', 'y'],
  ] as const)
    net.link(a, b);
}

interface Setup {
  /** o is linked to y. */
  linked?: boolean;
  /** o is told the roster holds y (`admit`), or the server's `joined` for y (`witness`). */
  admitted?: 'admit' | 'witness';
  /** y's session ends (`witness(y, 'left')`) before the lie. */
  left?: boolean;
}

/**
 * Peers o, p0, x and y (signed, browser preset, no shared roster): o is linked to p0 and x, and to
 * y only with `linked`; y is linked to p0 and x, so o learns y from gossip alone. As p0 pauses
 * 150 ms, x hands o a `failed` of p0 signed by x and by y. Returns when o failed p0 (undefined:
 * never, in 5 s) and o's `declarersUnknown`.
 */
function lie(setup: Setup): { failedAtMs: number | undefined; unknown: number } {
  const net = new TestNetwork(1, true);
  net.rosterShared = false;
  addPeers(net);
  if (setup.linked === true) net.link('o', 'y');
  net.run(5_000);
  const o = net.get('o');
  expect(o.peer('y'), 'o knows y').toBeDefined();
  if (setup.admitted === 'admit') o.admit(['y']);
  if (setup.admitted === 'witness') net.apply('o', o.witness('y', 'joined', net.nowMs));
  if (setup.left === true) net.apply('o', o.witness('y', 'left', net.nowMs));
  const t0 = net.nowMs;
  net.stalledUntil.set('p0', t0 + 150);
  net.say('x', 'o', verdicts(['x', 'y'], o.peer('p0')?.incarnation ?? 0));
  net.run(t0 + 5_000);
  return { failedAtMs: net.firstTransitionMs('o', 'p0', 'failed', t0), unknown: o.stats().declarersUnknown };
}

describe('declarers must be room members (decision 0027)', () => {
  it('a signer known from gossip only (not linked, not on the roster) is dropped and counted', () => {
    const r = lie({});
    expect(r.failedAtMs).toBeUndefined();
    expect(r.unknown).toBeGreaterThan(0);
  });

  it('a linked signer counts: the verdict is taken during the pause', () => {
    const r = lie({ linked: true });
    expect(r.failedAtMs).toBeDefined();
    expect(r.unknown).toBe(0);
  });

  it('a signer on the roster counts (admit, or the server’s joined witness)', () => {
    for (const admitted of ['admit', 'witness'] as const) {
      const r = lie({ admitted });
      expect(r.failedAtMs, admitted).toBeDefined();
      expect(r.unknown, admitted).toBe(0);
    }
  });

  it('a signer whose session ended stays admitted: one identity, still one declarer', () => {
    const r = lie({ admitted: 'witness', left: true });
    expect(r.failedAtMs).toBeDefined();
    expect(r.unknown).toBe(0);
  });

  it('the shared roster (`DetectorOptions.roster`) admits every peer added to the test network', () => {
    const net = new TestNetwork(1, true);
    addPeers(net);
    net.run(5_000);
    const t0 = net.nowMs;
    net.stalledUntil.set('p0', t0 + 150);
    net.say('x', 'o', verdicts(['x', 'y', 'minted'], net.get('o').peer('p0')?.incarnation ?? 0));
    net.run(t0 + 5_000);
    expect(net.firstTransitionMs('o', 'p0', 'failed', t0)).toBeDefined();
    expect(net.get('o').stats().declarersUnknown).toBe(1);
  });

  // The trust model's stated limit (decision 0012): two colluding members. A minted identity that
  // really joins the signaling room is a second member, and its signature counts.
  it.fails('two colluding room members cannot fail a peer paused 150 ms', () => {
    expect(lie({ admitted: 'witness' }).failedAtMs).toBeUndefined();
  });
});
