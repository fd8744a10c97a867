/**
 * Relays: a member's `signal` to another member of the room, handed to the target's socket here
 * or published to the target's instance (Redis), and relays arriving from other instances. What
 * one client address may relay into one target socket, over all its sockets and rooms, is bounded
 * (`relayBytesPerSecondMax`, decisions 0047 and 0055) where that socket lives.
 */
import { performance } from 'node:perf_hooks';
import { ErrorCode, MessageType, PROTOCOL_VERSION } from '@pulsemesh/signal';
import type { PeerId, RoomId, SignalMessage } from '@pulsemesh/signal';
import { addressKey } from './client-address.js';
import type { Connection } from './connection.js';
import { RejectReason } from './metrics.js';
import type { SignalMetrics } from './metrics.js';
import { BucketMap } from './rate-limiter.js';
import type { Outbound } from './outbound.js';
import type { Rooms } from './rooms.js';
import type { RedisScaleOut, RemoteRelay } from './scale-out.js';

/** (sender, target) budgets held before the full (idle) ones are pruned. */
const BUDGETS_PRUNE_AT = 4096;

/**
 * Per (sender socket's slot, target): what one socket may still relay once its address's budget
 * into that target is empty (decision 0060), so a NAT-mate draining the shared budget cannot
 * keep an honest socket's negotiation (~3 KB) out. Keyed by the socket's slot among its
 * address's (`Connection.slot`), not by the socket: a socket that replaces a closed one takes
 * its floors as drained as they were left (decision 0065). Worst case one address into one
 * target, however its sockets come and go: the address burst + `socketsPerIpMax` floors
 * (256 KiB + 64 x 8 KiB = 768 KiB by default, under `sendBufferBytesMax`), 64 KiB/s + 64 x 2 KiB/s.
 */
const FLOOR_BURST_BYTES = 8192;
const FLOOR_BYTES_PER_S = 2048;

/** The per-pair relay bound: bytes per second and burst (`relayBurstBytes`). */
export interface RelayBound {
  bytesPerSecond: number;
  burstBytes: number;
}

/** Routes relays between the members of this instance's rooms. */
export class Relays {
  readonly #rooms: Rooms;
  readonly #out: Outbound;
  readonly #metrics: SignalMetrics;
  readonly #bus: RedisScaleOut | undefined;
  readonly #bound: RelayBound;
  /**
   * Per sender and target: `${address}\0${target connection id}` for a target on this instance;
   * `out\0${address}\0${room}\0${peer}` for one on another instance (what this instance
   * publishes; the target's instance charges its own key too); `${room}\0${sender}\0${target
   * connection id}` for a relay from an instance older than decision 0055. Ids and rooms hold no
   * control characters, so the three kinds never collide.
   */
  readonly #budgets: BucketMap;
  /**
   * Per `${sender slot}\0${budget key}` (the budget key names the address): the floor of the
   * socket holding that slot (decisions 0060, 0065). Kept after the socket closes until full
   * again (pruned like `#budgets`): at most `socketsPerIpMax` per address and target.
   */
  readonly #floors = new BucketMap(FLOOR_BYTES_PER_S, FLOOR_BURST_BYTES, BUDGETS_PRUNE_AT);

  constructor(
    rooms: Rooms,
    out: Outbound,
    metrics: SignalMetrics,
    bus: RedisScaleOut | undefined,
    bound: RelayBound,
  ) {
    this.#rooms = rooms;
    this.#out = out;
    this.#metrics = metrics;
    this.#bus = bus;
    this.#bound = bound;
    this.#budgets = new BucketMap(bound.bytesPerSecond, bound.burstBytes, BUDGETS_PRUNE_AT);
  }

  /** A `signal` frame of `frameBytes` from `conn`, received at `rxMs` (monotonic clock). */
  signal(conn: Connection, msg: SignalMessage, rxMs: number, frameBytes: number): void {
    const from = conn.rooms.get(msg.room);
    if (from === undefined) {
      this.#out.refuse(conn, ErrorCode.notInRoom, 'not in this room', msg.room);
      return;
    }
    const target = this.#rooms.local(msg.room, msg.to);
    if (target) {
      if (!this.#withinBudget(conn, msg, `${conn.ip}\u0000${target.conn.id}`, rxMs, frameBytes)) return;
      if (this.#deliver(target.conn, msg.room, from, msg.payload)) {
        this.#metrics.relayed.inc({ path: 'local' });
        this.#metrics.relayLatency.observe((performance.now() - rxMs) / 1000);
      }
      return;
    }
    if (this.#bus !== undefined && this.#rooms.remote(msg.room, msg.to) !== undefined) {
      const key = `out\u0000${conn.ip}\u0000${msg.room}\u0000${msg.to}`;
      if (!this.#withinBudget(conn, msg, key, rxMs, frameBytes)) return;
      const atMs = Date.now() - (performance.now() - rxMs);
      this.#bus.relay({
        room: msg.room,
        from,
        to: msg.to,
        payload: msg.payload,
        atMs,
        address: conn.ip,
        frameBytes,
      });
      return;
    }
    this.#out.refuse(conn, ErrorCode.unknownPeer, 'no such peer in this room', msg.room);
  }

  /**
   * A relay published by another instance (`RemoteRelay`) to a member that may be here. Charged
   * to its sender's address and the target socket like a local one; over the budget it is
   * dropped and counted `relay-rate` (its sender is on another instance and is not told). An
   * envelope without an address (an instance older than decision 0055) is charged to its room
   * and sender id.
   */
  fromRemote(relay: RemoteRelay): void {
    const { room, from, to, payload, atMs } = relay;
    const target = this.#rooms.local(room, to);
    if (!target) return;
    // A 0055 instance sends the full address: counted by its /64 here too (decision 0060).
    const sender = relay.address !== undefined ? addressKey(relay.address) : `${room}\u0000${from}`;
    // An envelope of an instance older than decision 0055: its payload's JSON, about its frame.
    const bytes = relay.frameBytes ?? Buffer.byteLength(JSON.stringify(payload) ?? '');
    if (!this.#budgets.take(`${sender}\u0000${target.conn.id}`, performance.now(), bytes)) {
      this.#out.reject(RejectReason.relayRate);
      return;
    }
    if (this.#deliver(target.conn, room, from, payload)) {
      this.#metrics.relayed.inc({ path: 'remote' });
      this.#metrics.relayLatency.observe(Math.max(0, Date.now() - atMs) / 1000);
    }
  }

  /**
   * Takes `frameBytes` from budget `key` of `conn`'s address or, when that is empty, from
   * `conn`'s floor under it (its slot's, decisions 0060 and 0065); over both, the relay is dropped, counted
   * `relay-rate` and the sender told (at most once a second per socket).
   */
  #withinBudget(
    conn: Connection,
    msg: SignalMessage,
    key: string,
    nowMs: number,
    frameBytes: number,
  ): boolean {
    if (this.#budgets.take(key, nowMs, frameBytes)) return true;
    if (this.#floors.take(`${conn.slot}\u0000${key}`, nowMs, frameBytes)) return true;
    this.#out.reject(RejectReason.relayRate);
    if (nowMs - conn.relayErrorSentMs >= 1000) {
      conn.relayErrorSentMs = nowMs;
      const message = `more than ${this.#bound.bytesPerSecond} relay bytes/s to ${msg.to}; dropped`;
      this.#out.error(conn, ErrorCode.rateLimited, message, msg.room);
    }
    return false;
  }

  #deliver(conn: Connection, room: RoomId, from: PeerId, payload: unknown): boolean {
    return this.#out.send(conn, { v: PROTOCOL_VERSION, t: MessageType.relay, room, from, payload });
  }
}
