/**
 * The pulsemesh failure detector: SWIM probing with RTT-derived timeouts and indirect probes,
 * Lifeguard suspicion and local health, a phi accrual gate, piggybacked dissemination, anti-entropy
 * sync on join, an adaptive protocol period, vital signs, cluster health and analytics.
 *
 * Sans-IO: drive it with `tick(nowMs)`, `receive(from, bytes, nowMs)`, `linkUp`/`linkDown`, and call
 * `tick` again at `nextDeadlineMs()`. Each call returns what to send and what happened; every event is
 * also dispatched as a `CustomEvent` (typed by `DetectorEventMap`).
 *
 * This class is the public face: it checks arguments, brackets each step (`begin`, then `end`:
 * health tier, events dispatched, sends returned) and delegates to the modules of each concept:
 * `detector-links` (transport links), `detector-receive` (bytes in), `detector-self` (this peer's
 * own lifecycle, load, metadata, goodbye), `detector-queries` (read-only views), `timers`.
 */
import { isValidPeerId } from './codec.js';
import { stallToleranceMs, validateConfig } from './config.js';
import { assert } from './errors.js';
import { clusterHealth, healthTier } from './health.js';
import { scaleByLocalHealth } from './local-health.js';
import type { MeshView } from './mesh-view.js';
import type { DetectorStats } from './stats.js';
import type {
  AnalyticsReport,
  ClusterHealth,
  HistoryEntry,
  Lifecycle,
  PastMember,
  PeerId,
  PeerSnapshot,
  StepResult,
} from './types.js';
import { DetectorState, EMPTY_STEP, type DetectorOptions } from './detector-state.js';
import * as links from './detector-links.js';
import * as queries from './detector-queries.js';
import { receiveBytes } from './detector-receive.js';
import * as self from './detector-self.js';
import { admitToRoster } from './trust.js';
import { nextDeadline, runTimers } from './timers.js';
import { applyWitness, type WitnessKind } from './witness.js';

export type { DetectorOptions, Roster } from './detector-state.js';

/** See the module comment. Implements {@link MeshView}. */
export class Detector extends EventTarget implements MeshView {
  readonly localId: PeerId;
  private readonly s: DetectorState;

  constructor(options: DetectorOptions) {
    super();
    assert(isValidPeerId(options.id), 'id must be 1..64 UTF-8 bytes');
    validateConfig(options.config);
    assert(
      options.trust === undefined || options.trust.keyMatches(options.id, options.trust.publicKey),
      'with trust, id must be derived from trust.publicKey',
    );
    this.localId = options.id;
    this.s = new DetectorState(options);
  }

  /**
   * The transport has a direct link to `peer`: it becomes a member and a direct probe target. A
   * joiner (a detector that has not synced yet) asks its first two links for their member table.
   */
  linkUp(peer: PeerId, nowMs: number): StepResult {
    assert(isValidPeerId(peer) && peer !== this.s.localId, `invalid peer id for linkUp: ${peer}`);
    this.s.begin(nowMs);
    links.linkUp(this.s, peer);
    return this.end();
  }

  /** `peer` is no longer directly reachable; it stays a member, probed indirectly until failed or left. */
  linkDown(peer: PeerId, nowMs: number): StepResult {
    this.s.begin(nowMs);
    links.linkDown(this.s, peer);
    return this.end();
  }

  /** Runs every timer due at `nowMs`. */
  tick(nowMs: number): StepResult {
    this.s.begin(nowMs);
    if (this.s.hasLeft) return this.end();
    this.s.lastTickMs = this.s.now;
    runTimers(this.s);
    return this.end();
  }

  /** Handles bytes from `from`. Never throws on bad bytes: counts them and emits `decode-error`. */
  receive(from: PeerId, bytes: Uint8Array, nowMs: number): StepResult {
    this.s.begin(nowMs);
    receiveBytes(this.s, from, bytes);
    return this.end();
  }

  /**
   * Evidence from the signaling server about `peer`'s session (decision 0013): `closed-by-peer`
   * (its socket was closed without a leave: what a dying process does) makes this peer probe it at
   * once, and without an answer within about two probe timeouts (plus the longest stall it
   * reported) it is `failed` with reason `witnessed`; `timed-out` and `left` only mark its
   * signaling lost (`PeerSnapshot.signalingLost`); `joined` clears that. The runtime passes only
   * witnesses of the peer's current session. Unknown peers and this peer itself are ignored.
   */
  witness(peer: PeerId, kind: WitnessKind, nowMs: number): StepResult {
    this.s.begin(nowMs);
    if (this.s.hasLeft || peer === this.s.localId) return this.end();
    if (kind === 'joined') admitToRoster(this.s, peer);
    const m = this.s.members.get(peer);
    if (m !== undefined) applyWitness(this.s, m, kind);
    return this.end();
  }

  /**
   * The signaling room's roster (the peers already in the room when this peer joined, or re-sent):
   * each is recorded as admitted, and nothing else changes (decision 0027). A signer of `failed`
   * counts as a declarer only when linked to this peer or admitted; `witness(peer, 'joined')`
   * admits too. Needs no `tick`: it sends nothing and arms no timer.
   */
  admit(peers: Iterable<PeerId>): void {
    for (const peer of peers) admitToRoster(this.s, peer);
  }

  /** Whether the signaling room admitted `peer`: {@link admit}, a `joined` witness, or the shared roster. */
  admitted(peer: PeerId): boolean {
    return this.s.admitted.has(peer) || this.s.roster?.has(peer) === true;
  }

  /** Graceful leave: tells every linked peer (and gossip); afterwards the detector is inert. */
  leave(nowMs: number): StepResult {
    this.s.begin(nowMs);
    self.leave(this.s);
    return this.end();
  }

  /** When `tick` must next be called (ms; `Infinity` when nothing is scheduled). */
  nextDeadlineMs(): number {
    return nextDeadline(this.s);
  }

  /** Sets this peer's lifecycle; on a change, pushes vital signs to every linked peer (deliver the sends). */
  setLifecycle(lifecycle: Lifecycle, nowMs: number): StepResult {
    this.s.begin(nowMs);
    self.setLifecycle(this.s, lifecycle);
    return this.end();
  }

  /** Sets the load reported on acks (ms of event-loop lag, as measured by the runtime). */
  setLoad(loadMs: number): void {
    self.setLoad(this.s, loadMs);
  }

  /** Sets the application metadata carried on acks. Throws when longer than `metadataBytesMax`. */
  setMetadata(bytes: Uint8Array): void {
    self.setMetadata(this.s, bytes);
  }

  /**
   * The runtime's timer fired `lateMs` late; a late timer (> `timerLateMsMax`) raises local health
   * (≤ once per period). A stall well past the longest one this peer announced pushes its vital
   * signs to every link (deliver the sends), so witnessed checks of it wait out such stalls.
   */
  reportTimerLateness(lateMs: number, nowMs: number): StepResult {
    this.s.begin(nowMs);
    self.reportTimerLateness(this.s, lateMs);
    return this.end();
  }

  /** Lowers the largest message built to the transport's limit (the runtime calls this). */
  limitMessageBytes(maxBytes: number): void {
    self.limitMessageBytes(this.s, maxBytes);
  }

  /** Every known peer except the local one. */
  peers(): PeerSnapshot[] {
    return queries.peers(this.s);
  }

  /** One peer's snapshot, or undefined when unknown. */
  peer(id: PeerId): PeerSnapshot | undefined {
    return queries.peer(this.s, id);
  }

  /** Peers a load balancer may route to: `healthy` only (not recovering, suspected, failed or left). */
  routable(): PeerId[] {
    return queries.routable(this.s);
  }

  health(): ClusterHealth {
    return queries.health(this.s);
  }

  localHealthScore(): number {
    return this.s.score;
  }

  /** This config's stall tolerance at the current mesh size (ms): `stallToleranceMs(config, members + 1)`. */
  stallToleranceMs(): number {
    return stallToleranceMs(this.s.config, this.s.members.size + 1);
  }

  /** The adaptive protocol period (ms), before local-health stretching. */
  protocolPeriodMs(): number {
    return this.s.periodMs;
  }

  /** The period actually used between probes: `protocolPeriodMs() × (1 + localHealthScore())`. */
  effectiveProtocolPeriodMs(): number {
    return scaleByLocalHealth(this.s.periodMs, this.s.score);
  }

  /** This peer's incarnation (raised to refute suspicions). */
  localIncarnation(): number {
    return this.s.incarnation;
  }

  /** When the current suspicion of `peer` turns into `failed` (ms), if suspected. */
  suspicionDeadlineMs(peer: PeerId): number | undefined {
    return queries.suspicionDeadlineMs(this.s, peer);
  }

  /**
   * How a witnessed check of `peer` would be sized now (ms; what `witness` uses for a
   * `closed-by-peer`): its window, the probe timeout and stall allowance in it, the link's RTT
   * samples so far, and this peer's path RTT estimate (every link's samples; a link without samples
   * waits by it). Undefined for an unknown peer. Read-only: benchmarks record it per observer.
   */
  witnessWindow(peer: PeerId): queries.WitnessWindowSizing | undefined {
    return queries.witnessWindow(this.s, peer);
  }

  /** Members reaped from the live view (failed or left for `reapAfterMs`), most recently reaped last. */
  pastMembers(): PastMember[] {
    return queries.pastMembers(this.s);
  }

  history(peer?: PeerId): readonly HistoryEntry[] {
    return queries.history(this.s, peer);
  }

  /** Reports for the live members and the past ones (observed until they ended). */
  analytics(): AnalyticsReport {
    return queries.analytics(this.s);
  }

  nowMs(): number {
    return this.s.now;
  }

  /** Peers flagged as liars (see the `liar` event). */
  liars(): PeerId[] {
    return this.s.liars.flagged();
  }

  /** Counters since construction. */
  stats(): DetectorStats {
    return queries.stats(this.s);
  }

  /** Adds a listener; events of a type nobody listens to are not dispatched (no allocation). */
  override addEventListener(
    type: string,
    // spelled through EventTarget: the published .d.ts must not name a DOM-only type (a Node
    // consumer without the DOM lib has EventTarget but not EventListenerOrEventListenerObject)
    listener: Parameters<EventTarget['addEventListener']>[1],
    options?: Parameters<EventTarget['addEventListener']>[2],
  ): void {
    this.s.listened.add(type);
    super.addEventListener(type, listener, options);
  }

  /** Ends a step: a health tier change becomes an event, the step's events are dispatched. */
  private end(): StepResult {
    const c = this.s.counts;
    const present = c.healthy + c.suspected + c.failed + c.recovering;
    if (healthTier(present === 0 ? 100 : (100 * c.healthy) / present, this.s.config) !== this.s.tier) {
      const h = clusterHealth(c, this.s.config);
      const from = this.s.tier;
      this.s.tier = h.tier;
      this.s.emit('health-change', { from, to: h.tier, health: h, atMs: this.s.now });
    }
    const sends = this.s.stepSends;
    const events = this.s.stepEvents;
    if (sends === null && events === null) return EMPTY_STEP;
    if (events !== null) {
      for (const e of events) {
        if (this.s.listened.has(e.type)) this.dispatchEvent(new CustomEvent(e.type, { detail: e.detail }));
      }
    }
    return { sends: sends ?? [], events: events ?? [] };
  }
}
