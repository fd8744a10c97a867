import type {
  AnalyticsReport,
  ClusterHealth,
  DetectorEventMap,
  HistoryEntry,
  PastMember,
  PeerId,
  PeerSnapshot,
} from './types.js';

/** Connection state of the signaling channel, for UIs ("signaling: connected / reconnecting"). */
export type SignalState = 'connecting' | 'connected' | 'reconnecting' | 'offline';

/**
 * A read-only view of one peer's knowledge of the mesh: what UIs (`@pulsemesh/elements`) and
 * terminal views render. `Detector` implements it; the WebRTC mesh wraps it and adds signaling state.
 *
 * Events are dispatched as `CustomEvent`s whose `detail` is typed by {@link DetectorEventMap}.
 * The optional `signal-state` event (detail `{ state: SignalState }`) comes from meshes that have one.
 */
export interface MeshView extends EventTarget {
  readonly localId: PeerId;
  /** Every live peer except the local one (failed and left ones until they are reaped). */
  peers(): PeerSnapshot[];
  /** Peers reaped from the live view, with when and how they ended (views that keep them). */
  pastMembers?(): PastMember[];
  health(): ClusterHealth;
  /** Lifeguard local health multiplier score: 0 = healthy, up to `localHealthMax`. */
  localHealthScore(): number;
  /** Current adaptive protocol period (ms). */
  protocolPeriodMs(): number;
  /** Bounded event history, oldest first; one peer's when `peer` is given. */
  history(peer?: PeerId): readonly HistoryEntry[];
  analytics(): AnalyticsReport;
  /** Current time on the detector's clock (ms), so views can render "since" durations. */
  nowMs(): number;
  /**
   * The longest silence a live peer may take without being declared failed, from the detector's
   * config at the current mesh size (`stallToleranceMs` of core), for views that run a detector.
   */
  stallToleranceMs?(): number;
  /** Signaling state, for meshes that have a signaling channel. */
  signalState?(): SignalState;
  /**
   * Whether the signaling room admitted `peer` (decision 0027), for meshes that know: first-hand
   * evidence that it is a member, where gossip alone is not (UIs count gossip-only members apart).
   */
  admitted?(peer: PeerId): boolean;
  /**
   * Whether this peer tried to link to `peer` (dialled it, accepted its offer, or asked it to dial)
   * and was not told it is busy, for meshes that know (decision 0062). In a room larger than the
   * mesh's link budget most members are never tried: UIs show those as "not linked (far)", not as
   * unreachable. A view without it leaves UIs treating every admitted member as tried.
   */
  linkTried?(peer: PeerId): boolean;
}

/** Typed helper: the `detail` of a detector `CustomEvent`. */
export type DetectorEventDetail<K extends keyof DetectorEventMap> = DetectorEventMap[K];
