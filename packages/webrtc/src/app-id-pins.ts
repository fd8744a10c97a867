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
 * under; the next key proven under a released app id pins it. A pin is forgotten when its key's
 * member is `left` or reaped. A pin whose key this mesh's member table does not hold (evicted from
 * a full table, or never admitted) is held until a deadline (`holdUntil`: the reap time a failed
 * member would have had), at most `heldPinsMax` of them. A key-derived app id needs no pin: only
 * its own key proves it. Memory: one pin per key.
 */
import type { PeerId } from '@pulsemesh/core';

/** Pins held on a deadline (their keys not in the member table) at once; the oldest goes past it. */
export const heldPinsMax = 1024;

/** App id → pinned key id, key id → its one pinned app id, and the deadlines of held pins. */
export class AppIdPins {
  #keyOf = new Map<PeerId, PeerId>();
  #appIdOf = new Map<PeerId, PeerId>();
  #heldUntilMs = new Map<PeerId, number>();

  /** Number of pinned app ids. */
  get size(): number {
    return this.#keyOf.size;
  }

  /** The key id pinned to `appId`, if any (a held pin past its deadline included). */
  keyOf(appId: PeerId): PeerId | undefined {
    return this.#keyOf.get(appId);
  }

  /**
   * Whether a link under `appId` whose far end proved `keyId` may count at `nowMs`: no pin, the
   * same key, or a held pin past its deadline (then forgotten).
   */
  allows(appId: PeerId, keyId: PeerId, nowMs: number): boolean {
    const pinned = this.#keyOf.get(appId);
    if (pinned !== undefined && (this.#heldUntilMs.get(pinned) ?? Infinity) <= nowMs) this.forget(pinned);
    const now = this.#keyOf.get(appId);
    return now === undefined || now === keyId;
  }

  /**
   * `keyId` proved under `appId` and its member is in the table: its pin of any other app id is
   * released, and `appId` is pinned to it (a plain app id nobody holds; a key-derived one is never
   * pinned). A held pin of `keyId` is held no longer (the detector's events end it again).
   */
  pin(appId: PeerId, keyId: PeerId): void {
    this.#heldUntilMs.delete(keyId);
    if (this.#appIdOf.get(keyId) === appId) return;
    this.forget(keyId);
    if (appId === keyId || this.#keyOf.has(appId)) return;
    this.#keyOf.set(appId, keyId);
    this.#appIdOf.set(keyId, appId);
  }

  /**
   * `keyId`'s member is not in this mesh's member table (evicted, or never admitted): its pin, if
   * any, holds until `untilMs`, then yields to another key's proof.
   */
  holdUntil(keyId: PeerId, untilMs: number): void {
    if (!this.#appIdOf.has(keyId)) return;
    this.#heldUntilMs.delete(keyId);
    this.#heldUntilMs.set(keyId, untilMs);
    if (this.#heldUntilMs.size > heldPinsMax) this.forget(this.#heldUntilMs.keys().next().value!);
  }

  /** Releases the pin of `keyId` (its member is `left` or reaped, or it proved elsewhere). */
  forget(keyId: PeerId): void {
    const appId = this.#appIdOf.get(keyId);
    this.#heldUntilMs.delete(keyId);
    if (appId === undefined) return;
    this.#keyOf.delete(appId);
    this.#appIdOf.delete(keyId);
  }
}
