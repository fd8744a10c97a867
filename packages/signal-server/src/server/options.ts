/**
 * Options of `createSignalServer`, their defaults and validation. Every limit is configurable.
 */
import type { Logger } from 'pino';
import { validateTurnOptions, type TurnOptions } from './turn-credentials.js';

/** Log levels accepted by `logLevel`. */
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** Options of `createSignalServer`. All limits have safe defaults for an internet-facing server. */
export interface SignalServerOptions {
  /** Largest inbound frame, bytes; a larger one closes the socket with 1009. Default 65,536 (SDP fits). */
  frameBytesMax?: number;
  /** Rooms one socket may be in at once. Default 8. */
  roomsPerSocketMax?: number;
  /** Peers in one room (across all instances with Redis). Default 256. */
  peersPerRoomMax?: number;
  /**
   * Concurrent sockets from one IP address (an IPv6 client: one /64, decision 0060; 6to4, Teredo
   * and NAT64: the IPv4 address it carries, decision 0065); more are refused with HTTP 429. Also
   * the number of relay floors one address has into one target (`AddressSlots`). Default 64.
   */
  socketsPerIpMax?: number;
  /** Concurrent sockets in total; more are refused with HTTP 503. Default 20,000. */
  socketsMax?: number;
  /**
   * Frames per second per socket (token bucket, burst = the same number). Excess frames are dropped
   * with a `rate-limited` error; a socket that keeps sending past twice the rate is closed with
   * 1008. Default 50.
   */
  messagesPerSecondMax?: number;
  /**
   * Relay bytes per second one client address may send to one target socket, over all its
   * sockets and rooms (token bucket per sender address and target connection, decision 0055; a
   * relay costs its inbound frame's bytes; with Redis the target's instance charges it). Burst:
   * `relayBurstBytes(options)` = max(4 × this, `frameBytesMax`), so any single frame can pass.
   * Relays over it are dropped, counted `relay-rate`, and the sender gets a `rate-limited` error
   * (at most one a second per socket; not when another instance dropped it). Bounds how far one
   * client can fill a target's send buffer (`sendBufferBytesMax`), where relays from everyone
   * else would then be dropped too (decision 0047). A WebRTC negotiation relays a few KB (an SDP
   * of 2-10 KB plus candidates of ~200 B); clients behind one NAT share the budget to a target,
   * and each socket keeps a floor of its own under it (8 KiB burst, 2 KiB/s per target, decision
   * 0060) that its NAT-mates cannot drain; a socket opened in place of a closed one of its address
   * gets that one's floors as they were left (decision 0065). Default 65,536 (burst 262,144).
   */
  relayBytesPerSecondMax?: number;
  /**
   * Joins per second from one IP address (token bucket per address over all its sockets). Burst:
   * `joinBurstPerIp(options)` = `socketsPerIpMax` × `roomsPerSocketMax` (512 by default), so an
   * address can always re-join everything it may hold at once (a reconnect after a restart).
   * Joins over it are refused with `unavailable` (the client retries with backoff) and counted
   * `join-rate`. Bounds the churn of fresh ids one address can push through rooms (every join and
   * leave reaches every member; decisions 0044, 0047). Default 64.
   */
  joinsPerIpPerSecondMax?: number;
  /**
   * The HTTP request (headers of a WebSocket handshake, or a `/metrics` request) must arrive in
   * full within this, ms, counted from the connection; a slower one (slowloris: headers a byte at
   * a time, or a connection that sends nothing) gets 408 and is closed, counted as
   * `handshake-timeout`. Checked every quarter of it (at most every second). Default 10,000.
   */
  handshakeTimeoutMs?: number;
  /** Close a socket (4000) that sent no frame for this long, ms. Default 120,000. */
  idleTimeoutMs?: number;
  /** Interval of WebSocket-level pings from the server, ms. Default 20,000. */
  pingIntervalMs?: number;
  /** A WebSocket ping unanswered for this long terminates the socket, ms. Default 10,000. */
  pingTimeoutMs?: number;
  /**
   * Relays to a socket whose send buffer holds more than this are dropped, bytes; a room's own
   * frame (roster, join, leave, session end, error) finding it above twice this closes the socket
   * (its client re-joins with a fresh roster; decision 0044). Default 1 MiB.
   */
  sendBufferBytesMax?: number;
  /** On `close()`, how long clients get to go away before they are terminated, ms. Default 5,000. */
  drainTimeoutMs?: number;
  /**
   * Allowed `Origin` header values (exact match, e.g. `https://app.example`). Handshakes from other
   * origins get HTTP 403. Requests without an Origin (non-browser clients) are let through: Origin
   * only protects against other web pages; tokens are the authentication. Default: any origin.
   */
  allowedOrigins?: readonly string[];
  /**
   * Shared secret for HS256 join tokens (`room` and `exp` claims required, optional `sub` = peer id).
   * At least 32 bytes. Default: none, the server is open (demo only).
   */
  tokenSecret?: string;
  /**
   * TURN: hand every joined peer `iceServers` with its own time-limited credential (TURN REST API,
   * coturn `use-auth-secret`; see `turn-credentials.ts`). Default: none (peers use their own
   * `iceServers`, e.g. only STUN or none on a LAN).
   */
  turn?: TurnOptions;
  /**
   * Proxies in front of this server that append the address they saw to `X-Forwarded-For`
   * (nginx `proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for`, Caddy, HAProxy
   * `option forwardfor`, cloud load balancers): `true` = one, a number = that many hops. The
   * client address every per-IP bound counts is then the entry that many from the right (the one
   * the nearest trusted proxy's upstream hop wrote for it), never an entry the client wrote
   * (`clientAddress`, decision 0055). A missing, short or malformed header falls back to the
   * socket's address (the proxy's) and is counted `forwarded-invalid`. Only set it when every
   * connection comes through those proxies: a client reaching the server directly could write
   * its own header. Default false (the header is ignored).
   */
  trustProxy?: boolean | number;
  /** Redis URL (`redis://host:port/db`) to share rooms between instances. Default: in memory. */
  redis?: string;
  /** Prefix of every Redis key and channel. Default `pulsemesh:signal`. */
  redisPrefix?: string;
  /** Instance liveness key lifetime in Redis, ms; refreshed every third of it. Default 15,000. */
  instanceTtlMs?: number;
  /** Instance id (logs, Redis). Default: random. */
  instanceId?: string;
  /** Pino logger to use. Default: a JSON logger to stdout at `logLevel`. */
  logger?: Logger;
  /** Level of the default logger. Default `info`; `silent` for tests. */
  logLevel?: LogLevel;
}

/** Options with every default filled in. */
export type ResolvedOptions = Required<
  Omit<SignalServerOptions, 'allowedOrigins' | 'tokenSecret' | 'redis' | 'logger' | 'instanceId' | 'turn'>
> &
  Pick<SignalServerOptions, 'allowedOrigins' | 'tokenSecret' | 'redis' | 'logger' | 'turn'> & {
    instanceId: string;
  };

/** Default values of every limit (documented on `SignalServerOptions`). */
export const DEFAULT_SERVER_OPTIONS = {
  frameBytesMax: 65_536,
  roomsPerSocketMax: 8,
  peersPerRoomMax: 256,
  socketsPerIpMax: 64,
  socketsMax: 20_000,
  messagesPerSecondMax: 50,
  relayBytesPerSecondMax: 65_536,
  joinsPerIpPerSecondMax: 64,
  handshakeTimeoutMs: 10_000,
  idleTimeoutMs: 120_000,
  pingIntervalMs: 20_000,
  pingTimeoutMs: 10_000,
  sendBufferBytesMax: 1_048_576,
  drainTimeoutMs: 5_000,
  trustProxy: false,
  redisPrefix: 'pulsemesh:signal',
  instanceTtlMs: 15_000,
  logLevel: 'info',
} as const satisfies Partial<SignalServerOptions>;

const POSITIVE_INTEGER_KEYS = [
  'frameBytesMax',
  'roomsPerSocketMax',
  'peersPerRoomMax',
  'socketsPerIpMax',
  'socketsMax',
  'messagesPerSecondMax',
  'relayBytesPerSecondMax',
  'joinsPerIpPerSecondMax',
  'handshakeTimeoutMs',
  'idleTimeoutMs',
  'pingIntervalMs',
  'pingTimeoutMs',
  'sendBufferBytesMax',
  'drainTimeoutMs',
  'instanceTtlMs',
] as const;

/** Burst of the per-pair relay bucket, bytes: max(4 × `relayBytesPerSecondMax`, `frameBytesMax`). */
export function relayBurstBytes(
  o: Pick<ResolvedOptions, 'relayBytesPerSecondMax' | 'frameBytesMax'>,
): number {
  return Math.max(4 * o.relayBytesPerSecondMax, o.frameBytesMax);
}

/** Burst of the per-address join bucket: `socketsPerIpMax` × `roomsPerSocketMax`. */
export function joinBurstPerIp(o: Pick<ResolvedOptions, 'socketsPerIpMax' | 'roomsPerSocketMax'>): number {
  return o.socketsPerIpMax * o.roomsPerSocketMax;
}

/** Fills defaults and checks ranges. Throws `RangeError` on a bad value (programmer error). */
export function resolveServerOptions(options: SignalServerOptions, randomId: () => string): ResolvedOptions {
  const defined = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
  const resolved = { ...DEFAULT_SERVER_OPTIONS, instanceId: randomId(), ...defined } as ResolvedOptions;
  for (const key of POSITIVE_INTEGER_KEYS) {
    const value = resolved[key];
    if (!Number.isSafeInteger(value) || value <= 0) {
      throw new RangeError(`signal server: ${key} must be a positive integer, got ${String(value)}`);
    }
  }
  const hops = resolved.trustProxy;
  if (typeof hops === 'number' && (!Number.isSafeInteger(hops) || hops < 0 || hops > 16)) {
    throw new RangeError(`signal server: trustProxy must be a boolean or 0..16 hops, got ${hops}`);
  }
  if (resolved.frameBytesMax < 1024) throw new RangeError('signal server: frameBytesMax must be >= 1024');
  if (resolved.tokenSecret !== undefined && new TextEncoder().encode(resolved.tokenSecret).length < 32) {
    throw new RangeError('signal server: tokenSecret must be at least 32 bytes');
  }
  if (resolved.turn !== undefined) validateTurnOptions(resolved.turn);
  return resolved;
}
