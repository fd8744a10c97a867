/**
 * A socket's inbound frames before they reach the room logic: text only, the per-socket rate limit
 * (and its close for abuse), parsing, and the socket-level requests answered at once (ping,
 * challenge). What is left (join, leave, signal) goes on to `Hub`.
 */
import { randomBytes } from 'node:crypto';
import { CloseCode, ErrorCode, MessageType, parseClientMessage, PROTOCOL_VERSION } from '@pulsemesh/signal';
import type { ClientMessage } from '@pulsemesh/signal';
import type { Connection } from './connection.js';
import { RejectReason } from './metrics.js';
import type { Outbound } from './outbound.js';

const PARSE_REJECT_REASON = {
  [ErrorCode.malformed]: RejectReason.malformed,
  [ErrorCode.unsupportedVersion]: RejectReason.unsupportedVersion,
  [ErrorCode.invalidPeerId]: RejectReason.invalidPeerId,
} as const;

/**
 * Reads one inbound frame at `nowMs`: returns the message for the room logic, or undefined when
 * the frame was refused (counted, and the socket told or closed) or already answered. Never throws.
 */
export function readFrame(
  conn: Connection,
  data: Buffer | ArrayBuffer | Buffer[],
  isBinary: boolean,
  nowMs: number,
  out: Outbound,
  messagesPerSecondMax: number,
): ClientMessage | undefined {
  if (isBinary) {
    out.reject(RejectReason.binaryFrame);
    conn.ws.close(CloseCode.unsupportedData, 'text frames only');
    return undefined;
  }
  if (!conn.bucket.take(nowMs)) {
    rateLimited(conn, nowMs, out, messagesPerSecondMax);
    return undefined;
  }
  const text = Array.isArray(data)
    ? Buffer.concat(data).toString('utf8')
    : Buffer.isBuffer(data)
      ? data.toString('utf8')
      : Buffer.from(new Uint8Array(data)).toString('utf8');
  const parsed = parseClientMessage(text);
  if (!parsed.ok) {
    out.reject(PARSE_REJECT_REASON[parsed.error.code]);
    out.error(conn, parsed.error.code, parsed.error.message);
    return undefined;
  }
  const msg = parsed.message;
  switch (msg.t) {
    case MessageType.ping:
      out.send(conn, { v: PROTOCOL_VERSION, t: MessageType.pong, n: msg.n });
      return undefined;
    case MessageType.pong:
      return undefined;
    case MessageType.challenge:
      conn.nonce ??= randomBytes(18).toString('base64url');
      out.send(conn, { v: PROTOCOL_VERSION, t: MessageType.challenge, nonce: conn.nonce });
      return undefined;
    default:
      return msg;
  }
}

/**
 * A frame over the socket's rate: dropped with a `rate-limited` error (at most one a second); a
 * socket dropping more than `messagesPerSecondMax` frames within a second is closed (1008), with
 * no witness about it.
 */
function rateLimited(conn: Connection, nowMs: number, out: Outbound, messagesPerSecondMax: number): void {
  out.reject(RejectReason.rateLimited);
  if (nowMs - conn.dropWindowStartMs >= 1000) {
    conn.dropWindowStartMs = nowMs;
    conn.dropsInWindow = 0;
  }
  if (++conn.dropsInWindow > messagesPerSecondMax) {
    out.reject(RejectReason.rateAbuse);
    conn.endKind = null; // closed by this server for abuse: no witness about it
    conn.ws.close(CloseCode.policyViolation, 'rate limit');
    return;
  }
  if (nowMs - conn.rateErrorSentMs >= 1000) {
    conn.rateErrorSentMs = nowMs;
    out.error(conn, ErrorCode.rateLimited, `more than ${messagesPerSecondMax} frames/s; dropped`);
  }
}
