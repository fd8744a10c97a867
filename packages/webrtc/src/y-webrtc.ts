/**
 * `@pulsemesh/webrtc/y-webrtc`: watch the mesh a y-webrtc provider already has (Yjs over classic
 * simple-peer), with no second connection and no pulsemesh server. Duck-typed against y-webrtc
 * 10.x (`provider.room.peerId`, `room.webrtcConns` → `{ peer }`, `room.bcConns`, the `peers` event),
 * so it imports neither y-webrtc nor yjs (decision 0016).
 *
 * - Every WebRTC connection of the provider's room gets the link protocol attached (`attach.ts`),
 *   as connections come (`peers` event) and go. Without `trust`, the pulsemesh id of a tab is its
 *   y-webrtc room peer id, which both sides of a connection already know, and which nothing
 *   proves: any room member can attach under another's. With `trust` (an identity), the tab's
 *   pulsemesh id is its key's, every connection must prove the far end's key before it counts,
 *   and verdicts are about the proven id (decision 0049); the y-webrtc id is a label
 *   (`mesh.connections()` gives both).
 * - Tabs of this browser that y-webrtc links over BroadcastChannel are linked over a
 *   BroadcastChannel too (`broadcast-links.ts`), so they are watched without WebRTC.
 * - The tab's awareness state carries its pulsemesh id (`pulsemesh` field, `mesh.localId`), so
 *   {@link keepAwarenessHonest} can map a `failed` peer to its awareness client ids.
 * - y-webrtc closes its connections on `beforeunload`; the monitor says goodbye first.
 */
import { derivePeerId, type PeerId } from '@pulsemesh/core';
import { AttachedMesh, InvalidPeerIdError, type AttachedMeshOptions, type SimplePeerLike } from './attach.js';
import { BroadcastLinks } from './broadcast-links.js';

/** The parts of a y-webrtc `WebrtcProvider` the monitor reads. */
export interface WebrtcProviderLike {
  roomName: string;
  /** Resolves once the room exists (y-webrtc derives the room key first). */
  key: PromiseLike<unknown>;
  room: {
    peerId: string;
    webrtcConns: Map<string, { peer: SimplePeerLike }>;
    bcConns: Set<string>;
  } | null;
  awareness?: AwarenessLike;
  on(event: 'peers', listener: (e: { added: string[]; removed: string[] }) => void): void;
  off(event: 'peers', listener: (e: { added: string[]; removed: string[] }) => void): void;
}

/** The parts of a y-protocols `Awareness` used here. */
export interface AwarenessLike {
  clientID: number;
  getStates(): Map<number, Record<string, unknown>>;
  setLocalStateField(field: string, value: unknown): void;
}

/** Options of {@link monitorWebrtcProvider}: the attached mesh's, minus the id (y-webrtc's). */
export type MonitorOptions = Omit<AttachedMeshOptions, 'peerId'> & {
  /** Link same-browser tabs over a BroadcastChannel. Default true (as y-webrtc's `filterBcConns`). */
  broadcastChannel?: boolean;
};

/** A mesh watching a y-webrtc provider; `stop()` detaches everything (the provider is untouched). */
export interface ProviderMonitor {
  mesh: AttachedMesh;
  /** Same-browser tabs linked over the BroadcastChannel. */
  broadcastPeers(): PeerId[];
  stop(): void;
}

/**
 * Watches `provider`'s room. Resolves once the room exists (a microtask after the provider is
 * created, or after the password key is derived). Hand `monitor.mesh` to `<pulse-mesh .mesh=…>`.
 */
export async function monitorWebrtcProvider(
  provider: WebrtcProviderLike,
  options: MonitorOptions = {},
): Promise<ProviderMonitor> {
  await provider.key;
  await Promise.resolve();
  const room = provider.room;
  if (!room) throw new Error('monitorWebrtcProvider: the provider has no room (destroyed?)');
  const peerId = options.trust ? derivePeerId(options.trust.publicKey) : room.peerId;
  const mesh = new AttachedMesh({ ...options, peerId });
  // Ids a room member announced that `attach` refused (`InvalidPeerIdError`, counted once each):
  // y-webrtc takes them from the room's signaling unchecked, and this runs in its event listener.
  const refused = new Set<string>();
  const attachAll = (): void => {
    for (const id of refused) if (!room.webrtcConns.has(id)) refused.delete(id);
    for (const [id, conn] of room.webrtcConns) {
      if (refused.has(id) || !conn.peer._pc || conn.peer.destroyed) continue;
      try {
        mesh.attach(id, conn.peer);
      } catch (err) {
        if (!(err instanceof InvalidPeerIdError)) mesh.transport.counters.handlerErrors += 1;
        refused.add(id);
      }
    }
  };
  const onPeers = (): void => {
    if (mesh.status === 'running') attachAll();
  };
  provider.on('peers', onPeers);
  attachAll();
  const bc =
    options.broadcastChannel === false || typeof BroadcastChannel === 'undefined'
      ? undefined
      : new BroadcastLinks(mesh.transport, `pulsemesh:${provider.roomName}`);
  provider.awareness?.setLocalStateField('pulsemesh', mesh.localId);
  // y-webrtc's own beforeunload handler destroys every connection; ours runs first (capture).
  const onUnload = (): void => mesh.leaveAtOnce();
  globalThis.addEventListener?.('beforeunload', onUnload, { capture: true });
  const stop = (): void => {
    provider.off('peers', onPeers);
    globalThis.removeEventListener?.('beforeunload', onUnload, { capture: true });
    bc?.close();
    mesh.close();
  };
  if (bc) mesh.own(bc);
  return { mesh, broadcastPeers: () => bc?.peers() ?? [], stop };
}

/**
 * Keeps an app's presence honest: when `mesh` declares a peer `failed`, removes the awareness
 * states of that peer's clients at once (awareness alone keeps them for 30 s). Pass y-protocols'
 * `removeAwarenessStates`. Returns a function that stops.
 */
export function keepAwarenessHonest(
  mesh: EventTarget,
  awareness: AwarenessLike,
  removeAwarenessStates: (awareness: never, clients: number[], origin: unknown) => void,
): () => void {
  const onStatus = (e: Event): void => {
    const { peer, to } = (e as CustomEvent<{ peer: PeerId; to: string }>).detail;
    if (to !== 'failed') return;
    const clients = [...awareness.getStates()]
      .filter(([id, state]) => id !== awareness.clientID && state['pulsemesh'] === peer)
      .map(([id]) => id);
    if (clients.length > 0) removeAwarenessStates(awareness as never, clients, 'pulsemesh');
  };
  mesh.addEventListener('status-change', onStatus);
  return () => mesh.removeEventListener('status-change', onStatus);
}
