/**
 * The scale series of the benchmark: `pulsemesh:default` with bounded membership on a random mesh,
 * `lan` profile, 60 simulated seconds (after the 10 s warm-up), at growing N. The floor (issue 14):
 * N = 10,000 runs in at most 45 s of wall time on this 2-core machine (CPU time is reported next to
 * it, since other load stretches wall time), and memory grows linearly in N.
 */
import type { RunResult } from './scenario.js';

/** Group sizes of the series; the last is the 10,000-node run. */
export const SCALE_SIZES: readonly number[] = [1000, 2500, 5000, 10_000];
/** Simulated seconds of every scale run (after warm-up). */
export const SCALE_SIM_SECONDS = 60;
/** Mesh degree of the scale runs (a browser holds a few dozen data channels). */
export const SCALE_MESH_DEGREE = 16;
/** Wall-time floor for the largest run, seconds. */
export const SCALE_WALL_SECONDS_MAX = 45;

/** One point of the series (the `scale[]` entries of `detector.json`). */
export interface ScalePoint {
  /** `pulsemesh:default+membersMax=64`, or `sim-only:ping` (the simulator alone, see `ping-node.ts`). */
  strategy: string;
  n: number;
  simSeconds: number;
  wallSeconds: number;
  /** CPU seconds of the worker process (all threads, GC included). */
  cpuSeconds: number;
  events: number;
  eventsPerSec: number;
  messages: number;
  /** Live JS heap + external (typed-array) memory at the end of the run, bytes; null if not measured. */
  liveBytes: number | null;
  liveBytesPerNode: number | null;
  rssBytes: number | null;
}

/** The point a run contributes to the series. */
export function scalePoint(r: RunResult): ScalePoint {
  const live = r.memory ? r.memory.heapUsedBytes + r.memory.externalBytes : null;
  return {
    strategy: `${r.strategy}:${r.preset}`,
    n: r.n,
    simSeconds: r.simSeconds,
    wallSeconds: r.wallSeconds,
    cpuSeconds: r.cpuSeconds,
    events: r.sim.events,
    eventsPerSec: r.eventsPerSec,
    messages: r.sim.sent,
    liveBytes: live,
    liveBytesPerNode: live === null ? null : live / r.n,
    rssBytes: r.memory ? r.memory.rssBytes : null,
  };
}

/**
 * How linear memory is: max/min of live bytes per node over the series (1 = perfectly linear,
 * a fixed per-process overhead makes small N look costlier). Null with fewer than two measured points.
 */
export function memoryLinearity(points: readonly ScalePoint[]): number | null {
  const per = points.flatMap((p) => (p.liveBytesPerNode === null ? [] : [p.liveBytesPerNode]));
  if (per.length < 2) return null;
  return Math.max(...per) / Math.min(...per);
}

const mb = (b: number | null): string => (b === null ? '-' : (b / 1e6).toFixed(0));

/** The series as a table plus the floor verdicts. */
export function formatScale(points: readonly ScalePoint[]): string {
  const simOnly = points.filter((p) => p.strategy.startsWith('sim-only'));
  const rows = points.filter((p) => !simOnly.includes(p)).sort((a, b) => a.n - b.n);
  const lines = [
    '     n  simS  wall s   CPU s    events  events/s  live MB  kB/node  RSS MB',
    ...rows.map(
      (p) =>
        `${String(p.n).padStart(6)}  ${String(p.simSeconds).padStart(4)}  ${p.wallSeconds.toFixed(1).padStart(6)}  ${p.cpuSeconds.toFixed(1).padStart(6)}  ` +
        `${String(p.events).padStart(8)}  ${Math.round(p.eventsPerSec).toLocaleString('en').padStart(8)}  ` +
        `${mb(p.liveBytes).padStart(7)}  ` +
        `${p.liveBytesPerNode === null ? '      -' : (p.liveBytesPerNode / 1e3).toFixed(1).padStart(7)}  ${mb(p.rssBytes).padStart(6)}`,
    ),
  ];
  const largest = rows.at(-1);
  if (largest !== undefined && largest.n === SCALE_SIZES.at(-1)) {
    const ok = largest.wallSeconds <= SCALE_WALL_SECONDS_MAX;
    lines.push(
      `${ok ? 'PASS' : 'MISS'}  N=${largest.n} for ${largest.simSeconds} s simulated in ${largest.wallSeconds.toFixed(1)} s wall, ${largest.cpuSeconds.toFixed(1)} s CPU (floor: ≤ ${SCALE_WALL_SECONDS_MAX} s wall)`,
    );
  }
  for (const p of simOnly)
    lines.push(
      `simulator alone (each node pings one neighbour a second, no detector): N=${p.n}, ${p.events} events in ${p.wallSeconds.toFixed(1)} s wall = ${Math.round(p.eventsPerSec).toLocaleString('en')} events/s`,
    );
  const lin = memoryLinearity(rows);
  if (lin !== null)
    lines.push(
      `memory per node, max/min over N = ${rows.map((p) => p.n).join(', ')}: ${lin.toFixed(2)} (1.00 = exactly linear)`,
    );
  return lines.join('\n');
}
