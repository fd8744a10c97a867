import { describe, expect, it } from 'vitest';
import { encode, MessageType, UpdateKind, type Update } from './codec.js';
import { presets } from './config.js';
import { TestNetwork } from './test-network.js';

function mesh(ids: string[], seed: number, config = presets.lan): TestNetwork {
  const net = new TestNetwork(seed);
  for (const id of ids) net.add(id, config);
  net.fullMesh(ids);
  return net;
}

/** Hands `to` a gossip message from `from` carrying `updates` (as if piggybacked or pushed). */
function gossip(net: TestNetwork, from: string, to: string, updates: Update[]): void {
  const bytes = encode({ type: MessageType.sync, seq: 1, updates, extensions: [] });
  net.apply(to, net.get(to).receive(from, bytes, net.nowMs));
}

const six = ['a', 'b', 'c', 'd', 'e', 'f'];

describe('accusations are checked before they are believed', () => {
  it('a gossiped suspicion of a live peer makes nobody else suspect it, and it refutes', () => {
    const net = mesh(six, 21);
    net.run(5_000);
    const accusation: Update = { kind: UpdateKind.suspect, peer: 'b', incarnation: 0, from: 'a' };
    for (const o of ['c', 'd', 'e']) gossip(net, 'a', o, [accusation]);
    net.run(8_000);
    for (const o of ['c', 'd', 'e', 'f']) expect(net.transitions(o, 'b')).not.toContain('healthy->suspected');
    expect(net.get('c').stats().checksSent).toBe(1);
    expect(net.get('c').stats().checksAnswered).toBe(1);
    // The check's ping carried the accusation: b refuted with a higher incarnation.
    expect(net.get('b').localIncarnation()).toBeGreaterThan(0);
    expect(net.get('b').stats().refutations).toBeGreaterThan(0);
  });

  it('a `failed` verdict about a peer that still answers is verified, disputed and refuted', () => {
    const net = mesh(six, 22);
    net.run(5_000);
    gossip(net, 'a', 'c', [{ kind: UpdateKind.failed, peer: 'b', incarnation: 0, from: 'a' }]);
    net.run(8_000);
    expect(net.transitions('c', 'b')).not.toContain('healthy->failed');
    expect(net.get('c').stats().failuresDisputed).toBe(1);
    expect(net.get('b').localIncarnation()).toBeGreaterThan(0);
    for (const o of six.filter((x) => x !== 'b')) expect(net.stateOf(o, 'b')).toBe('healthy');
  });

  it('a crash is confirmed by the relays that tried it and failed at the Lifeguard minimum', () => {
    const net = mesh(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'], 23);
    net.run(5_000);
    net.crashed.add('h');
    net.run(10_000);
    const suspicions = net.events.filter(
      (e) =>
        e.event.type === 'status-change' &&
        e.event.detail.peer === 'h' &&
        e.event.detail.reason === 'probe-failed',
    );
    expect(suspicions.length).toBeGreaterThan(0);
    const first = suspicions[0] as (typeof suspicions)[number];
    const startMs = first.event.detail.atMs;
    const failedMs = net.firstTransitionMs(first.observer, 'h', 'failed') as number;
    // 1.5 × max(1, log10 8) × 250 ms = 375 ms: three relays confirmed at once, so no longer.
    expect(failedMs - startMs).toBeGreaterThanOrEqual(375);
    expect(failedMs - startMs).toBeLessThan(450);
    // Everyone else took the pushed verdict within a few round trips of the declaration.
    for (const o of ['a', 'b', 'c', 'd', 'e', 'f', 'g'])
      expect((net.firstTransitionMs(o, 'h', 'failed') as number) - failedMs).toBeLessThan(300);
  });
});

describe('membership cost and recovery', () => {
  it('a restart in a full mesh costs two sync requests, not a full table on every link', () => {
    const ids = Array.from({ length: 12 }, (_, i) => `p${i}`);
    const net = mesh(ids, 24);
    net.run(5_000);
    net.crashed.add('p0');
    net.run(10_000);
    for (const o of ids.slice(1)) expect(net.stateOf(o, 'p0')).toBe('failed');
    net.crashed.delete('p0');
    net.recordSends = true;
    net.add('p0', presets.lan, 1); // restarted, with a higher incarnation
    for (const o of ids.slice(1)) {
      net.unlink('p0', o);
      net.link('p0', o);
    }
    net.run(15_000);
    const requests = net.sent.filter((s) => s.from === 'p0' && s.bytes[1] === MessageType.syncRequest);
    expect(requests.length).toBe(2);
    const fullSyncs = net.sent.filter(
      (s) => s.to === 'p0' && s.bytes[1] === MessageType.sync && s.bytes.length > 40,
    );
    expect(fullSyncs.length).toBeLessThanOrEqual(2);
    expect(net.get('p0').peers().length).toBe(11);
    // Its new incarnation overrides the old verdict everywhere.
    for (const o of ids.slice(1)) expect(['recovering', 'healthy']).toContain(net.stateOf(o, 'p0'));
  });

  it('after a partition heals while links stay up, every pair trusts again within seconds', () => {
    const net = mesh(six, 25);
    net.run(5_000);
    const left = new Set(['a', 'b', 'c']);
    net.drop = (from, to) => left.has(from) !== left.has(to);
    net.run(15_000);
    expect(net.stateOf('a', 'd')).toBe('failed');
    expect(net.stateOf('d', 'a')).toBe('failed');
    net.drop = () => false;
    net.run(18_000);
    for (const o of six)
      for (const p of six)
        if (o !== p) expect(['healthy', 'recovering'], `${o} sees ${p}`).toContain(net.stateOf(o, p));
    // The declared peers refuted: their incarnation rose, so stale verdicts cannot come back.
    for (const p of six) expect(net.get(p).localIncarnation()).toBeGreaterThan(0);
  });
});

describe('no flapping after outbound loss heals', () => {
  it('a peer whose messages were all lost refutes with a higher incarnation and settles', () => {
    const net = mesh(six, 26);
    net.run(5_000);
    net.drop = (from) => from === 'e'; // e hears everything, nobody hears e
    net.run(15_000);
    for (const o of ['a', 'b', 'c', 'd', 'f']) expect(net.stateOf(o, 'e')).toBe('failed');
    const healedMs = net.nowMs;
    net.drop = () => false;
    net.run(40_000);
    expect(net.get('e').localIncarnation()).toBeGreaterThan(0);
    for (const o of ['a', 'b', 'c', 'd', 'f']) {
      expect(net.stateOf(o, 'e')).toBe('healthy');
      expect(net.get(o).peer('e')?.incarnation).toBe(net.get('e').localIncarnation());
      // Once back, never accused again.
      expect(net.firstTransitionMs(o, 'e', 'suspected', healedMs)).toBeUndefined();
      expect(net.firstTransitionMs(o, 'e', 'failed', healedMs)).toBeUndefined();
    }
  });
});
