import { describe, expect, it } from 'vitest';
import { MessageType, UpdateKind, decode } from './codec.js';
import { presets, retransmitLimit } from './config.js';
import { WITNESSED_PUSH_FANOUT } from './membership.js';
import { TestNetwork } from './test-network.js';
import { WitnessKind } from './witness.js';

// Decision 0035: a witnessed crash in a full mesh is declared by every live peer at about the same
// time, so each declarer's verdict is pushed to WITNESSED_PUSH_FANOUT links and piggybacked
// `retransmitMult` times, not `pushFanout` and `retransmitMult × ceil(log10(N + 1))`.

const ids = Array.from({ length: 12 }, (_, i) => `p${i}`);
const crashed = 'p0';
const live = ids.filter((id) => id !== crashed);

/** Twelve signed peers on the browser default, 2 ms links; `p0` crashes, the room is told (but not `deaf`). */
function crashWitnessed(linkedAll: boolean, deaf: string[] = []): { net: TestNetwork; at: number } {
  const net = new TestNetwork(3, true);
  net.latencyMs = () => 2;
  for (const id of ids) net.add(id, presets.browser);
  net.fullMesh(ids);
  if (!linkedAll) net.unlink('p1', 'p2');
  net.run(10_000);
  net.recordSends = true;
  net.crashed.add(crashed);
  const at = net.nowMs;
  net.run(at + 20);
  for (const o of live)
    if (!deaf.includes(o)) net.apply(o, net.get(o).witness(crashed, WitnessKind.closedByPeer, net.nowMs));
  net.run(at + 5_000);
  return { net, at };
}

/** Copies of `signer`'s own `failed` about the crashed peer it sent, pushed (`sync`) and piggybacked. */
function copiesOfOwnVerdict(net: TestNetwork, signer: string): { pushed: number; piggybacked: number } {
  let pushed = 0;
  let piggybacked = 0;
  for (const m of net.sent) {
    if (m.from !== signer || m.to === crashed) continue;
    const r = decode(m.bytes);
    if (!r.ok) continue;
    const n = r.message.updates.filter(
      (u) => u.kind === UpdateKind.failed && u.peer === crashed && u.from === signer,
    ).length;
    if (r.message.type === MessageType.sync) pushed += n;
    else piggybacked += n;
  }
  return { pushed, piggybacked };
}

const witnessedBy = (net: TestNetwork): string[] =>
  net.events.flatMap(({ observer, event }) =>
    event.type === 'status-change' &&
    event.detail.peer === crashed &&
    event.detail.to === 'failed' &&
    event.detail.reason === 'witnessed'
      ? [observer]
      : [],
  );

describe('copies of a witnessed verdict (decision 0035)', () => {
  it('full mesh: every live peer declares it, pushes its verdict to one link and piggybacks it retransmitMult times', () => {
    const { net } = crashWitnessed(true);
    expect(witnessedBy(net).sort()).toEqual([...live].sort());
    const mult = presets.browser.retransmitMult;
    // The limit this replaces is larger at N = 12, so the test tells them apart.
    expect(retransmitLimit(mult, ids.length)).toBeGreaterThan(mult);
    for (const o of live) {
      const c = copiesOfOwnVerdict(net, o);
      expect(c.pushed).toBe(WITNESSED_PUSH_FANOUT);
      expect(c.piggybacked).toBeLessThanOrEqual(mult);
    }
  });

  it('full mesh: peers the room did not tell fail it from the others’ copies, within a second', () => {
    const deaf = ['p3', 'p7'];
    const { net, at } = crashWitnessed(true, deaf);
    for (const o of live) expect(net.stateOf(o, crashed)).toBe('failed');
    for (const o of deaf) {
      expect(witnessedBy(net)).not.toContain(o);
      expect((net.firstTransitionMs(o, crashed, 'failed', at) as number) - at).toBeLessThan(1_000);
    }
  });

  it('a declarer missing a link is not in a full mesh: it pushes to pushFanout links as before', () => {
    const { net } = crashWitnessed(false);
    expect(witnessedBy(net).sort()).toEqual([...live].sort());
    expect(copiesOfOwnVerdict(net, 'p1').pushed).toBe(presets.browser.pushFanout);
    expect(copiesOfOwnVerdict(net, 'p3').pushed).toBe(WITNESSED_PUSH_FANOUT);
  });
});
