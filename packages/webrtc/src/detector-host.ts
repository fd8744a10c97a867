/**
 * What every runtime mesh shares: a detector driven by core's `runDetector` on the tick clock,
 * page-lifecycle wiring, detector events re-dispatched, `MeshView` delegation, graceful leave and
 * fault injection. `Mesh` (its own WebRTC mesh, with signaling) and `AttachedMesh` (links on
 * connections an app already has) extend it with their transports.
 */
import {
  Detector,
  defaultConfig,
  presets,
  type AnalyticsReport,
  type ClusterHealth,
  type DetectorConfig,
  type DetectorEventMap,
  type HistoryEntry,
  type Lifecycle,
  type MeshView,
  type PastMember,
  type PeerId,
  type PeerSnapshot,
  type Transport,
  type Trust,
  type WitnessKind,
} from '@pulsemesh/core';
import { createRandom, runDetector, type RunningDetector } from '@pulsemesh/core/runtime';
import { currentLifecycle, watchPageLifecycle } from './page-lifecycle.js';
import { PingBudget, pingBudgetFor, throughPingBudget, type PingBudgetLimits } from './ping-budget.js';
import { timerScheduler, workerScheduler, type TickScheduler } from './tick-scheduler.js';

/** A transport a host can drive: core's contract plus a reliable path for the goodbye. */
export interface HostTransport extends Transport {
  /** Sends a detector message over a reliable channel (false if no open link). */
  sendOnReliableChannel(to: PeerId, bytes: Uint8Array): boolean;
  /** Bytes queued on open links, not yet handed to the network. */
  bufferedBytes(): number;
  /** Fault injection: drop all traffic both ways, keep connections open. */
  mute(): void;
  setLatencyMs?(ms: number): void;
  setDropRate?(p: number): void;
  close(): void;
}

/** Detector and clock options shared by every mesh. */
export interface HostOptions {
  /**
   * A named detector preset for an unusual network (`lan`, `wan`). Default: the runtime's default,
   * `defaultConfig('browser')` in a page and `defaultConfig('node')` elsewhere.
   */
  preset?: keyof typeof presets;
  /** Overrides on top of the preset (e.g. `{ probeIntervalMs: 500 }`). */
  config?: Partial<DetectorConfig>;
  /** Tick clock: `worker` (browsers: not throttled in hidden tabs), `timers`, or `auto` (default:
   * worker where possible). See `tick-scheduler.ts`. */
  clock?: 'auto' | 'worker' | 'timers';
  /** Follow the page lifecycle (visibility, freeze, pagehide → leave). Default true in browsers. */
  pageLifecycle?: boolean;
  /** Signed membership (decision 0012, trust model); `createMesh` passes `trustFor(identity)`. */
  trust?: Trust;
  /**
   * Incarnation to start at (default 0). A peer that comes back with a kept identity resumes above
   * its last one (`DurableHistory.startIncarnation`), so others see the same peer return.
   */
  incarnation?: number;
  /**
   * Pings answered per member (a token bucket, decision 0050). Default `pingBudgetFor(config)`:
   * twice the most an honest member sends at the shortest period (190/s, burst 147 by default).
   */
  pingBudget?: PingBudgetLimits;
}

/** Fault injection through the real transport, for demos and benchmarks. */
export interface MeshFaults {
  /** Dies like a killed process: {@link MeshFaults.hang} plus the signaling socket closed abruptly
   * (no leave), so the server witnesses `closed-by-peer` (decision 0013). Permanent. */
  crash(): void;
  /** Stops answering without a goodbye: the detector loop stops and all I/O is dropped, but the
   * connections and the signaling socket stay open, so nobody learns of it but the detector. Permanent. */
  hang(): void;
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
  'evict',
  'decode-error',
  'liar',
] as const satisfies readonly (keyof DetectorEventMap)[];

/**
 * Longest wait on `leave()` for the goodbye to be out and acted on (ms). A peer that hears the
 * goodbye marks us `left` and closes its link, which is the only acknowledgement the protocol has.
 * Closing 20 ms after handing the goodbye to SCTP (the old rule) let a SIGTERMed edge peer exit
 * before a loaded machine delivered it (CI: the others never saw `left`), so `leave()` now waits for
 * those links to close, up to this bound.
 */
const leaveFlushMsMax = 2_000;

/**
 * A detector on a transport, driven by the tick clock. Implements `MeshView`.
 *
 * @fires status-change, join, leave, interval-change, health-change, local-health-change, reap,
 *   decode-error - the detector's events (`CustomEvent`, `detail` per `DetectorEventMap`).
 */
export class DetectorHost extends EventTarget implements MeshView {
  readonly localId: PeerId;
  readonly detector: Detector;
  /** Which tick clock drives the detector (`worker` or `timers`). */
  readonly clockKind: TickScheduler['kind'];
  readonly faults: MeshFaults;
  /** Pings answered per member (decision 0050); `pingBudget.counters.pingsThrottled` counts the rest. */
  readonly pingBudget: PingBudget;
  /** The detector's config: the preset's (or this platform's) defaults, `options.config` over them. */
  readonly config: Readonly<DetectorConfig>;
  #transport: HostTransport;
  #loop: RunningDetector;
  #scheduler: TickScheduler;
  #status: MeshStatus = 'running';
  #stopLifecycle: () => void;
  /**
   * The goodbye once computed, and how far its sends got (unreliable, then reliable channel): a
   * later call resumes it (see {@link DetectorHost.leaveOnPagehide}).
   */
  #goodbye: { sends: ReturnType<Detector['leave']>['sends']; next: number } | undefined;
  /** Steps of `close()` done (a later call resumes the rest). */
  #closeStepsDone = 0;

  constructor(localId: PeerId, transport: HostTransport, options: HostOptions) {
    super();
    const now = () => performance.now();
    this.localId = localId;
    this.#transport = transport;
    const base =
      options.preset === undefined
        ? defaultConfig(typeof document === 'undefined' ? 'node' : 'browser')
        : presets[options.preset];
    const config = { ...base, ...options.config };
    this.config = config;
    this.detector = new Detector({
      id: localId,
      config,
      random: createRandom(),
      nowMs: now(),
      ...(options.trust === undefined ? {} : { trust: options.trust }),
      ...(options.incarnation === undefined ? {} : { incarnation: options.incarnation }),
    });
    this.#scheduler = pickScheduler(options.clock ?? 'auto');
    this.clockKind = this.#scheduler.kind;
    this.pingBudget = new PingBudget(options.pingBudget ?? pingBudgetFor(config));
    const gated = throughPingBudget(transport, this.pingBudget, now);
    this.#loop = runDetector(this.detector, gated, { scheduler: this.#scheduler, nowMs: now });
    this.faults = this.#makeFaults();
    for (const type of detectorEvents) {
      this.detector.addEventListener(type, (e) =>
        this.dispatchEvent(new CustomEvent(type, { detail: (e as CustomEvent).detail })),
      );
    }
    this.#loop.deliver(this.detector.setLifecycle(currentLifecycle(), now()));
    this.#stopLifecycle =
      options.pageLifecycle === false
        ? () => undefined
        : watchPageLifecycle({
            lifecycle: (state) => this.#setLifecycle(state),
            pagehide: () => this.#leaveOnPagehide(),
          });
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
  /** Whether the signaling room admitted `peer` (`Detector.admitted`, decision 0027). */
  admitted(peer: PeerId): boolean {
    return this.detector.admitted(peer);
  }
  localHealthScore(): number {
    return this.detector.localHealthScore();
  }
  protocolPeriodMs(): number {
    return this.detector.protocolPeriodMs();
  }
  /** The detector's stall tolerance at the current mesh size (`Detector.stallToleranceMs`). */
  stallToleranceMs(): number {
    return this.detector.stallToleranceMs();
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

  /** Timer lateness of the tick clock: last sample and moving average (ms). */
  timerLateness(): { lastMs: number; averageMs: number } {
    return this.#loop.timerLateness();
  }

  /**
   * Graceful leave: goodbye on every open link (both channels), then `close()` once the goodbye is
   * out and every healthy peer has closed its link (it heard us), at most `leaveFlushMsMax`.
   */
  async leave(): Promise<void> {
    if (this.#status !== 'running') return this.close();
    // Peers that answer: links to crashed or suspected peers may stay open until ICE gives up.
    const awaited = new Set(
      this.detector
        .peers()
        .filter((p) => p.direct && p.state === 'healthy')
        .map((p) => p.id),
    );
    this.leaveNow(false);
    const pending = (): boolean =>
      this.#transport.bufferedBytes() > 0 || [...this.#transport.linkedPeers()].some((id) => awaited.has(id));
    const start = performance.now();
    while (pending() && performance.now() - start < leaveFlushMsMax)
      await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 20));
    this.close();
  }

  /** Goodbye on every open link and close at once, without waiting for a flush (page unload). */
  leaveAtOnce(): void {
    this.leaveNow(true);
  }

  /** Closes everything without a goodbye (others will see the links close). Idempotent. */
  close(): void {
    this.#status = 'closed';
    // Every step runs even if one throws (a page going away): the subclass's onClose says the
    // signaling goodbye, which is what tells the others this was a leave, not a crash. A step is
    // counted done once it returned or threw, so a call cut off inside one (see
    // `#leaveOnPagehide`) leaves it to the next call.
    const steps = [
      () => this.#stopLifecycle(),
      () => this.#loop.stop(),
      () => this.#scheduler.close(),
      () => this.onClose(),
      () => this.#transport.close(),
    ];
    let first: unknown;
    while (this.#closeStepsDone < steps.length) {
      const step = steps[this.#closeStepsDone] as () => void;
      try {
        step();
      } catch (err) {
        first ??= err;
      }
      this.#closeStepsDone += 1;
    }
    if (first !== undefined) throw first;
  }

  /** Subclass hook: release what the subclass holds (runs before the transport closes). */
  protected onClose(): void {
    // nothing by default
  }

  /** Sends the goodbye now (unreliable and reliable channel); with `closeNow`, closes at once. */
  protected leaveNow(closeNow: boolean): void {
    if (this.#status !== 'running') return;
    try {
      this.#sendGoodbye();
    } finally {
      // Closed even if a send threw while the page goes away: the signaling socket then closes
      // cleanly (the server witnesses a leave, not a crash).
      if (closeNow) this.close();
    }
  }

  /**
   * `pagehide`: goodbye and close, or the rest of them. Firefox can cut a closing window's script
   * off in the middle of a `pagehide` listener (no exception to catch, no `finally`; seen under CPU
   * load: the goodbye half sent, the signaling socket closed without its leave, so the others
   * failed a tab that had closed) and still run the next listener: `watchPageLifecycle` calls this
   * from two listeners, and the second finishes what the first left undone.
   */
  #leaveOnPagehide(): void {
    // Not running and no goodbye begun: closed, or hung (the fault says nothing on the way out).
    if (this.#status !== 'running' && this.#goodbye === undefined) return;
    try {
      this.#sendGoodbye();
    } finally {
      this.close();
    }
  }

  /**
   * Computes the goodbye once and sends what is left of it: each goodbye on its own (a link that
   * throws while the page goes away, a closing RTCDataChannel, must not keep it from the peers
   * after it), counted sent once its send returned or threw.
   */
  #sendGoodbye(): void {
    let goodbye = this.#goodbye;
    if (goodbye === undefined) {
      if (this.#status !== 'running') return;
      const result = this.detector.leave(performance.now());
      goodbye = this.#goodbye = { sends: result.sends, next: 0 };
      // The detector's timer: the sends go out below.
      this.#loop.deliver({ sends: [], events: result.events });
    }
    const { sends } = goodbye;
    while (goodbye.next < 2 * sends.length) {
      const i = goodbye.next;
      const s = sends[i % sends.length] as (typeof sends)[number];
      try {
        if (i < sends.length) this.#transport.send(s.to, s.bytes);
        else this.#transport.sendOnReliableChannel(s.to, s.bytes);
      } catch {
        // that link is going anyway; the others still get their goodbye
      }
      goodbye.next = i + 1;
    }
  }

  #setLifecycle(state: Lifecycle): void {
    if (this.#status === 'running') this.#loop.deliver(this.detector.setLifecycle(state, performance.now()));
  }

  /** The crash fault's signaling half: a subclass closes its signaling socket abruptly. */
  protected abortSignaling(): void {
    // nothing by default
  }

  /**
   * Hands a signaling-session witness to the detector (decision 0013): the subclass calls it for
   * every `session-ended` (and `joined` on a peer's join) its signaling client reports.
   */
  protected witness(peer: PeerId, kind: WitnessKind): void {
    if (this.#status === 'running') this.#loop.deliver(this.detector.witness(peer, kind, performance.now()));
  }

  /**
   * Hands the signaling room's roster to the detector (decision 0027): the subclass calls it for
   * every `roster` its signaling client reports (the peers already in the room at each join). A
   * signer of `failed` counts as a declarer only when linked or admitted (`joined` admits too).
   */
  protected admit(peers: Iterable<PeerId>): void {
    if (this.#status === 'running') this.detector.admit(peers);
  }

  #makeFaults(): MeshFaults {
    const hang = (): void => {
      if (this.#status !== 'running') return;
      this.#status = 'crashed';
      this.#stopLifecycle();
      this.#loop.stop();
      this.#transport.mute();
    };
    return {
      hang,
      crash: () => {
        if (this.#status !== 'running') return;
        hang();
        this.abortSignaling();
      },
      freeze: blockThreadFor,
      setLatencyMs: (ms) => this.#transport.setLatencyMs?.(ms),
      setDropRate: (p) => this.#transport.setDropRate?.(p),
    };
  }
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

/** `peer-` + 8 random hex digits. */
export function randomPeerId(): string {
  const b = crypto.getRandomValues(new Uint8Array(4));
  return `peer-${[...b].map((x) => x.toString(16).padStart(2, '0')).join('')}`;
}
