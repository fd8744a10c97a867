/**
 * Where a detector's bytes go: every message a node sends after warm-up is decoded and its bytes
 * split by message type and by field (header, vitals, piggybacked updates by kind, their signature
 * blocks, extensions), per node per simulated second. Also how many copies of each update reach a
 * peer (redundancy) and how many updates ride on each message type.
 *
 *   node --conditions=source --import tsx packages/sim/bin/bytes-breakdown.ts [--n 100] [--seconds 120]
 *     [--topology random-32|full] [--profile lan] [--strategy pulsemesh-default] [--seed 42]
 */
import { decode, HEADER_BYTES, MessageType, UpdateKind } from '@pulsemesh/core';
import type { StepResult, Update } from '@pulsemesh/core';
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
/** A signed update's public key (32) and Ed25519 signature (64). */
const SIGNATURE_BLOCK_BYTES = 96;

/** Encoded size of one update (as `updateBytes` in core's codec): kind, incarnation, ids, signature. */
function updateBytes(u: Update): number {
  let inc = 1;
  for (let x = u.incarnation; x >= 0x80; x = Math.floor(x / 0x80)) inc++;
  const id = (p: string): number => 1 + Buffer.byteLength(p);
  const accused = u.kind === UpdateKind.suspect || u.kind === UpdateKind.failed;
  return (
    1 + inc + id(u.peer) + (accused ? id(u.from ?? u.peer) : 0) + (u.signature ? SIGNATURE_BLOCK_BYTES : 0)
  );
}

const TYPE_NAMES = Object.fromEntries(Object.entries(MessageType).map(([k, v]) => [v, k]));
const KIND_NAMES = Object.fromEntries(Object.entries(UpdateKind).map(([k, v]) => [v, k]));
/** Bytes by row label (`type/field`). */
const bytes = new Map<string, number>();
const counts = new Map<string, number>();
const add = (key: string, b: number, c = 1): void => {
  bytes.set(key, (bytes.get(key) ?? 0) + b);
  counts.set(key, (counts.get(key) ?? 0) + c);
};
/** Copies of one update (kind, peer, incarnation) sent to one peer. */
const copies = new Map<string, number>();
/** The same, from one sender: repeats a sender could know to skip. */
const linkCopies = new Map<string, number>();
/** (receiver, kind, peer, incarnation) seen: another accuser's copy of the same news. */
const events = new Set<string>();
let total = 0;

function account(from: string, sends: StepResult['sends'], nowMs: number): void {
  if (nowMs < warmupMs) return;
  for (const s of sends) {
    total += s.bytes.length;
    const d = decode(s.bytes);
    if (!d.ok) {
      add('undecodable', s.bytes.length);
      continue;
    }
    const m = d.message;
    const type = TYPE_NAMES[m.type] as string;
    add(`${type}`, s.bytes.length);
    add(`${type}/header`, HEADER_BYTES);
    let rest = s.bytes.length - HEADER_BYTES;
    if (m.updates.length > 0) {
      add(`${type}/updates-count`, 1);
      rest -= 1;
    }
    for (const u of m.updates) {
      const ub = updateBytes(u);
      const sig = u.signature !== undefined ? SIGNATURE_BLOCK_BYTES : 0;
      add(`${type}/upd-${KIND_NAMES[u.kind] as string}`, ub - sig);
      if (sig > 0) add(`${type}/upd-${KIND_NAMES[u.kind] as string}-sig`, sig);
      rest -= ub;
      const key = `${s.to}|${u.kind}|${u.peer}|${u.incarnation}|${u.from ?? ''}`;
      copies.set(key, (copies.get(key) ?? 0) + 1);
      const link = `${from}>${key}`;
      const again = (linkCopies.get(link) ?? 0) + 1;
      linkCopies.set(link, again);
      if (again > 1) add(`~repeat-same-link/${type}/${KIND_NAMES[u.kind] as string}`, ub);
      else if (linkCopies.has(`${s.to}>${from}|${u.kind}|${u.peer}|${u.incarnation}|${u.from ?? ''}`))
        add(`~echo-to-sender/${type}/${KIND_NAMES[u.kind] as string}`, ub);
      // News about the receiver itself (its verdict, so it can refute): not gossip to the others.
      if (u.peer === s.to) add(`~to-subject/${type}/${KIND_NAMES[u.kind] as string}`, ub);
      const event = `${s.to}|${u.kind}|${u.peer}|${u.incarnation}`;
      if (!events.has(event)) events.add(event);
      else if (again === 1 && (copies.get(key) ?? 0) === 1)
        add(`~other-accuser/${type}/${KIND_NAMES[u.kind] as string}`, ub);
    }
    for (const e of m.extensions) add(`${type}/ext-${e.type}`, e.bytes.length + 2);
    if (m.type === MessageType.ack && m.vitals !== undefined) add(`${type}/vitals`, 0, 1);
    add(`${type}/body`, rest - m.extensions.reduce((a, e) => a + e.bytes.length + 2, 0));
  }
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

const strategy = wrap(strategyFor(arg('--strategy', 'pulsemesh-default') as StrategyKey, n));
const r = runScenario({ strategy, profile, n, seed, simSeconds, topology, warmupMs });
const nodeSeconds = n * simSeconds;
const rate = (b: number): string => (b / nodeSeconds).toFixed(1).padStart(8);
console.log(
  `${strategy.name}:${strategy.preset} ${profile.name} N=${n} ${topologyArg} ${simSeconds}s seed ${seed}: ` +
    `${(total / nodeSeconds).toFixed(1)} B/node/s decoded (metrics: ${r.bytesPerNodePerSec.mean.toFixed(1)}); ` +
    `crash p50 ${r.detectionAllMs.p50?.toFixed(0) ?? '-'} ms, dissemination p50 ${r.disseminationMs.p50?.toFixed(0) ?? '-'} ms`,
);
console.log('row                          B/node/s    msgs-or-items/node/s   share');
for (const [key, b] of [...bytes].sort((a, b2) => a[0].localeCompare(b2[0]))) {
  const c = counts.get(key) ?? 0;
  console.log(
    `${key.padEnd(28)} ${rate(b)}    ${(c / nodeSeconds).toFixed(3).padStart(10)}          ${((100 * b) / total).toFixed(1).padStart(5)} %`,
  );
}
function histogram(label: string, m: Map<string, number>): void {
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
histogram('update copies per (receiver, update)', copies);
histogram('update copies per (sender, receiver, update)', linkCopies);
