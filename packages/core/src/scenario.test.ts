import { describe, expect, it } from 'vitest';
import { presets } from './config.js';
import { TestNetwork } from './test-network.js';

const five = ['a', 'b', 'c', 'd', 'e'];

function mesh(ids: string[], seed = 1, config = presets.lan): TestNetwork {
  const net = new TestNetwork(seed);
  for (const id of ids) net.add(id, config);
  net.fullMesh(ids);
  return net;
}

describe('scenario: crash', () => {
  it('a crashed peer is suspected, then failed by every survivor, within the Lifeguard bounds', () => {
    const net = mesh(five);
    net.run(10_000);
    for (const o of five) for (const p of five) if (o !== p) expect(net.stateOf(o, p)).toBe('healthy');
    net.crashed.add('e');
    net.run(40_000);
    for (const o of ['a', 'b', 'c', 'd']) {
      // Either this peer's own probe (or its check of another's suspicion) failed first, or it
      // received the verdict, checked it with two pings of its own, and took it.
      const t = net.transitions(o, 'e');
      expect([['healthy->suspected', 'suspected->failed'], ['healthy->failed']]).toContainEqual(t);
      const failedAt = net.firstTransitionMs(o, 'e', 'failed') as number;
      // first probe (≤ 4 periods of 300 ms) + timeouts + suspicion (375 ms minimum, 2.25 s maximum).
      expect(failedAt - 10_000).toBeGreaterThan(375);
      expect(failedAt - 10_000).toBeLessThan(4_000);
      expect(net.get(o).routable()).not.toContain('e');
      expect(net.get(o).health()).toMatchObject({
        tier: 'DEGRADED',
        healthPercent: 80,
        minorityPartition: false,
      });
    }
  });
});

describe('scenario: refutation', () => {
  it('a peer that stalls briefly refutes the suspicion and is never declared failed', () => {
    // The browser default: a 1.2 s probe round plus a 500 ms suspicion minimum outlast a 1.6 s
    // silence (and a 1 s one is not even suspected).
    const net = mesh(five, 2, presets.browser);
    net.run(10_000);
    net.crashed.add('e'); // stalled: timers stop and messages to it are lost
    net.run(11_600);
    const suspectedBy = ['a', 'b', 'c', 'd'].filter((o) => net.stateOf(o, 'e') === 'suspected');
    expect(suspectedBy.length).toBeGreaterThan(0);
    net.crashed.delete('e');
    net.run(40_000);
    for (const o of ['a', 'b', 'c', 'd']) {
      expect(net.transitions(o, 'e')).not.toContain('suspected->failed');
      expect(net.stateOf(o, 'e')).toBe('healthy');
    }
    expect(net.get('e').stats().refutations).toBeGreaterThan(0);
    expect(net.get('e').localIncarnation()).toBeGreaterThan(0);
    for (const o of suspectedBy) expect(net.transitions(o, 'e')).toContain('suspected->healthy');
  });
});

describe('scenario: lossy link', () => {
  it('a dead link between two peers with working indirect paths gets neither declared failed', () => {
    const net = mesh(five, 3);
    net.drop = (from, to) => (from === 'a' && to === 'b') || (from === 'b' && to === 'a');
    net.run(60_000);
    expect(net.transitions('a', 'b')).not.toContain('suspected->failed');
    expect(net.transitions('b', 'a')).not.toContain('suspected->failed');
    expect(net.stateOf('a', 'b')).toBe('healthy');
    expect(net.stateOf('b', 'a')).toBe('healthy');
    expect(net.get('a').stats().indirectProbesSent).toBeGreaterThan(0);
    for (const o of ['c', 'd', 'e']) for (const p of ['a', 'b']) expect(net.transitions(o, p)).toEqual([]);
  });
});

describe('scenario: local health', () => {
  it('a peer with late timers raises its own local health score and stretches its period', () => {
    const net = mesh(five, 4);
    net.timerLateMs.set('a', 400);
    net.run(20_000);
    const a = net.get('a');
    expect(a.localHealthScore()).toBeGreaterThan(0);
    expect(a.effectiveProtocolPeriodMs()).toBeGreaterThan(a.protocolPeriodMs());
    expect(a.stats().lateTimers).toBeGreaterThan(0);
    for (const o of ['b', 'c', 'd', 'e']) expect(net.get(o).localHealthScore()).toBe(0);
    expect(net.events.some((e) => e.observer === 'a' && e.event.type === 'local-health-change')).toBe(true);
  });
});
