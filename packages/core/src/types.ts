/**
 * Shared vocabulary of the detector: peer states, lifecycle, snapshots, cluster health and events.
 * These types are the contract between `core` and its consumers (`sim`, `webrtc`, `elements`, apps).
 */

/** A peer's identifier: opaque, 1 to 64 UTF-8 bytes. */
export type PeerId = string;

/**
 * What this detector believes about a peer.
 * - `healthy`: answering probes (directly or through others).
 * - `suspected`: missed a direct and indirect probe round; it may refute before its suspicion expires.
 * - `failed`: suspicion expired without refutation (or another peer confirmed the failure).
 * - `recovering`: was `failed`, has been heard from again, must stay good for a streak of probes.
 * - `left`: said goodbye (graceful leave); not a failure.
 */
export const PeerState = {
  healthy: 'healthy',
  suspected: 'suspected',
  failed: 'failed',
  recovering: 'recovering',
  left: 'left',
} as const;
export type PeerState = (typeof PeerState)[keyof typeof PeerState];

/** What a peer reports about its own runtime: a browser tab's page lifecycle, or `server` for Node. */
export const Lifecycle = {
  visible: 'visible',
  hidden: 'hidden',
  frozen: 'frozen',
  server: 'server',
} as const;
export type Lifecycle = (typeof Lifecycle)[keyof typeof Lifecycle];

/** Cluster health tier, from the share of known peers that are healthy (thresholds configurable). */
export const HealthTier = {
  healthy: 'HEALTHY',
  degraded: 'DEGRADED',
  critical: 'CRITICAL',
  failed: 'FAILED',
} as const;
export type HealthTier = (typeof HealthTier)[keyof typeof HealthTier];

/** Vital signs a peer carries on its acks. */
export interface VitalSigns {
  /** Runtime load: event-loop lag (ms) as measured by the runtime adapter. */
  loadMs: number;
  /** Time since the peer started, ms. */
  uptimeMs: number;
  lifecycle: Lifecycle;
  /** Small application metadata (bounded by config `metadataBytesMax`). */
  metadata: Uint8Array;
}

/** Link quality as measured by this detector towards one peer. */
export interface LinkStats {
  /** Smoothed RTT (ms), or undefined before the first ack. */
  rttMs: number | undefined;
  /** RTT variation (ms), RFC 6298 style. */
  rttVarMs: number | undefined;
  /** Loss ratio in [0, 1] estimated from sequence gaps and missed acks. */
  loss: number;
  /** Last few RTT samples (ms), oldest first, for sparklines. Bounded. */
  rttSamplesMs: readonly number[];
  /** Bytes this detector sent to / received from the peer. */
  bytesSent: number;
  bytesReceived: number;
}

/** Everything the UI needs to show about one peer, as this detector sees it. */
export interface PeerSnapshot {
  id: PeerId;
  state: PeerState;
  /** Time of the last state change (detector clock, ms). */
  sinceMs: number;
  incarnation: number;
  /** Phi accrual suspicion level right now (0 = just heard from). */
  phi: number;
  /**
   * When a message from the peer last arrived here directly (detector clock, ms); absent if never.
   * For a peer that went silent, the best estimate of when it did.
   */
  lastHeardMs?: number;
  /** Whether this detector has a direct link to the peer (false: known through gossip only). */
  direct: boolean;
  link: LinkStats;
  /** Last vital signs received, if any. */
  vitals: VitalSigns | undefined;
  /**
   * The signaling server reported this peer's session ended and it has not reconnected: it may be
   * alive and still answering probes ("signaling lost"), see `Detector.witness`.
   */
  signalingLost: boolean;
  /** `failed` taken from another peer's verdict, not checked first-hand (no link to it). */
  secondHand?: boolean;
  /** Flagged as a liar: its accusations kept being refuted, or it relayed forged signatures. */
  liar?: boolean;
}

/** The cluster as this detector sees it (the local peer is counted as healthy). */
export interface ClusterHealth {
  counts: Record<PeerState, number>;
  total: number;
  /** Healthy share of non-left peers, 0..100. */
  healthPercent: number;
  tier: HealthTier;
  /** True when this peer reaches fewer than half of the peers it last knew alive. */
  minorityPartition: boolean;
}

/** Event `detail` types, keyed by event name. */
export interface DetectorEventMap {
  /** A peer's state changed. */
  'status-change': { peer: PeerId; from: PeerState; to: PeerState; reason: string; atMs: number };
  /** A new member became known (directly or by gossip). */
  join: { peer: PeerId; atMs: number };
  /** A member left gracefully. */
  leave: { peer: PeerId; atMs: number };
  /** The protocol period changed. */
  'interval-change': { fromMs: number; toMs: number; reason: string; atMs: number };
  /** The cluster tier changed. */
  'health-change': { from: HealthTier; to: HealthTier; health: ClusterHealth; atMs: number };
  /** This peer's own local health score changed. */
  'local-health-change': { score: number; atMs: number };
  /**
   * A failed or left member was reaped from the live view into the past members (`reapAfterMs`
   * after `endedAtMs`, when it became failed or left).
   */
  reap: { peer: PeerId; ended: 'failed' | 'left'; reason: string; endedAtMs: number; atMs: number };
  /**
   * A member that had not ended was dropped from a full table (`membersMax`) to make room for
   * another (`membership.ts`, `evictOne`): it is no longer tracked, and no verdict about it will
   * follow here unless it is learned again (then `join`).
   */
  evict: { peer: PeerId; state: PeerState; atMs: number };
  /**
   * A message could not be decoded, or updates in it named a non-canonical id and were dropped
   * (`error`: `non-canonical-peer-id`); counted, never thrown. At most one event per gap: `count`
   * is the bad messages since the previous event.
   */
  'decode-error': { peer: PeerId; error: string; atMs: number; count: number };
  /**
   * A peer was flagged as a liar (`reason`: `forged-signature` when it relayed an update whose
   * signature does not verify, `refuted-accusation` when its accusations kept being refuted).
   */
  liar: { peer: PeerId; reason: string; atMs: number };
}
export type DetectorEventName = keyof DetectorEventMap;

/** One event as returned by `tick`/`receive` (and dispatched as a `CustomEvent`). */
export type DetectorEvent = {
  [K in DetectorEventName]: { type: K; detail: DetectorEventMap[K] };
}[DetectorEventName];

/** A message the driver must deliver. */
export interface Outgoing {
  to: PeerId;
  bytes: Uint8Array;
}

/** What one call into the detector produced. */
export interface StepResult {
  sends: Outgoing[];
  events: DetectorEvent[];
}

/**
 * A member no longer in the live view: it was `failed` or `left` for `reapAfterMs` (see
 * `past-members.ts`). Kept (bounded by `pastMembersMax`) so UIs can show when and how it ended, and
 * so the same peer coming back (same id, higher incarnation) is recognised as a return.
 */
export interface PastMember {
  id: PeerId;
  /** How it ended: declared `failed` (it never refuted) or `left` (said goodbye). */
  ended: 'failed' | 'left';
  /** Reason of its last transition (`suspicion-timeout`, `graceful-leave`, `gossip-leave`, …). */
  reason: string;
  /** When it became failed or left (detector clock, ms). */
  endedAtMs: number;
  /** When it was moved out of the live view (ms). */
  reapedAtMs: number;
  /** When this detector first knew it (ms). */
  firstSeenMs: number;
  /** Its last known incarnation: only a higher one (or the peer itself) brings it back. */
  incarnation: number;
}

/** One entry of the bounded event history kept per peer (default 1,000 per peer). */
export interface HistoryEntry {
  atMs: number;
  peer: PeerId;
  kind: 'join' | 'status-change' | 'leave' | 'interval-change';
  from?: PeerState;
  to?: PeerState;
  reason?: string;
}

/** Reliability report for one peer over the observed window. */
export interface PeerReport {
  peer: PeerId;
  /** Transitions into `failed`. */
  failures: number;
  /** Transitions out of `failed` back to healthy (each matched to exactly one failure). */
  recoveries: number;
  /** Mean up time between failures: (observed − downtime) / failures (ms); undefined with no failure. */
  mtbfMs: number | undefined;
  /** Mean time to recovery over completed outages (ms); undefined with none completed. */
  mttrMs: number | undefined;
  /** Up time / observed time in [0, 1]; ongoing downtime counts as down. */
  availability: number;
  failuresPerDay: number;
  /** Time this peer was a member (ms): from first seen to now, minus the time away after each graceful leave. */
  observedMs: number;
  /** Time in an outage (`failed` or `recovering` after a failure) within `observedMs`. */
  downtimeMs: number;
  /** Total duration of the outages that ended in recovery (ms): MTTR = repairMs / recoveries. */
  repairMs: number;
}

/** Analytics over every known peer plus a cluster summary. */
export interface AnalyticsReport {
  atMs: number;
  peers: PeerReport[];
  cluster: {
    failures: number;
    recoveries: number;
    mtbfMs: number | undefined;
    mttrMs: number | undefined;
    /** Time-weighted: Σ up / Σ observed over peers (not a mean of per-peer ratios); 1 with nothing observed. */
    availability: number;
    /** Σ observed time over peers (ms). */
    observedMs: number;
    /** Σ downtime over peers (ms). */
    downtimeMs: number;
  };
}
