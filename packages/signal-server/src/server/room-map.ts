/**
 * A two-level map room → peer → value that drops a room as soon as its last peer goes, so an
 * empty room never lingers. `Rooms` keeps its local, pending and remote views in three of them.
 */
import type { PeerId, RoomId } from '@pulsemesh/signal';

/** Per-room maps of peers to `V`; a room is present only while it holds at least one peer. */
export class RoomMap<V> {
  readonly #rooms = new Map<RoomId, Map<PeerId, V>>();

  /** Rooms holding at least one peer. */
  get size(): number {
    return this.#rooms.size;
  }

  get(room: RoomId, peer: PeerId): V | undefined {
    return this.#rooms.get(room)?.get(peer);
  }

  has(room: RoomId): boolean {
    return this.#rooms.has(room);
  }

  set(room: RoomId, peer: PeerId, value: V): void {
    let members = this.#rooms.get(room);
    if (!members) this.#rooms.set(room, (members = new Map()));
    members.set(peer, value);
  }

  /**
   * Deletes `peer` if it is there and, when `expected` is given, holds exactly that value; returns
   * whether it deleted. A room left empty is dropped.
   */
  delete(room: RoomId, peer: PeerId, expected?: V): boolean {
    const members = this.#rooms.get(room);
    if (!members?.has(peer)) return false;
    if (expected !== undefined && members.get(peer) !== expected) return false;
    members.delete(peer);
    if (members.size === 0) this.#rooms.delete(room);
    return true;
  }

  /** Drops a room and all its peers. */
  deleteRoom(room: RoomId): void {
    this.#rooms.delete(room);
  }

  /** Peers of one room, in insertion order. */
  peers(room: RoomId): Iterable<PeerId> {
    return this.#rooms.get(room)?.keys() ?? [];
  }

  /** `[peer, value]` of one room. */
  entries(room: RoomId): Iterable<[PeerId, V]> {
    return this.#rooms.get(room) ?? [];
  }

  /** Peers in one room. */
  count(room: RoomId): number {
    return this.#rooms.get(room)?.size ?? 0;
  }

  /** Every room holding at least one peer. */
  rooms(): Iterable<RoomId> {
    return this.#rooms.keys();
  }

  /** `[room, peer, value]` of every entry. */
  *all(): Iterable<[RoomId, PeerId, V]> {
    for (const [room, members] of this.#rooms) {
      for (const [peer, value] of members) yield [room, peer, value];
    }
  }
}
