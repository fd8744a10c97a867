import { describe, expect, it } from 'vitest';
import { decode, MessageType, UpdateKind } from './codec.js';
import { presets } from './config.js';
import { TestNetwork } from './test-network.js';
import { WitnessKind } from './witness.js';

// Decision 0073: in a signed full mesh, a witnessed crash's verdict is pushed to `pushFanout` links
// whose vital signs say they may be late to their own witness (hidden, frozen, stalled, none yet),
// and to one other link (a safety net for a peer whose own check was answered by a late packet).
const ids = Array.from({ length: 10 }, (_, i) => `p${i}`);
const crashed = 'p0';
const hidden = 'p9';

/** Who sent a pushed (`sync`) `failed` about the crashed peer to whom, after `fromMs`. */
function pushedVerdicts(net: TestNetwork, fromMs: number): { from: string; to: string }[] {
  const out: { from: string; to: string }[] = [];
  for (const s of net.sent) {
    if (s.atMs < fromMs) continue;
    const d = decode(s.bytes);
    if (!d.ok || d.message.type !== MessageType.sync) continue;
    if (d.message.updates.some((u) => u.kind === UpdateKind.failed && u.peer === crashed))
      out.push({ from: s.from, to: s.to });
  }
  return out;
}

/** How many pushed copies each sender sent to links other than the hidden tab. */
function toOthersBySender(pushes: { from: string; to: string }[]): Map<string, number> {
  const by = new Map<string, number>();
  for (const p of pushes) if (p.to !== hidden) by.set(p.from, (by.get(p.from) ?? 0) + 1);
  return by;
}

/** A signed full mesh of 10 on the browser default, `hidden` a hidden tab (1 Hz timers); p0 crashes, the room is told. */
function crashWitnessed(seed: number, hide: boolean): { net: TestNetwork; at: number } {
  const net = new TestNetwork(seed, true);
  net.latencyMs = () => 2;
  for (const id of ids) net.add(id, presets.browser);
  net.fullMesh(ids);
  if (hide) {
    net.apply(hidden, net.get(hidden).setLifecycle('hidden', net.nowMs));
    net.timerGridMs.set(hidden, 1_000);
  }
  net.run(12_000);
  net.recordSends = true;
  net.crashed.add(crashed);
  const at = net.nowMs;
  for (const o of ids.slice(1)) net.apply(o, net.get(o).witness(crashed, WitnessKind.closedByPeer, at));
  net.run(at + 5_000);
  return { net, at };
}

describe('witnessed verdict pushes in a full mesh (decision 0073)', () => {
  it.each([1, 2, 3, 4, 5])(
    'seed %i: every declarer pushes to the hidden tab and to one other link; every live peer fails the crash',
    (seed) => {
      const { net, at } = crashWitnessed(seed, true);
      const pushes = pushedVerdicts(net, at);
      // Main pushed each of the 9 declarers' verdicts to pushFanout = 4 random links of 8: at least
      // 3 of them to visible peers.
      const declarers = new Set(pushes.map((p) => p.from));
      expect(declarers.size).toBeGreaterThanOrEqual(5);
      for (const d of declarers) if (d !== hidden) expect(pushes).toContainEqual({ from: d, to: hidden });
      for (const [, count] of toOthersBySender(pushes)) expect(count).toBe(1);
      for (const o of ids.slice(1)) expect(net.stateOf(o, crashed)).toBe('failed');
      const hiddenAt = net.firstTransitionMs(hidden, crashed, 'failed', at) as number;
      expect(hiddenAt - at).toBeLessThan(1_000);
    },
  );

  it('with every peer visible, each declarer pushes one copy and every live peer still fails the crash', () => {
    const { net, at } = crashWitnessed(1, false);
    const pushes = pushedVerdicts(net, at);
    const declarers = new Set(pushes.map((p) => p.from));
    expect(declarers.size).toBeGreaterThanOrEqual(5);
    expect(pushes.length).toBe(declarers.size);
    for (const o of ids.slice(1)) expect(net.stateOf(o, crashed)).toBe('failed');
  });
});
