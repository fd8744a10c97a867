/**
 * Durable history, read back: analytics over a chosen window from a persisted log of what one
 * observer saw across its sessions (reloads, restarts), and the past members it tells of.
 *
 * (JSON and CSV export live with the stores, in `@pulsemesh/webrtc`: they format dates.)
 *
 * The log is a list of {@link HistoryRecord}s on the wall clock (epoch ms), oldest first: a
 * `session` record when the observer starts, its history entries as they happen, a `reap` when a
 * member leaves the live view, and periodic `mark`s saying "still observing". Between the last
 * record of one session and the next `session` the observer saw nothing: every peer's observation
 * is closed there (as at a leave in `analytics.ts`), so the time this tab was closed is neither up
 * nor down for anyone. Replaying the records with `recordTransition` gives exactly the running
 * totals the live detector keeps, so a reload cannot change the arithmetic, only extend it.
 */
import { newOutageLog, peerReport, recordTransition, analyticsReport, type OutageLog } from './analytics.js';
import type { AnalyticsReport, HistoryEntry, PeerId, PeerReport } from './types.js';

/** One persisted record (wall-clock `atMs`). */
export type HistoryRecord =
  | { k: 'session'; atMs: number; observer: PeerId }
  | { k: 'mark'; atMs: number }
  | ({ k: 'entry' } & HistoryEntry)
  | { k: 'reap'; atMs: number; peer: PeerId; ended: 'failed' | 'left'; reason: string; endedAtMs: number };

/** Analytics windows the dashboards offer. */
export const AnalyticsWindow = { hour: 'hour', day: 'day', week: 'week' } as const;
export type AnalyticsWindow = (typeof AnalyticsWindow)[keyof typeof AnalyticsWindow];
export const WINDOW_MS: Record<AnalyticsWindow, number> = {
  hour: 3_600_000,
  day: 86_400_000,
  week: 604_800_000,
};

/**
 * Least observation (ms) behind any per-peer figure (availability, MTBF, failures per day): 10
 * minutes. Below it one failure already reads as 144 a day and a 30 s outage as 95 % availability:
 * numbers that describe the sample, not the peer. UIs show "—" instead (`claims` false).
 */
export const MIN_OBSERVED_MS = 600_000;

/** Analytics over `[fromMs, toMs]` (wall clock) from a persisted history. */
export interface WindowReport extends AnalyticsReport {
  fromMs: number;
  toMs: number;
  /** Peers observed at least {@link MIN_OBSERVED_MS} in the window (their figures can be shown). */
  claims: Record<PeerId, boolean>;
  /** Whether the cluster figures rest on at least {@link MIN_OBSERVED_MS} of observation in all. */
  clusterClaims: boolean;
}

interface Tally {
  log: OutageLog;
  /** Counts already made when the window opened (subtracted at the end). */
  base: { failures: number; recoveries: number; repairMs: number } | undefined;
}

/**
 * Replays `records` (oldest first) and reports on `[fromMs, toMs]`. Times are clamped into the
 * window, so what happened before it takes no time; failures and recoveries count only when they
 * happen inside it (an outage open when the window opens adds downtime, not a failure). The last
 * session is observed until its last record: append a `mark` at "now" for the running one.
 *
 * @example a peer healthy for 1 h, failed 10 min, healthy 50 min: window = those 2 h → availability 11/12, failures 1, MTTR 10 min
 */
export function replayWindow(records: readonly HistoryRecord[], fromMs: number, toMs: number): WindowReport {
  const clamp = (t: number): number => Math.min(Math.max(t, fromMs), toMs);
  const peers = new Map<PeerId, Tally>();
  let lastMs = -Infinity;
  let opened = false;
  const open = (): void => {
    opened = true;
    for (const t of peers.values())
      t.base ??= { failures: t.log.failures, recoveries: t.log.recoveries, repairMs: t.log.repairMs };
  };
  const closeSession = (): void => {
    for (const t of peers.values()) recordTransition(t.log, 'left', clamp(lastMs));
  };
  for (const r of records) {
    if (r.atMs > toMs) break;
    if (!opened && r.atMs >= fromMs) open();
    if (r.k === 'session') closeSession();
    else if (r.k === 'reap') {
      const t = peers.get(r.peer);
      // Observation of a reaped peer ends when it ended (as `Detector.analytics` counts it).
      if (t !== undefined) recordTransition(t.log, 'left', clamp(r.endedAtMs));
    } else if (r.k === 'entry' && r.kind !== 'interval-change') {
      const at = clamp(r.atMs);
      let t = peers.get(r.peer);
      if (t === undefined) {
        t = { log: newOutageLog(at), base: opened ? { failures: 0, recoveries: 0, repairMs: 0 } : undefined };
        peers.set(r.peer, t);
      }
      if (r.kind === 'join') recordTransition(t.log, 'healthy', at);
      else if (r.kind === 'leave') recordTransition(t.log, 'left', at);
      else if (r.kind === 'status-change' && r.to !== undefined) recordTransition(t.log, r.to, at);
    }
    lastMs = Math.max(lastMs, r.atMs);
  }
  if (!opened) open();
  closeSession();
  const reports: PeerReport[] = [];
  const claims: Record<PeerId, boolean> = {};
  for (const [peer, t] of peers) {
    const base = t.base ?? { failures: 0, recoveries: 0, repairMs: 0 };
    const log: OutageLog = {
      ...t.log,
      failures: t.log.failures - base.failures,
      recoveries: t.log.recoveries - base.recoveries,
      repairMs: t.log.repairMs - base.repairMs,
    };
    const report = peerReport(peer, log, toMs);
    if (report.observedMs === 0 && report.failures === 0) continue;
    reports.push(report);
    claims[peer] = report.observedMs >= MIN_OBSERVED_MS;
  }
  const all = analyticsReport(reports, toMs);
  return {
    ...all,
    fromMs,
    toMs,
    claims,
    clusterClaims: all.cluster.observedMs >= MIN_OBSERVED_MS,
  };
}

/** A past member as a kept history tells it (wall-clock ms). */
export interface HistoryPast {
  peer: PeerId;
  ended: 'failed' | 'left';
  reason: string;
  /** When it became failed or left. */
  endedAtMs: number;
  /** When it was reaped from the live view. */
  reapedAtMs: number;
}

/** Past members as the history tells them: the last `reap` of each peer not seen again since. */
export function pastFromHistory(records: readonly HistoryRecord[]): HistoryPast[] {
  const past = new Map<PeerId, HistoryPast>();
  for (const r of records) {
    if (r.k === 'reap')
      past.set(r.peer, {
        peer: r.peer,
        ended: r.ended,
        reason: r.reason,
        endedAtMs: r.endedAtMs,
        reapedAtMs: r.atMs,
      });
    else if (r.k === 'entry' && (r.kind === 'join' || r.to === 'recovering' || r.to === 'healthy'))
      past.delete(r.peer);
  }
  return [...past.values()];
}
