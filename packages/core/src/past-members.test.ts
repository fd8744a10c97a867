import { describe, expect, it } from 'vitest';
import { encode, MessageType, UpdateKind } from './codec.js';
import { presets } from './config.js';
import { TestNetwork } from './test-network.js';

const five = ['a', 'b', 'c', 'd', 'e'];
const others = ['a', 'b', 'c', 'd'];
const reapMs = presets.lan.reapAfterMs;

function mesh(seed: number): TestNetwork {
  const net = new TestNetwork(seed);
  for (const id of five) net.add(id);
  net.fullMesh(five);
  net.run(10_000);
  return net;
}

/** `e` comes back as a new process with the same id: a fresh detector, fresh links. */
function restartE(net: TestNetwork, incarnation: number): void {
  for (const o of others) net.unlink('e', o);
  net.add('e', presets.lan, incarnation);
  net.crashed.delete('e');
  for (const o of others) net.link('e', o);
}

describe('reaping: failed and left members leave the live view after reapAfterMs', () => {
  it('a crashed peer is failed (counted in the tier), then reaped: the tier is HEALTHY again', () => {
    const net = mesh(21);
    net.crashed.add('e');
    net.run(15_000);
    for (const o of others) {
      expect(net.stateOf(o, 'e')).toBe('failed');
      expect(net.get(o).health()).toMatchObject({ tier: 'DEGRADED', healthPercent: 80 });
    }
    const failedAts = others.map((o) => net.firstTransitionMs(o, 'e', 'failed') as number);
    const failedAt = Math.max(...failedAts);
    net.run(Math.min(...failedAts) + reapMs - 1);
    for (const o of others) expect(net.stateOf(o, 'e')).toBe('failed');
    net.run(failedAt + reapMs + 1);
    for (const o of others) {
      const d = net.get(o);
      expect(d.peer('e')).toBeUndefined();
      expect(d.routable()).not.toContain('e');
      expect(d.health()).toMatchObject({ tier: 'HEALTHY', healthPercent: 100, total: 4 });
      const endedAt = net.firstTransitionMs(o, 'e', 'failed') as number;
      const into = net.events.find(
        (x) => x.observer === o && x.event.type === 'status-change' && x.event.detail.to === 'failed',
      )?.event.detail as { reason: string };
      expect(['suspicion-timeout', 'gossip-failed']).toContain(into.reason);
      expect(d.pastMembers()).toEqual([
        {
          id: 'e',
          ended: 'failed',
          reason: into.reason,
          endedAtMs: endedAt,
          reapedAtMs: endedAt + reapMs,
          firstSeenMs: 0,
          incarnation: 0,
        },
      ]);
      const reap = net.events.find((x) => x.observer === o && x.event.type === 'reap');
      expect(reap?.event.detail).toMatchObject({ peer: 'e', ended: 'failed', atMs: endedAt + reapMs });
      expect(d.history('e').at(-1)).toMatchObject({ kind: 'status-change', to: 'failed' });
      expect(d.stats().membersReaped).toBe(1);
    }
    // Observation of a reaped peer ends when it ended: its report does not age with the clock.
    const before = net
      .get('a')
      .analytics()
      .peers.find((p) => p.peer === 'e');
    net.run(failedAt + 10 * reapMs);
    const after = net
      .get('a')
      .analytics()
      .peers.find((p) => p.peer === 'e');
    expect(after).toEqual(before);
    expect(after).toMatchObject({ failures: 1, observedMs: net.firstTransitionMs('a', 'e', 'failed') });
  });

  it('a peer that left is reaped as left, with when and how it ended', () => {
    const net = mesh(22);
    net.apply('e', net.get('e').leave(net.nowMs));
    const leftAt = net.nowMs;
    net.crashed.add('e');
    net.run(leftAt + reapMs + 100);
    for (const o of others) {
      const [past] = net.get(o).pastMembers();
      // Told directly (graceful-leave) or by gossip first (gossip-leave).
      expect(past).toMatchObject({
        id: 'e',
        ended: 'left',
        reason: expect.stringMatching(/^(graceful|gossip)-leave$/),
      });
      expect(past!.endedAtMs - leftAt).toBeLessThan(10);
      expect(net.get(o).health().total).toBe(4);
    }
  });

  it('reapAfterMs: Infinity never reaps; pastMembersMax forgets the oldest', () => {
    const net = new TestNetwork(23);
    net.add('a', { ...presets.lan, pastMembersMax: 2 });
    net.add('keep', { ...presets.lan, reapAfterMs: Infinity });
    for (const id of ['p1', 'p2', 'p3']) net.add(id);
    net.fullMesh(['a', 'keep', 'p1', 'p2', 'p3']);
    net.run(10_000);
    for (const id of ['p1', 'p2', 'p3']) {
      net.apply(id, net.get(id).leave(net.nowMs));
      net.run(net.nowMs + 1_000);
      net.crashed.add(id);
    }
    net.run(net.nowMs + reapMs + 1_000);
    expect(
      net
        .get('a')
        .pastMembers()
        .map((p) => p.id),
    ).toEqual(['p2', 'p3']);
    expect(net.get('keep').pastMembers()).toEqual([]);
    expect(
      net
        .get('keep')
        .peers()
        .map((p) => p.state),
    ).toEqual(['healthy', 'left', 'left', 'left']);
  });
});

describe('returning: the same id comes back as the same peer', () => {
  it('after the reap, with a higher (persisted) incarnation: failed → recovering → healthy, one peer', () => {
    const net = mesh(24);
    net.crashed.add('e');
    net.run(10_000 + 2 * reapMs);
    for (const o of others)
      expect(
        net
          .get(o)
          .pastMembers()
          .map((p) => p.id),
      ).toEqual(['e']);
    restartE(net, 1);
    net.run(net.nowMs + 10_000);
    for (const o of others) {
      const d = net.get(o);
      expect(d.peer('e')).toMatchObject({ state: 'healthy', incarnation: 1 });
      expect(d.pastMembers()).toEqual([]);
      expect(net.transitions(o, 'e').slice(-2)).toEqual(['failed->recovering', 'recovering->healthy']);
      // One join only: the return is not a new member.
      expect(
        net.events.filter((x) => x.observer === o && x.event.type === 'join' && x.event.detail.peer === 'e'),
      ).toHaveLength(1);
      expect(d.analytics().peers.find((p) => p.peer === 'e')).toMatchObject({ failures: 1, recoveries: 1 });
      // Its history spans both lives.
      const kinds = d.history('e').map((h) => `${h.kind}:${h.to ?? ''}`);
      expect(kinds[0]).toBe('join:');
      expect(kinds).toContain('status-change:failed');
      expect(kinds.at(-1)).toBe('status-change:healthy');
      expect(d.health().tier).toBe('HEALTHY');
      expect(d.stats().membersRestored).toBe(1);
    }
    // MTTR covers the whole time away (failed → healthy), reap included.
    const r = net
      .get('a')
      .analytics()
      .peers.find((p) => p.peer === 'e')!;
    expect(r.mttrMs).toBeGreaterThan(2 * reapMs - 5_000);
  });

  it('a restart that remembers nothing (incarnation 0) is told its verdict and rises above it', () => {
    const net = mesh(25);
    // A first life that refuted once (incarnation 1), then crashed and was reaped.
    net.apply('e', net.get('e').receive('a', syncAbout('e', UpdateKind.suspect, 0, 'a'), net.nowMs));
    net.run(net.nowMs + 1_000);
    expect(net.get('a').peer('e')?.incarnation).toBe(1);
    net.crashed.add('e');
    net.run(net.nowMs + 2 * reapMs);
    restartE(net, 0);
    net.run(net.nowMs + 10_000);
    expect(net.get('e').localIncarnation()).toBeGreaterThan(1);
    for (const o of others) {
      expect(net.stateOf(o, 'e')).toBe('healthy');
      expect(net.transitions(o, 'e')).toContain('failed->recovering');
    }
  });

  it('a leaver that reloads with the same id rejoins: left → healthy, even with incarnation 0', () => {
    const net = mesh(26);
    net.apply('e', net.get('e').leave(net.nowMs));
    net.run(net.nowMs + 1_000);
    restartE(net, 0);
    net.run(net.nowMs + 10_000);
    for (const o of others) {
      expect(net.stateOf(o, 'e')).toBe('healthy');
      expect(net.transitions(o, 'e')).toEqual(['healthy->left', 'left->healthy']);
    }
  });

  it('stale gossip (an old incarnation) does not bring a past member back; a newer one does', () => {
    const net = mesh(27);
    net.crashed.add('e');
    net.run(10_000 + 2 * reapMs);
    const a = net.get('a');
    a.receive('b', syncAbout('e', UpdateKind.alive, 0), net.nowMs);
    a.receive('b', syncAbout('e', UpdateKind.failed, 0, 'b'), net.nowMs);
    expect(a.peer('e')).toBeUndefined();
    expect(a.pastMembers().map((p) => p.id)).toEqual(['e']);
    a.receive('b', syncAbout('e', UpdateKind.alive, 1), net.nowMs);
    expect(a.peer('e')).toMatchObject({ state: 'recovering', incarnation: 1 });
    expect(a.pastMembers()).toEqual([]);
  });

  it('a hung peer whose links stayed open is reaped, then restored when it speaks again', () => {
    const net = mesh(28);
    const hung = (from: string, to: string): boolean => from === 'e' || to === 'e';
    net.drop = hung;
    net.run(10_000 + 2 * reapMs);
    for (const o of others) expect(net.verdictOf(o, 'e')).toBe('failed');
    for (const o of others) expect(net.get(o).peer('e')).toBeUndefined();
    net.drop = () => false;
    net.run(net.nowMs + 15_000);
    for (const o of others) {
      expect(net.stateOf(o, 'e')).toBe('healthy');
      expect(net.transitions(o, 'e').slice(-2)).toEqual(['failed->recovering', 'recovering->healthy']);
    }
  });
});

/** A `sync` message carrying one update about `peer`. */
function syncAbout(peer: string, kind: UpdateKind, incarnation: number, from?: string): Uint8Array {
  return encode({
    type: MessageType.sync,
    seq: 0,
    updates: [{ kind, peer, incarnation, from }],
    extensions: [],
  });
}
