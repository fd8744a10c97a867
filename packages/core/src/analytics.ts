/**
 * Reliability analytics per peer: failures, recoveries, MTBF, MTTR, availability.
 *
 * The seed's arithmetic matched one recovery to several failures and measured availability from the
 * first event only. Here an *outage* starts when a peer enters `failed` while not already in an
 * outage, and ends when it is next `healthy` (a `recovering` peer is still down: it is not routable),
 * so each recovery closes exactly one failure. The observed window runs from when the peer became
 * known to now (or to its graceful leave); an outage still open at the end counts as downtime.
 */
import type { PeerId, PeerReport, PeerState, AnalyticsReport } from './types.js';

const DAY_MS = 86_400_000;

/** Running totals for one peer, updated per state transition (O(1) memory, unaffected by history caps). */
export interface OutageLog {
  firstSeenMs: number;
  /** When observation ended (graceful leave); undefined while observing. */
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
    endMs: undefined,
    failures: 0,
    recoveries: 0,
    downtimeMs: 0,
    repairMs: 0,
    outageStartMs: undefined,
  };
}

/** Records a transition into state `to` at `atMs`, in place. */
export function recordTransition(log: OutageLog, to: PeerState, atMs: number): void {
  if (to === 'failed') {
    if (log.outageStartMs === undefined) {
      log.failures += 1;
      log.outageStartMs = atMs;
    }
  } else if (to === 'healthy') {
    if (log.outageStartMs !== undefined) {
      const d = atMs - log.outageStartMs;
      log.recoveries += 1;
      log.downtimeMs += d;
      log.repairMs += d;
      log.outageStartMs = undefined;
    }
    log.endMs = undefined;
  } else if (to === 'left') {
    if (log.outageStartMs !== undefined) {
      log.downtimeMs += atMs - log.outageStartMs;
      log.outageStartMs = undefined;
    }
    log.endMs = atMs;
  }
}

/**
 * Report for one peer at `nowMs`: `observed = end − firstSeen`; `downtime = closed + open outage`;
 * `availability = (observed − downtime) / observed` (1 over an empty window);
 * `MTBF = (observed − downtime) / failures`; `MTTR = repair time / recoveries`;
 * `failuresPerDay = failures / (observed / 1 day)`.
 */
export function peerReport(peer: PeerId, log: OutageLog, nowMs: number): PeerReport {
  const end = log.endMs ?? nowMs;
  const observedMs = Math.max(0, end - log.firstSeenMs);
  const open = log.outageStartMs === undefined ? 0 : Math.max(0, end - log.outageStartMs);
  const downtimeMs = Math.min(observedMs, log.downtimeMs + open);
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
  };
}

/**
 * Cluster summary: summed failures and recoveries; MTBF = total up time / total failures;
 * MTTR = total repair time / total recoveries; availability = mean of the peers' availabilities
 * (1 with no peers).
 */
export function analyticsReport(reports: PeerReport[], nowMs: number): AnalyticsReport {
  let failures = 0;
  let recoveries = 0;
  let upMs = 0;
  let repairMs = 0;
  let availabilitySum = 0;
  for (const r of reports) {
    failures += r.failures;
    recoveries += r.recoveries;
    upMs += r.observedMs - r.downtimeMs;
    repairMs += (r.mttrMs ?? 0) * r.recoveries;
    availabilitySum += r.availability;
  }
  return {
    atMs: nowMs,
    peers: reports,
    cluster: {
      failures,
      recoveries,
      mtbfMs: failures > 0 ? upMs / failures : undefined,
      mttrMs: recoveries > 0 ? repairMs / recoveries : undefined,
      availability: reports.length > 0 ? availabilitySum / reports.length : 1,
    },
  };
}
