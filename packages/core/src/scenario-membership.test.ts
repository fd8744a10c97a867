import { describe, expect, it } from 'vitest';
import { decode, MessageType, UpdateKind, type Update } from './codec.js';
import { presets } from './config.js';
import { Detector } from './detector.js';
import { seededRandom } from './random.js';
import { TestNetwork } from './test-network.js';
import { ROSTER_MAX } from './trust.js';
import { WitnessKind } from './witness.js';

const five = ['a', 'b', 'c', 'd', 'e'];

function mesh(ids: string[], seed = 1, config = presets.lan): TestNetwork {
  const net = new TestNetwork(seed);
  for (const id of ids) net.add(id, config);
  net.fullMesh(ids);
  return net;
}
/** An unsigned `alive` at incarnation 0 (no detector needs to stand behind it). */
const unsignedAlive = (peer: string): Update => ({
  kind: UpdateKind.alive,
  peer,
  incarnation: 0,
  from: undefined,
});

/**
 * `small` (membersMax 10) linked to `hub` of a mesh of hub, m0-m5 and `strangers` (each also linked
 * to `small`, never admitted); the room admitted hub, m0-m5 and `extra`. With `fillRoster`, the
 * admitted set is then filled with joins, z the newest (the one a further join gives up).
 */
function admittedRoom(extra: string[], strangers: string[], fillRoster: boolean) {
  const admitted = ['m0', 'm1', 'm2', 'm3', 'm4', 'm5'];
  const net = mesh(['hub', ...admitted, ...strangers], 8);
  net.rosterShared = false;
  const small = net.add('small', { ...presets.lan, membersMax: 10 });
  small.admit(['hub', ...admitted, ...extra]);
  net.link('hub', 'small');
  for (const id of strangers) net.link(id, 'small');
  net.run(2_000);
  let t = net.nowMs;
  if (fillRoster) {
    for (let i = 0; i < ROSTER_MAX; i++) small.witness(`sybil${i}`, WitnessKind.joined, (t += 0.001));
    small.witness('z', WitnessKind.joined, (t += 0.001));
  }
  return { net, small, t };
}

describe('scenario: recovery', () => {
  it.each([1, 3, 5])('recovering → healthy only after a streak of %d good probes', (streak) => {
    const net = mesh(five, 5, { ...presets.lan, recoveryStreakProbes: streak });
    net.recordSends = true;
    net.run(10_000);
    net.crashed.add('e');
    net.run(40_000);
    expect(net.stateOf('a', 'e')).toBe('failed');
    net.crashed.delete('e');
    net.run(80_000);
    const recoveringAt = net.firstTransitionMs('a', 'e', 'recovering', 40_000) as number;
    const healthyAt = net.firstTransitionMs('a', 'e', 'healthy', 40_000) as number;
    expect(recoveringAt).toBeDefined();
    expect(healthyAt).toBeGreaterThanOrEqual(recoveringAt);
    // Direct acks e sent a (latency 1 ms) from the one that revealed it alive to the one that completed the streak.
    const acks = net.sent.filter((s) => {
      if (s.from !== 'e' || s.to !== 'a' || s.atMs < recoveringAt - 1 || s.atMs > healthyAt - 1) return false;
      const r = decode(s.bytes);
      return r.ok && r.message.type === MessageType.ack && !r.message.relayed;
    });
    expect(acks.length).toBeGreaterThanOrEqual(streak);
    if (streak > 1) expect(healthyAt - recoveringAt).toBeGreaterThanOrEqual((streak - 1) * 1000);
    expect(net.get('a').routable()).toContain('e');
    const report = net
      .get('a')
      .analytics()
      .peers.find((p) => p.peer === 'e');
    expect(report).toMatchObject({ failures: 1, recoveries: 1 });
    expect(report?.mttrMs).toBe(healthyAt - (net.firstTransitionMs('a', 'e', 'failed') as number));
  });
});

describe('scenario: graceful leave', () => {
  it('a leaving peer becomes `left` everywhere, is not a failure and is not routable', () => {
    const net = mesh(five, 6);
    net.run(10_000);
    net.apply('e', net.get('e').leave(net.nowMs));
    net.run(10_100);
    net.crashed.add('e');
    net.run(60_000);
    for (const o of ['a', 'b', 'c', 'd']) {
      expect(net.transitions(o, 'e')).toEqual(['healthy->left']);
      expect(net.get(o).routable()).not.toContain('e');
      expect(net.get(o).health()).toMatchObject({ healthPercent: 100, tier: 'HEALTHY' });
      expect(
        net.events.some((x) => x.observer === o && x.event.type === 'leave' && x.event.detail.peer === 'e'),
      ).toBe(true);
      expect(
        net
          .get(o)
          .analytics()
          .peers.find((p) => p.peer === 'e')?.failures,
      ).toBe(0);
    }
    expect(net.get('e').nextDeadlineMs()).toBe(Infinity);
  });
});

describe('scenario: join and anti-entropy', () => {
  it('a joiner learns the whole mesh from one member through chunked syncs that fit 1,024 bytes', () => {
    const net = new TestNetwork(7);
    const hub = 'hub-0000000000000000000000000000000000000000';
    net.add(hub);
    const ids = Array.from(
      { length: 60 },
      (_, i) => `member-${String(i).padStart(3, '0')}-${'x'.repeat(30)}`,
    );
    for (const id of ids) {
      net.add(id);
      net.link(hub, id);
    }
    net.recordSends = true;
    net.add('joiner');
    net.link(hub, 'joiner');
    net.run(50);
    const joiner = net.get('joiner');
    expect(joiner.peers().length).toBe(61);
    const syncs = net.sent.filter((s) => s.from === hub && s.to === 'joiner');
    expect(syncs.length).toBeGreaterThanOrEqual(3);
    for (const s of syncs) expect(s.bytes.length).toBeLessThanOrEqual(1024);
    expect(net.events.filter((e) => e.observer === 'joiner' && e.event.type === 'join').length).toBe(61);
  });

  it('membersMax bounds knowledge: extra gossip is dropped and counted, direct links evict gossip-only members', () => {
    const net = new TestNetwork(8);
    net.add('hub');
    for (let i = 0; i < 20; i++) {
      net.add(`m${i}`);
      net.link('hub', `m${i}`);
    }
    const small = net.add('small', { ...presets.lan, membersMax: 10 });
    net.link('hub', 'small');
    net.run(100);
    expect(small.peers().length).toBe(10);
    expect(small.stats().membersDropped).toBeGreaterThan(0);
    net.link('small', 'm19');
    expect(small.peer('m19')?.direct).toBe(true);
    expect(small.peers().length).toBe(10);
    expect(small.stats().membersEvicted).toBeGreaterThan(0);
    // Each live member dropped for room is announced (`evict`), so a view stops showing it.
    const evicted = net.events.flatMap((e) =>
      e.observer === 'small' && e.event.type === 'evict' ? [e.event.detail.peer] : [],
    );
    expect(evicted.length).toBe(small.stats().membersEvicted);
    for (const peer of evicted) expect(small.peer(peer)).toBeUndefined();
  });

  it('a full table takes a member the room admitted in place of the newest stranger, never an admitted one', () => {
    const net = new TestNetwork(8);
    net.add('hub');
    const small = net.add('small', { ...presets.lan, membersMax: 10 });
    const admitted = ['m0', 'm1', 'm2', 'm3', 'm4', 'm5'];
    for (const id of admitted) {
      net.add(id);
      net.link('hub', id);
    }
    net.link('hub', 'small');
    net.run(2_000);
    expect(small.peers().length).toBe(7);
    // Strangers (the room never admitted them: no detector behind them) fill the table; the rest is dropped.
    const alive = (peer: string): Update => ({
      kind: UpdateKind.alive,
      peer,
      incarnation: 0,
      from: undefined,
    });
    net.say('hub', 'small', ['s0', 's1', 's2', 's3', 's4'].map(alive));
    expect(small.peers().length).toBe(10);
    expect(small.peer('s3')).toBeUndefined();
    const dropped = small.stats().membersDropped;
    // A stranger's `alive` at a full table is dropped; an admitted newcomer's evicts the newest stranger.
    net.say('hub', 'small', [alive('s9')]);
    expect(small.peer('s9')).toBeUndefined();
    expect(small.stats().membersDropped).toBe(dropped + 1);
    net.add('m6');
    net.say('hub', 'small', [alive('m6')]);
    expect(small.peer('m6')?.direct).toBe(false);
    expect(small.peer('s2')).toBeUndefined();
    expect(small.peer('s1')).toBeDefined();
    // A direct link-up evicts a stranger too, the newest left (s1), not an admitted gossip-only member.
    net.add('m7');
    net.link('small', 'm7');
    expect(small.peer('s1')).toBeUndefined();
    for (const id of ['hub', ...admitted, 'm6', 'm7']) expect(small.peer(id), id).toBeDefined();
    expect(small.stats().membersEvicted).toBe(2);
  });
  it('a member the room admitted, then gave up for a newer join (decision 0040), is a stranger again to a full table', () => {
    const { net, small, t } = admittedRoom([], [], true);
    expect(small.peers().length).toBe(7);
    net.say('hub', 'small', ['s0', 's1', 'z'].map(unsignedAlive));
    expect(small.peers().length).toBe(10);
    // A direct link-up at the full table scans it (z admitted) and evicts the newest stranger, s1.
    net.add('k');
    net.link('small', 'k');
    expect(small.peer('s1')).toBeUndefined();
    // w joins: the full admitted set gives z up. z is a stranger now: an admitted newcomer evicts it
    // (the newest stranger), not s0.
    small.witness('w', WitnessKind.joined, t + 0.001);
    expect(small.admitted('z')).toBe(false);
    net.say('hub', 'small', [unsignedAlive('w')]);
    expect(small.peer('w')).toBeDefined();
    expect(small.peer('z')).toBeUndefined();
    expect(small.peer('s0')).toBeDefined();
  });

  it('a full table with no stranger, scanned once, still finds the stranger a member becomes after (evictOne fast path)', () => {
    const { net, small, t } = admittedRoom(['a0', 'a1', 'x', 'y'], [], true);
    net.say('hub', 'small', ['a0', 'a1', 'z'].map(unsignedAlive));
    expect(small.peers().length).toBe(10);
    // Every gossip-only member admitted: the admitted newcomer x finds no room (the scan finds none).
    const dropped = small.stats().membersDropped;
    net.say('hub', 'small', [unsignedAlive('x')]);
    expect(small.peer('x')).toBeUndefined();
    expect(small.stats().membersDropped).toBe(dropped + 1);
    // w joins: z is given up, a stranger now. The next admitted newcomer takes its place.
    small.witness('w', WitnessKind.joined, t + 0.001);
    expect(small.admitted('z')).toBe(false);
    net.say('hub', 'small', [unsignedAlive('y')]);
    expect(small.peer('y')).toBeDefined();
    expect(small.peer('z')).toBeUndefined();
    expect(small.stats().membersDropped).toBe(dropped + 1);
  });

  it('a linked stranger whose link goes down is found by the next scan of a full table (evictOne fast path)', () => {
    const { net, small } = admittedRoom(['a0', 'a1', 'x', 'y'], ['s'], false);
    net.say('hub', 'small', ['a0', 'a1'].map(unsignedAlive));
    expect(small.peers().length).toBe(10);
    expect(small.peer('s')?.direct).toBe(true);
    // s is linked, so not a candidate: the admitted newcomer x finds no room.
    const dropped = small.stats().membersDropped;
    net.say('hub', 'small', [unsignedAlive('x')]);
    expect(small.peer('x')).toBeUndefined();
    expect(small.stats().membersDropped).toBe(dropped + 1);
    // Its link down, s is a gossip-only stranger: the next admitted newcomer takes its place.
    net.unlink('s', 'small');
    net.say('hub', 'small', [unsignedAlive('y')]);
    expect(small.peer('y')).toBeDefined();
    expect(small.peer('s')).toBeUndefined();
  });
});

describe('scenario: a verdict evicted from a full table (decision 0038)', () => {
  it('a `left` whose member a newcomer evicts at once is still passed on to the links', () => {
    const net = new TestNetwork(8);
    net.add('hub');
    const members = ['m0', 'm1', 'm2', 'm3', 'm4', 'm5'];
    for (const id of members) {
      net.add(id);
      net.link('hub', id);
    }
    const small = net.add('small', { ...presets.lan, membersMax: 8 });
    net.add('far');
    net.link('hub', 'small');
    net.run(2_000);
    // far links once small knows everyone: the link-up sync tells it m0.
    net.link('small', 'far');
    net.run(4_000);
    expect(small.peers().length).toBe(8);
    expect(small.peer('m0')?.direct).toBe(false);
    expect(net.stateOf('far', 'm0')).toBe('healthy');
    // m0 leaves; the news reaches small with a newcomer's `alive` in the same message: the table is
    // full, so the newcomer takes the slot of the member that just ended.
    net.crashed.add('m0');
    net.add('m6');
    const update = (kind: UpdateKind, peer: string): Update => ({
      kind,
      peer,
      incarnation: 0,
      from: undefined,
    });
    const evicted = small.stats().membersEvicted;
    net.recordSends = true;
    net.say('hub', 'small', [update(UpdateKind.left, 'm0'), update(UpdateKind.alive, 'm6')]);
    expect(small.stats().membersEvicted).toBe(evicted + 1);
    expect(small.peer('m0')).toBeUndefined();
    expect(small.peer('m6')).toBeDefined();
    net.run(net.nowMs + 3_000);
    const leftCopies = net.sent.filter((m) => {
      if (m.from !== 'small' || m.to !== 'far') return false;
      const d = decode(m.bytes);
      return d.ok && d.message.updates.some((u) => u.peer === 'm0' && u.kind === UpdateKind.left);
    });
    expect(leftCopies.length).toBeGreaterThan(0);
    expect(net.verdictOf('far', 'm0')).toBe('left');
  });
});

describe('scenario: a leaver that links again just before its reap', () => {
  // lan N = 100 full, seed 42 (bench `--only lan --n 100 --topology full`): n85 left at 80.1 s and
  // came back at 110.1 s; n13 took the link-up while it still held n85 `left`, reaped it 5 ms later
  // (30 s after the leave), then restored it from a link's gossiped `alive` without its link. It
  // held n85 gossip-only for 390 s though linked: when n85 crashed at 499.6 s, n13 started no
  // witnessed check and failed it only from gossip, 350 ms after everyone else (the run's 670 ms
  // max). `restore` relinked only when the peer itself spoke (`restoreSpeaker`), not on gossip;
  // decision 0045 relinks on gossip too (`relinkRestored`: the link the transport still had).
  it('the restored member is still linked (direct) and probed', () => {
    const ids = ['a', 'b', 'c', 'x'];
    const net = new TestNetwork(3);
    for (const id of ids) net.add(id);
    net.fullMesh(ids);
    net.run(5_000);
    net.apply('x', net.get('x').leave(net.nowMs));
    net.run(net.nowMs + 50);
    for (const id of ['a', 'b', 'c']) net.unlink(id, 'x');
    expect(net.stateOf('a', 'x')).toBe('left');
    const reapAtMs = (net.get('a').peer('x')?.sinceMs as number) + presets.lan.reapAfterMs;
    net.run(reapAtMs - 20);
    // x is back (a new incarnation) and links to everyone; what it says to a is late (a slow path).
    net.add('x', presets.lan, 1);
    net.drop = (from, to) => from === 'x' && to === 'a';
    for (const id of ['a', 'b', 'c']) net.link(id, 'x');
    expect(net.stateOf('a', 'x')).toBe('left');
    net.run(reapAtMs + 20);
    expect(net.get('a').peer('x')).toBeUndefined(); // reaped, the link up
    // b tells a x's `alive`: a restores x.
    net.say('b', 'a', [{ kind: UpdateKind.alive, peer: 'x', incarnation: 1, from: undefined }]);
    expect(net.stateOf('a', 'x')).toBe('healthy');
    net.drop = () => false;
    net.recordSends = true;
    const since = net.nowMs;
    net.run(since + 10_000);
    expect(net.get('a').peer('x')?.direct).toBe(true);
    const pings = net.sent.filter((m) => {
      const d = m.from === 'a' && m.to === 'x' ? decode(m.bytes) : undefined;
      return d?.ok === true && d.message.type === MessageType.ping;
    });
    expect(pings.length).toBeGreaterThan(0);
  });
});

describe('scenario: minority partition', () => {
  it('the minority side flags itself and does not declare the majority failed', () => {
    const net = mesh(five, 9);
    net.run(10_000);
    const side = (p: string): number => (p === 'a' || p === 'b' ? 0 : 1);
    net.drop = (from, to) => side(from) !== side(to);
    net.run(60_000);
    for (const o of ['a', 'b']) {
      expect(net.get(o).health().minorityPartition).toBe(true);
      for (const p of ['c', 'd', 'e']) expect(net.transitions(o, p)).not.toContain('suspected->failed');
      expect(net.get(o).stats().failuresHeldByPartition).toBeGreaterThan(0);
    }
    for (const o of ['c', 'd', 'e']) {
      expect(net.get(o).health().minorityPartition).toBe(false);
      // Declared failed (and, 30 s later, reaped: still ended as failed).
      for (const p of ['a', 'b']) expect(net.verdictOf(o, p)).toBe('failed');
    }
  });
});

describe('detector API', () => {
  it('counts undecodable bytes, emits decode-error and dispatches every event on EventTarget', () => {
    const d = new Detector({ id: 'a', config: presets.browser, random: seededRandom(1), nowMs: 0 });
    const seen: string[] = [];
    d.addEventListener('decode-error', (e) => seen.push(JSON.stringify((e as CustomEvent).detail)));
    d.addEventListener('join', (e) => seen.push(`join:${(e as CustomEvent<{ peer: string }>).detail.peer}`));
    const up = d.linkUp('b', 1);
    expect(up.events).toEqual([{ type: 'join', detail: { peer: 'b', atMs: 1 } }]);
    const r = d.receive('b', Uint8Array.from([9, 9, 9]), 2);
    expect(r.events).toEqual([
      { type: 'decode-error', detail: { peer: 'b', error: 'unsupported-version', atMs: 2, count: 1 } },
    ]);
    expect(seen).toEqual([
      'join:b',
      JSON.stringify({ peer: 'b', error: 'unsupported-version', atMs: 2, count: 1 }),
    ]);
    expect(d.stats()).toMatchObject({ decodeErrors: 1, messagesReceived: 1 });
    expect(() => d.receive('b', new Uint8Array(0), 3)).not.toThrow();
  });

  it('rejects programmer errors by throwing named errors', () => {
    expect(() => new Detector({ id: '', config: presets.lan, random: seededRandom(1), nowMs: 0 })).toThrow(
      expect.objectContaining({ name: 'AssertionError' }),
    );
    expect(
      () =>
        new Detector({
          id: 'a',
          config: { ...presets.lan, probeIntervalMs: -1 },
          random: seededRandom(1),
          nowMs: 0,
        }),
    ).toThrow(expect.objectContaining({ name: 'InvalidConfigError' }));
    const d = new Detector({ id: 'a', config: presets.lan, random: seededRandom(1), nowMs: 0 });
    expect(() => d.setMetadata(new Uint8Array(65))).toThrow(
      expect.objectContaining({ name: 'AssertionError' }),
    );
    expect(() => d.linkUp('a', 0)).toThrow(expect.objectContaining({ name: 'AssertionError' }));
  });

  it('is deterministic: the same seed replays the same bytes', () => {
    const run = (): string => {
      const net = mesh(five, 11);
      net.recordSends = true;
      net.drop = (from, to) => from === 'c' && to === 'd';
      net.run(20_000);
      return net.sent.map((s) => `${s.atMs}${s.from}${s.to}${s.bytes.join(',')}`).join('|');
    };
    expect(run()).toBe(run());
  });
});
