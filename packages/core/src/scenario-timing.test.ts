import { describe, expect, it } from 'vitest';
import { encode, MessageType, UpdateKind } from './codec.js';
import { presets } from './config.js';
import { Detector } from './detector.js';
import { seededRandom } from './random.js';
import { TestNetwork } from './test-network.js';

const five = ['a', 'b', 'c', 'd', 'e'];

describe('phi accrual in the decision', () => {
  it('a peer with a wide inter-arrival distribution gets a longer effective suspicion timeout', () => {
    // Probing is slowed to once per 10 min so only the scripted traffic below reaches `a`.
    const config = {
      ...presets.lan,
      probeIntervalMs: 600_000,
      probeIntervalMsMin: 600_000,
      probeIntervalMsMax: 600_000,
    };
    const a = new Detector({
      id: 'a',
      config: { ...config, suspicionMult: 0.001, phiStdMsMin: 50 },
      random: seededRandom(3),
      nowMs: 0,
    });
    for (const p of ['tight', 'wide', 'h1', 'h2', 'h3', 'h4']) a.linkUp(p, 0);
    const vitals = { loadMs: 0, uptimeMs: 0, lifecycle: 'server' as const, metadata: new Uint8Array(0) };
    let seq = 0;
    const say = (from: string, t: number): void => {
      a.tick(t);
      a.receive(
        from,
        encode({ type: MessageType.vitals, seq: ++seq & 0xffff, vitals, updates: [], extensions: [] }),
        t,
      );
    };
    // tight: every 1000 ms. wide: alternately 100 and 1900 ms (same mean, σ ≈ 900 ms). In time order.
    const script: [number, string][] = [];
    for (let t = 1000; t <= 30_000; t += 1000) script.push([t, 'tight']);
    for (let t = 0, i = 0; t <= 30_000; i++) {
      t += i % 2 === 0 ? 100 : 1900;
      if (t <= 30_000) script.push([t, 'wide']);
    }
    script.sort((x, y) => x[0] - y[0]);
    for (const [t, from] of script) say(from, t);
    // Both go silent at 30 s; at 30.1 s h1 accuses both. `a` checks them (two pings each, 500 ms
    // before any RTT sample), gets no answer and suspects them too: one confirmation of the three
    // expected, so phi still has a say (fully confirmed suspicions go by Lifeguard's minimum alone).
    const suspects = ['tight', 'wide'].map((peer) => ({
      kind: UpdateKind.suspect,
      peer,
      incarnation: 0,
      from: 'h1',
    }));
    a.receive('h1', encode({ type: MessageType.sync, seq: 1, updates: suspects, extensions: [] }), 30_100);
    expect(a.peer('tight')?.state).toBe('healthy');
    a.tick(30_600);
    expect(a.peer('tight')?.state).toBe('suspected');
    const tight = a.suspicionDeadlineMs('tight') as number;
    const wide = a.suspicionDeadlineMs('wide') as number;
    expect(tight).toBeGreaterThan(30_600);
    expect(wide - tight).toBeGreaterThan(1000);
    // And the detector acts on those deadlines.
    a.tick(tight);
    expect(a.peer('tight')?.state).toBe('failed');
    expect(a.peer('wide')?.state).toBe('suspected');
    expect(a.peer('wide')?.phi).toBeLessThan(a.peer('tight')?.phi as number);
    a.tick(wide);
    expect(a.peer('wide')?.state).toBe('failed');
  });
});

describe('lifecycle patience', () => {
  it('a frozen tab stays suspected far longer than a visible one, then fails', () => {
    const net = new TestNetwork(12);
    for (const id of five) net.add(id);
    net.fullMesh(five);
    net.run(10_000);
    net.apply('e', net.get('e').setLifecycle('frozen', net.nowMs));
    net.run(10_100);
    expect(net.get('a').peer('e')?.vitals?.lifecycle).toBe('frozen');
    net.crashed.add('e');
    // A visible peer is failed within about 1.5 s (see scenario.test.ts); a frozen one gets 10×.
    net.run(13_000);
    for (const o of ['a', 'b', 'c', 'd']) expect(net.stateOf(o, 'e')).not.toBe('failed');
    expect(['a', 'b', 'c', 'd'].some((o) => net.stateOf(o, 'e') === 'suspected')).toBe(true);
    net.run(60_000);
    for (const o of ['a', 'b', 'c', 'd']) expect(net.verdictOf(o, 'e')).toBe('failed');
  });
});

describe('adaptive protocol period', () => {
  it('drifts to the maximum on a calm network and falls on a lossy one, with interval-change events', () => {
    const config = {
      ...presets.lan,
      probeIntervalMs: 500,
      probeIntervalMsMin: 250,
      probeIntervalMsMax: 1000,
    };
    const net = new TestNetwork(13);
    for (const id of five) net.add(id, config);
    net.fullMesh(five);
    net.run(60_000);
    expect(net.get('a').protocolPeriodMs()).toBeGreaterThan(900);
    const ups = net.events.filter((e) => e.observer === 'a' && e.event.type === 'interval-change');
    expect(ups.length).toBeGreaterThan(0);
    let drop = 0;
    net.drop = () => drop++ % 4 === 0; // 25 % loss
    net.run(180_000);
    expect(net.get('a').protocolPeriodMs()).toBeLessThan(600);
    const last = net.events.filter((e) => e.observer === 'a' && e.event.type === 'interval-change').at(-1);
    expect(last?.event.type === 'interval-change' && last.event.detail.toMs < last.event.detail.fromMs).toBe(
      true,
    );
    expect(
      net
        .get('a')
        .history('a')
        .some((h) => h.kind === 'interval-change'),
    ).toBe(true);
  });
});
