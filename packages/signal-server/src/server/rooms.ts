/**
 * Room membership as one instance sees it: peers connected here (local) and, with Redis,
 * peers connected to other instances (remote, keyed by their instance id).
 */
import type { PeerId, RoomId } from '@pulsemesh/signal';
import type { Connection } from './connection.js';

/** A peer connected to this instance. */
export interface LocalMember {
  conn: Connection;
  /** SHA-256 of the client's claim secret: a re-join with the same claim may take the id over. */
  claimHash: string;
  /**
   * Set while its claim is in flight across instances (Redis): not yet a member of the room, so a
   * close in that window ends no session (no `session-ended`, no `peer-leave`; decision 0041).
   */
  pending?: boolean;
}

/** Local and remote membership of every room this instance has a local peer in. */
export class Rooms {
  readonly #local = new Map<RoomId, Map<PeerId, LocalMember>>();
  readonly #remote = new Map<RoomId, Map<PeerId, string>>();

  /** Rooms with at least one local peer. */
  get size(): number {
    return this.#local.size;
  }

  local(room: RoomId, peer: PeerId): LocalMember | undefined {
    return this.#local.get(room)?.get(peer);
  }

  localMembers(room: RoomId): Iterable<[PeerId, LocalMember]> {
    return this.#local.get(room) ?? [];
  }

  localCount(room: RoomId): number {
    return this.#local.get(room)?.size ?? 0;
  }

  addLocal(room: RoomId, peer: PeerId, member: LocalMember): void {
    let members = this.#local.get(room);
    if (!members) this.#local.set(room, (members = new Map()));
    members.set(peer, member);
    this.#remote.get(room)?.delete(peer);
  }

  /** Removes a local member; returns true when the room has no local peer left. */
  removeLocal(room: RoomId, peer: PeerId): boolean {
    const members = this.#local.get(room);
    if (!members) return false;
    members.delete(peer);
    if (members.size > 0) return false;
    this.#local.delete(room);
    this.#remote.delete(room);
    return true;
  }

  /** Instance id of a remote member, or undefined. */
  remote(room: RoomId, peer: PeerId): string | undefined {
    return this.#remote.get(room)?.get(peer);
  }

  /** Sets a remote member (ignored when the room has no local peer: we do not track it then). */
  setRemote(room: RoomId, peer: PeerId, instanceId: string): void {
    if (!this.#local.has(room)) return;
    let members = this.#remote.get(room);
    if (!members) this.#remote.set(room, (members = new Map()));
    members.set(peer, instanceId);
  }

  /** Deletes a remote member if `instanceId` still owns it; returns whether it did. */
  deleteRemote(room: RoomId, peer: PeerId, instanceId: string): boolean {
    const members = this.#remote.get(room);
    if (members?.get(peer) !== instanceId) return false;
    members.delete(peer);
    return true;
  }

  /** Every peer of the room, local and remote. */
  peers(room: RoomId): PeerId[] {
    return [...(this.#local.get(room)?.keys() ?? []), ...(this.#remote.get(room)?.keys() ?? [])];
  }

  /** `(room, peer, instance)` of every remote member. */
  *remoteEntries(): Iterable<[RoomId, PeerId, string]> {
    for (const [room, members] of this.#remote) {
      for (const [peer, instanceId] of members) yield [room, peer, instanceId];
    }
  }

  /** Every room with a local peer. */
  rooms(): Iterable<RoomId> {
    return this.#local.keys();
  }
}
