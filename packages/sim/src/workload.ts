/**
 * Fault and workload schedules, drawn up front from the `workload` random stream so a scenario's
 * faults do not depend on what the detectors do.
 */
import type { Random } from '@pulsemesh/core';
import { randomInt } from '@pulsemesh/core';
import type { Metrics } from './metrics.js';
import type { Simulator } from './simulator.js';

/**
 * Crashes at uniform times in [fromMs, toMs); each node restarts `downMs` later (never if undefined).
 * `fault: 'hang'` makes them hangs: silent like a crash, signaling session left open (no witness).
 */
export function scheduleCrashes(
  sim: Simulator,
  random: Random,
  o: {
    count: number;
    fromMs: number;
    toMs: number;
    downMs: number | undefined;
    concurrentMax: number;
    fault?: 'crash' | 'hang';
  },
): number {
  const times = Array.from({ length: o.count }, () => o.fromMs + random.next() * (o.toMs - o.fromMs)).sort(
    (a, b) => a - b,
  );
  const busyUntil = new Float64Array(sim.n);
  const downs: number[] = [];
  let scheduled = 0;
  for (const t of times) {
    const active = downs.filter((end) => end > t).length;
    if (active >= o.concurrentMax) continue;
    let node = -1;
    for (let tries = 0; tries < 32 && node < 0; tries++) {
      const c = randomInt(random, sim.n);
      if ((busyUntil[c] as number) <= t) node = c;
    }
    if (node < 0) continue;
    const end = o.downMs === undefined ? Infinity : t + o.downMs;
    busyUntil[node] = end + 1000;
    downs.push(end);
    sim.at(t, () => (o.fault === 'hang' ? sim.hang(node) : sim.crash(node)));
    if (o.downMs !== undefined) sim.at(end, () => sim.start(node));
    scheduled++;
  }
  return scheduled;
}

/** Graceful leaves at uniform times; each node rejoins (new incarnation) `awayMs` later. */
export function scheduleLeaves(
  sim: Simulator,
  random: Random,
  o: { count: number; fromMs: number; toMs: number; awayMs: number },
): void {
  for (let k = 0; k < o.count; k++) {
    const t = o.fromMs + random.next() * (o.toMs - o.fromMs);
    const node = randomInt(random, sim.n);
    sim.at(t, () => {
      if (sim.nodeAt(node)) {
        sim.leave(node);
        sim.at(t + o.awayMs, () => sim.start(node));
      }
    });
  }
}

/** Picks `round(share · n)` distinct nodes. */
export function pickNodes(random: Random, n: number, share: number): number[] {
  const all = Array.from({ length: n }, (_, i) => i);
  const k = Math.round(share * n);
  for (let i = 0; i < k; i++) {
    const j = i + randomInt(random, n - i);
    const t = all[i] as number;
    all[i] = all[j] as number;
    all[j] = t;
  }
  return all.slice(0, k).sort((a, b) => a - b);
}

/** Hidden tabs: timers clamped to 1 Hz, lifecycle `hidden`. */
export function clampTabs(sim: Simulator, nodes: number[]): void {
  for (const i of nodes) {
    sim.clampTimers(i, true, 1000);
    sim.setLifecycle(i, 'hidden');
  }
}

/** Random stalls (long tasks, frozen frames): a Poisson process of mean gap `meanGapMs`, each up to `stallMsMax`. */
export function scheduleStalls(
  sim: Simulator,
  random: Random,
  nodes: number[],
  o: { fromMs: number; toMs: number; meanGapMs: number; stallMsMax: number; resetShare?: number },
): void {
  for (const i of nodes) {
    let t = o.fromMs;
    for (;;) {
      t += -o.meanGapMs * Math.log(1 - random.next());
      if (t >= o.toMs) break;
      const d = random.next() * o.stallMsMax;
      sim.at(t, () => sim.stall(i, d));
      // Some stalls see the node's signaling socket reset at a uniform point within them.
      if (o.resetShare !== undefined && random.next() < o.resetShare) {
        const at = t + random.next() * d;
        sim.at(at, () => sim.resetSession(i));
      }
    }
  }
}

/** Spurious signaling-session resets of live nodes: a Poisson process of `perNodeHour` per node. */
export function scheduleSessionResets(
  sim: Simulator,
  random: Random,
  o: { fromMs: number; toMs: number; perNodeHour: number },
): void {
  const meanGapMs = 3_600_000 / o.perNodeHour;
  for (let i = 0; i < sim.n; i++) {
    for (let t = o.fromMs; ;) {
      t += -meanGapMs * Math.log(1 - random.next());
      if (t >= o.toMs) break;
      sim.at(t, () => sim.resetSession(i));
    }
  }
}

/** A partition of `share` of the nodes from the rest between [atMs, healMs); one-way if asked. */
export function schedulePartition(
  sim: Simulator,
  metrics: Metrics,
  random: Random,
  o: { atMs: number; healMs: number; share: number; oneWay: boolean },
): void {
  const side = new Set(pickNodes(random, sim.n, o.share));
  const groupOf = Array.from({ length: sim.n }, (_, i) => (side.has(i) ? 1 : 0));
  sim.at(o.atMs, () => sim.network.partition(groupOf, o.oneWay ? { from: 0, to: 1 } : undefined));
  sim.at(o.healMs, () => {
    sim.network.heal();
    metrics.markHeal(o.healMs);
  });
}
