import {
  analyticsReport,
  clusterHealth,
  newOutageLog,
  peerReport,
  recordTransition,
  type AnalyticsReport,
  type ClusterHealth,
  type DetectorEvent,
  type DetectorEventMap,
  type HealthTier,
  type HistoryEntry,
  type LinkStats,
  type MeshView,
  type OutageLog,
  type PastMember,
  type PeerId,
  type PeerSnapshot,
  type PeerState,
  type SignalState,
  type TierThresholds,
  type VitalSigns,
} from '@pulsemesh/core';

/** One step of a recorded stream: the clock, then snapshot changes, then the events in order. */
export interface RecordedFrame {
  atMs: number;
  /** Peer snapshots that changed (replace the stored snapshot; a new id joins silently). */
  peers?: readonly PeerSnapshot[];
  events?: readonly DetectorEvent[];
  localHealthScore?: number;
  protocolPeriodMs?: number;
  signalState?: SignalState;
}

/** Options of {@link RecordedMesh}. */
export interface RecordedMeshOptions {
  localId?: PeerId;
  startMs?: number;
  /** Entries kept in the history ring (oldest dropped first). Default 5,000. */
  historyMax?: number;
  /** Healthy-percent thresholds of the tiers. Default as in the seed: 90 / 70 / 50. */
  thresholds?: TierThresholds;
  signalState?: SignalState;
}

const emptyLink: LinkStats = {
  rttMs: undefined,
  rttVarMs: undefined,
  loss: 0,
  rttSamplesMs: [],
  bytesSent: 0,
  bytesReceived: 0,
};

/**
 * A real {@link MeshView} fed by a recorded or generated stream instead of a live detector:
 * `apply(frame)` replays a frame; `join`, `setState`, `leave`, `setLink`, ... record one change
 * each, update the health, history and analytics the way a detector does, and dispatch the same
 * `CustomEvent`s. Health and analytics come from core's own pure functions (`clusterHealth`,
 * `recordTransition`, `peerReport`, `analyticsReport`), so they mean what a detector's do. For
 * tests, demos and screenshots of `@pulsemesh/elements`.
 */
export class RecordedMesh extends EventTarget implements MeshView {
  readonly localId: PeerId;
  private now: number;
  private readonly snapshots = new Map<PeerId, PeerSnapshot>();
  private readonly outages = new Map<PeerId, OutageLog>();
  private readonly log: HistoryEntry[] = [];
  private readonly past = new Map<PeerId, PastMember>();
  private readonly historyMax: number;
  private readonly thresholds: TierThresholds;
  private localScore = 0;
  private periodMs = 1_000;
  private signal: SignalState | undefined;
  private tier: HealthTier;
  /** When set, overrides the computed minority-partition flag. */
  minorityPartitionOverride: boolean | undefined;

  constructor(options: RecordedMeshOptions = {}) {
    super();
    this.localId = options.localId ?? 'local';
    this.now = options.startMs ?? 0;
    this.historyMax = options.historyMax ?? 5_000;
    this.thresholds = options.thresholds ?? {
      healthyPercentMin: 90,
      degradedPercentMin: 70,
      criticalPercentMin: 50,
    };
    this.signal = options.signalState;
    this.tier = this.health().tier;
  }

  // ---- MeshView ----
  peers(): PeerSnapshot[] {
    return [...this.snapshots.values()];
  }

  health(): ClusterHealth {
    const counts: Record<PeerState, number> = {
      healthy: 1, // the local peer
      suspected: 0,
      failed: 0,
      recovering: 0,
      left: 0,
    };
    for (const peer of this.snapshots.values()) counts[peer.state]++;
    const health = clusterHealth(counts, this.thresholds);
    if (this.minorityPartitionOverride !== undefined) {
      health.minorityPartition = this.minorityPartitionOverride;
    }
    return health;
  }

  localHealthScore(): number {
    return this.localScore;
  }

  protocolPeriodMs(): number {
    return this.periodMs;
  }

  history(peer?: PeerId): readonly HistoryEntry[] {
    return peer === undefined ? [...this.log] : this.log.filter((entry) => entry.peer === peer);
  }

  pastMembers(): PastMember[] {
    return [...this.past.values()];
  }

  analytics(): AnalyticsReport {
    const reports = [...this.outages].map(([peer, log]) => peerReport(peer, log, this.now));
    return analyticsReport(reports, this.now);
  }

  nowMs(): number {
    return this.now;
  }

  signalState(): SignalState {
    return this.signal ?? 'connected';
  }

  // ---- recording API ----
  /** Moves the clock forward (ms). */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError('advance: ms must be >= 0');
    this.now += ms;
  }

  /** A new peer becomes known, healthy unless `state` says otherwise. Fires `join`. */
  join(id: PeerId, init: Partial<Omit<PeerSnapshot, 'id'>> = {}): void {
    if (this.snapshots.has(id)) throw new Error(`join: ${id} is already known`);
    const snapshot: PeerSnapshot = {
      id,
      state: 'healthy',
      sinceMs: this.now,
      incarnation: 0,
      phi: 0,
      direct: true,
      link: emptyLink,
      vitals: undefined,
      ...init,
      signalingLost: init.signalingLost ?? false,
    };
    this.snapshots.set(id, snapshot);
    this.track(id, snapshot.state);
    this.emit({ type: 'join', detail: { peer: id, atMs: this.now } });
    this.checkTier();
  }

  /** Changes a peer's state. Fires `status-change` (and `health-change` if the tier moves). */
  setState(id: PeerId, to: PeerState, reason = 'recorded'): void {
    const peer = this.require(id);
    if (peer.state === to) return;
    const from = peer.state;
    this.snapshots.set(id, { ...peer, state: to, sinceMs: this.now });
    this.record(id, to, this.now);
    this.emit({ type: 'status-change', detail: { peer: id, from, to, reason, atMs: this.now } });
    this.checkTier();
  }

  /** A peer leaves gracefully: state `left`, fires `leave`. */
  leave(id: PeerId): void {
    const peer = this.require(id);
    this.snapshots.set(id, { ...peer, state: 'left', sinceMs: this.now });
    this.record(id, 'left', this.now);
    this.emit({ type: 'leave', detail: { peer: id, atMs: this.now } });
    this.checkTier();
  }

  /**
   * Moves a failed or left peer out of the live view into the past members, as a detector does
   * after `reapAfterMs`; its analytics stop when it ended. Fires `reap`.
   */
  reap(id: PeerId): void {
    const peer = this.require(id);
    if (peer.state !== 'failed' && peer.state !== 'left') throw new Error(`reap: ${id} is ${peer.state}`);
    const ended = peer.state;
    const last = this.log.filter((e) => e.peer === id).at(-1);
    const reason = last?.reason ?? (ended === 'left' ? 'graceful-leave' : 'suspicion-timeout');
    const log = this.outages.get(id);
    if (log) recordTransition(log, 'left', peer.sinceMs);
    this.snapshots.delete(id);
    this.past.set(id, {
      id,
      ended,
      reason,
      endedAtMs: peer.sinceMs,
      reapedAtMs: this.now,
      firstSeenMs: log?.firstSeenMs ?? peer.sinceMs,
      incarnation: peer.incarnation,
    });
    this.emit({
      type: 'reap',
      detail: { peer: id, ended, reason, endedAtMs: peer.sinceMs, atMs: this.now },
    });
    this.checkTier();
  }

  /** Forgets a peer entirely (as a detector does after its left/failed retention). No event. */
  forget(id: PeerId): void {
    this.snapshots.delete(id);
    this.outages.delete(id);
  }

  /** Updates link statistics; appends `rttMs` to the sparkline samples (last 30 kept). No event. */
  setLink(id: PeerId, link: Partial<LinkStats>, phi?: number): void {
    const peer = this.require(id);
    const samples =
      link.rttSamplesMs ??
      (link.rttMs === undefined ? peer.link.rttSamplesMs : [...peer.link.rttSamplesMs, link.rttMs]);
    this.snapshots.set(id, {
      ...peer,
      phi: phi ?? peer.phi,
      link: { ...peer.link, ...link, rttSamplesMs: samples.slice(-30) },
    });
  }

  /** Updates a peer's vital signs or incarnation. No event. */
  setVitals(id: PeerId, vitals: VitalSigns | undefined, incarnation?: number): void {
    const peer = this.require(id);
    this.snapshots.set(id, { ...peer, vitals, incarnation: incarnation ?? peer.incarnation });
  }

  /** Sets the local health score. Fires `local-health-change`. */
  setLocalHealth(score: number): void {
    if (score === this.localScore) return;
    this.localScore = score;
    this.emit({ type: 'local-health-change', detail: { score, atMs: this.now } });
  }

  /** Sets the protocol period. Fires `interval-change`. */
  setProtocolPeriod(toMs: number, reason = 'recorded'): void {
    if (toMs === this.periodMs) return;
    const fromMs = this.periodMs;
    this.periodMs = toMs;
    this.emit({ type: 'interval-change', detail: { fromMs, toMs, reason, atMs: this.now } });
  }

  /** Sets the signaling state. Fires `signal-state`. */
  setSignalState(state: SignalState): void {
    this.signal = state;
    this.dispatchEvent(new CustomEvent('signal-state', { detail: { state } }));
  }

  /** Replays one recorded frame: clock, snapshots, then each event as a detector would emit it. */
  apply(frame: RecordedFrame): void {
    if (frame.atMs < this.now) throw new RangeError('apply: frames must be in time order');
    this.now = frame.atMs;
    for (const snapshot of frame.peers ?? []) {
      if (!this.snapshots.has(snapshot.id)) this.track(snapshot.id, snapshot.state);
      this.snapshots.set(snapshot.id, snapshot);
    }
    if (frame.localHealthScore !== undefined) this.localScore = frame.localHealthScore;
    if (frame.protocolPeriodMs !== undefined) this.periodMs = frame.protocolPeriodMs;
    if (frame.signalState !== undefined) this.setSignalState(frame.signalState);
    for (const event of frame.events ?? []) {
      if (event.type === 'status-change') {
        const { peer, to, atMs } = event.detail;
        this.record(peer, to, atMs);
      }
      if (event.type === 'health-change') this.tier = event.detail.to;
      this.emit(event);
    }
  }

  private track(id: PeerId, state: PeerState): void {
    const log = newOutageLog(this.now);
    recordTransition(log, state, this.now);
    this.outages.set(id, log);
  }

  private record(id: PeerId, to: PeerState, atMs: number): void {
    const log = this.outages.get(id);
    if (log) recordTransition(log, to, atMs);
  }

  private require(id: PeerId): PeerSnapshot {
    const peer = this.snapshots.get(id);
    if (!peer) throw new Error(`unknown peer ${id}`);
    return peer;
  }

  private checkTier(): void {
    const health = this.health();
    if (health.tier === this.tier) return;
    const from = this.tier;
    this.tier = health.tier;
    this.emit({ type: 'health-change', detail: { from, to: health.tier, health, atMs: this.now } });
  }

  private emit(event: DetectorEvent): void {
    const entry = toHistory(event, this.localId);
    if (entry) {
      this.log.push(entry);
      if (this.log.length > this.historyMax) this.log.splice(0, this.log.length - this.historyMax);
    }
    this.dispatchEvent(new CustomEvent(event.type, { detail: event.detail }));
  }
}

/** The history entry a detector keeps for an event (interval changes are the local peer's). */
function toHistory(event: DetectorEvent, localId: PeerId): HistoryEntry | undefined {
  switch (event.type) {
    case 'join':
    case 'leave':
      return { atMs: event.detail.atMs, peer: event.detail.peer, kind: event.type };
    case 'status-change': {
      const d: DetectorEventMap['status-change'] = event.detail;
      return { atMs: d.atMs, peer: d.peer, kind: 'status-change', from: d.from, to: d.to, reason: d.reason };
    }
    case 'interval-change': {
      const d = event.detail;
      return {
        atMs: d.atMs,
        peer: localId,
        kind: 'interval-change',
        reason: `${d.fromMs} → ${d.toMs} ms: ${d.reason}`,
      };
    }
    default:
      return undefined;
  }
}
