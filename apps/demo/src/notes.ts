/**
 * The "collaborative notes" page: one Yjs text shared over y-webrtc, using y-webrtc's own signaling
 * server (its `bin/server.js`, started by `pnpm demo`), with `<pulse-mesh>` watching the very same
 * connections (`@pulsemesh/webrtc/y-webrtc`) and the writers list kept honest with it.
 *
 * URL: `?room=` (default `notes`), `?yws=ws://…` (y-webrtc signaling; default `VITE_YWEBRTC_URL`
 * at build time, else `ws://127.0.0.1:4444`), `?name=` (this writer's name).
 */
import '@pulsemesh/elements';
import type { PulseMesh } from '@pulsemesh/elements';
import { keepAwarenessHonest, monitorWebrtcProvider } from '@pulsemesh/webrtc/y-webrtc';
import { WebrtcProvider } from 'y-webrtc';
import { removeAwarenessStates } from 'y-protocols/awareness';
import * as Y from 'yjs';

const params = new URLSearchParams(location.search);
const room = params.get('room') ?? 'notes';
const signaling =
  params.get('yws') ?? (import.meta.env['VITE_YWEBRTC_URL'] as string | undefined) ?? 'ws://127.0.0.1:4444';
const name = params.get('name') ?? `writer-${Math.floor(Math.random() * 1000)}`;
// `?honest=0` leaves awareness alone (to compare: y-protocols drops a silent client after 30 s).
const honest = params.get('honest') !== '0';
const fill = <T extends HTMLElement>(key: string): T => document.querySelector<T>(`[data-fill="${key}"]`)!;

// --- the app as it was: Yjs over y-webrtc (iceServers [] keeps it on this machine) ---
const doc = new Y.Doc();
const provider = new WebrtcProvider(room, doc, {
  signaling: [signaling],
  peerOpts: { config: { iceServers: [] } },
});
const text = doc.getText('notes');
provider.awareness.setLocalStateField('name', name);

// --- pulsemesh, watching the same connections (default settings) ---
const monitor = await monitorWebrtcProvider(provider);
if (honest) keepAwarenessHonest(monitor.mesh, provider.awareness, removeAwarenessStates);
fill<PulseMesh>('mesh').mesh = monitor.mesh;

// --- the page: a textarea bound to the shared text, the writers list ---
const area = fill<HTMLTextAreaElement>('text');
area.value = text.toString();
area.addEventListener('input', () =>
  doc.transact(() => {
    text.delete(0, text.length);
    text.insert(0, area.value);
  }),
);
text.observe(() => {
  if (area.value !== text.toString()) area.value = text.toString();
});
const showWriters = (): void => {
  const names = [...provider.awareness.getStates().values()].map((s) => String(s['name'] ?? '?'));
  fill('writers').textContent = names.sort().join(', ');
};
provider.awareness.on('change', showWriters);
showWriters();
document.title = `${name} · collaborative notes`;
document.body.dataset['peerId'] = monitor.mesh.localId;

// For tests and curious consoles.
Object.assign(globalThis, { notes: { doc, text, provider, monitor } });
