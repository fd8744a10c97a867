// A linked peer a full member table had no seat for (decision 0069) and what its retries may take
// (decision 0072): only a free seat, an ended member's or a never-linked stranger's, never a live
// member whose link blipped; a live member's once its link has been down for `UNLINKED_GRACE_MS`
// (decision 0076). `TestNetwork`, virtual clock: every run is the same.
// Run: nice -n 10 pnpm vitest run packages/core/src/scenario-unseated.test.ts
import { describe, expect, it } from 'vitest';
import { UpdateKind } from './codec.js';
import { presets } from './config.js';
import { UNLINKED_GRACE_MS } from './membership.js';
import { TestNetwork } from './test-network.js';

describe('scenario: a linked peer a full table had no seat for', () => {
  it('is seated when it speaks after a seat frees (a failed member’s link goes down)', () => {
    const net = new TestNetwork(3);
    const victim = net.add('victim', { ...presets.lan, membersMax: 2 });
    for (const id of ['carol', 'dave', 'erin']) net.add(id);
    net.link('victim', 'carol');
    net.run(2_000);
    // carol crashes; her link stays up (the transport has not noticed yet) while she is failed.
    net.crashed.add('carol');
    let t = net.nowMs;
    while (net.stateOf('victim', 'carol') !== 'failed' && t < 30_000) net.run((t += 10));
    expect(net.stateOf('victim', 'carol')).toBe('failed');
    net.link('victim', 'dave');
    net.link('victim', 'erin'); // full: carol (linked) and dave (linked) cannot go
    expect(victim.peer('erin')).toBeUndefined();
    expect(victim.stats().membersDropped).toBe(1);
    net.unlink('victim', 'carol'); // the transport notices: carol's seat can be given up
    net.run(net.nowMs + 5_000); // erin probes victim: her messages try the seat again
    expect(victim.peer('erin')?.direct).toBe(true);
    expect(victim.peer('erin')?.state).toBe('healthy');
    expect(victim.peer('carol')).toBeUndefined();
    expect(victim.stats().membersEvicted).toBe(1);
    expect(victim.stats().membersDropped).toBe(1);
  });

  it('a flood of its messages tries the seat at most every 250 ms', () => {
    const net = new TestNetwork(3);
    const victim = net.add('victim', { ...presets.lan, membersMax: 1 });
    net.add('dave');
    net.add('erin');
    net.link('victim', 'dave');
    net.link('victim', 'erin');
    net.run(1_000);
    const dropped = victim.stats().membersDropped;
    for (let i = 0; i < 1_000; i++) net.say('erin', 'victim', []);
    net.run(net.nowMs + 1_000);
    expect(victim.peer('erin')).toBeUndefined();
    // 1,000 messages in one instant try once; erin's own pings over the next second a few times.
    expect(victim.stats().membersDropped - dropped).toBeLessThanOrEqual(6);
    expect(victim.stats().membersDropped - dropped).toBeGreaterThanOrEqual(1);
  });
});

describe('scenario: what a retry from the unseated pool may take (decision 0072)', () => {
  /** victim (`membersMax` 2) linked to h1 and h2, then to m0 and m1, which wait unseated. */
  function full(rosterShared: boolean): TestNetwork {
    const net = new TestNetwork(5);
    net.rosterShared = rosterShared;
    net.add('victim', { ...presets.lan, membersMax: 2 });
    for (const id of ['h1', 'h2', 'm0', 'm1']) net.add(id);
    net.link('victim', 'h1');
    net.link('victim', 'h2');
    net.run(2_000);
    net.link('victim', 'm0');
    net.link('victim', 'm1');
    net.run(4_000);
    return net;
  }

  // Without a roster every unlinked member is a stranger (never admitted), h1 during its blip
  // included: a retry may take only a stranger that never held a link with victim.
  it.each([true, false])('roster %s: a member whose link blips for 1 s keeps its seat', (roster) => {
    const net = full(roster);
    const victim = net.get('victim');
    const dropped = victim.stats().membersDropped;
    net.unlink('victim', 'h1');
    net.run(net.nowMs + 1_000); // m0 and m1 probe victim: each try is refused
    expect(victim.stats().membersDropped).toBeGreaterThan(dropped);
    net.link('victim', 'h1');
    net.run(net.nowMs + 5_000);
    expect(['h1', 'h2'].map((h) => victim.peer(h)?.direct)).toEqual([true, true]);
    expect(['m0', 'm1'].map((m) => victim.peer(m))).toEqual([undefined, undefined]);
    expect(victim.stats().membersEvicted).toBe(0);
  });

  it('a retry takes the seat of a stranger that never held a link', () => {
    const net = full(true);
    const victim = net.get('victim');
    net.apply('h2', net.get('h2').leave(net.nowMs)); // its link stays up until the transport notices
    net.run(net.nowMs + 100);
    expect(net.stateOf('victim', 'h2')).toBe('left');
    net.unlink('victim', 'h2');
    // Before m0 or m1 speaks again, gossip about g (no detector, on no roster) takes h2's seat.
    net.say('h1', 'victim', [{ kind: UpdateKind.alive, peer: 'g', incarnation: 0, from: undefined }]);
    expect(victim.peer('g')?.direct).toBe(false);
    expect(victim.peer('h2')).toBeUndefined();
    net.run(net.nowMs + 2_000);
    expect(victim.peer('g')).toBeUndefined();
    expect(['h1', 'm0', 'm1'].filter((id) => victim.peer(id)?.direct === true)).toHaveLength(2);
    expect(victim.stats().membersEvicted).toBe(2);
  });

  // h1 and h2 also linked to each other: a member whose link to victim is down stays alive
  // (probed through the other), as an honest member of a partial mesh does.
  it.each([true, false])(
    'roster %s: a link down 9 s keeps its seat; one down for good gives it up after the grace',
    (roster) => {
      const net = full(roster);
      net.link('h1', 'h2');
      net.run(net.nowMs + 2_000);
      const victim = net.get('victim');
      net.unlink('victim', 'h1');
      net.run(net.nowMs + 9_000);
      expect(victim.peer('h1')?.state).toBe('healthy');
      net.link('victim', 'h1');
      net.run(net.nowMs + 2_000);
      expect(victim.peer('h1')?.direct).toBe(true);
      expect(victim.stats().membersEvicted).toBe(0);
      const downAtMs = net.nowMs;
      net.unlink('victim', 'h2');
      net.run(downAtMs + UNLINKED_GRACE_MS - 10);
      expect(victim.peer('h2')?.state).toBe('healthy');
      expect(victim.stats().membersEvicted).toBe(0);
      net.run(downAtMs + UNLINKED_GRACE_MS + 1_000); // m0 and m1 retry every 250 ms at most
      expect(victim.peer('h2')).toBeUndefined();
      expect(['h1', 'm0', 'm1'].filter((id) => victim.peer(id)?.direct === true)).toHaveLength(2);
      expect(victim.stats().membersEvicted).toBe(1);
    },
  );
});
