/**
 * Reliability analytics per peer: failures, recoveries, MTBF, MTTR, availability.
 *
 * An *outage* starts when a peer enters `failed` while not already in an outage, and ends when it is
 * next `healthy` (a `recovering` peer is still down: it is not routable), so each recovery closes
 * exactly one failure. A peer is *observed* from when it became known until its graceful leave, and
 * again from its return until the next leave or now: time away after `left` is neither up nor down,
 * so a peer that leaves for an hour and comes back has not been available for that hour. An outage
 * still open at the end of a segment counts as downtime (cut short by a leave: downtime without a
 * recovery).
 *
 * **MTBF definition.** MTBF here is *mean up time between failures* (the operational "MTTF" form):
 * up time / failures, where up time = observed − downtime. It does not include the repair time, so
 * with every outage recovered `availability = MTBF / (MTBF + MTTR)` holds exactly, per peer and for
 * the cluster (Σ up / Σ failures, Σ repair / Σ recoveries, Σ up / Σ observed).
 */
import type { PeerId, PeerReport, PeerState, AnalyticsReport } from './types.js';

const DAY_MS = 86_400_000;

/** Running totals for one peer, updated per state transition (O(1) memory, unaffected by history caps). */
export interface OutageLog {
  firstSeenMs: number;
  /** Start of the current observation segment (first seen, or back after a leave); undefined while away. */
  segmentStartMs: number | undefined;
  /** Observed time (ms) of segments already closed by a graceful leave. */
  closedObservedMs: number;
  /** When observation last ended (graceful leave); undefined while observing. */
  endMs: number | undefined;
  failures: number;
  recoveries: number;
  /** Closed downtime (ms), including an outage cut short by a leave. */
  downtimeMs: number;
  /** Total duration of outages that ended in recovery (ms): MTTR numerator. */
  repairMs: number;
  /** Start of the open outage, if any. */
  outageStartMs: number | undefined;
}

/** A fresh log for a peer first seen at `atMs`. */
export function newOutageLog(atMs: number): OutageLog {
  return {
    firstSeenMs: atMs,
    segmentStartMs: atMs,
    closedObservedMs: 0,
    endMs: undefined,
    failures: 0,
    recoveries: 0,
    downtimeMs: 0,
    repairMs: 0,
    outageStartMs: undefined,
  };
}

/** Records a transition into state `to` at `atMs`, in place. Any state other than `left` after a leave starts a new segment. */
export function recordTransition(log: OutageLog, to: PeerState, atMs: number): void {
  if (to === 'left') {
    if (log.segmentStartMs === undefined) return;
    if (log.outageStartMs !== undefined) {
      log.downtimeMs += Math.max(0, atMs - log.outageStartMs);
      log.outageStartMs = undefined;
    }
    log.closedObservedMs += Math.max(0, atMs - log.segmentStartMs);
    log.segmentStartMs = undefined;
    log.endMs = atMs;
    return;
  }
  if (log.segmentStartMs === undefined) {
    log.segmentStartMs = atMs;
    log.endMs = undefined;
  }
  if (to === 'failed') {
    if (log.outageStartMs === undefined) {
      log.failures += 1;
      log.outageStartMs = atMs;
    }
  } else if (to === 'healthy' && log.outageStartMs !== undefined) {
    const d = Math.max(0, atMs - log.outageStartMs);
    log.recoveries += 1;
    log.downtimeMs += d;
    log.repairMs += d;
    log.outageStartMs = undefined;
  }
}

/**
 * Report for one peer at `nowMs`: `observed` = closed segments + the open one (to now);
 * `downtime` = closed + open outage; `availability = (observed − downtime) / observed` (1 over an
 * empty window); `MTBF = (observed − downtime) / failures` (mean up time between failures);
 * `MTTR = repair time / recoveries`; `failuresPerDay = failures / (observed / 1 day)`.
 */
export function peerReport(peer: PeerId, log: OutageLog, nowMs: number): PeerReport {
  const open = log.segmentStartMs === undefined ? 0 : Math.max(0, nowMs - log.segmentStartMs);
  const observedMs = log.closedObservedMs + open;
  const openOutage = log.outageStartMs === undefined ? 0 : Math.max(0, nowMs - log.outageStartMs);
  const downtimeMs = Math.min(observedMs, log.downtimeMs + openOutage);
  const upMs = observedMs - downtimeMs;
  return {
    peer,
    failures: log.failures,
    recoveries: log.recoveries,
    mtbfMs: log.failures > 0 ? upMs / log.failures : undefined,
    mttrMs: log.recoveries > 0 ? log.repairMs / log.recoveries : undefined,
    availability: observedMs > 0 ? upMs / observedMs : 1,
    failuresPerDay: observedMs > 0 ? log.failures / (observedMs / DAY_MS) : 0,
    observedMs,
    downtimeMs,
    repairMs: log.repairMs,
  };
}

/**
 * Cluster summary, pooled over peers so that it agrees with itself: MTBF = Σ up / Σ failures;
 * MTTR = Σ repair / Σ recoveries; availability = Σ up / Σ observed (time-weighted: a day-long peer
 * counts 1,440 times a minute-long one; 1 with nothing observed). With every outage recovered,
 * `availability = MTBF / (MTBF + MTTR)`.
 */
export function analyticsReport(reports: PeerReport[], nowMs: number): AnalyticsReport {
  let failures = 0;
  let recoveries = 0;
  let observedMs = 0;
  let downtimeMs = 0;
  let repairMs = 0;
  for (const r of reports) {
    failures += r.failures;
    recoveries += r.recoveries;
    observedMs += r.observedMs;
    downtimeMs += r.downtimeMs;
    repairMs += r.repairMs;
  }
  const upMs = observedMs - downtimeMs;
  return {
    atMs: nowMs,
    peers: reports,
    cluster: {
      failures,
      recoveries,
      mtbfMs: failures > 0 ? upMs / failures : undefined,
      mttrMs: recoveries > 0 ? repairMs / recoveries : undefined,
      availability: observedMs > 0 ? upMs / observedMs : 1,
      observedMs,
      downtimeMs,
    },
  };
}
