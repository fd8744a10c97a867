/**
 * Per-socket state on the server. Everything in it is bounded by the server's limits.
 */
import type { WebSocket } from 'ws';
import { randomBytes } from 'node:crypto';
import type { PeerId, RoomId, SessionEndKind } from '@pulsemesh/signal';
import { TokenBucket } from './rate-limiter.js';

/** One client socket. */
export class Connection {
  /** Rooms this socket joined, with its peer id in each (at most `roomsPerSocketMax`). */
  readonly rooms = new Map<RoomId, PeerId>();
  readonly bucket: TokenBucket;
  /** Last inbound frame (any), ms on the monotonic clock. */
  lastRxMs: number;
  /** When the outstanding WebSocket ping was sent, or undefined when none is outstanding. */
  pingSentMs: number | undefined;
  /** Frames dropped by the rate limiter in the current one-second window. */
  dropsInWindow = 0;
  dropWindowStartMs: number;
  /** When the last `rate-limited` error was sent (at most one a second). */
  rateErrorSentMs = -Infinity;
  /** Frames waiting behind an asynchronous join (bounded). */
  queued = 0;
  queue: Promise<void> = Promise.resolve();
  closed = false;
  /**
   * How this socket's sessions end when it closes (decision 0013): unset = the client closed it
   * (`closed-by-peer`); `timed-out` when the server's idle or ping timeout closed it; null when the
   * server dropped it for its own reasons (shutdown, rate-limit abuse): no witness.
   */
  endKind: SessionEndKind | null | undefined = undefined;
  /** Per joined room: the timer that sends it fresh TURN credentials (`TurnOptions`). */
  readonly turnRenewals = new Map<RoomId, ReturnType<typeof setTimeout>>();
  /** When the last `rate-limited` error about a relay over its budget was sent (at most one a second). */
  relayErrorSentMs = -Infinity;
  /** This socket's nonce for key proofs (`challenge`), made on the first request. */
  nonce: string | undefined = undefined;
  /** This socket's session id, sent with its joins and session ends. */
  readonly session = randomBytes(9).toString('base64url');

  readonly id: number;
  readonly ws: WebSocket;
  /** The client address key every per-IP bound counts (`addressKey`, decision 0060). */
  readonly ip: string;
  /**
   * This socket's slot among its address's `socketsPerIpMax` (`AddressSlots`): a socket that
   * replaces a closed one takes its slot and its relay floors (decision 0065).
   */
  readonly slot: number;

  constructor(
    id: number,
    ws: WebSocket,
    address: { ip: string; slot: number },
    messagesPerSecondMax: number,
    nowMs: number,
  ) {
    this.id = id;
    this.ws = ws;
    this.ip = address.ip;
    this.slot = address.slot;
    this.bucket = new TokenBucket(messagesPerSecondMax, messagesPerSecondMax, nowMs);
    this.lastRxMs = nowMs;
    this.dropWindowStartMs = nowMs;
  }
}
