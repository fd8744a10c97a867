/**
 * Trust on first use for the app's plain ids on a mesh with an identity (decisions 0057, 0061).
 * With identities and the app's own plain ids (y-webrtc's room UUIDs), an attached link counts as
 * the id its proven key derives (decision 0049), and the app id is only the label the app attaches
 * under. The first key proven under a plain app id is pinned to it: a later connection under that
 * app id counts only if it proves the same key (a reconnect of the key's holder); another key is
 * refused (`AttachProofError.pinnedKey`). The pin outlives link drops, so a reconnect after a
 * network blip keeps its app id and nobody else can take it meanwhile.
 *
 * One key, one app id (decision 0061): a key holds the pin of the app id it last proved under
 * only. Its proof under another app id (plain or key-derived) releases its earlier pin, as 0049
 * ends its earlier link, so one member cannot hold the app ids of others it is no longer linked
 * under; the next key proven under a released app id pins it. A pin is also forgotten when its
 * key's member is `left`, reaped or evicted from this mesh's view. A key-derived app id needs no
 * pin: only its own key proves it. Memory: at most one pin per key.
 */
import type { PeerId } from '@pulsemesh/core';

/** App id → pinned key id, and key id → its one pinned app id. */
export class AppIdPins {
  #keyOf = new Map<PeerId, PeerId>();
  #appIdOf = new Map<PeerId, PeerId>();

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

  /**
   * `keyId` proved under `appId`: its pin of any other app id is released, and `appId` is pinned
   * to it (a plain app id nobody holds; a key-derived one is never pinned).
   */
  pin(appId: PeerId, keyId: PeerId): void {
    if (this.#appIdOf.get(keyId) === appId) return;
    this.forget(keyId);
    if (appId === keyId || this.#keyOf.has(appId)) return;
    this.#keyOf.set(appId, keyId);
    this.#appIdOf.set(keyId, appId);
  }

  /** Releases the pin of `keyId` (its member is `left`, reaped or evicted, or it proved elsewhere). */
  forget(keyId: PeerId): void {
    const appId = this.#appIdOf.get(keyId);
    if (appId === undefined) return;
    this.#keyOf.delete(appId);
    this.#appIdOf.delete(keyId);
  }
}
