import { isCanonicalPeerId, type PeerId, type Transport } from '@pulsemesh/core';
import { ConnectionManager } from './connection-manager.js';
import type { ConnectionManagerOptions } from './connection-options.js';
import type { LinkPath, TransportLinkStats } from './link-stats.js';
import { ReliableTag, tagged, type LinkSink, type PeerLink } from './link-table.js';

/** Options of a {@link WebRtcTransport}: the connection manager's, plus message routing. */
export interface WebRtcTransportOptions extends Omit<ConnectionManagerOptions, 'handlers'> {
  /** Largest `send` (bytes). Default 65,536. Larger is a programmer error and throws. */
  maxMessageBytes?: number;
  /** Messages up to this size go over the unreliable heartbeat channel; larger ones over the
   * reliable channel, chunked. Default 16,384: SCTP delivers a message whole or not at all, and
   * 16 KiB is the size every WebRTC stack takes in one message. */
  unreliableBytesMax?: number;
}

/** Link statistics of one peer: from the transport's own counters and from `getStats()`. */
export interface LinkReport extends TransportLinkStats {
  peer: PeerId;
  /** Heartbeat loss ratio from sequence gaps on the unreliable channel, [0, 1]. */
  heartbeatLoss: number;
  heartbeatsSent: number;
  heartbeatsReceived: number;
  /** Bytes of our data-channel payloads (without SCTP/DTLS overhead). */
  payloadBytesSent: number;
  payloadBytesReceived: number;
}

/** Transport counters (for metrics). */
export interface TransportCounters {
  sent: number;
  received: number;
  /** Dropped: no open link to the destination (the contract says: counted, not thrown). */
  droppedUnlinked: number;
  /** Dropped by fault injection (drop rate or crash). */
  droppedByFault: number;
  /** Sent over the reliable channel because they were too large for one heartbeat message. */
  sentReliable: number;
  /** Links another way refused: the peer id is not canonical (`isCanonicalPeerId`). */
  idsRefused: number;
  /** A handler (the detector, an app's) threw on a link change or a message: counted, not rethrown. */
  handlerErrors: number;
}

/**
 * The core `Transport` over WebRTC data channels (browser and Node, one code base).
 *
 * Contract (see core `transport.ts`): best effort; at most `maxMessageBytes` a message (throws
 * beyond, a programmer error); sends only to `linkedPeers()`, others dropped and counted; never
 * throws on operating errors. Small messages ride the unordered, no-retransmit heartbeat channel,
 * so loss is real loss; large ones the reliable channel. `sendReliable` carries application data
 * (state sync) reliably and in order.
 *
 * Fault injection (`setLatencyMs`, `setDropRate`, `mute`) acts on this transport's real traffic.
 *
 * Same-browser tabs can be linked another way ({@link LinkSink}: `BroadcastLinks` registers its
 * links here): such a peer gets no WebRTC link (an existing one is closed) while that link runs,
 * and every message to it takes that link.
 */
export class WebRtcTransport implements Transport, LinkSink {
  readonly localId: PeerId;
  readonly maxMessageBytes: number;
  readonly unreliableBytesMax: number;
  readonly manager: ConnectionManager;
  readonly counters: TransportCounters = {
    sent: 0,
    received: 0,
    droppedUnlinked: 0,
    droppedByFault: 0,
    sentReliable: 0,
    idsRefused: 0,
    handlerErrors: 0,
  };
  /** The last error a handler threw (`name: message`); see `counters.handlerErrors`. */
  lastHandlerError: string | undefined;
  #messageHandlers = new Set<(from: PeerId, bytes: Uint8Array) => void>();
  #linkHandlers = new Set<(peer: PeerId, up: boolean) => void>();
  #reliableHandlers = new Set<(from: PeerId, bytes: Uint8Array) => void>();
  #errorHandlers = new Set<(peer: PeerId, error: string) => void>();
  #random: () => number;
  #latencyMs = 0;
  #dropRate = 0;
  #muted = false;
  #closed = false;
  #delayed = new Set<ReturnType<typeof setTimeout>>();
  /** Links other than WebRTC (same-browser tabs), by peer. */
  #elsewhere = new Map<PeerId, PeerLink>();

  constructor(options: WebRtcTransportOptions) {
    this.localId = options.localId;
    this.maxMessageBytes = options.maxMessageBytes ?? 65_536;
    this.unreliableBytesMax = Math.min(options.unreliableBytesMax ?? 16_384, this.maxMessageBytes);
    if (this.maxMessageBytes < 1024) throw new RangeError('maxMessageBytes must be at least 1,024');
    this.#random = options.random ?? Math.random;
    this.manager = new ConnectionManager({
      ...options,
      handlers: {
        linkUp: (peer) => {
          if (!this.#elsewhere.has(peer)) this.#emitLink(peer, true);
        },
        linkDown: (peer) => {
          if (!this.#elsewhere.has(peer)) this.#emitLink(peer, false);
        },
        heartbeat: (peer, bytes) => this.#deliver(peer, bytes),
        reliable: (peer, bytes) => this.#onReliable(peer, bytes),
        error: (peer, error) => {
          for (const h of this.#errorHandlers) h(peer, error);
        },
      },
    });
  }

  send(to: PeerId, bytes: Uint8Array): void {
    if (bytes.length > this.maxMessageBytes)
      throw new RangeError(
        `message of ${bytes.length} bytes exceeds maxMessageBytes ${this.maxMessageBytes}`,
      );
    if (this.#closed) return;
    if (this.#muted || (this.#dropRate > 0 && this.#random() < this.#dropRate)) {
      this.counters.droppedByFault += 1;
      return;
    }
    if (this.#latencyMs > 0) {
      const copy = bytes.slice();
      const timer = setTimeout(() => {
        this.#delayed.delete(timer);
        this.#sendNow(to, copy);
      }, this.#latencyMs);
      this.#delayed.add(timer);
      return;
    }
    this.#sendNow(to, bytes);
  }

  /** Sends application data reliably and in order; false if there is no open link (or congested). */
  sendReliable(to: PeerId, bytes: Uint8Array): boolean {
    if (this.#closed || this.#muted) return false;
    return this.#reliablePath(to)?.sendReliable(tagged(ReliableTag.app, bytes)) ?? false;
  }

  /**
   * Sends a transport message over the reliable channel instead (delivered to `onMessage` like any
   * other): for the few messages that must arrive, like a goodbye. False if no open link.
   */
  sendOnReliableChannel(to: PeerId, bytes: Uint8Array): boolean {
    if (bytes.length > this.maxMessageBytes)
      throw new RangeError(
        `message of ${bytes.length} bytes exceeds maxMessageBytes ${this.maxMessageBytes}`,
      );
    if (this.#closed || this.#muted) return false;
    return this.#reliablePath(to)?.sendReliable(tagged(ReliableTag.transport, bytes)) ?? false;
  }

  /** Bytes queued on all open links' channels, not yet handed to the network. */
  bufferedBytes(): number {
    let total = 0;
    for (const link of this.manager.openLinks()) total += link.bufferedBytes();
    for (const link of this.#elsewhere.values()) total += link.bufferedBytes();
    return total;
  }

  linkedPeers(): Iterable<PeerId> {
    const peers = new Set(this.#elsewhere.keys());
    for (const link of this.manager.openLinks()) peers.add(link.remoteId);
    return peers;
  }

  /** Peers linked another way than WebRTC (same-browser tabs over BroadcastChannel). */
  peersLinkedElsewhere(): PeerId[] {
    return [...this.#elsewhere.keys()];
  }

  /** {@link LinkSink}: a link other than WebRTC to `peer` runs; the WebRTC link to it closes. */
  up(peer: PeerId, link: PeerLink): boolean {
    if (this.#closed || peer === this.localId) return false;
    if (!isCanonicalPeerId(peer)) {
      this.counters.idsRefused += 1;
      return false;
    }
    const wasLinked = this.#elsewhere.has(peer) || this.manager.link(peer) !== undefined;
    this.#elsewhere.set(peer, link);
    this.manager.setLinkedElsewhere(peer, true);
    if (!wasLinked) this.#emitLink(peer, true);
    return true;
  }

  /** {@link LinkSink}: that link stopped; `peer` may be linked over WebRTC again. */
  down(peer: PeerId, link: PeerLink): void {
    if (this.#elsewhere.get(peer) !== link) return;
    this.#elsewhere.delete(peer);
    if (this.#closed) return;
    this.#emitLink(peer, false);
    this.manager.setLinkedElsewhere(peer, false);
  }

  /** {@link LinkSink}: a detector message from a peer linked another way. */
  deliver(from: PeerId, bytes: Uint8Array): void {
    if (this.#elsewhere.has(from)) this.#deliver(from, bytes);
  }

  /** {@link LinkSink}: a tagged reliable message from a peer linked another way. */
  deliverReliable(from: PeerId, taggedBytes: Uint8Array): string | undefined {
    return this.#elsewhere.has(from) ? this.#onReliable(from, taggedBytes) : undefined;
  }

  onMessage(handler: (from: PeerId, bytes: Uint8Array) => void): () => void {
    return subscribe(this.#messageHandlers, handler);
  }

  onLinkChange(handler: (peer: PeerId, up: boolean) => void): () => void {
    return subscribe(this.#linkHandlers, handler);
  }

  /** Subscribes to application data sent with `sendReliable`. */
  onReliable(handler: (from: PeerId, bytes: Uint8Array) => void): () => void {
    return subscribe(this.#reliableHandlers, handler);
  }

  /** Subscribes to operating errors (bad signals, link errors); they are also counted. */
  onError(handler: (peer: PeerId, error: string) => void): () => void {
    return subscribe(this.#errorHandlers, handler);
  }

  /** Feeds a signal payload received from the signaling server. */
  handleSignal(from: PeerId, payload: unknown): void {
    if (!this.#muted) this.manager.handleSignal(from, payload);
  }

  /** Link statistics of every open link (reads `getStats()` of each). */
  async linkReports(): Promise<LinkReport[]> {
    const reports = await Promise.all(
      this.manager.openLinks().map(async (link): Promise<LinkReport> => {
        const stats = await link.stats();
        return {
          peer: link.remoteId,
          rttMs: stats?.rttMs,
          bytesSent: stats?.bytesSent ?? 0,
          bytesReceived: stats?.bytesReceived ?? 0,
          localAddress: stats?.localAddress,
          remoteAddress: stats?.remoteAddress,
          path: stats?.path ?? link.path,
          heartbeatLoss: link.loss.ratio(),
          heartbeatsSent: link.counters.heartbeatsSent,
          heartbeatsReceived: link.counters.heartbeatsReceived,
          payloadBytesSent: link.counters.bytesSent,
          payloadBytesReceived: link.counters.bytesReceived,
        };
      }),
    );
    return reports;
  }

  /** Path of the open link to `peer` as last read from `getStats()` (no I/O); undefined if none. */
  linkPath(peer: PeerId): LinkPath | undefined {
    return this.manager.link(peer)?.path;
  }

  /** Fault injection: delays every outbound message by `ms` (0 = off). */
  setLatencyMs(ms: number): void {
    if (!(ms >= 0)) throw new RangeError('latency must be >= 0');
    this.#latencyMs = ms;
  }

  /** Fault injection: drops each outbound message with probability `p` in [0, 1]. */
  setDropRate(p: number): void {
    if (!(p >= 0 && p <= 1)) throw new RangeError('drop rate must be in [0, 1]');
    this.#dropRate = p;
  }

  /** Fault injection (crash): drops all traffic both ways and stops reconnecting, but keeps the
   * connections open, so peers cannot learn of it from a transport close. Permanent. */
  mute(): void {
    this.#muted = true;
    this.manager.suspend();
    for (const t of this.#delayed) clearTimeout(t);
    this.#delayed.clear();
  }

  /** Closes every link. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const t of this.#delayed) clearTimeout(t);
    this.#delayed.clear();
    this.#elsewhere.clear();
    this.manager.close();
  }

  /** The link whose reliable path reaches `to`: the one other than WebRTC first. */
  #reliablePath(to: PeerId): Pick<PeerLink, 'sendReliable'> | undefined {
    return this.#elsewhere.get(to) ?? this.manager.link(to);
  }

  #sendNow(to: PeerId, bytes: Uint8Array): void {
    // No wrapper object per message: this runs for every probe and ack.
    const elsewhere = this.#elsewhere.get(to);
    const rtc = elsewhere === undefined ? this.manager.link(to) : undefined;
    if ((elsewhere === undefined && rtc === undefined) || this.#closed) {
      this.counters.droppedUnlinked += 1;
      return;
    }
    this.counters.sent += 1;
    if (bytes.length <= this.unreliableBytesMax) {
      if (elsewhere !== undefined) elsewhere.send(bytes);
      else rtc?.sendHeartbeat(bytes);
      return;
    }
    this.counters.sentReliable += 1;
    const body = tagged(ReliableTag.transport, bytes);
    if (elsewhere !== undefined) elsewhere.sendReliable(body);
    else rtc?.sendReliable(body);
  }

  #deliver(from: PeerId, bytes: Uint8Array): void {
    if (this.#muted || this.#closed) return;
    this.counters.received += 1;
    for (const h of this.#messageHandlers) this.#call(h, from, bytes);
  }

  /** A whole reliable message; an empty one or an unknown tag is returned as an error (counted). */
  #onReliable(from: PeerId, bytes: Uint8Array): string | undefined {
    if (bytes.length === 0) return 'empty reliable message';
    if (this.#muted || this.#closed) return undefined;
    const body = bytes.subarray(1);
    if (bytes[0] === ReliableTag.transport) this.#deliver(from, body);
    else if (bytes[0] === ReliableTag.app) for (const h of this.#reliableHandlers) this.#call(h, from, body);
    else return `unknown reliable tag ${bytes[0]}`;
    return undefined;
  }

  #emitLink(peer: PeerId, up: boolean): void {
    if (this.#muted) return;
    for (const h of this.#linkHandlers) this.#call(h, peer, up);
  }

  /** Runs a handler inside a channel's listener: a throw is counted, never rethrown into it. */
  #call<A, B>(handler: (a: A, b: B) => void, a: A, b: B): void {
    try {
      handler(a, b);
    } catch (err) {
      this.counters.handlerErrors += 1;
      this.lastHandlerError = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    }
  }
}

function subscribe<T>(set: Set<T>, handler: T): () => void {
  set.add(handler);
  return () => set.delete(handler);
}
