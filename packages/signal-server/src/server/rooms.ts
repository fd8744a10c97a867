/**
 * Room membership as one instance sees it: peers connected here (local) and, with Redis,
 * peers connected to other instances (remote, keyed by their instance id).
 */
import type { PeerId, RoomId } from '@pulsemesh/signal';
import type { Connection } from './connection.js';
import { RoomMap } from './room-map.js';

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
  readonly #local = new RoomMap<LocalMember>();
  readonly #pending = new RoomMap<LocalMember>();
  readonly #remote = new RoomMap<string>();

  /** Rooms with at least one local peer or pending join. */
  get size(): number {
    let n = this.#local.size;
    for (const room of this.#pending.rooms()) if (!this.#local.has(room)) n++;
    return n;
  }

  /** The connected member `peer` of this instance (never a pending join). */
  local(room: RoomId, peer: PeerId): LocalMember | undefined {
    return this.#local.get(room, peer);
  }

  /** The join of `peer` waiting for its claim on this instance, if any. */
  pending(room: RoomId, peer: PeerId): LocalMember | undefined {
    return this.#pending.get(room, peer);
  }

  /** Whether this instance tracks the room (a local peer or a pending join in it). */
  tracks(room: RoomId): boolean {
    return this.#local.has(room) || this.#pending.has(room);
  }

  /** Adds a join waiting for its claim; the id's remote entry, if any, stays. */
  addPending(room: RoomId, peer: PeerId, member: LocalMember): void {
    this.#pending.set(room, peer, member);
  }

  /** Removes a pending join if it is `member`; returns true when the room is no longer tracked. */
  removePending(room: RoomId, peer: PeerId, member: LocalMember): boolean {
    if (!this.#pending.delete(room, peer, member) || this.#pending.has(room)) return false;
    return this.#untrackIfEmpty(room);
  }

  /** A pending join whose claim won becomes the local member (its remote entry goes). */
  promote(room: RoomId, peer: PeerId, member: LocalMember): void {
    this.#pending.delete(room, peer, member);
    this.addLocal(room, peer, member);
  }

  localMembers(room: RoomId): Iterable<[PeerId, LocalMember]> {
    return this.#local.entries(room);
  }

  localCount(room: RoomId): number {
    return this.#local.count(room);
  }

  addLocal(room: RoomId, peer: PeerId, member: LocalMember): void {
    this.#local.set(room, peer, member);
    this.#remote.delete(room, peer);
  }

  /** Removes a local member; returns true when the room is no longer tracked. */
  removeLocal(room: RoomId, peer: PeerId): boolean {
    if (!this.#local.delete(room, peer) || this.#local.has(room)) return false;
    return this.#untrackIfEmpty(room);
  }

  #untrackIfEmpty(room: RoomId): boolean {
    if (this.tracks(room)) return false;
    this.#remote.deleteRoom(room);
    return true;
  }

  /** Instance id of a remote member, or undefined. */
  remote(room: RoomId, peer: PeerId): string | undefined {
    return this.#remote.get(room, peer);
  }

  /** Sets a remote member (ignored when the room is not tracked here). */
  setRemote(room: RoomId, peer: PeerId, instanceId: string): void {
    if (this.tracks(room)) this.#remote.set(room, peer, instanceId);
  }

  /** Deletes a remote member if `instanceId` still owns it; returns whether it did. */
  deleteRemote(room: RoomId, peer: PeerId, instanceId: string): boolean {
    return this.#remote.delete(room, peer, instanceId);
  }

  /** Every peer of the room, local and remote. */
  peers(room: RoomId): PeerId[] {
    return [...this.#local.peers(room), ...this.#remote.peers(room)];
  }

  /** `(room, peer, instance)` of every remote member. */
  remoteEntries(): Iterable<[RoomId, PeerId, string]> {
    return this.#remote.all();
  }

  /** Every tracked room (a local peer or a pending join in it). */
  *rooms(): Iterable<RoomId> {
    yield* this.#local.rooms();
    for (const room of this.#pending.rooms()) if (!this.#local.has(room)) yield room;
  }
}
