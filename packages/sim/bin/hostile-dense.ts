/**
 * The dense hostile exploration of decision 0013: the hostile-browser network and tab mix on 30
 * peers with 30 % stallers, 40× its spurious resets (and 40× its resets in stalls), 2 crashes per
 * node-hour with restarts 45 s later, 1,800 simulated s, pulsemesh default. Prints the false
 * `failed` broken down by incident (a target failed by several observers within 5 s), with the
 * target's time since its (re)start, whether it was stalled, the reasons, and how many observers
 * had no vital signs of it. An exploration, not a result file; a few seconds to a minute per seed:
 *
 *   node --conditions=source --import tsx packages/sim/bin/hostile-dense.ts [seed...]
 */
import { DetectorNode } from '../src/detector-node.js';
import { Metrics } from '../src/metrics.js';
import { hostileNetwork, signalingWitness } from '../src/profiles.js';
import { subRandom, subSeed } from '../src/seeds.js';
import { idOf, Simulator } from '../src/simulator.js';
import type { SimObserver } from '../src/simulator-options.js';
import { strategyFor } from '../src/strategies.js';
import {
  clampTabs,
  pickNodes,
  scheduleCrashes,
  scheduleSessionResets,
  scheduleStalls,
} from '../src/workload.js';

const N = 30;
const SIM_SECONDS = 1800;
const WARMUP_MS = 10_000;
/** False `failed` of one target this close together are one incident. */
const INCIDENT_GAP_MS = 5_000;

interface FalseFailed {
  atMs: number;
  observer: number;
  target: number;
  reason: string;
  targetAgeMs: number;
  observerAgeMs: number;
  targetStalled: boolean;
  noVitals: boolean;
}

function run(seed: number): void {
  const endMs = WARMUP_MS + SIM_SECONDS * 1000;
  const runSeed = subSeed(seed, `hostile-dense:${N}`);
  const metrics = new Metrics(N, WARMUP_MS, idOf);
  const alive = new Uint8Array(N);
  const startedMs = new Float64Array(N);
  const found: FalseFailed[] = [];
  const observer: SimObserver = {
    onSend: (i, to, bytes, t) => metrics.onSend(i, to, bytes, t),
    onNodeChange(i, change, t) {
      if (change === 'start') {
        alive[i] = 1;
        startedMs[i] = t;
      } else if (change !== 'restart') alive[i] = 0;
      metrics.onNodeChange(i, change, t);
    },
    onEvent(o, e, t) {
      if (e.type === 'status-change' && e.detail.to === 'failed' && t >= WARMUP_MS) {
        const target = sim.indexOf(e.detail.peer);
        if (target !== undefined && alive[target] && alive[o]) {
          const node = sim.nodeAt(o);
          const vitals = node instanceof DetectorNode ? node.detector.peer(e.detail.peer)?.vitals : undefined;
          found.push({
            atMs: t,
            observer: o,
            target,
            reason: e.detail.reason,
            targetAgeMs: t - (startedMs[target] as number),
            observerAgeMs: t - (startedMs[o] as number),
            targetStalled: (sim.stalledUntil[target] as number) > t,
            noVitals: vitals === undefined,
          });
        }
      }
      metrics.onEvent(o, e, t);
    },
  };
  // The observer reads `sim` only in callbacks, which start with `startAll`.
  const sim: Simulator = new Simulator({
    n: N,
    seed: runSeed,
    network: hostileNetwork,
    strategy: strategyFor('pulsemesh-default', N),
    topology: { kind: 'full' },
    observer,
    witness: signalingWitness,
  });
  sim.startAll();
  const random = subRandom(runSeed, 'workload');
  clampTabs(sim, pickNodes(random, N, 0.3));
  scheduleStalls(sim, random, pickNodes(random, N, 0.3), {
    fromMs: 0,
    toMs: endMs,
    meanGapMs: 10_000,
    stallMsMax: 1000,
    resetShare: 0.2,
  });
  scheduleSessionResets(sim, random, { fromMs: 0, toMs: endMs, perNodeHour: 40 });
  const window = endMs - 30_000 - WARMUP_MS;
  scheduleCrashes(sim, random, {
    count: Math.round((N * window * 2) / 3_600_000),
    fromMs: WARMUP_MS,
    toMs: WARMUP_MS + window,
    downMs: 45_000,
    concurrentMax: Math.max(1, Math.floor(N / 10)),
  });
  sim.runUntil(endMs);
  const r = metrics.finish(endMs);
  const w = sim.witnessCounts();
  console.log(
    `seed ${seed}: ${r.nodeHours.toFixed(1)} node-hours, ${r.falseFailed} false failed, ` +
      `${r.falseSuspected} false suspected, ${r.crashes} crashes (all p50 ${r.detectionAllMs.p50} ms, ` +
      `max ${r.detectionAllMs.max} ms, ${r.undetectedAll} undetected), ${w.spuriousResets} spurious resets ` +
      `(${w.resetsDuringStalls} in stalls)`,
  );
  const incidents: FalseFailed[][] = [];
  for (const f of found) {
    const last = incidents.find(
      (g) => g[0]?.target === f.target && f.atMs - g[g.length - 1]!.atMs < INCIDENT_GAP_MS,
    );
    if (last) last.push(f);
    else incidents.push([f]);
  }
  for (const g of incidents) {
    const f = g[0]!;
    const reasons = [...new Set(g.map((x) => x.reason))].join(',');
    console.log(
      `  t=${(f.atMs / 1000).toFixed(1)} s target ${f.target} up ${(f.targetAgeMs / 1000).toFixed(1)} s` +
        `${f.targetStalled ? ' stalled' : ''}: ${g.length} observer(s) [${reasons}], ` +
        `${g.filter((x) => x.noVitals).length} without its vitals, youngest observer up ` +
        `${(Math.min(...g.map((x) => x.observerAgeMs)) / 1000).toFixed(1)} s`,
    );
  }
}

const seeds = process.argv.slice(2).map(Number);
for (const seed of seeds.length > 0 ? seeds : [1]) run(seed);
