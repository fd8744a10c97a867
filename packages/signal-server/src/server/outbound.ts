/**
 * What the server writes to its sockets, and the back-pressure rule for it: relays (which any
 * member can send in bulk) are dropped above `sendBufferBytesMax`; the room's own frames (rosters,
 * joins, leaves, session ends, errors) are never dropped from an open socket: above
 * `CONTROL_BUFFER_FACTOR` times that, the socket is closed instead (decisions 0041, 0044).
 * Every refusal is counted here too (`reject`, `refuse`).
 */
import type { Logger } from 'pino';
import { encode, MessageType, PROTOCOL_VERSION } from '@pulsemesh/signal';
import type { ErrorCode, PeerId, RoomId, ServerMessage } from '@pulsemesh/signal';
import type { Connection } from './connection.js';
import { RejectReason } from './metrics.js';
import type { SignalMetrics } from './metrics.js';
import type { Rooms } from './rooms.js';

const OPEN = 1;
/** Above this many times `sendBufferBytesMax`, a room's own frame closes the socket (relays: dropped above 1). */
const CONTROL_BUFFER_FACTOR = 2;

/** Sends frames to sockets under the back-pressure rule, and counts refusals. */
export class Outbound {
  readonly #sendBufferBytesMax: number;
  readonly #metrics: SignalMetrics;
  readonly #log: Logger;

  constructor(sendBufferBytesMax: number, metrics: SignalMetrics, log: Logger) {
    this.#sendBufferBytesMax = sendBufferBytesMax;
    this.#metrics = metrics;
    this.#log = log;
  }

  /** Sends a frame if the socket is open and not backed up; returns whether it was sent. */
  send(conn: Connection, msg: ServerMessage): boolean {
    return this.#sendText(conn, encode(msg), msg.t !== MessageType.relay);
  }

  /** Sends one of the room's own frames to every local member of `room` but `except`. */
  broadcast(rooms: Rooms, room: RoomId, msg: ServerMessage, except: PeerId): void {
    const text = encode(msg);
    for (const [peer, member] of rooms.localMembers(room)) {
      if (peer !== except) this.#sendText(member.conn, text, true);
    }
  }

  /** Sends an `error` frame (about `room` when given). */
  error(conn: Connection, code: ErrorCode, message: string, room?: RoomId): void {
    this.send(conn, {
      v: PROTOCOL_VERSION,
      t: MessageType.error,
      code,
      message,
      ...(room === undefined ? {} : { room }),
    });
  }

  /** Counts a refusal under `reason` and tells the socket why (the error code is the reason). */
  refuse(conn: Connection, code: ErrorCode, message: string, room?: RoomId): void {
    this.reject(code as RejectReason);
    this.error(conn, code, message, room);
  }

  /** Counts a refusal. */
  reject(reason: RejectReason): void {
    this.#metrics.rejections.inc({ reason });
  }

  #sendText(conn: Connection, text: string, control: boolean): boolean {
    if (conn.ws.readyState !== OPEN) return false;
    const max = this.#sendBufferBytesMax * (control ? CONTROL_BUFFER_FACTOR : 1);
    if (conn.ws.bufferedAmount > max) {
      if (control) this.#closeSlow(conn);
      else this.reject(RejectReason.slowConsumer);
      return false;
    }
    conn.ws.send(text);
    return true;
  }

  /**
   * A socket that cannot take one more of the room's own frames is closed, not left open without
   * them: its client reconnects, re-joins and gets a fresh roster (decision 0044). Terminated: a
   * close frame would wait behind the full buffer. No witness about it (`endKind` null): members
   * flooding it must not be able to end its session in the room's eyes; the room hears a
   * `peer-leave`, then its `peer-join` when it is back.
   */
  #closeSlow(conn: Connection): void {
    this.reject(RejectReason.slowConsumerClosed);
    this.#log.warn(
      { conn: conn.id, ip: conn.ip, bufferedBytes: conn.ws.bufferedAmount },
      "closed a socket whose send buffer was full: it would have lost the room's frames",
    );
    conn.endKind = null;
    conn.ws.terminate();
  }
}
