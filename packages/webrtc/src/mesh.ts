import {
  Detector,
  presets,
  type AnalyticsReport,
  type ClusterHealth,
  type DetectorConfig,
  type DetectorEventMap,
  type HistoryEntry,
  type Lifecycle,
  type PastMember,
  type MeshView,
  type PeerId,
  type PeerSnapshot,
  type SignalState,
} from '@pulsemesh/core';
import { createRandom, runDetector, type RunningDetector } from '@pulsemesh/core/runtime';
import { SignalClient, type WebSocketConstructorLike } from '@pulsemesh/signal';
import { generateIdentity, type Identity } from './identity.js';
import type { LinkSignal } from './link-signal.js';
import type { LinkPath } from './link-stats.js';
import { currentLifecycle, watchPageLifecycle } from './page-lifecycle.js';
import { SignalPacer } from './signal-pacer.js';
import { timerScheduler, workerScheduler, type TickScheduler } from './tick-scheduler.js';
import { WebRtcTransport, type LinkReport } from './webrtc-transport.js';

/** Options of {@link createMesh}. */
export interface MeshOptions {
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
  /**
   * Incarnation to start at (default 0). A peer that comes back with a kept identity resumes above
   * its last one (`DurableHistory.startIncarnation`), so others see the same peer return.
   */
  incarnation?: number;
  /** Join token, when the server requires one. */
  token?: string;
  /** Detector preset. Default `browser` in a browser, `lan` elsewhere. */
  preset?: keyof typeof presets;
  /** Overrides on top of the preset (e.g. `{ probeIntervalMs: 500 }`). */
  config?: Partial<DetectorConfig>;
  /** STUN/TURN servers. Default `[]` (LAN and loopback only); pass STUN for the internet. A
   * signaling server set up for TURN also hands out servers with short-lived credentials on every
   * join; those are used after these. */
  iceServers?: RTCIceServer[];
  /** Node only: address ICE binds to (`127.0.0.1` for loopback tests). */
  bindAddress?: string;
  /** Links this peer opens (see `ConnectionManagerOptions.maxConnections`). Default 32. */
  maxConnections?: number;
  /** WebSocket class; in Node pass `ws`'s `WebSocket`. */
  WebSocket?: WebSocketConstructorLike;
  /** Tick clock: `worker` (browsers: not throttled in hidden tabs), `timers`, or `auto` (default:
   * worker where possible). See `tick-scheduler.ts`. */
  clock?: 'auto' | 'worker' | 'timers';
  /** Follow the page lifecycle (visibility, freeze, pagehide → leave). Default true in browsers. */
  pageLifecycle?: boolean;
}

/** Fault injection through the real transport, for demos and benchmarks. */
export interface MeshFaults {
  /** Stops answering without a goodbye: the detector loop stops and all I/O is dropped, but the
   * connections stay open, so others cannot learn of it from a transport close. Permanent. */
  crash(): void;
  /** Blocks this thread for `ms` (a long task). */
  freeze(ms: number): void;
  /** Delays every outbound detector message by `ms`. */
  setLatencyMs(ms: number): void;
  /** Drops each outbound detector message with probability `p`. */
  setDropRate(p: number): void;
}

/** Mesh status. */
export type MeshStatus = 'running' | 'crashed' | 'closed';

/** Every detector event name, forwarded by the mesh. */
const detectorEvents = [
  'status-change',
  'join',
  'leave',
  'interval-change',
  'health-change',
  'local-health-change',
  'reap',
  'decode-error',
] as const satisfies readonly (keyof DetectorEventMap)[];

/** Longest wait for goodbyes to flush on `leave()` (ms). */
const leaveFlushMsMax = 500;

/**
 * One peer of a mesh: a signaling client, the WebRTC transport, a detector and the loop driving it.
 * Implements `MeshView` (delegating to the detector) plus `signalState()`.
 *
 * @fires status-change, join, leave, interval-change, health-change, local-health-change, reap,
 *   decode-error - the detector's events (`CustomEvent`, `detail` per `DetectorEventMap`).
 * @fires signal-state - `{ state: SignalState }` when the signaling connection changes.
 * @fires link - `{ peer, up }` when a direct WebRTC link opens or closes.
 */
export class Mesh extends EventTarget implements MeshView {
  readonly localId: PeerId;
  /** This peer's key pair, unless the mesh was given a plain `peerId`. */
  readonly identity: Identity | undefined;
  readonly detector: Detector;
  readonly transport: WebRtcTransport;
  readonly signalClient: SignalClient;
  /** Which tick clock drives the detector (`worker` or `timers`). */
  readonly clockKind: TickScheduler['kind'];
  readonly faults: MeshFaults;
  #loop: RunningDetector;
  #scheduler: TickScheduler;
  #pacer: SignalPacer<{ to: PeerId; payload: LinkSignal }>;
  #status: MeshStatus = 'running';
  #stopLifecycle: () => void;
  #signalState: SignalState = 'offline';
  #ownIceServers: RTCIceServer[];

  constructor(options: MeshOptions) {
    super();
    const now = () => performance.now();
    this.identity = options.identity ?? (options.peerId === undefined ? generateIdentity() : undefined);
    this.localId = this.identity?.id ?? (options.peerId as string);
    const preset = options.preset ?? (typeof document === 'undefined' ? 'lan' : 'browser');
    this.detector = new Detector({
      id: this.localId,
      config: { ...presets[preset], ...options.config },
      random: createRandom(),
      nowMs: now(),
      ...(options.incarnation === undefined ? {} : { incarnation: options.incarnation }),
    });
    this.signalClient = new SignalClient({
      url: options.signalUrl,
      room: options.room,
      peerId: this.localId,
      ...(options.token === undefined ? {} : { token: options.token }),
      ...(options.WebSocket === undefined ? {} : { WebSocket: options.WebSocket }),
    });
    this.#ownIceServers = options.iceServers ?? [];
    this.#pacer = new SignalPacer((m) => this.signalClient.signal(m.to, m.payload));
    this.transport = new WebRtcTransport({
      localId: this.localId,
      sendSignal: (to, payload) => this.#pacer.push({ to, payload }),
      iceServers: options.iceServers ?? [],
      bindAddress: options.bindAddress,
      ...(options.maxConnections === undefined ? {} : { maxConnections: options.maxConnections }),
    });
    this.#scheduler = pickScheduler(options.clock ?? 'auto');
    this.clockKind = this.#scheduler.kind;
    this.#loop = runDetector(this.detector, this.transport, { scheduler: this.#scheduler, nowMs: now });
    this.faults = this.#makeFaults();
    this.#wireEvents();
    this.#loop.deliver(this.detector.setLifecycle(currentLifecycle(), now()));
    this.#stopLifecycle =
      options.pageLifecycle === false
        ? () => undefined
        : watchPageLifecycle({
            lifecycle: (state) => this.#setLifecycle(state),
            pagehide: () => this.#leaveNow(true),
          });
    this.signalClient.connect();
  }

  get status(): MeshStatus {
    return this.#status;
  }

  peers(): PeerSnapshot[] {
    return this.detector.peers();
  }
  /** This peer's incarnation (raised each time it refutes an accusation). */
  localIncarnation(): number {
    return this.detector.localIncarnation();
  }
  pastMembers(): PastMember[] {
    return this.detector.pastMembers();
  }
  health(): ClusterHealth {
    return this.detector.health();
  }
  localHealthScore(): number {
    return this.detector.localHealthScore();
  }
  protocolPeriodMs(): number {
    return this.detector.protocolPeriodMs();
  }
  history(peer?: PeerId): readonly HistoryEntry[] {
    return this.detector.history(peer);
  }
  analytics(): AnalyticsReport {
    return this.detector.analytics();
  }
  nowMs(): number {
    return this.detector.nowMs();
  }
  signalState(): SignalState {
    return this.#signalState;
  }

  /** Timer lateness of the tick clock: last sample and moving average (ms). */
  timerLateness(): { lastMs: number; averageMs: number } {
    return this.#loop.timerLateness();
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

  /** Graceful leave: goodbye on every open link (both channels), a short flush, then `close()`. */
  async leave(): Promise<void> {
    if (this.#status !== 'running') return this.close();
    this.#leaveNow(false);
    const start = performance.now();
    while (this.transport.bufferedBytes() > 0 && performance.now() - start < leaveFlushMsMax)
      await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 20));
    this.close();
  }

  /** Closes everything without a goodbye (others will see the links close). Idempotent. */
  close(): void {
    if (this.#status === 'closed') return;
    this.#status = 'closed';
    this.#stopLifecycle();
    this.#loop.stop();
    this.#scheduler.close();
    this.#pacer.close();
    this.transport.close();
    this.signalClient.close();
  }

  /** Sends the goodbye now (unreliable and reliable channel); with `closeNow`, closes at once. */
  #leaveNow(closeNow: boolean): void {
    if (this.#status !== 'running') return;
    const result = this.detector.leave(performance.now());
    this.#loop.deliver(result);
    for (const s of result.sends) this.transport.sendOnReliableChannel(s.to, s.bytes);
    if (closeNow) this.close();
  }

  #setLifecycle(state: Lifecycle): void {
    if (this.#status === 'running') this.#loop.deliver(this.detector.setLifecycle(state, performance.now()));
  }

  #wireEvents(): void {
    for (const type of detectorEvents) {
      this.detector.addEventListener(type, (e) =>
        this.dispatchEvent(new CustomEvent(type, { detail: (e as CustomEvent).detail })),
      );
    }
    this.detector.addEventListener('status-change', (e) => {
      const { peer, to } = (e as CustomEvent<DetectorEventMap['status-change']>).detail;
      if (to === 'left') this.transport.manager.closeLink(peer, 'peer left');
    });
    this.transport.onLinkChange((peer, up) =>
      this.dispatchEvent(new CustomEvent('link', { detail: { peer, up } })),
    );
    const client = this.signalClient;
    const manager = this.transport.manager;
    client.addEventListener('roster', (e) => {
      // TURN credentials minted for this peer by the signaling server (fresh on every join).
      const handedOut = e.detail.iceServers;
      if (handedOut) manager.setIceServers([...this.#ownIceServers, ...handedOut]);
      manager.setRoster(e.detail.peers);
    });
    client.addEventListener('peer-join', (e) => manager.addPeer(e.detail.peer));
    client.addEventListener('peer-leave', (e) => manager.removePeer(e.detail.peer));
    client.addEventListener('signal', (e) => this.transport.handleSignal(e.detail.from, e.detail.payload));
    client.addEventListener('state', (e) => {
      this.#signalState = e.detail.state;
      this.dispatchEvent(new CustomEvent('signal-state', { detail: { state: e.detail.state } }));
    });
  }

  #makeFaults(): MeshFaults {
    return {
      crash: () => {
        if (this.#status !== 'running') return;
        this.#status = 'crashed';
        this.#stopLifecycle();
        this.#loop.stop();
        this.transport.mute();
      },
      freeze: blockThreadFor,
      setLatencyMs: (ms) => this.transport.setLatencyMs(ms),
      setDropRate: (p) => this.transport.setDropRate(p),
    };
  }
}

/** Joins a room and starts detecting: see {@link Mesh}. */
export function createMesh(options: MeshOptions): Mesh {
  return new Mesh(options);
}

function pickScheduler(clock: 'auto' | 'worker' | 'timers'): TickScheduler {
  if (clock === 'timers') return timerScheduler();
  const worker = workerScheduler();
  if (worker) return worker;
  if (clock === 'worker') throw new Error('clock "worker" requested but Workers are unavailable here');
  return timerScheduler();
}

/** Blocks the calling thread for `ms`, like a long task or a GC pause (the `freeze` fault). */
function blockThreadFor(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // busy-wait on purpose: nothing else on this thread may run
  }
}
