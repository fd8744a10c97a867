/**
 * One benchmark run: a strategy on a profile with N nodes for some simulated seconds, measured.
 * The result has the shape of one entry of `bench-results/detector.json`'s `runs`.
 */
import { Metrics, type MetricsSummary } from './metrics.js';
import { type Profile, signalingWitness } from './profiles.js';
import { subRandom, subSeed } from './seeds.js';
import type { Strategy } from './sim-node.js';
import { idOf, Simulator, type SimStats, type WitnessStats } from './simulator.js';
import type { TopologySpec } from './topology.js';

/** What to run. */
export interface ScenarioSpec {
  strategy: Strategy;
  profile: Profile;
  n: number;
  seed: number;
  simSeconds: number;
  /** Mesh formation time excluded from the metrics, ms. Default 10 s. */
  warmupMs?: number;
  topology?: TopologySpec;
  journal?: (line: string) => void;
  /** Wall-clock reader (ms) for `wallSeconds`/`eventsPerSec`; injected because sim reads no clock. */
  wallClockMs?: () => number;
  /** CPU-time reader (ms, this process, all threads) for `cpuSeconds`; less sensitive to other load than wall time. */
  cpuClockMs?: () => number;
  /**
   * Reads the process's memory at the end of the run, while the simulation is still reachable
   * (injected for the same reason; the benchmark collects garbage first, so this is live memory).
   */
  memoryProbe?: () => MemorySample;
}

/** Memory in use at the end of a run, bytes. */
export interface MemorySample {
  /** Live JS heap (after a full collection when the runtime allows it). */
  heapUsedBytes: number;
  /** Memory outside the JS heap held by JS objects (typed-array backing stores). */
  externalBytes: number;
  /** Resident set size of the process (includes free heap the runtime has not returned). */
  rssBytes: number;
}

/** One run's results (the `runs[]` entry of the benchmark JSON). */
export interface RunResult extends MetricsSummary {
  strategy: string;
  preset: string;
  profile: string;
  n: number;
  seed: number;
  simSeconds: number;
  topology: string;
  sim: SimStats;
  /**
   * The signaling-session witness of the run (decision 0013), or null for a strategy that takes
   * none (the baselines): the model, witnesses delivered, spurious resets (and those in stalls).
   */
  witness?: ({ model: string } & WitnessStats) | null;
  wallSeconds: number;
  /** CPU time of the run (0 without a `cpuClockMs`), seconds. */
  cpuSeconds: number;
  eventsPerSec: number;
  /** Present when the run was given a `memoryProbe`. */
  memory?: MemorySample;
}

/** Runs one scenario to completion. */
export function runScenario(spec: ScenarioSpec): RunResult {
  const { n, seed, profile } = spec;
  const warmupMs = spec.warmupMs ?? 10_000;
  const endMs = warmupMs + spec.simSeconds * 1000;
  const runSeed = subSeed(seed, `${profile.name}:${n}`);
  // A crash or leave waits only for observers whose table still holds the node (a full table
  // evicts gossip-only members without an event).
  const holds = (o: number, t: number): boolean => sim.nodeAt(o)?.holds?.(idOf(t)) ?? true;
  const metrics = new Metrics(n, warmupMs, idOf, holds);
  const wall = spec.wallClockMs ?? (() => 0);
  const cpu = spec.cpuClockMs ?? (() => 0);
  const started = wall();
  const cpuStarted = cpu();
  const sim = new Simulator({
    n,
    seed: runSeed,
    network: profile.network,
    strategy: spec.strategy,
    topology: spec.topology ?? { kind: 'full' },
    observer: metrics,
    witness: profile.witness ?? signalingWitness,
    ...(spec.journal ? { journal: spec.journal } : {}),
  });
  sim.startAll();
  profile.setup({ sim, metrics, random: subRandom(runSeed, 'workload'), n, warmupMs, endMs });
  sim.runUntil(endMs);
  const wallSeconds = (wall() - started) / 1000;
  const cpuSeconds = (cpu() - cpuStarted) / 1000;
  const memory = spec.memoryProbe?.();
  const summary = metrics.finish(endMs);
  const stats = sim.stats();
  return {
    strategy: spec.strategy.name,
    preset: spec.strategy.preset,
    profile: profile.name,
    n,
    seed,
    simSeconds: spec.simSeconds,
    topology: spec.topology?.kind === 'random' ? `random-${spec.topology.degree}` : 'full',
    ...summary,
    sim: stats,
    witness:
      spec.strategy.witness === true
        ? { model: (profile.witness ?? signalingWitness).description, ...sim.witnessCounts() }
        : null,
    wallSeconds,
    cpuSeconds,
    eventsPerSec: wallSeconds > 0 ? stats.events / wallSeconds : 0,
    ...(memory ? { memory } : {}),
  };
}
