// The benchmark's page (bundled by scripts/bench-mesh.peers.ts with esbuild): one mesh peer per tab,
// configured from the query string, recording every status change with a wall-clock timestamp.
import { createMesh } from '../packages/webrtc/src/index.js';
import type { SessionEnd } from './bench-mesh.peers.js';

interface Recorded {
  t: number;
  peer: string;
  from: string;
  to: string;
  reason?: string | undefined;
}

const params = new URLSearchParams(location.search);
const mesh = createMesh({
  signalUrl: params.get('signal') ?? '',
  room: params.get('room') ?? 'bench',
  peerId: params.get('id') ?? `tab-${Math.random().toString(36).slice(2, 8)}`,
  config: JSON.parse(params.get('config') ?? '{}') as Record<string, number>,
});
const events: Recorded[] = [];
mesh.addEventListener('status-change', (e) => {
  const d = (e as CustomEvent<{ peer: string; from: string; to: string; reason: string }>).detail;
  events.push({ t: Date.now(), peer: d.peer, from: d.from, to: d.to, reason: d.reason });
});
const sessionEnds: SessionEnd[] = [];
mesh.addEventListener('presence', (e) => {
  const d = (e as CustomEvent<{ peer: string; present: boolean }>).detail;
  if (d.present) return;
  const p = mesh.detector.peer(d.peer);
  const now = performance.now();
  sessionEnds.push({
    t: Date.now(),
    peer: d.peer,
    state: p?.state,
    loadMs: p?.vitals?.loadMs,
    lifecycle: p?.vitals?.lifecycle,
    lastHeardAgoMs: p?.lastHeardMs === undefined ? undefined : Math.round(now - p.lastHeardMs),
    rttMs: p?.link.rttMs,
    ownLateMs: Math.round(mesh.timerLateness().lastMs),
    ownLateAvgMs: Math.round(mesh.timerLateness().averageMs),
  });
});
(window as unknown as { bench: unknown }).bench = {
  id: mesh.localId,
  events,
  sessionEnds,
  states: () => Object.fromEntries(mesh.peers().map((p) => [p.id, p.state])),
  hang: () => mesh.faults.hang(),
  freeze: (ms: number) => mesh.faults.freeze(ms),
  probes: () => mesh.detector.stats().probesSent,
  visibility: () => document.visibilityState,
};
document.title = mesh.localId;
