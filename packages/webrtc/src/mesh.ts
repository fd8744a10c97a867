import type { PeerId, SignalState } from '@pulsemesh/core';
import { SignalClient, type WebSocketConstructorLike } from '@pulsemesh/signal';
import { BroadcastLinks } from './broadcast-links.js';
import { DetectorHost, type HostOptions } from './detector-host.js';
import { generateIdentity, trustFor, type Identity } from './identity.js';
import type { LinkSignal } from './link-signal.js';
import type { LinkPath } from './link-stats.js';
import { SignalPacer } from './signal-pacer.js';
import { WebRtcTransport, type LinkReport } from './webrtc-transport.js';

export type { MeshFaults, MeshStatus } from './detector-host.js';

/** Most peers tracked as present at the signaling server (a roster frame's own limit). */
const presentPeersMax = 10_000;

/** Options of {@link createMesh}. */
export interface MeshOptions extends HostOptions {
  /** Signaling server URL(s), `ws://` or `wss://`. */
  signalUrl: string | readonly string[];
  room: string;
  /**
   * This peer's key pair; its id is derived from the public key. Default: a fresh identity (not
   * kept). Keep one across reloads with `loadTabIdentity(room)` (tabs) or `loadFileIdentity(path)`
   * (`@pulsemesh/webrtc/identity-file`, edge peers).
   */
  identity?: Identity;
  /**
   * A plain id instead of a key-derived one (canonical ASCII, 1..64 characters): for tests and
   * meshes that need no trust. Ignored when `identity` is given.
   */
  peerId?: string;
  /** Join token, when the server requires one. */
  token?: string;
  /** STUN/TURN servers. Default `[]` (LAN and loopback only); pass STUN for the internet. A
   * signaling server set up for TURN also hands out servers with short-lived credentials on every
   * join; those are used after these. */
  iceServers?: RTCIceServer[];
  /** Node only: address ICE binds to (`127.0.0.1` for loopback tests). */
  bindAddress?: string;
  /** Links this peer opens (see `ConnectionManagerOptions.maxConnections`). Default 32. */
  maxConnections?: number;
  /**
   * Links one member may make this peer build (see `ConnectionManagerOptions.sessionBudget`,
   * decision 0050). Default 10, refilled 10 per 60,000 ms.
   */
  sessionBudget?: { sessions: number; windowMs: number };
  /** WebSocket class; in Node pass `ws`'s `WebSocket`. */
  WebSocket?: WebSocketConstructorLike;
  /**
   * Link tabs of this browser (same origin, same room) over a BroadcastChannel instead of WebRTC:
   * no RTCPeerConnection between them, and a WebRTC link already made to such a tab is closed.
   * Default false (a mesh is watched over the network paths it really has; and tests and
   * benchmarks stand several peers up in one browser). Ignored where BroadcastChannel is missing.
   */
  broadcastChannel?: boolean;
}

/**
 * One peer of a mesh: a signaling client, the WebRTC transport, a detector and the loop driving it.
 * Implements `MeshView` (delegating to the detector) plus `signalState()`.
 *
 * @fires status-change, join, leave, interval-change, health-change, local-health-change, reap,
 *   decode-error - the detector's events (`CustomEvent`, `detail` per `DetectorEventMap`).
 * @fires signal-state - `{ state: SignalState }` when the signaling connection changes.
 * @fires link - `{ peer, up }` when a direct WebRTC link opens or closes.
 * @fires presence - `{ peer, present }` when the signaling server's word on a peer's session changes
 *   (roster, join, leave, end of session); {@link Mesh.signalPresent} reads the result.
 */
export class Mesh extends DetectorHost {
  /** This peer's key pair, unless the mesh was given a plain `peerId`. */
  readonly identity: Identity | undefined;
  readonly transport: WebRtcTransport;
  readonly signalClient: SignalClient;
  #pacer: SignalPacer<{ to: PeerId; payload: LinkSignal }>;
  #signalState: SignalState = 'offline';
  #ownIceServers: RTCIceServer[];
  #broadcast: BroadcastLinks | undefined;
  /** Peers the signaling server last said hold a live session (roster, joins, leaves, ends). */
  #present = new Set<PeerId>();

  constructor(options: MeshOptions) {
    const identity = options.identity ?? (options.peerId === undefined ? generateIdentity() : undefined);
    const localId = identity?.id ?? (options.peerId as string);
    const signalClient = new SignalClient({
      url: options.signalUrl,
      room: options.room,
      peerId: localId,
      ...(identity === undefined ? {} : { keyProof: identity }),
      ...(options.token === undefined ? {} : { token: options.token }),
      ...(options.WebSocket === undefined ? {} : { WebSocket: options.WebSocket }),
    });
    const pacer = new SignalPacer<{ to: PeerId; payload: LinkSignal }>((m) =>
      signalClient.signal(m.to, m.payload),
    );
    const transport = new WebRtcTransport({
      localId,
      identity,
      sendSignal: (to, payload) => pacer.push({ to, payload }),
      iceServers: options.iceServers ?? [],
      bindAddress: options.bindAddress,
      ...(options.maxConnections === undefined ? {} : { maxConnections: options.maxConnections }),
      ...(options.sessionBudget === undefined ? {} : { sessionBudget: options.sessionBudget }),
    });
    super(localId, transport, {
      ...options,
      ...(identity === undefined ? {} : { trust: trustFor(identity) }),
    });
    this.identity = identity;
    this.#ownIceServers = options.iceServers ?? [];
    this.signalClient = signalClient;
    this.#pacer = pacer;
    this.transport = transport;
    this.#wireEvents();
    if (options.broadcastChannel === true && typeof BroadcastChannel !== 'undefined')
      this.#broadcast = new BroadcastLinks(transport, `pulsemesh-mesh:${options.room}`);
    this.signalClient.connect();
  }

  /** Tabs of this browser linked over the BroadcastChannel (option `broadcastChannel`). */
  broadcastPeers(): PeerId[] {
    return this.#broadcast?.peers() ?? [];
  }

  signalState(): SignalState {
    return this.#signalState;
  }

  /**
   * Whether the signaling server, as far as this peer knows right now, holds a live session for
   * `peer`: it is in the room (roster or join) and no leave or end of its session was seen since,
   * and this peer's own signaling is connected (otherwise it knows nothing current). A `failed`
   * peer that is still present is alive but unreachable from here (e.g. its relay died); UIs show
   * it so (`<pulse-peer-table>`: "Unreachable"). A hung process keeps its socket open until the
   * server's ping timeout, so it reads as present until then.
   */
  signalPresent(peer: PeerId): boolean {
    return this.#signalState === 'connected' && this.#present.has(peer);
  }

  /**
   * Whether this peer tried to link to `peer` (`MeshView.linkTried`, decision 0062): its connection
   * manager dialled it, accepted its offer or asked it to dial, and was not answered `busy` since.
   * In a room larger than `maxConnections` most members are never tried; UIs read them as far.
   */
  linkTried(peer: PeerId): boolean {
    return this.transport.manager.linkTried(peer);
  }

  /** Per-link statistics (getStats RTT, bytes, heartbeat loss) of every open link. */
  linkReports(): Promise<LinkReport[]> {
    return this.transport.linkReports();
  }

  /** Network path of the direct link to `peer` (host, srflx or relay; UDP or TCP), if linked.
   * Read from `getStats()` when the link opens and every 5 s; no I/O here (UI tables poll it). */
  linkPath(peer: PeerId): LinkPath | undefined {
    return this.transport.linkPath(peer);
  }

  protected override abortSignaling(): void {
    this.signalClient.abort();
  }

  protected override onClose(): void {
    this.#broadcast?.close();
    this.#pacer.close();
    this.signalClient.close();
  }

  #wireEvents(): void {
    this.detector.addEventListener('status-change', (e) => {
      const { peer, to } = (e as CustomEvent<{ peer: PeerId; to: string }>).detail;
      if (to === 'left') this.transport.manager.closeLink(peer, 'peer left');
    });
    this.transport.onLinkChange((peer, up) =>
      this.dispatchEvent(new CustomEvent('link', { detail: { peer, up } })),
    );
    const client = this.signalClient;
    const manager = this.transport.manager;
    client.addEventListener('roster', (e) => {
      // TURN credentials minted for this peer by the signaling server (fresh on every join, and
      // renewed while it stays joined: the server re-sends the roster).
      const handedOut = e.detail.iceServers;
      if (handedOut) manager.setIceServers([...this.#ownIceServers, ...handedOut]);
      const before = this.#present;
      this.#present = new Set(e.detail.peers);
      for (const peer of before) if (!this.#present.has(peer)) this.#presence(peer, false);
      for (const peer of this.#present) if (!before.has(peer)) this.#presence(peer, true);
      manager.setRoster(e.detail.peers);
      this.admit(e.detail.peers);
    });
    client.addEventListener('peer-join', (e) => {
      const peer = e.detail.peer;
      if (!this.#present.has(peer) && this.#present.size < presentPeersMax) {
        this.#present.add(peer);
        this.#presence(peer, true);
      }
      manager.addPeer(e.detail.peer);
      this.witness(e.detail.peer, 'joined');
    });
    // The server saw this peer's session end (decision 0013): evidence for the detector.
    client.addEventListener('session-ended', (e) => {
      if (this.#present.delete(e.detail.peer)) this.#presence(e.detail.peer, false);
      this.witness(e.detail.peer, e.detail.kind);
    });
    client.addEventListener('peer-leave', (e) => {
      if (this.#present.delete(e.detail.peer)) this.#presence(e.detail.peer, false);
      manager.removePeer(e.detail.peer);
    });
    client.addEventListener('signal', (e) => this.transport.handleSignal(e.detail.from, e.detail.payload));
    client.addEventListener('state', (e) => {
      this.#signalState = e.detail.state;
      this.dispatchEvent(new CustomEvent('signal-state', { detail: { state: e.detail.state } }));
    });
  }

  #presence(peer: PeerId, present: boolean): void {
    this.dispatchEvent(new CustomEvent('presence', { detail: { peer, present } }));
  }
}

/** Joins a room and starts detecting: see {@link Mesh}. */
export function createMesh(options: MeshOptions): Mesh {
  return new Mesh(options);
}
