// What every field scenario shares: the cast, the result file and its floors, waiting for a
// healthy mesh, reading verdicts, and doing a fault until the observers fail its victim.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname } from 'node:path';
import { provenance } from '../bench-provenance.js';
import {
  firstTransition,
  untilEvery,
  type Field,
  type FieldProcessOptions,
  type PeerSpec,
} from '../../test/field/field.js';
import type { FieldPeer, Transition } from '../../test/field/peers.js';
import { ensureEdgePeerBuild } from '../../test/harness/service.js';
import { fieldFloors } from './floors.js';

/** The result file (`BENCH_OUT` for a trial run elsewhere; sections merge into what is there). */
export const out = process.env['BENCH_OUT'] ?? 'bench-results/field.json';

/** The cast: a Chromium tab in home A and an edge peer in home C (both port-preserving NATs: their
 * link runs on srflx addresses), a Chromium tab and an edge peer in home B (symmetric NAT: a host
 * link between them, relays to everyone else), a Firefox tab in the office (TCP to 443 only:
 * TURN over TCP). */
export const cast: PeerSpec[] = [
  { id: 'tab-a', kind: 'chromium', ns: 'homeA' },
  { id: 'edge-c', kind: 'edge', ns: 'homeC' },
  { id: 'tab-b', kind: 'chromium', ns: 'homeB' },
  { id: 'edge-b', kind: 'edge', ns: 'homeB' },
  { id: 'fox-f', kind: 'firefox', ns: 'office' },
];

/** The commit measured, read at start (a commit made during a long run must not be credited). */
const measured = provenance('');
/** The 1/5/15-min load averages when this run started (each section records them and its end's). */
const loadAtStart = loadavg().map((x) => Math.round(x * 100) / 100);

/** Stores one section, with the commit it measured (bench:check judges each current section by
 * it), and recomputes the file's floors from its current sections. */
export function record(section: string, value: Record<string, unknown>): void {
  mkdirSync(dirname(out), { recursive: true });
  const all = existsSync(out) ? (JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown>) : {};
  all['machine'] = '2 cores, shared with other work while measured (timings are loaded-machine timings)';
  all['detector'] = 'stock defaults: preset browser in tabs, node in edge peers, no overrides';
  all[section] = {
    commit: measured.commit,
    dirty: measured.dirty,
    loadAverage: { atStart: loadAtStart, atEnd: loadavg().map((x) => Math.round(x * 100) / 100) },
    ...value,
  };
  all['floors'] = fieldFloors(all);
  writeFileSync(out, `${JSON.stringify(all, null, 2)}\n`);
}

/** Judges the file's floors again from its sections as they are (after a section was moved by
 * hand, or the floors changed); returns them. */
export function rejudgeFloors(): unknown {
  const all = JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown>;
  all['floors'] = fieldFloors(all);
  writeFileSync(out, `${JSON.stringify(all, null, 2)}\n`);
  return all['floors'];
}

let processes: FieldProcessOptions | undefined;
/** How every field of the benchmark starts its processes: edge peers from the build (built first
 * when missing or stale), as deployed; like the signaling server and coturn, each in a session of
 * its own (`test/field/peers.ts`). */
export function fieldProcesses(): FieldProcessOptions {
  processes ??= { edgeMain: ensureEdgePeerBuild() };
  return processes;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const others = (field: Field, but: string): FieldPeer[] =>
  [...field.peers.values()].filter((p) => p.id !== but);

/** Every observer's view of every other peer: state and path (a view that failed: its error; a
 * peer whose process is gone, though nobody crashed it, fails the run: `PeerGoneError`). */
export async function snapshot(field: Field): Promise<Record<string, unknown>> {
  const views: Record<string, unknown> = {};
  for (const p of field.peers.values())
    views[p.id] = await p.view().catch((e: unknown) => {
      if (e instanceof Error && e.name === 'PeerGoneError') throw e;
      return String(e);
    });
  return views;
}

/** Waits until every peer shows every other healthy; with `soft`, gives up quietly (a peer known
 * only through others' gossip can take longer to appear) and the caller checks each view. */
export async function allHealthy(field: Field, timeoutMs = 90_000, soft = false): Promise<void> {
  const ids = [...field.peers.keys()];
  await untilEvery(
    [...field.peers.values()],
    (v) => ids.filter((id) => v.states[id] === 'healthy').length === ids.length - 1,
    timeoutMs,
    'every peer healthy everywhere',
  ).catch((error: unknown) => {
    if (!soft) throw error;
    console.log(`  not everyone sees everyone healthy after ${timeoutMs} ms; going on`);
  });
}

/** `failed` transitions in every observer's record since `sinceMs` (none expected in a soak). */
export async function failedSince(
  field: Field,
  sinceMs: number,
): Promise<(Transition & { observer: string })[]> {
  const all: (Transition & { observer: string })[] = [];
  for (const p of field.peers.values())
    for (const t of await p.transitions().catch(() => []))
      if (t.to === 'failed' && t.t >= sinceMs) all.push({ ...t, observer: p.id });
  return all;
}

/** `suspected` transitions per observer since `sinceMs`. */
export async function suspectedSince(field: Field, sinceMs: number): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const p of field.peers.values())
    for (const t of await p.transitions())
      if (t.to === 'suspected' && t.t >= sinceMs) counts[p.id] = (counts[p.id] ?? 0) + 1;
  return counts;
}

/** A fault: its victim and what it does. */
export interface Fault {
  victim: string;
  fault: string;
  act: (p: FieldPeer) => Promise<void>;
}
const sigkill = (victim: string): Fault => ({ victim, fault: 'SIGKILL', act: (p) => p.crash() });
const hang = (victim: string): Fault => ({ victim, fault: 'hang (SIGSTOP)', act: (p) => p.hang(0) });
const rendererCrash: Fault = { victim: 'tab-b', fault: 'renderer crash', act: (p) => p.crash() };
const browserKilled: Fault = { victim: 'fox-f', fault: 'browser killed', act: (p) => p.crash() };

/**
 * Faults, in order, on one field. Each victim is gone for the faults after it, so one order
 * cannot cover every path: odd runs SIGKILL the edge peer behind the symmetric NAT (seen over the
 * host link from tab-b) and hang the one in home C (seen over the srflx link from tab-a); even
 * runs the other way round (a crash over srflx, a hang over the host link).
 */
export function faultsOf(run: number): Fault[] {
  return run % 2 === 1
    ? [sigkill('edge-b'), rendererCrash, hang('edge-c'), browserKilled]
    : [sigkill('edge-c'), hang('edge-b'), rendererCrash, browserKilled];
}
export const faults = faultsOf(1);
/** How long observers get to fail a victim; later counts as undetected. */
export const detectWaitMs = 60_000;

/** Observers that show `victim` healthy now: only they can detect its failure. */
export async function healthyObservers(field: Field, victim: string): Promise<FieldPeer[]> {
  const observers: FieldPeer[] = [];
  for (const o of others(field, victim)) if ((await o.view()).states[victim] === 'healthy') observers.push(o);
  return observers;
}

/** Does `act` to `victim` (then forgets it) and waits until `observers` show it failed; returns
 * when (wall ms) each did, and the fault's time. */
export async function faultUntilFailed(
  field: Field,
  victim: string,
  act: (p: FieldPeer) => Promise<void>,
  observers: FieldPeer[],
): Promise<{ t0: number; times: Map<string, number | undefined>; reasons: Map<string, string | undefined> }> {
  const t0 = Date.now();
  await act(field.peers.get(victim)!);
  field.peers.delete(victim);
  await untilEvery(observers, (v) => v.states[victim] === 'failed', detectWaitMs, `${victim} failed`).catch(
    (e: unknown) => console.log(`  ${String(e).slice(0, 200)}`),
  );
  const found = await firstTransition(observers, victim, 'failed', t0);
  return {
    t0,
    times: new Map([...found].map(([id, t]) => [id, t?.t])),
    reasons: new Map([...found].map(([id, t]) => [id, t?.reason])),
  };
}
