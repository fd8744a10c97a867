// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- ambient typings of an untyped package must reach every program compiling this source
/// <reference path="./simple-peer.d.ts" />
import Peer from '@thaunknown/simple-peer/lite.js';
import { sdpFingerprints } from './link-proof.js';
import type { SignalData } from './link-signal.js';
import type { PeerId } from '@pulsemesh/core';
import { linkPath, selectedPairStats, type LinkPath, type TransportLinkStats } from './link-stats.js';
import { newLinkCounters, PulseChannels, type LinkCounters } from './pulse-channels.js';
import { SequenceLoss } from './sequence-loss.js';

export type { LinkCounters } from './pulse-channels.js';

/** Link lifecycle. */
export const LinkState = { connecting: 'connecting', open: 'open', closed: 'closed' } as const;
export type LinkState = (typeof LinkState)[keyof typeof LinkState];

/** Callbacks of one link; all optional except `signal`. */
export interface LinkHandlers {
  /** simple-peer produced signaling data (offer, answer, candidate) for the remote peer. */
  signal(data: SignalData): void;
  /** Both channels are open and the far side answered. */
  open?(): void;
  /** The link is gone (called once). */
  close?(reason: string): void;
  /** A heartbeat-channel message arrived (unordered, unreliable). */
  heartbeat?(bytes: Uint8Array): void;
  /** A whole reliable message arrived (ordered, reliable, reassembled); a returned error is counted. */
  reliable?(bytes: Uint8Array): string | void;
  /** An operating error that did not close the link (counted). */
  error?(error: string): void;
  /** An in-band channel beyond the one a link carries was closed (counted in `channelsRefused`). */
  channelRefused?(): void;
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

/** Oldest path an open link reports (ms): ICE may switch pairs. Browsers re-read it on a timer. */
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
 * One WebRTC connection to one remote peer: a simple-peer connection with its ordinary in-band
 * channel (so a classic simple-peer on the far side sees `connect`, whichever side dials), plus the
 * two link-protocol channels of {@link PulseChannels} (negotiated, ids 1022 and 1023). The link is
 * open once both channels are open and the far side answered on them.
 */
export class Link {
  readonly remoteId: PeerId;
  readonly initiator: boolean;
  #state: LinkState = LinkState.connecting;
  #openedAtMs: number | undefined;
  #peer: Peer;
  #channels: PulseChannels | undefined;
  #handlers: LinkHandlers;
  #pc: RTCPeerConnection | undefined;
  #errors = 0;
  #noLoss: SequenceLoss | undefined;
  #path: LinkPath | undefined;
  #pathTimer: ReturnType<typeof setTimeout> | undefined;
  /** Node: when the path was last read from libdatachannel (performance.now() ms). */
  #pathReadAtMs: number | undefined;

  constructor(options: LinkOptions) {
    this.remoteId = options.remoteId;
    this.initiator = options.initiator;
    this.#handlers = options.handlers;
    const config: RTCConfiguration & { bindAddress?: string } = {
      iceServers: isBrowser ? options.iceServers : options.iceServers.map(urlEncodedCredentials),
    };
    if (options.bindAddress !== undefined) config.bindAddress = options.bindAddress;
    this.#peer = new Peer({ initiator: options.initiator, channelName: 'pulsemesh', config, trickle: true });
    const peer = this.#peer;
    peer.on('signal', (data) => {
      if (this.#state !== LinkState.closed) this.#handlers.signal(data);
    });
    // simple-peer's own channel carries nothing of ours; reading keeps its stream flowing.
    peer.on('data', () => undefined);
    peer.on('error', (err) => this.#finish(`error: ${err.code ?? 'unknown'}: ${err.message}`));
    peer.on('close', () => this.#finish('closed'));
    // simple-peer polls its channel every 5 s for Chrome's `closing` state that never ends
    // (crbug 882743): a timer per link. Node's polyfill passes `closing` on to `closed` at once,
    // so there the poll only woke an edge peer (N = 10: 1.8 times a second) for nothing.
    if (!isBrowser) peer.on('connect', () => clearInterval(peer._closingInterval ?? undefined));
    if (peer._pc) {
      this.#pc = peer._pc;
      livePeerConnections += 1;
      this.#channels = new PulseChannels(peer._pc, {
        reliableMessageBytesMax: options.reliableMessageBytesMax,
        handlers: {
          open: () => this.#open(),
          close: (reason) => this.#finish(reason),
          heartbeat: (bytes) => {
            if (this.#state === LinkState.open) this.#handlers.heartbeat?.(bytes);
          },
          reliable: (bytes) =>
            this.#state === LinkState.open ? this.#handlers.reliable?.(bytes) : undefined,
          error: (error) => this.#handlers.error?.(error),
        },
      });
      this.#refuseExtraChannels(peer._pc, this.#channels);
    }
  }

  get state(): LinkState {
    return this.#state;
  }

  /** When the link opened (performance.now() ms), if it did. */
  get openedAtMs(): number | undefined {
    return this.#openedAtMs;
  }

  /**
   * The path of the selected candidate pair (see `LinkPath`), at most 5 s old: read on open, then
   * every 5 s from `getStats()` in browsers; in Node re-read from libdatachannel's pair when asked
   * and the last read is older (a read is synchronous there, so an unwatched peer pays no timer).
   */
  get path(): LinkPath | undefined {
    if (
      this.#state === LinkState.open &&
      this.#pathReadAtMs !== undefined &&
      performance.now() - this.#pathReadAtMs >= pathRefreshMs
    )
      this.#readNodePath();
    return this.#path;
  }

  /** Counters of the link-protocol channels, and in-band channels refused (`channelsRefused`). */
  get counters(): LinkCounters {
    return this.#channels?.counters ?? { ...newLinkCounters(), errors: this.#errors };
  }

  /**
   * The far side may open in-band channels at will (session 19's review: 510 on one link, all kept
   * open, simple-peer taking each as its own). A link carries exactly one: simple-peer's, which the
   * initiator creates and the other side accepts as the first in-band channel (the link protocol's
   * two are negotiated: no `datachannel` event). Any other is closed at once and counted; the app
   * has no channels of its own on these connections (decision 0050).
   */
  #refuseExtraChannels(pc: RTCPeerConnection, channels: PulseChannels): void {
    const simplePeers = this.initiator ? null : pc.ondatachannel;
    let accepted = false;
    pc.ondatachannel = (event: RTCDataChannelEvent) => {
      if (!accepted && simplePeers) {
        accepted = true;
        simplePeers.call(pc, event);
        return;
      }
      channels.counters.channelsRefused += 1;
      this.#handlers.channelRefused?.();
      try {
        event.channel.close();
      } catch (err) {
        this.#errors += 1;
        this.#handlers.error?.(`refused channel close: ${String(err)}`);
      }
      if (channels.counters.channelsRefused === 1)
        this.#handlers.error?.('in-band channel refused (one allowed)');
    };
  }

  /** Heartbeat loss estimate from sequence gaps. */
  get loss(): SequenceLoss {
    return this.#channels?.loss ?? (this.#noLoss ??= new SequenceLoss());
  }

  /** The normalised DTLS fingerprints of the remote description the connection negotiated
   * (`sdpFingerprints`); undefined before it has one. */
  remoteFingerprints(): string[] | undefined {
    const sdp = this.#pc?.remoteDescription?.sdp;
    return sdp ? sdpFingerprints(sdp) : undefined;
  }

  /** Feeds signaling data from the remote peer. Ignored once closed. */
  signal(data: SignalData): void {
    if (this.#state === LinkState.closed || this.#peer.destroyed) return;
    try {
      this.#peer.signal(data);
    } catch (err) {
      this.#errors += 1;
      this.#handlers.error?.(`signal: ${String(err)}`);
    }
  }

  /** Sends on the unreliable heartbeat channel; false if dropped (not open or congested). */
  sendHeartbeat(payload: Uint8Array): boolean {
    return this.#channels?.sendHeartbeat(payload) ?? false;
  }

  /** Sends one message on the reliable channel, chunked; false if the link cannot take it now. */
  sendReliable(payload: Uint8Array): boolean {
    return this.#state === LinkState.open && (this.#channels?.sendReliable(payload) ?? false);
  }

  /** Bytes queued on both channels (`bufferedAmount`). */
  bufferedBytes(): number {
    return this.#channels?.bufferedBytes() ?? 0;
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
      this.#errors += 1;
      this.#handlers.error?.(`getStats: ${String(err)}`);
      return undefined;
    }
  }

  /** Closes both channels and the RTCPeerConnection. Idempotent. */
  close(reason = 'local close'): void {
    this.#finish(reason);
  }

  #open(): void {
    if (this.#state !== LinkState.connecting) return;
    this.#state = LinkState.open;
    this.#openedAtMs = performance.now();
    this.#handlers.open?.();
    this.#refreshPath();
  }

  #refreshPath(): void {
    if (this.#state !== LinkState.open) return;
    // Node: one read of libdatachannel's own pair now, later ones on demand (`path`). The polyfill's
    // getStats() reads that pair too, and every read resolves both candidates (glibc asks the kernel
    // for the interface list each time), so no link re-reads it on a timer nobody looks at.
    const pc = this.#peer._pc;
    if (pc && typeof (pc as { getSelectedCandidatePair?: unknown }).getSelectedCandidatePair === 'function') {
      this.#readNodePath();
      return;
    }
    void this.stats().finally(() => {
      if (this.#state !== LinkState.open) return;
      this.#pathTimer = setTimeout(() => this.#refreshPath(), pathRefreshMs);
      (this.#pathTimer as { unref?: () => void }).unref?.();
    });
  }

  /** Node: reads the selected pair from libdatachannel (synchronous). */
  #readNodePath(): void {
    const pc = this.#peer._pc;
    this.#pathReadAtMs = performance.now();
    if (!pc) return;
    try {
      this.#path = nodeSelectedPath(pc) ?? this.#path;
    } catch (err) {
      this.#errors += 1;
      this.#handlers.error?.(`selected pair: ${String(err)}`);
    }
  }

  #finish(reason: string): void {
    if (this.#state === LinkState.closed) return;
    this.#state = LinkState.closed;
    clearTimeout(this.#pathTimer);
    this.#channels?.close(reason);
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
