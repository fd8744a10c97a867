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
  const d = (e as CustomEvent<{ peer: string; from: string; to: string }>).detail;
  events.push({ t: Date.now(), peer: d.peer, from: d.from, to: d.to });
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

(window as unknown as { field: unknown }).field = {
  id: mesh.localId,
  events,
  view,
  /** A hang: the page's thread blocked for `ms` (after this call returns). */
  hang: (ms: number) => setTimeout(() => mesh.faults.freeze(ms), 0),
};
document.title = mesh.localId;
