/**
 * Joins waiting for their claim across instances (Redis scale-out). A pending join is no member
 * (decision 0041): it lives in `Rooms`' own pending map, seen by no lookup but `Rooms.pending`, and
 * the id's remote owner stays in the remote view until the claim wins, so relays and ends of the
 * id keep going to its real owner meanwhile (decision 0044).
 */
import { createHash } from 'node:crypto';
import { ErrorCode } from '@pulsemesh/signal';
import type { PeerId, RoomId } from '@pulsemesh/signal';
import type { SignalMetrics } from './metrics.js';
import type { Outbound } from './outbound.js';
import type { LocalMember, Rooms } from './rooms.js';
import type { RedisScaleOut } from './scale-out.js';

/** What a join's claim secret is kept as: a re-join with the same claim may take the id over. */
export function hashClaim(claim: string): string {
  return createHash('sha256').update(claim).digest('base64url').slice(0, 32);
}

/** What `PendingJoins` needs of the server it works for. */
export interface PendingJoinsHost {
  readonly rooms: Rooms;
  readonly out: Outbound;
  readonly metrics: SignalMetrics;
  readonly instanceId: string;
  readonly peersPerRoomMax: number;
  /** Releases this instance's Redis roster entry of `peer` (tracked until settled). */
  release(room: RoomId, peer: PeerId): void;
}

/** The claim step of joins on an instance with Redis. */
export class PendingJoins {
  readonly #host: PendingJoinsHost;
  readonly #bus: RedisScaleOut;

  constructor(host: PendingJoinsHost, bus: RedisScaleOut) {
    this.#host = host;
    this.#bus = bus;
  }

  /**
   * Claims `peer` in `room` for `member` (whose socket already lists the room) and, when the claim
   * wins and the join is still this socket's, makes it the local member, learns the room's other
   * members and announces the join to the other instances. Returns whether it became a member;
   * when not, the join is gone again and the client was told why (unless it closed or was replaced).
   * `remoteOwner`: the id's remote owner when the join started.
   */
  async claim(
    room: RoomId,
    peer: PeerId,
    member: LocalMember,
    remoteOwner: string | undefined,
  ): Promise<boolean> {
    const { rooms, instanceId } = this.#host;
    const { conn } = member;
    rooms.addPending(room, peer, member);
    let claimed = await this.#bus.claim(room, peer, member.claimHash, this.#host.peersPerRoomMax);
    if (claimed.ok && claimed.fresh && remoteOwner !== undefined) {
      // This instance sees the id on a live instance but Redis had no entry for it: Redis lost
      // it (a restart) or its leave is on the way. Not free until its owner re-claims or the
      // leave arrives: the client retries (decision 0041).
      this.#host.release(room, peer);
      claimed = { ok: false, code: ErrorCode.unavailable };
    }
    const stillMine = rooms.pending(room, peer) === member && !conn.closed;
    if (!claimed.ok || !stillMine) {
      if (stillMine) {
        conn.rooms.delete(room);
        this.drop(room, peer, member);
      }
      // Closed (or evicted) while pending, its claim won: the entry must not outlive it.
      if (claimed.ok && !rooms.local(room, peer) && !rooms.pending(room, peer))
        this.#host.release(room, peer);
      if (!claimed.ok) this.#host.out.refuse(conn, claimed.code, 'could not claim peer id', room);
      return false;
    }
    rooms.promote(room, peer, member);
    for (const [other, owner] of claimed.members) {
      if (owner !== instanceId && !rooms.local(room, other)) rooms.setRemote(room, other, owner);
    }
    this.#bus.announceJoin(room, peer, conn.session);
    return true;
  }

  /** Takes a pending join away from its socket (a re-join of the same id and claim came in). */
  evict(room: RoomId, peer: PeerId, member: LocalMember): void {
    member.conn.rooms.delete(room);
    this.drop(room, peer, member);
    this.#host.out.error(member.conn, ErrorCode.replaced, 'peer id re-joined from another connection', room);
  }

  /** Forgets a pending join (its socket left or closed; `claim` cleans up when the claim answers). */
  drop(room: RoomId, peer: PeerId, member: LocalMember): void {
    const { rooms } = this.#host;
    if (rooms.removePending(room, peer, member)) this.#bus.roomEmpty(room);
    this.#host.metrics.rooms.set(rooms.size);
  }
}
