import { describe, expect, it } from 'vitest';
import { pingStrategy } from './ping-node.js';
import { profiles } from './profiles.js';
import { formatScale, memoryLinearity, type ScalePoint, scalePoint } from './scale.js';
import { runScenario } from './scenario.js';

function pingRun(n: number, liveBytesPerNode: number) {
  return runScenario({
    strategy: pingStrategy(),
    profile: { ...profiles.lan, setup: () => undefined },
    n,
    seed: 5,
    simSeconds: 20,
    topology: { kind: 'random', degree: 4 },
    memoryProbe: () => ({
      heapUsedBytes: liveBytesPerNode * n,
      externalBytes: 0,
      rssBytes: 2 * liveBytesPerNode * n,
    }),
  });
}

describe('scale series', () => {
  it('the ping node exercises the simulator: one ping a second per node, each answered unless lost', () => {
    const r = pingRun(200, 1000);
    const pings = 200 * 30; // 10 s warm-up + 20 s
    expect(r.sim.sent).toBeGreaterThan(pings * 1.9);
    expect(r.sim.sent).toBeLessThan(pings * 2.05);
    expect(r.sim.dropped.loss / r.sim.sent).toBeLessThan(0.03); // lan: 1 % loss
  });

  it('reports live memory per node and how linear it is', () => {
    const a = scalePoint(pingRun(100, 1000));
    const b = scalePoint(pingRun(400, 1100));
    expect(a.strategy).toBe('sim-only:ping');
    expect(a.liveBytesPerNode).toBe(1000);
    expect(b.rssBytes).toBe(2 * 1100 * 400);
    expect(memoryLinearity([a, b])).toBeCloseTo(1.1, 6);
    expect(memoryLinearity([a])).toBeNull();
  });

  it('judges the wall-time floor on the 10,000-node detector point only', () => {
    const point = (n: number, wallSeconds: number, strategy = 'pulsemesh:browser'): ScalePoint => ({
      strategy,
      n,
      simSeconds: 60,
      wallSeconds,
      cpuSeconds: wallSeconds,
      events: 1,
      eventsPerSec: 1,
      messages: 1,
      liveBytes: 80 * n,
      liveBytesPerNode: 80,
      rssBytes: null,
    });
    expect(formatScale([point(1000, 5), point(10_000, 44)])).toContain('PASS  N=10000');
    expect(formatScale([point(10_000, 46)])).toContain('MISS  N=10000');
    expect(formatScale([point(1000, 5)])).not.toMatch(/PASS|MISS/);
    const withSimOnly = formatScale([point(10_000, 44), point(10_000, 3, 'sim-only:ping')]);
    expect(withSimOnly).toContain('simulator alone');
    expect(withSimOnly).toContain('PASS  N=10000');
  });
});
