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
}

/**
 * Local and remote membership of every room this instance has a local peer in, and the joins
 * still waiting for their claim across instances (Redis). A pending join is no member: it is in
 * its own map, seen by no lookup but `pending` (its own `#join`, a re-join of the same id, a close),
 * and the id's remote owner stays in the remote view until the claim wins (decisions 0041, 0044).
 */
export class Rooms {
  readonly #local = new Map<RoomId, Map<PeerId, LocalMember>>();
  readonly #pending = new Map<RoomId, Map<PeerId, LocalMember>>();
  readonly #remote = new Map<RoomId, Map<PeerId, string>>();

  /** Rooms with at least one local peer or pending join. */
  get size(): number {
    let n = this.#local.size;
    for (const room of this.#pending.keys()) if (!this.#local.has(room)) n++;
    return n;
  }

  /** The connected member `peer` of this instance (never a pending join). */
  local(room: RoomId, peer: PeerId): LocalMember | undefined {
    return this.#local.get(room)?.get(peer);
  }

  /** The join of `peer` waiting for its claim on this instance, if any. */
  pending(room: RoomId, peer: PeerId): LocalMember | undefined {
    return this.#pending.get(room)?.get(peer);
  }

  /** Whether this instance tracks the room (a local peer or a pending join in it). */
  tracks(room: RoomId): boolean {
    return this.#local.has(room) || this.#pending.has(room);
  }

  /** Adds a join waiting for its claim; the id's remote entry, if any, stays. */
  addPending(room: RoomId, peer: PeerId, member: LocalMember): void {
    let members = this.#pending.get(room);
    if (!members) this.#pending.set(room, (members = new Map()));
    members.set(peer, member);
  }

  /** Removes a pending join if it is `member`; returns true when the room is no longer tracked. */
  removePending(room: RoomId, peer: PeerId, member: LocalMember): boolean {
    const members = this.#pending.get(room);
    if (members?.get(peer) !== member) return false;
    members.delete(peer);
    if (members.size > 0) return false;
    this.#pending.delete(room);
    return this.#untrackIfEmpty(room);
  }

  /** A pending join whose claim won becomes the local member (its remote entry goes). */
  promote(room: RoomId, peer: PeerId, member: LocalMember): void {
    const members = this.#pending.get(room);
    if (members?.get(peer) === member) {
      members.delete(peer);
      if (members.size === 0) this.#pending.delete(room);
    }
    this.addLocal(room, peer, member);
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

  /** Removes a local member; returns true when the room is no longer tracked. */
  removeLocal(room: RoomId, peer: PeerId): boolean {
    const members = this.#local.get(room);
    if (!members) return false;
    members.delete(peer);
    if (members.size > 0) return false;
    this.#local.delete(room);
    return this.#untrackIfEmpty(room);
  }

  #untrackIfEmpty(room: RoomId): boolean {
    if (this.#local.has(room) || this.#pending.has(room)) return false;
    this.#remote.delete(room);
    return true;
  }

  /** Instance id of a remote member, or undefined. */
  remote(room: RoomId, peer: PeerId): string | undefined {
    return this.#remote.get(room)?.get(peer);
  }

  /** Sets a remote member (ignored when the room is not tracked here). */
  setRemote(room: RoomId, peer: PeerId, instanceId: string): void {
    if (!this.tracks(room)) return;
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

  /** Every tracked room (a local peer or a pending join in it). */
  *rooms(): Iterable<RoomId> {
    yield* this.#local.keys();
    for (const room of this.#pending.keys()) if (!this.#local.has(room)) yield room;
  }
}
