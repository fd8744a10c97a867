/**
 * Where a detector's bytes go: every message a node sends after warm-up is decoded and its bytes
 * split by message type and by field (header, vitals, piggybacked updates by kind, their signature
 * blocks, extensions), per node per simulated second. Also how many copies of each update reach a
 * peer (redundancy) and how many updates ride on each message type.
 *
 *   node --conditions=source --import tsx packages/sim/bin/bytes-breakdown.ts [--n 100] [--seconds 120]
 *     [--topology random-32|full] [--profile lan] [--strategy pulsemesh-default|swim] [--seed 42]
 */
import type { StepResult } from '@pulsemesh/core';
import { ByteBreakdown } from '../src/byte-breakdown.js';
import { MESH_DEGREE } from '../src/floors.js';
import { type ProfileName, profiles } from '../src/profiles.js';
import { runScenario } from '../src/scenario.js';
import type { SimNode, Strategy } from '../src/sim-node.js';
import { type StrategyKey, strategyFor } from '../src/strategies.js';
import type { TopologySpec } from '../src/topology.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 ? (process.argv[i + 1] as string) : fallback;
}

const n = Number(arg('--n', '100'));
const profile = profiles[arg('--profile', 'lan') as ProfileName];
const simSeconds = Number(arg('--seconds', String(profile.simSeconds(n))));
const seed = Number(arg('--seed', '42'));
const topologyArg = arg('--topology', `random-${MESH_DEGREE}`);
const topology: TopologySpec =
  topologyArg === 'full' ? { kind: 'full' } : { kind: 'random', degree: Number(topologyArg.split('-')[1]) };
const warmupMs = 10_000;
const strategyKey = arg('--strategy', 'pulsemesh-default') as StrategyKey;
const tally = new ByteBreakdown(strategyKey === 'swim' ? 'swim' : 'pulsemesh');

function account(from: string, sends: StepResult['sends'], nowMs: number): void {
  if (nowMs < warmupMs) return;
  for (const s of sends) tally.add(from, s.to, s.bytes);
}

function wrap(inner: Strategy): Strategy {
  return {
    ...inner,
    create(init) {
      const node = inner.create(init);
      const w =
        <A extends unknown[]>(f: (...a: A) => StepResult, at: (...a: A) => number) =>
        (...a: A): StepResult => {
          const r = f(...a);
          account(init.id, r.sends, at(...a));
          return r;
        };
      const wrapped: SimNode = {
        linkUp: w(node.linkUp.bind(node), (_p, t) => t),
        linkDown: w(node.linkDown.bind(node), (_p, t) => t),
        tick: w(node.tick.bind(node), (t) => t),
        receive: w(node.receive.bind(node), (_p, _b, t) => t),
        leave: w(node.leave.bind(node), (t) => t),
        nextDeadlineMs: () => node.nextDeadlineMs(),
      };
      if (node.reportTimerLateness)
        wrapped.reportTimerLateness = (late, t) => {
          const r = node.reportTimerLateness?.(late, t);
          if (r) account(init.id, r.sends, t);
          return r;
        };
      if (node.witness) wrapped.witness = w(node.witness.bind(node), (_p, _k, t) => t);
      if (node.setLifecycle)
        wrapped.setLifecycle = (l, t) => {
          const r = node.setLifecycle?.(l, t);
          if (r) account(init.id, r.sends, t);
          return r;
        };
      return wrapped;
    },
  };
}

const strategy = wrap(strategyFor(strategyKey, n));
const r = runScenario({ strategy, profile, n, seed, simSeconds, topology, warmupMs });
const nodeSeconds = n * simSeconds;
const rate = (b: number): string => (b / nodeSeconds).toFixed(1).padStart(8);
console.log(
  `${strategy.name}:${strategy.preset} ${profile.name} N=${n} ${topologyArg} ${simSeconds}s seed ${seed}: ` +
    `${(tally.total / nodeSeconds).toFixed(1)} B/node/s decoded (metrics: ${r.bytesPerNodePerSec.mean.toFixed(1)}); ` +
    `crash p50 ${r.detectionAllMs.p50?.toFixed(0) ?? '-'} ms, dissemination p50 ${r.disseminationMs.p50?.toFixed(0) ?? '-'} ms`,
);
console.log('row                          B/node/s    msgs-or-items/node/s   share');
for (const { key, bytes, count } of tally.rows())
  console.log(
    `${key.padEnd(28)} ${rate(bytes)}    ${(count / nodeSeconds).toFixed(3).padStart(10)}          ${((100 * bytes) / tally.total).toFixed(1).padStart(5)} %`,
  );
function histogram(label: string, m: ReadonlyMap<string, number>): void {
  const hist = new Map<number, number>();
  for (const c of m.values()) hist.set(Math.min(c, 10), (hist.get(Math.min(c, 10)) ?? 0) + 1);
  const sent = [...m.values()].reduce((a, c) => a + c, 0);
  console.log(
    `${label}: ${(sent / Math.max(1, m.size)).toFixed(2)} mean over ${m.size}; ` +
      [...hist]
        .sort((a, b) => a[0] - b[0])
        .map(([k, v]) => `${k === 10 ? '≥10' : k}:${v}`)
        .join(' '),
  );
}
if (tally.copies.size > 0) {
  histogram('update copies per (receiver, update)', tally.copies);
  histogram('update copies per (sender, receiver, update)', tally.linkCopies);
}
