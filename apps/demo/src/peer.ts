/**
 * Starts this tab's peer the way an app should: an identity kept per origin, room and tab slot
 * (`loadTabIdentity`: a reload or "Rejoin" comes back as the same peer, a second tab gets its own
 * id), a durable history in IndexedDB (analytics and past members survive the reload), and the
 * incarnation resumed above the last one stored, so the others see `failed → recovering →
 * healthy` of the same peer rather than a stranger joining (decision 0018).
 *
 * `?id=` replaces the kept identity with a plain id (tests, screenshots); its history is kept
 * under that id all the same.
 */
import {
  createMesh,
  DurableHistory,
  indexedDbHistoryBackend,
  loadTabIdentity,
  type Mesh,
  type TabIdentity,
} from '@pulsemesh/webrtc';
import type { DemoSettings } from './demo-settings.js';

/** This tab's running peer and what it keeps. */
export interface DemoPeer {
  mesh: Mesh;
  history: DurableHistory;
  /** The kept identity's tab slot (0 for the first tab), -1 when not kept, undefined with `?id=`. */
  slot: number | undefined;
}

export async function startPeer(settings: DemoSettings): Promise<DemoPeer> {
  const identity: TabIdentity | undefined =
    settings.peerId === undefined ? await loadTabIdentity(settings.room) : undefined;
  const id = identity?.id ?? (settings.peerId as string);
  const history = await DurableHistory.open(indexedDbHistoryBackend(settings.room, id));
  const mesh = createMesh({
    signalUrl: settings.signalUrl,
    room: settings.room,
    config: settings.config,
    incarnation: history.startIncarnation,
    ...(identity === undefined ? { peerId: id } : { identity }),
  });
  history.attach(mesh);
  // Write what is buffered when the page goes away (the mesh itself says goodbye on pagehide).
  addEventListener('pagehide', () => void history.close());
  return { mesh, history, slot: identity?.slot };
}
