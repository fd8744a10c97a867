/**
 * Relays: a member's `signal` to another member of the room, handed to the target's socket here
 * or published to the target's instance (Redis), and relays arriving from other instances. What
 * one member may relay to one target is bounded (`relayBytesPerSecondMax`, decision 0047).
 */
import { performance } from 'node:perf_hooks';
import { ErrorCode, MessageType, PROTOCOL_VERSION } from '@pulsemesh/signal';
import type { PeerId, RoomId, SignalMessage } from '@pulsemesh/signal';
import type { Connection } from './connection.js';
import { RejectReason } from './metrics.js';
import type { SignalMetrics } from './metrics.js';
import { BucketMap } from './rate-limiter.js';
import type { Outbound } from './outbound.js';
import type { Rooms } from './rooms.js';
import type { RedisScaleOut } from './scale-out.js';

/** Pairs a socket keeps budgets for before it prunes the full (idle) ones. */
const BUDGETS_PRUNE_AT = 64;

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
  }

  /** A `signal` frame of `frameBytes` from `conn`, received at `rxMs` (monotonic clock). */
  signal(conn: Connection, msg: SignalMessage, rxMs: number, frameBytes: number): void {
    const from = conn.rooms.get(msg.room);
    if (from === undefined) {
      this.#out.refuse(conn, ErrorCode.notInRoom, 'not in this room', msg.room);
      return;
    }
    const target = this.#rooms.local(msg.room, msg.to);
    const remote = !target && this.#bus !== undefined && this.#rooms.remote(msg.room, msg.to) !== undefined;
    if ((target || remote) && !this.#withinBudget(conn, msg, rxMs, frameBytes)) return;
    if (target) {
      if (this.#deliver(target.conn, msg.room, from, msg.payload)) {
        this.#metrics.relayed.inc({ path: 'local' });
        this.#metrics.relayLatency.observe((performance.now() - rxMs) / 1000);
      }
      return;
    }
    if (remote && this.#bus) {
      this.#bus.relay(msg.room, from, msg.to, msg.payload, Date.now() - (performance.now() - rxMs));
      return;
    }
    this.#out.refuse(conn, ErrorCode.unknownPeer, 'no such peer in this room', msg.room);
  }

  /** A relay published by another instance at `atMs` (wall clock) to a member that may be here. */
  fromRemote(room: RoomId, from: PeerId, to: PeerId, payload: unknown, atMs: number): void {
    const target = this.#rooms.local(room, to);
    if (target && this.#deliver(target.conn, room, from, payload)) {
      this.#metrics.relayed.inc({ path: 'remote' });
      this.#metrics.relayLatency.observe(Math.max(0, Date.now() - atMs) / 1000);
    }
  }

  /**
   * Takes `frameBytes` from the budget of `conn` to `msg.to`; over it, the relay is dropped,
   * counted `relay-rate` and the sender told (at most once a second).
   */
  #withinBudget(conn: Connection, msg: SignalMessage, nowMs: number, frameBytes: number): boolean {
    const { bytesPerSecond, burstBytes } = this.#bound;
    conn.relayBudgets ??= new BucketMap(bytesPerSecond, burstBytes, BUDGETS_PRUNE_AT);
    if (conn.relayBudgets.take(`${msg.room}\u0000${msg.to}`, nowMs, frameBytes)) return true;
    this.#out.reject(RejectReason.relayRate);
    if (nowMs - conn.relayErrorSentMs >= 1000) {
      conn.relayErrorSentMs = nowMs;
      const message = `more than ${bytesPerSecond} relay bytes/s to ${msg.to}; dropped`;
      this.#out.error(conn, ErrorCode.rateLimited, message, msg.room);
    }
    return false;
  }

  #deliver(conn: Connection, room: RoomId, from: PeerId, payload: unknown): boolean {
    return this.#out.send(conn, { v: PROTOCOL_VERSION, t: MessageType.relay, room, from, payload });
  }
}
