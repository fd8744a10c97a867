import { describe, expect, it } from 'vitest';
import { seedStrategy } from './baselines/seed-heartbeat.js';
import { swimStrategy } from './baselines/swim.js';
import { pulsemeshStrategy } from './detector-node.js';
import { perfectNetwork } from './network.js';
import { hostileNetwork, profiles, signalingWitness } from './profiles.js';
import { runScenario } from './scenario.js';
import type { SimNode, Strategy } from './sim-node.js';
import { EMPTY_STEP } from './sim-node.js';
import { Simulator } from './simulator.js';

function journalOf(seed: number, strategy: Strategy = swimStrategy()): string[] {
  const lines: string[] = [];
  runScenario({
    strategy,
    profile: { ...profiles['hostile-browser'], network: { ...hostileNetwork, ordering: 'unordered' } },
    n: 12,
    seed,
    simSeconds: 40,
    warmupMs: 2000,
    journal: (l) => lines.push(l),
  });
  return lines;
}

describe('determinism', () => {
  it('the same seed gives a byte-identical journal; another seed does not', () => {
    const a = journalOf(5).join('\n');
    const b = journalOf(5).join('\n');
    const c = journalOf(6).join('\n');
    expect(a.length).toBeGreaterThan(10_000);
    expect(b).toBe(a);
    expect(c).not.toBe(a);
  });

  it('replays the real pulsemesh detector byte for byte too', () => {
    const a = journalOf(11, pulsemeshStrategy('browser')).join('\n');
    const b = journalOf(11, pulsemeshStrategy('browser')).join('\n');
    expect(a.length).toBeGreaterThan(10_000);
    expect(a).toContain('status-change');
    expect(b).toBe(a);
  });
});

/** A node that records what it is given: the simplest SimNode, for driver semantics. */
class Probe implements SimNode {
  readonly ticks: number[] = [];
  readonly witnessed: string[] = [];
  readonly received: { from: string; at: number }[] = [];
  /** Each lateness the simulator reported for this node's timer (local ms). */
  readonly late: number[] = [];
  /** Runs on each receive (a message can move the deadline). */
  onReceive: (now: number) => void = () => undefined;
  next = Infinity;
  every = 0;
  constructor(readonly id: string) {}
  reportTimerLateness(lateMs: number) {
    this.late.push(lateMs);
  }
  linkUp() {
    return EMPTY_STEP;
  }
  linkDown() {
    return EMPTY_STEP;
  }
  tick(now: number) {
    this.ticks.push(now);
    this.next = this.every > 0 ? now + this.every : Infinity;
    return EMPTY_STEP;
  }
  receive(from: string, _b: Uint8Array, now: number) {
    this.received.push({ from, at: now });
    this.onReceive(now);
    return EMPTY_STEP;
  }
  witness(peer: string, kind: string) {
    this.witnessed.push(`${peer} ${kind}`);
    return EMPTY_STEP;
  }
  leave() {
    return EMPTY_STEP;
  }
  nextDeadlineMs() {
    return this.next;
  }
}

function probes(n: number, witness = false): { sim: Simulator; nodes: Probe[] } {
  const nodes: Probe[] = [];
  const strategy: Strategy = {
    name: 'probe',
    preset: 'test',
    create: (init) => (nodes[init.index] = new Probe(init.id)),
  };
  const sim = new Simulator({
    n,
    seed: 1,
    network: perfectNetwork,
    strategy,
    clock: { offsetMsMax: 0, driftPpmMax: 0 },
    ...(witness ? { witness: signalingWitness } : {}),
  });
  sim.startAll();
  return { sim, nodes };
}

describe('node faults', () => {
  it('a stalled node gets its messages and timers only when the stall ends', () => {
    const { sim, nodes } = probes(2);
    const p = nodes[1] as Probe;
    p.every = 100;
    p.next = 100;
    sim.wake(1);
    sim.runUntil(150);
    sim.stall(1, 1000);
    sim.send(0, 'n1', Uint8Array.of(1));
    sim.runUntil(2000);
    expect(p.received[0]?.at).toBe(1150);
    expect(p.ticks.filter((t) => t > 150 && t < 1150)).toEqual([]);
    expect(p.ticks).toContain(1150);
    expect(p.ticks.slice(0, 1)).toEqual([100]);
  });

  it('a deadline already past when the timer is armed is due, not late (as in core runtime)', () => {
    const { sim, nodes } = probes(2);
    const p = nodes[1] as Probe;
    // A message at 500 sets a deadline of 100 (e.g. a suspicion that expired before it arrived).
    p.onReceive = () => (p.next = 100);
    sim.runUntil(500);
    sim.send(0, 'n1', Uint8Array.of(1));
    sim.runUntil(1000);
    expect(p.ticks).toHaveLength(1);
    expect(p.late).toHaveLength(1);
    expect(p.late[0]).toBeLessThanOrEqual(1); // the 1 ms timer granularity, not 400 ms
  });

  it('a stall is measured even when a message runs first after it and moves the deadline', () => {
    const { sim, nodes } = probes(2);
    const p = nodes[1] as Probe;
    p.next = 100;
    sim.wake(1);
    sim.runUntil(50);
    sim.stall(1, 1000); // until 1050: the timer due at 100 waits
    sim.send(0, 'n1', Uint8Array.of(1)); // delivered at 1050, before the timer
    p.onReceive = (now) => (p.next = now + 500);
    sim.runUntil(3000);
    expect(p.received[0]?.at).toBe(1050);
    expect(p.late[0]).toBeCloseTo(950, 6);
    expect(p.ticks).toEqual([1550]);
  });

  it('clamped timers fire at most once per second', () => {
    const { sim, nodes } = probes(2);
    const p = nodes[0] as Probe;
    p.every = 100;
    p.next = 100;
    sim.clampTimers(0, true, 1000);
    sim.wake(0);
    sim.runUntil(10_000);
    for (let i = 1; i < p.ticks.length; i++)
      expect((p.ticks[i] as number) - (p.ticks[i - 1] as number)).toBeGreaterThanOrEqual(999);
    expect(p.ticks.length).toBeGreaterThanOrEqual(9);
  });

  it('a crashed node receives nothing; a restarted one has a new incarnation', () => {
    const { sim, nodes } = probes(2);
    sim.crash(1);
    sim.send(0, 'n1', Uint8Array.of(1));
    sim.runUntil(10);
    expect(nodes[1]?.received).toEqual([]);
    expect(sim.stats().dropped.deadNode).toBe(1);
    sim.start(1);
    expect(sim.incarnationOf(1)).toBe(1);
    sim.send(0, 'n1', Uint8Array.of(1));
    sim.runUntil(20);
    expect(nodes[1]?.received).toHaveLength(1);
  });

  it('a session is closed once: a second reset before the reconnect, or a crash then, tells nobody again', () => {
    const { sim, nodes } = probes(3, true);
    sim.stall(1, 1000);
    sim.resetSession(1);
    sim.runUntil(500);
    sim.resetSession(1);
    sim.runUntil(3000);
    // The node reconnects 200 ms after its stall ends, once.
    expect(nodes[0]?.witnessed).toEqual(['n1 closed-by-peer', 'n1 joined']);
    expect(sim.witnessCounts().spuriousResets).toBe(1);
    sim.resetSession(2);
    sim.crash(2);
    sim.runUntil(6000);
    expect(nodes[0]?.witnessed.slice(2)).toEqual(['n2 closed-by-peer']);
    // A reconnected session is open again: the next reset is told.
    sim.resetSession(1);
    sim.runUntil(6100);
    expect(nodes[0]?.witnessed.slice(3)).toEqual(['n1 closed-by-peer']);
  });

  it('clock drift: a fast node sees more local time pass', () => {
    const { sim } = probes(2);
    sim.setDrift(0, 0.01);
    const before = sim.localNow(0);
    sim.runUntil(100_000);
    expect(sim.localNow(0) - before).toBeCloseTo(101_000, 3);
    expect(sim.localNow(1) - before).toBeCloseTo(100_000, 3);
  });
});

describe('scale', () => {
  it('runs the seed baseline at N=50 with a plausible detection time', () => {
    const r = runScenario({
      strategy: seedStrategy(),
      profile: profiles.lan,
      n: 50,
      seed: 9,
      simSeconds: 120,
    });
    expect(r.crashes).toBeGreaterThan(0);
    // Seed: a miss only after 2 silent intervals (10 s), failed 2 monitor passes later.
    expect(r.detectionFirstMs.p50).toBeGreaterThan(10_000);
    expect(r.detectionFirstMs.max).toBeLessThan(30_000);
  });
});
