/**
 * The detector's read-only queries (`Detector.peers`, `peer`, `routable`, `health`, `history`,
 * `analytics`, `pastMembers`, `stats`, `suspicionDeadlineMs`, `witnessWindow`): each reads the
 * state and changes nothing.
 */
import { analyticsReport, peerReport } from './analytics.js';
import type { DetectorState } from './detector-state.js';
import { clusterHealth } from './health.js';
import { memberSnapshot } from './member-view.js';
import { inMinority } from './settled-failures.js';
import type { DetectorStats } from './stats.js';
import type {
  AnalyticsReport,
  ClusterHealth,
  HistoryEntry,
  PastMember,
  PeerId,
  PeerSnapshot,
} from './types.js';
import { witnessProbeTimeoutMs, witnessStallAllowanceMs, witnessWindowMs } from './witness.js';

/** How a witnessed check of a peer would be sized now (`Detector.witnessWindow`). */
export interface WitnessWindowSizing {
  windowMs: number;
  probeTimeoutMs: number;
  stallAllowanceMs: number;
  rttSampleCount: number;
  pathRttMs: number;
  pathRttVarMs: number;
}

/** Every known peer except the local one. */
export function peers(s: DetectorState): PeerSnapshot[] {
  const out: PeerSnapshot[] = [];
  for (const m of s.members.values()) out.push(memberSnapshot(m, s.now, s.config.phiStdMsMin));
  return out;
}

/** One peer's snapshot, or undefined when unknown. */
export function peer(s: DetectorState, id: PeerId): PeerSnapshot | undefined {
  const m = s.members.get(id);
  return m === undefined ? undefined : memberSnapshot(m, s.now, s.config.phiStdMsMin);
}

/** Peers a load balancer may route to: `healthy` only (not recovering, suspected, failed or left). */
export function routable(s: DetectorState): PeerId[] {
  const out: PeerId[] = [];
  for (const m of s.members.values()) if (m.state === 'healthy') out.push(m.id);
  return out;
}

/**
 * Cluster health over every live member; `minorityPartition` counts the first-hand members only,
 * as the guard that holds verdicts does (`inMinority`, decision 0054).
 */
export function health(s: DetectorState): ClusterHealth {
  return { ...clusterHealth(s.counts, s.config), minorityPartition: inMinority(s) };
}

/** When the current suspicion of `peer` turns into `failed` (ms), if suspected. */
export function suspicionDeadlineMs(s: DetectorState, peer: PeerId): number | undefined {
  const m = s.members.get(peer);
  return m !== undefined && m.state === 'suspected' ? m.suspicionDeadlineMs : undefined;
}

/** How a witnessed check of `peer` would be sized now; undefined for an unknown peer. */
export function witnessWindow(s: DetectorState, peer: PeerId): WitnessWindowSizing | undefined {
  const m = s.members.get(peer);
  if (m === undefined) return undefined;
  return {
    windowMs: witnessWindowMs(s, m),
    probeTimeoutMs: witnessProbeTimeoutMs(s, m),
    stallAllowanceMs: witnessStallAllowanceMs(s, m),
    rttSampleCount: m.rttSampleCount,
    pathRttMs: s.pathRtt.srttMs,
    pathRttVarMs: s.pathRtt.rttVarMs,
  };
}

/** Members reaped from the live view (failed or left for `reapAfterMs`), most recently reaped last. */
export function pastMembers(s: DetectorState): PastMember[] {
  const out: PastMember[] = [];
  for (const r of s.past.records()) {
    const { id, ended, reason, endedAtMs, reapedAtMs, firstSeenMs, incarnation } = r;
    out.push({ id, ended, reason, endedAtMs, reapedAtMs, firstSeenMs, incarnation });
  }
  return out;
}

/** One peer's history (this peer's own for its id), or every peer's merged by time. */
export function history(s: DetectorState, peer?: PeerId): readonly HistoryEntry[] {
  if (peer !== undefined) {
    if (peer === s.localId) return s.localHistory;
    return s.members.get(peer)?.history ?? s.past.get(peer)?.history ?? [];
  }
  const all: HistoryEntry[] = [...s.localHistory];
  for (const m of s.members.values()) all.push(...m.history);
  for (const r of s.past.records()) all.push(...r.history);
  return all.sort((a, b) => a.atMs - b.atMs);
}

/** Reports for the live members and the past ones (observed until they ended). */
export function analytics(s: DetectorState): AnalyticsReport {
  const reports = [...s.members.values()].map((m) => peerReport(m.id, m.outages, s.now));
  for (const r of s.past.records()) reports.push(peerReport(r.id, r.outages, s.now));
  return analyticsReport(reports, s.now);
}

/** Counters since construction. */
export function stats(s: DetectorState): DetectorStats {
  return { ...s.counters, members: s.members.size, queuedUpdates: s.queue.size };
}
