// The benchmark's page (bundled by scripts/bench-mesh.peers.ts with esbuild): one mesh peer per tab,
// configured from the query string, recording every status change with a wall-clock timestamp.
import { createMesh } from '../packages/webrtc/src/index.js';

interface Recorded {
  t: number;
  peer: string;
  from: string;
  to: string;
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
  const d = (e as CustomEvent<{ peer: string; from: string; to: string }>).detail;
  events.push({ t: Date.now(), peer: d.peer, from: d.from, to: d.to });
});
(window as unknown as { bench: unknown }).bench = {
  id: mesh.localId,
  events,
  states: () => Object.fromEntries(mesh.peers().map((p) => [p.id, p.state])),
  hang: () => mesh.faults.hang(),
  freeze: (ms: number) => mesh.faults.freeze(ms),
  probes: () => mesh.detector.stats().probesSent,
  visibility: () => document.visibilityState,
};
document.title = mesh.localId;
