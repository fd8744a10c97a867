// The witnessed check held after a recent one (decision 0040): a member whose session ends again
// within a window of its last check is checked once that window is over, so a reconnect storm
// costs each peer one check per window, and a real crash right after a reconnect is still failed
// `witnessed`, about one window later than a crash with no recent check.
import { describe, expect, it } from 'vitest';
import { crashNow, failedBy, mesh, others, witness } from './test-witness.js';
import { WitnessKind, WITNESS_WINDOW_MS_MIN } from './witness.js';

/** `c` reconnects (its session ends, a new one joins 5 ms later) `reconnects` times, 10 ms apart, then crashes. */
function crashAfterReconnects(reconnects: number): { net: ReturnType<typeof mesh>; at: number } {
  const net = mesh();
  for (let i = 0; i < reconnects; i++) {
    witness(net, 'c', WitnessKind.closedByPeer);
    net.run(net.nowMs + 5);
    witness(net, 'c', WitnessKind.joined);
    net.run(net.nowMs + 5);
  }
  return { net, at: crashNow(net) };
}

/** The slowest `witnessed` verdict about c among the others (ms after `at`), or Infinity. */
function slowestMs(net: ReturnType<typeof mesh>, at: number): number {
  let worst = 0;
  for (const o of others('c'))
    worst = Math.max(worst, (net.firstTransitionMs(o, 'c', 'failed', at) ?? Infinity) - at);
  return worst;
}

describe('a crash right after a reconnect (the held check)', () => {
  it('is failed witnessed by every peer within about one window more than a plain crash', () => {
    const plain = crashAfterReconnects(0);
    const held = crashAfterReconnects(3);
    const plainMs = slowestMs(plain.net, plain.at);
    const heldMs = slowestMs(held.net, held.at);
    console.log(`crash after reconnects: slowest witnessed verdict ${heldMs} ms; plain crash ${plainMs} ms`);
    for (const { net } of [plain, held]) {
      expect(failedBy(net, 'c').sort()).toEqual(others('c').map((o) => `${o}:witnessed`));
    }
    expect(plainMs).toBeLessThanOrEqual(WITNESS_WINDOW_MS_MIN + 100);
    // Held until a window after the last check began (≤ one window from now), then a whole window.
    expect(heldMs).toBeGreaterThan(plainMs);
    expect(heldMs).toBeLessThanOrEqual(plainMs + WITNESS_WINDOW_MS_MIN + 50);
  });

  it('sends no ping while held, and a new session before the hold ends cancels it', () => {
    const net = mesh();
    net.recordSends = true;
    witness(net, 'c', WitnessKind.closedByPeer);
    net.run(net.nowMs + 5);
    witness(net, 'c', WitnessKind.joined);
    const since = net.nowMs + 1;
    net.run(since + 10);
    witness(net, 'c', WitnessKind.closedByPeer); // within the window: held
    net.run(net.nowMs + 100);
    witness(net, 'c', WitnessKind.joined);
    net.run(since + 2_000);
    const pingsEarly = net.sent.filter(
      (x) => x.from === 'a' && x.to === 'c' && x.atMs >= since && x.atMs < since + 250,
    );
    expect(pingsEarly).toEqual([]);
    expect(failedBy(net, 'c')).toEqual([]);
    expect(net.get('a').stats().witnessChecks).toBe(2);
    expect(net.get('a').stats().witnessChecksAnswered).toBe(2);
  });
});
