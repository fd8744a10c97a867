// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- ambient typings of an untyped package must reach every program compiling this source
/// <reference path="./simple-peer.d.ts" />
import Peer from '@thaunknown/simple-peer/lite.js';
import type { SignalData } from './link-signal.js';
import type { PeerId } from '@pulsemesh/core';
import { chunkBytesMax, chunkMessage, Reassembler } from './chunking.js';
import { linkPath, selectedPairStats, type LinkPath, type TransportLinkStats } from './link-stats.js';
import { SequenceLoss } from './sequence-loss.js';

/** Data channel ids: both channels are negotiated out of band, so ids never collide. */
const reliableChannelId = 0;
const heartbeatChannelId = 1;
/** Heartbeat frame: `seq:u32 | payload`. */
const heartbeatHeaderBytes = 4;
/** Drop heartbeats while this much is queued on the unreliable channel: they would be stale. */
const heartbeatBufferedBytesMax = 64 * 1024;
/** Refuse reliable sends while this much is queued (the far side is not reading). */
const reliableBufferedBytesMax = 4 * 1024 * 1024;

/** Link lifecycle. */
export const LinkState = { connecting: 'connecting', open: 'open', closed: 'closed' } as const;
export type LinkState = (typeof LinkState)[keyof typeof LinkState];

/** Callbacks of one link; all optional except `signal`. */
export interface LinkHandlers {
  /** simple-peer produced signaling data (offer, answer, candidate) for the remote peer. */
  signal(data: SignalData): void;
  /** Both channels are open. */
  open?(): void;
  /** The link is gone (called once). */
  close?(reason: string): void;
  /** A heartbeat-channel message arrived (unordered, unreliable). */
  heartbeat?(bytes: Uint8Array): void;
  /** A whole reliable message arrived (ordered, reliable, reassembled). */
  reliable?(bytes: Uint8Array): void;
  /** An operating error that did not close the link (counted). */
  error?(error: string): void;
}

/** Options of one {@link Link}. */
export interface LinkOptions {
  remoteId: PeerId;
  /** Whether this side sends the offer (see `isInitiator`). */
  initiator: boolean;
  /** STUN/TURN servers; `[]` for loopback and tests. */
  iceServers: RTCIceServer[];
  /** Node only (node-datachannel): local address ICE binds to; `127.0.0.1` for loopback. */
  bindAddress?: string | undefined;
  /** Largest reliable message accepted from the remote (bytes). */
  reliableMessageBytesMax: number;
  handlers: LinkHandlers;
}

/** Per-link counters. */
export interface LinkCounters {
  heartbeatsSent: number;
  heartbeatsReceived: number;
  heartbeatsDropped: number;
  reliableSent: number;
  reliableReceived: number;
  bytesSent: number;
  bytesReceived: number;
  errors: number;
}

/** How often an open link re-reads its path from `getStats()` (ms): ICE may switch pairs. */
const pathRefreshMs = 5_000;

/** How often and how long to wait for simple-peer to close a destroyed link's connection. */
const pcClosePollMs = 50;
const pcClosePollsMax = 40;

let livePeerConnections = 0;
/** RTCPeerConnections created by links and not yet closed (leak check). */
export function livePeerConnectionCount(): number {
  return livePeerConnections;
}

const isBrowser = typeof (globalThis as { RTCPeerConnection?: unknown }).RTCPeerConnection === 'function';
// Node's polyfill reports currentRoundTripTime in ms; browsers in seconds (the spec).
const rttUnitMs = isBrowser ? 1000 : 1;

/**
 * One WebRTC connection to one remote peer, with two data channels, both negotiated out of band:
 * - id 0, simple-peer's own channel: ordered and reliable, for state sync, chunked to the
 *   negotiated max message size (at most 16 KiB a chunk);
 * - id 1, heartbeat: `ordered: false, maxRetransmits: 0`, so a lost probe is lost, like UDP.
 */
export class Link {
  readonly remoteId: PeerId;
  readonly initiator: boolean;
  readonly counters: LinkCounters = {
    heartbeatsSent: 0,
    heartbeatsReceived: 0,
    heartbeatsDropped: 0,
    reliableSent: 0,
    reliableReceived: 0,
    bytesSent: 0,
    bytesReceived: 0,
    errors: 0,
  };
  readonly loss = new SequenceLoss();
  #state: LinkState = LinkState.connecting;
  #openedAtMs: number | undefined;
  #peer: Peer;
  #heartbeat: RTCDataChannel | undefined;
  #handlers: LinkHandlers;
  #reassembler: Reassembler;
  #seq = 0;
  #messageId = 0;
  #peerConnected = false;
  #pc: RTCPeerConnection | undefined;
  #path: LinkPath | undefined;
  #pathTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: LinkOptions) {
    this.remoteId = options.remoteId;
    this.initiator = options.initiator;
    this.#handlers = options.handlers;
    this.#reassembler = new Reassembler(options.reliableMessageBytesMax);
    const config: RTCConfiguration & { bindAddress?: string } = {
      iceServers: isBrowser ? options.iceServers : options.iceServers.map(urlEncodedCredentials),
    };
    if (options.bindAddress !== undefined) config.bindAddress = options.bindAddress;
    this.#peer = new Peer({
      initiator: options.initiator,
      channelName: 'pulsemesh-reliable',
      channelConfig: { negotiated: true, id: reliableChannelId },
      config,
      trickle: true,
    });
    const peer = this.#peer;
    peer.on('signal', (data) => {
      if (this.#state !== LinkState.closed) this.#handlers.signal(data);
    });
    peer.on('connect', () => {
      this.#peerConnected = true;
      this.#maybeOpen();
    });
    peer.on('data', (chunk) => this.#onReliableFrame(chunk));
    peer.on('error', (err) => this.#finish(`error: ${err.code ?? 'unknown'}: ${err.message}`));
    peer.on('close', () => this.#finish('closed'));
    if (peer._pc) {
      this.#pc = peer._pc;
      livePeerConnections += 1;
      this.#setupHeartbeat(peer._pc);
    }
  }

  get state(): LinkState {
    return this.#state;
  }

  /** When the link opened (performance.now() ms), if it did. */
  get openedAtMs(): number | undefined {
    return this.#openedAtMs;
  }

  /** The path of the selected candidate pair as last read (on open, then every 5 s); see `LinkPath`. */
  get path(): LinkPath | undefined {
    return this.#path;
  }

  /** Feeds signaling data from the remote peer. Ignored once closed. */
  signal(data: SignalData): void {
    if (this.#state === LinkState.closed || this.#peer.destroyed) return;
    try {
      this.#peer.signal(data);
    } catch (err) {
      this.#countError(`signal: ${String(err)}`);
    }
  }

  /** Sends on the unreliable heartbeat channel; false if dropped (not open or congested). */
  sendHeartbeat(payload: Uint8Array): boolean {
    const channel = this.#heartbeat;
    if (this.#state !== LinkState.open || channel?.readyState !== 'open') return this.#dropHeartbeat();
    if (channel.bufferedAmount > heartbeatBufferedBytesMax) return this.#dropHeartbeat();
    const frame = new Uint8Array(heartbeatHeaderBytes + payload.length);
    new DataView(frame.buffer).setUint32(0, this.#seq);
    this.#seq = (this.#seq + 1) >>> 0;
    frame.set(payload, heartbeatHeaderBytes);
    try {
      channel.send(frame);
    } catch (err) {
      this.#countError(`heartbeat send: ${String(err)}`);
      return this.#dropHeartbeat();
    }
    this.counters.heartbeatsSent += 1;
    this.counters.bytesSent += frame.length;
    return true;
  }

  /** Sends one message on the reliable channel, chunked; false if the link cannot take it now. */
  sendReliable(payload: Uint8Array): boolean {
    const channel = this.#peer._channel;
    if (this.#state !== LinkState.open || channel?.readyState !== 'open') return false;
    if (channel.bufferedAmount > reliableBufferedBytesMax) return false;
    const frames = chunkMessage(this.#messageId, payload, this.#chunkBytes());
    this.#messageId = (this.#messageId + 1) >>> 0;
    try {
      for (const frame of frames) {
        channel.send(frame);
        this.counters.bytesSent += frame.length;
      }
    } catch (err) {
      this.#countError(`reliable send: ${String(err)}`);
      return false;
    }
    this.counters.reliableSent += 1;
    return true;
  }

  /** Bytes queued on both channels (`bufferedAmount`). */
  bufferedBytes(): number {
    return (this.#heartbeat?.bufferedAmount ?? 0) + (this.#peer._channel?.bufferedAmount ?? 0);
  }

  /** Reads `getStats()` for the selected candidate pair; undefined when closed or unsupported. */
  async stats(): Promise<TransportLinkStats | undefined> {
    const pc = this.#peer._pc;
    if (!pc || this.#state === LinkState.closed) return undefined;
    try {
      const report = await pc.getStats();
      const stats = selectedPairStats(report.values() as Iterable<Record<string, unknown>>, rttUnitMs);
      stats.path = nodeSelectedPath(pc) ?? stats.path;
      if (stats.path) this.#path = stats.path;
      return stats;
    } catch (err) {
      this.#countError(`getStats: ${String(err)}`);
      return undefined;
    }
  }

  /** Closes both channels and the RTCPeerConnection. Idempotent. */
  close(reason = 'local close'): void {
    this.#finish(reason);
  }

  #setupHeartbeat(pc: RTCPeerConnection): void {
    const channel = pc.createDataChannel('pulsemesh-heartbeat', {
      negotiated: true,
      id: heartbeatChannelId,
      ordered: false,
      maxRetransmits: 0,
    });
    channel.binaryType = 'arraybuffer';
    channel.addEventListener('open', () => this.#maybeOpen());
    channel.addEventListener('close', () => this.#finish('heartbeat channel closed'));
    channel.addEventListener('error', () => this.#countError('heartbeat channel error'));
    channel.addEventListener('message', (event: MessageEvent) => this.#onHeartbeatFrame(event.data));
    this.#heartbeat = channel;
  }

  #maybeOpen(): void {
    if (this.#state !== LinkState.connecting) return;
    if (!this.#peerConnected || this.#heartbeat?.readyState !== 'open') return;
    this.#state = LinkState.open;
    this.#openedAtMs = performance.now();
    this.#handlers.open?.();
    this.#refreshPath();
  }

  #refreshPath(): void {
    if (this.#state !== LinkState.open) return;
    void this.stats().finally(() => {
      if (this.#state !== LinkState.open) return;
      this.#pathTimer = setTimeout(() => this.#refreshPath(), pathRefreshMs);
      (this.#pathTimer as { unref?: () => void }).unref?.();
    });
  }

  #onHeartbeatFrame(data: unknown): void {
    if (this.#state !== LinkState.open) return;
    if (!(data instanceof ArrayBuffer) || data.byteLength < heartbeatHeaderBytes) {
      this.#countError('malformed heartbeat frame');
      return;
    }
    const seq = new DataView(data).getUint32(0);
    this.loss.record(seq);
    this.counters.heartbeatsReceived += 1;
    this.counters.bytesReceived += data.byteLength;
    this.#handlers.heartbeat?.(new Uint8Array(data, heartbeatHeaderBytes));
  }

  #onReliableFrame(frame: Uint8Array): void {
    if (this.#state !== LinkState.open) return;
    this.counters.bytesReceived += frame.length;
    const result = this.#reassembler.push(frame);
    if (result.kind === 'error') this.#countError(`reliable: ${result.error}`);
    if (result.kind !== 'message') return;
    this.counters.reliableReceived += 1;
    this.#handlers.reliable?.(result.payload);
  }

  #chunkBytes(): number {
    const negotiated = this.#peer._pc?.sctp?.maxMessageSize;
    return Math.max(1024, Math.min(chunkBytesMax, negotiated && negotiated > 0 ? negotiated : chunkBytesMax));
  }

  #dropHeartbeat(): false {
    this.counters.heartbeatsDropped += 1;
    return false;
  }

  #countError(error: string): void {
    this.counters.errors += 1;
    this.#handlers.error?.(error);
  }

  #finish(reason: string): void {
    if (this.#state === LinkState.closed) return;
    this.#state = LinkState.closed;
    clearTimeout(this.#pathTimer);
    try {
      this.#heartbeat?.close();
    } catch (err) {
      this.#countError(`heartbeat close: ${String(err)}`);
    }
    if (!this.#peer.destroyed) this.#peer.destroy();
    this.#awaitPeerConnectionClosed(0);
    this.#handlers.close?.(reason);
  }

  /**
   * simple-peer closes the RTCPeerConnection a timer tick after destroy, but on its error path it
   * never emits `close`; so watch the connection itself, and close it if simple-peer did not.
   * (Closing twice would break the Node polyfill's instance count, hence the state check.)
   */
  #awaitPeerConnectionClosed(polls: number): void {
    const pc = this.#pc;
    if (!pc) return;
    const closed = this.#peer._pc === null || pc.connectionState === 'closed';
    if (!closed && polls < pcClosePollsMax) {
      setTimeout(() => this.#awaitPeerConnectionClosed(polls + 1), pcClosePollMs);
      return;
    }
    if (!closed) pc.close();
    this.#pc = undefined;
    livePeerConnections -= 1;
  }
}

/**
 * Node (webrtc-polyfill over node-datachannel): the polyfill's stats leave out the candidates'
 * protocol, but libdatachannel's own `getSelectedCandidatePair()` has it (`UDP`, `TCP_active`…).
 */
function nodeSelectedPath(pc: RTCPeerConnection): LinkPath | undefined {
  const own = (pc as { getSelectedCandidatePair?: () => NodeCandidatePair | null }).getSelectedCandidatePair;
  if (typeof own !== 'function') return undefined;
  const pair = own.call(pc);
  return pair
    ? linkPath(pair.local?.type, pair.remote?.type, pair.local?.transportType, undefined)
    : undefined;
}

interface NodeCandidatePair {
  local?: { type?: string; transportType?: string };
  remote?: { type?: string; transportType?: string };
}

/**
 * Node: webrtc-polyfill hands TURN servers to libdatachannel as `turn:<user>:<pass>@host`, and
 * libdatachannel URL-decodes both. A TURN REST username (`<expiry>:<user>`) has a colon and a
 * base64 password may have `/`, `+`, `=`: unencoded, the user is cut at the colon and coturn says
 * "Cannot find credentials of user <expiry>" (seen in the network lab). So encode them.
 */
function urlEncodedCredentials(server: RTCIceServer): RTCIceServer {
  if (typeof server.username !== 'string' || typeof server.credential !== 'string') return server;
  return {
    ...server,
    username: encodeURIComponent(server.username),
    credential: encodeURIComponent(server.credential),
  };
}
