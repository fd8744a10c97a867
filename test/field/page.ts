// The field page (bundled by esbuild, served from the lab's public namespace): one mesh peer on
// stock defaults (what a user gets with no configuration) with a <pulse-peer-table> on it. Tests
// read the table's shadow DOM (rows: data-peer, data-state; the path cell: data-path) and the
// status changes this page recorded (wall clock).
import { createMesh } from '../../packages/webrtc/src/index.js';
import '../../packages/elements/src/pulse-peer-table.js';
import type { PulsePeerTable } from '../../packages/elements/src/pulse-peer-table.js';

interface Recorded {
  t: number;
  peer: string;
  from: string;
  to: string;
  reason: string;
}

const params = new URLSearchParams(location.search);
const mesh = createMesh({
  signalUrl: params.get('signal') ?? '',
  room: params.get('room') ?? 'field',
  ...(params.get('id') ? { peerId: params.get('id')! } : {}),
});
const table = document.createElement('pulse-peer-table') as PulsePeerTable;
table.mesh = mesh;
document.body.append(table);
const events: Recorded[] = [];
mesh.addEventListener('status-change', (e) => {
  const d = (e as CustomEvent<{ peer: string; from: string; to: string; reason: string }>).detail;
  events.push({ t: Date.now(), peer: d.peer, from: d.from, to: d.to, reason: d.reason });
});
/** Direct links opening and closing (wall clock). */
const links: { t: number; peer: string; up: boolean }[] = [];
mesh.addEventListener('link', (e) => {
  const d = (e as CustomEvent<{ peer: string; up: boolean }>).detail;
  links.push({ t: Date.now(), peer: d.peer, up: d.up });
});

/** The signaling server's word on each peer's session (wall clock): `present: false` is the
 * witness a crash's detection starts from (`Mesh` hands the detector the same message). */
const presence: { t: number; peer: string; present: boolean }[] = [];
mesh.addEventListener('presence', (e) => {
  const d = (e as CustomEvent<{ peer: string; present: boolean }>).detail;
  presence.push({ t: Date.now(), peer: d.peer, present: d.present });
});

/** What the peer table shows: peer → state (the detector's), path label (`relay/tcp`, …), the
 * State cell's text (`Failed`, `Unreachable`, …), and the peers marked unreachable from here. */
function view(): {
  states: Record<string, string>;
  paths: Record<string, string>;
  labels: Record<string, string>;
  unreachable: string[];
  signal: string;
} {
  const states: Record<string, string> = {};
  const paths: Record<string, string> = {};
  const labels: Record<string, string> = {};
  const unreachable: string[] = [];
  for (const row of table.shadowRoot?.querySelectorAll('tr[data-peer]') ?? []) {
    const peer = row.getAttribute('data-peer') ?? '';
    states[peer] = row.getAttribute('data-state') ?? '';
    paths[peer] = row.querySelector('[data-path]')?.textContent?.trim() ?? '-';
    labels[peer] = row.querySelector('.state')?.textContent?.trim() ?? '';
    if (row.getAttribute('data-reach') === 'unreachable') unreachable.push(peer);
  }
  return { states, paths, labels, unreachable, signal: mesh.signalState() };
}

/** TURN usernames this page was handed (`<expiry>:<id>`), each when first seen: the one minted at
 * join, then each renewal the signaling server sends (polled every second). */
const turnUsers: { t: number; username: string }[] = [];
setInterval(() => {
  for (const server of mesh.transport.manager.iceServers())
    if (typeof server.username === 'string' && !turnUsers.some((u) => u.username === server.username))
      turnUsers.push({ t: Date.now(), username: server.username });
}, 1_000);

/** What this detector knows of each peer that bears on how fast it fails it: the smoothed RTT and
 * its variation (the probe timeout comes from them) and the peer's reported load (its longest
 * recent stall: a witnessed check waits that out). */
interface Stats {
  rttMs?: number;
  rttVarMs?: number;
  loadMs?: number;
  lifecycle?: string;
  /** This detector's protocol period now (ms, before local-health stretching): part of a witnessed check's stall allowance. */
  periodMs: number;
}
function stats(): Record<string, Stats> {
  const out: Record<string, Stats> = {};
  const periodMs = mesh.protocolPeriodMs();
  for (const p of mesh.peers()) {
    const row: Stats = { periodMs };
    if (p.link.rttMs !== undefined) row.rttMs = Math.round(p.link.rttMs * 10) / 10;
    if (p.link.rttVarMs !== undefined) row.rttVarMs = Math.round(p.link.rttVarMs * 10) / 10;
    if (p.vitals) {
      row.loadMs = p.vitals.loadMs;
      row.lifecycle = p.vitals.lifecycle;
    }
    out[p.id] = row;
  }
  return out;
}

/** This page's main-thread stalls (wall clock): a 50 ms interval timer that fired ≥ 50 ms late,
 * and how late. The detector's own timer lateness (its `loadMs` vital sign: the longest in the
 * last 5-10 min) comes from the same thread, so this says when the stalls it reports happened. */
const stalls: { t: number; lateMs: number }[] = [];
let tickDue = performance.now() + 50;
setInterval(() => {
  const now = performance.now();
  const lateMs = Math.round(now - tickDue);
  if (lateMs >= 50 && stalls.length < 10_000) stalls.push({ t: Date.now(), lateMs });
  tickDue = now + 50;
}, 50);

/** The detector's tick clock's lateness samples of ≥ 50 ms (wall clock), polled every 20 ms: the
 * samples behind this peer's reported `loadMs`, next to the page's own `stalls`. */
const tickLate: { t: number; lateMs: number }[] = [];
let lastTickLate = 0;
setInterval(() => {
  const { lastMs } = mesh.timerLateness();
  if (lastMs !== lastTickLate && lastMs >= 50 && tickLate.length < 10_000)
    tickLate.push({ t: Date.now(), lateMs: Math.round(lastMs) });
  lastTickLate = lastMs;
}, 20);

/** Times the detector's next deadline was 50 ms or more overdue when polled (every 20 ms), with
 * how overdue it was at the previous poll: a deadline that falls due while the clock's timer is
 * late grows by ~20 ms a poll; one set already in the past appears at once. Tells a late clock
 * from a past deadline behind a late tick with no main-thread stall. */
const overdue: { t: number; overdueMs: number; previousMs: number }[] = [];
let previousOverdueMs = 0;
setInterval(() => {
  const overdueMs = Math.round(performance.now() - mesh.detector.nextDeadlineMs());
  if (overdueMs >= 50 && overdue.length < 10_000)
    overdue.push({ t: Date.now(), overdueMs, previousMs: previousOverdueMs });
  previousOverdueMs = overdueMs;
}, 20);

(window as unknown as { field: unknown }).field = {
  id: mesh.localId,
  stats,
  turnUsers,
  events,
  links,
  presence,
  stalls,
  tickLate,
  overdue,
  startedAt: Date.now(),
  view,
  /** A hang: the page's thread blocked for `ms` (after this call returns). */
  hang: (ms: number) => setTimeout(() => mesh.faults.freeze(ms), 0),
};
document.title = mesh.localId;
