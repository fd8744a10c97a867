/**
 * Relays: a member's `signal` to another member of the room, handed to the target's socket here
 * or published to the target's instance (Redis), and relays arriving from other instances.
 */
import { performance } from 'node:perf_hooks';
import { ErrorCode, MessageType, PROTOCOL_VERSION } from '@pulsemesh/signal';
import type { PeerId, RoomId, SignalMessage } from '@pulsemesh/signal';
import type { Connection } from './connection.js';
import type { SignalMetrics } from './metrics.js';
import type { Outbound } from './outbound.js';
import type { Rooms } from './rooms.js';
import type { RedisScaleOut } from './scale-out.js';

/** Routes relays between the members of this instance's rooms. */
export class Relays {
  readonly #rooms: Rooms;
  readonly #out: Outbound;
  readonly #metrics: SignalMetrics;
  readonly #bus: RedisScaleOut | undefined;

  constructor(rooms: Rooms, out: Outbound, metrics: SignalMetrics, bus: RedisScaleOut | undefined) {
    this.#rooms = rooms;
    this.#out = out;
    this.#metrics = metrics;
    this.#bus = bus;
  }

  /** A `signal` frame from `conn`, received at `rxMs` (monotonic clock). */
  signal(conn: Connection, msg: SignalMessage, rxMs: number): void {
    const from = conn.rooms.get(msg.room);
    if (from === undefined) {
      this.#out.refuse(conn, ErrorCode.notInRoom, 'not in this room', msg.room);
      return;
    }
    const target = this.#rooms.local(msg.room, msg.to);
    if (target) {
      if (this.#deliver(target.conn, msg.room, from, msg.payload)) {
        this.#metrics.relayed.inc({ path: 'local' });
        this.#metrics.relayLatency.observe((performance.now() - rxMs) / 1000);
      }
      return;
    }
    if (this.#bus && this.#rooms.remote(msg.room, msg.to) !== undefined) {
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

  #deliver(conn: Connection, room: RoomId, from: PeerId, payload: unknown): boolean {
    return this.#out.send(conn, { v: PROTOCOL_VERSION, t: MessageType.relay, room, from, payload });
  }
}
