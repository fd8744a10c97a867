/**
 * One benchmark run: a strategy on a profile with N nodes for some simulated seconds, measured.
 * The result has the shape of one entry of `bench-results/detector.json`'s `runs`.
 */
import { Metrics, type MetricsSummary } from './metrics.js';
import type { Profile } from './profiles.js';
import { subRandom, subSeed } from './seeds.js';
import type { Strategy } from './sim-node.js';
import { idOf, Simulator, type SimStats } from './simulator.js';
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
  wallSeconds: number;
  eventsPerSec: number;
}

/** Runs one scenario to completion. */
export function runScenario(spec: ScenarioSpec): RunResult {
  const { n, seed, profile } = spec;
  const warmupMs = spec.warmupMs ?? 10_000;
  const endMs = warmupMs + spec.simSeconds * 1000;
  const runSeed = subSeed(seed, `${profile.name}:${n}`);
  const metrics = new Metrics(n, warmupMs, idOf);
  const wall = spec.wallClockMs ?? (() => 0);
  const started = wall();
  const sim = new Simulator({
    n,
    seed: runSeed,
    network: profile.network,
    strategy: spec.strategy,
    topology: spec.topology ?? { kind: 'full' },
    observer: metrics,
    ...(spec.journal ? { journal: spec.journal } : {}),
  });
  sim.startAll();
  profile.setup({ sim, metrics, random: subRandom(runSeed, 'workload'), n, warmupMs, endMs });
  sim.runUntil(endMs);
  const summary = metrics.finish(endMs);
  const wallSeconds = (wall() - started) / 1000;
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
    wallSeconds,
    eventsPerSec: wallSeconds > 0 ? stats.events / wallSeconds : 0,
  };
}
