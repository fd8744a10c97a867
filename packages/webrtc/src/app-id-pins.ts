/**
 * Trust on first use for the app's plain ids on a mesh with an identity (decision 0057). With
 * identities and the app's own plain ids (y-webrtc's room UUIDs), an attached link counts as the
 * id its proven key derives (decision 0049), and the app id is only the label the app attaches
 * under. The first key proven under a plain app id in this mesh's session is pinned to it: a later
 * connection under that app id counts only if it proves the same key (a reconnect of the key's
 * holder); another key is refused (`AttachProofError.pinnedKey`). The pin outlives link drops and
 * is forgotten only when the key's member is `left`, reaped or evicted from this mesh's view, so
 * a reconnect after a network blip keeps its app id and nobody else can take it meanwhile.
 *
 * A key-derived app id needs no pin: only its own key proves it. Memory is bounded per key (the
 * newest `appIdsPerKeyMax` app ids of one key are kept; a key's older app ids carry no link, a
 * newer proof of the same key replaced it) and by the members this mesh tracks.
 */
import type { PeerId } from '@pulsemesh/core';

/** Plain app ids kept pinned to one key; the oldest is forgotten past this. */
export const appIdsPerKeyMax = 8;

/** App id → pinned key id, and the reverse index to forget a key's pins at once. */
export class AppIdPins {
  #keyOf = new Map<PeerId, PeerId>();
  #appIdsOf = new Map<PeerId, PeerId[]>();

  /** Number of pinned app ids. */
  get size(): number {
    return this.#keyOf.size;
  }

  /** The key id pinned to `appId`, if any. */
  keyOf(appId: PeerId): PeerId | undefined {
    return this.#keyOf.get(appId);
  }

  /** Whether a link under `appId` whose far end proved `keyId` may count: no pin, or the same key. */
  allows(appId: PeerId, keyId: PeerId): boolean {
    const pinned = this.#keyOf.get(appId);
    return pinned === undefined || pinned === keyId;
  }

  /** Pins `keyId` to `appId` (a plain app id; no-op for a key-derived one, or when already pinned). */
  pin(appId: PeerId, keyId: PeerId): void {
    if (appId === keyId || this.#keyOf.has(appId)) return;
    this.#keyOf.set(appId, keyId);
    const appIds = this.#appIdsOf.get(keyId) ?? [];
    appIds.push(appId);
    this.#appIdsOf.set(keyId, appIds);
    if (appIds.length > appIdsPerKeyMax) this.#keyOf.delete(appIds.shift()!);
  }

  /** Forgets every pin of `keyId` (its member is `left`, reaped or evicted). */
  forget(keyId: PeerId): void {
    for (const appId of this.#appIdsOf.get(keyId) ?? []) this.#keyOf.delete(appId);
    this.#appIdsOf.delete(keyId);
  }
}
