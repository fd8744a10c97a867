/**
 * Prometheus metrics of one server instance, in its own registry (several servers can share a process).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Reasons a frame, join or connection was refused (label `reason` of the rejections counter). */
export const RejectReason = {
  origin: 'origin',
  socketsPerIp: 'sockets-per-ip',
  socketsMax: 'sockets-max',
  draining: 'draining',
  frameTooLarge: 'frame-too-large',
  binaryFrame: 'binary-frame',
  malformed: 'malformed',
  unsupportedVersion: 'unsupported-version',
  unauthorized: 'unauthorized',
  tokenExpired: 'token-expired',
  wrongRoom: 'wrong-room',
  peerIdTaken: 'peer-id-taken',
  roomFull: 'room-full',
  tooManyRooms: 'too-many-rooms',
  notInRoom: 'not-in-room',
  unknownPeer: 'unknown-peer',
  rateLimited: 'rate-limited',
  rateAbuse: 'rate-abuse',
  queueFull: 'queue-full',
  /** A join refused (`unavailable`): its address passed `joinsPerIpPerSecondMax` (decision 0047). */
  joinRate: 'join-rate',
  /**
   * Not a refusal: with `trustProxy`, a handshake whose `X-Forwarded-For` was missing, shorter
   * than the trusted hops or not an address there; counted under the socket's address (decision 0055).
   */
  forwardedInvalid: 'forwarded-invalid',
  /**
   * A relay dropped: its sender's address passed `relayBytesPerSecondMax` to that target socket
   * and the sending socket's own floor into it is used up (decisions 0047, 0055, 0060).
   */
  relayRate: 'relay-rate',
  /** A relay dropped: its target's send buffer held more than `sendBufferBytesMax`. */
  slowConsumer: 'slow-consumer',
  /**
   * A socket closed (one per socket) because one of the room's own frames found its send buffer
   * above 2 × `sendBufferBytesMax` (decision 0044): it reconnects and gets a fresh roster.
   */
  slowConsumerClosed: 'slow-consumer-closed',
  idleTimeout: 'idle-timeout',
  pingTimeout: 'ping-timeout',
  unavailable: 'unavailable',
  /** A join as a key-derived id without a valid proof of its key (decision 0012). */
  keyProof: 'key-proof',
  /** A peer id in a frame is not canonical ASCII (look-alike ids, decision 0012). */
  invalidPeerId: 'invalid-peer-id',
  /** `ws` refused the upgrade (RFC 6455: method, Upgrade, Sec-WebSocket-Key/Version, subprotocol syntax). */
  handshakeRefused: 'handshake-refused',
  /** Request headers not complete within `handshakeTimeoutMs` (slowloris, half-open connections). */
  handshakeTimeout: 'handshake-timeout',
  /** Unparseable HTTP (Node's parser refused it: bad syntax, headers too large). */
  badRequest: 'bad-request',
  /** An RFC 6455 violation on an open socket (unmasked or reserved bits, bad opcode, invalid UTF-8...). */
  protocolViolation: 'protocol-violation',
} as const;
export type RejectReason = (typeof RejectReason)[keyof typeof RejectReason];

/** The metric objects a server updates. */
export interface SignalMetrics {
  registry: Registry;
  sockets: Gauge;
  rooms: Gauge;
  relayed: Counter<'path'>;
  rejections: Counter<'reason'>;
  relayLatency: Histogram;
  /** Local peers' roster entries written back after Redis lost them (decision 0041). */
  rosterReclaims: Counter;
}

/** Creates the metrics in a fresh registry, with `instance` as a default label. */
export function createMetrics(instanceId: string, withProcessMetrics: boolean): SignalMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ instance: instanceId });
  if (withProcessMetrics) collectDefaultMetrics({ register: registry, prefix: 'pulsemesh_signal_' });
  const registers = [registry];
  return {
    registry,
    sockets: new Gauge({ name: 'pulsemesh_signal_sockets', help: 'Open WebSocket connections.', registers }),
    rooms: new Gauge({
      name: 'pulsemesh_signal_rooms',
      help: 'Rooms with at least one peer connected to this instance.',
      registers,
    }),
    relayed: new Counter({
      name: 'pulsemesh_signal_relayed_total',
      help: 'Signals delivered to a socket of this instance, by path (local: sender on this instance).',
      labelNames: ['path'],
      registers,
    }),
    rejections: new Counter({
      name: 'pulsemesh_signal_rejections_total',
      help: 'Refused handshakes, frames, joins and relays, and sockets closed for abuse, by reason.',
      labelNames: ['reason'],
      registers,
    }),
    rosterReclaims: new Counter({
      name: 'pulsemesh_signal_roster_reclaims_total',
      help: "Roster entries of this instance's peers written back after Redis lost them (restart without persistence).",
      registers,
    }),
    relayLatency: new Histogram({
      name: 'pulsemesh_signal_relay_latency_seconds',
      help: 'Time from receiving a signal to handing it to the target socket (across instances: wall clock).',
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers,
    }),
  };
}
