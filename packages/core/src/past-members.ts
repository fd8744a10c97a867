/**
 * Present vs past: a member that has been `failed` or `left` for `reapAfterMs` is reaped from the
 * live member table into a bounded list of past members (memberlist's `GossipToTheDeadTime` reap
 * in `resetNodes`). Health, tier and `routable()` count live members only, so the tier says how
 * the mesh is now, not what it went through. A past member keeps its incarnation, so stale gossip
 * about it (an `alive` at its old incarnation from a peer that has not reaped it yet) cannot bring
 * it back, while the peer itself returning (a link, a message, or an `alive` at a higher
 * incarnation) restores the same member, with its history and outage log: others then see
 * `failed → recovering → healthy` of one peer, not a new one.
 */
import { recordTransition, type OutageLog } from './analytics.js';
import type { DetectorState } from './detector-state.js';
import { Member, STALL_MEMORY_AFTER_RESTART_MS } from './member.js';
import { forgetFailed, noteFailed } from './settled-failures.js';
import type { HistoryEntry, PastMember, PeerId } from './types.js';

/** History entries a past member keeps (its latest ones): enough to show how it ended. */
export const PAST_HISTORY_MAX = 64;

/** A past member as stored: the public record plus what restoring it needs. @internal */
export interface PastRecord extends PastMember {
  /** The outage log closed at `endedAtMs` (what reports use). */
  outages: OutageLog;
  /** The log as it was when reaped (what a restore continues). */
  openOutages: OutageLog;
  history: HistoryEntry[];
  /** The transport still had a link to it when it was reaped (a hung peer whose channel stayed open). */
  linked: boolean;
  /** It held a link with this detector once (`Member.linkedOnce`): kept so a restore keeps it. */
  linkedOnce: boolean;
  /** The longest stall it reported (its last `loadMs`, or an earlier process's), ms, and until when it counts. */
  stallMs?: number;
  stallUntilMs?: number;
}

/**
 * Past members, newest reap last (a `Map` keeps insertion order), at most `max`: the oldest is
 * forgotten first.
 */
export class PastMembers {
  private readonly byId = new Map<PeerId, PastRecord>();

  private readonly max: number;

  constructor(max: number) {
    this.max = max;
  }

  get size(): number {
    return this.byId.size;
  }

  get(id: PeerId): PastRecord | undefined {
    return this.byId.get(id);
  }

  add(r: PastRecord): void {
    this.byId.delete(r.id);
    this.byId.set(r.id, r);
    if (this.byId.size > this.max) {
      const oldest = this.byId.keys().next().value as PeerId;
      this.byId.delete(oldest);
    }
  }

  delete(id: PeerId): void {
    this.byId.delete(id);
  }

  records(): IterableIterator<PastRecord> {
    return this.byId.values();
  }
}

/** When `m` (failed or left) is due to be reaped (ms). */
export function reapAtMs(s: DetectorState, m: Member): number {
  return m.sinceMs + s.config.reapAfterMs;
}

/**
 * Closes `log` at `endMs` for a member that is no longer observed: an open outage counts as down
 * until then, and observation stops there (a peer gone for good is not "down for days").
 */
function closeLog(log: OutageLog, endMs: number): OutageLog {
  const closed = { ...log };
  // Observation ends as at a leave: the open segment closes, an open outage counts until then.
  recordTransition(closed, 'left', endMs);
  return closed;
}

/**
 * Moves `m` from the live table to the past members (the caller has checked it is failed or left
 * and not the current probe target). Emits `reap`. `keepGossip`: its verdict stays queued (an
 * eviction from a full table, decision 0038), else what is queued about it goes.
 */
export function reap(s: DetectorState, m: Member, keepGossip = false): void {
  const ended = m.state === 'left' ? 'left' : 'failed';
  const last = m.history[m.history.length - 1];
  const record: PastRecord = {
    id: m.id,
    ended,
    reason: last?.reason ?? (ended === 'left' ? 'graceful-leave' : 'suspicion-timeout'),
    endedAtMs: m.sinceMs,
    reapedAtMs: s.now,
    firstSeenMs: m.outages.firstSeenMs,
    incarnation: m.incarnation,
    outages: closeLog(m.outages, m.sinceMs),
    openOutages: { ...m.outages },
    history: m.history.slice(-PAST_HISTORY_MAX),
    linked: m.linked,
    linkedOnce: m.linkedOnce,
    ...stallMemory(m, s.now),
  };
  if (m.linked) {
    const i = s.linked.indexOf(m);
    if (i >= 0) s.linked.splice(i, 1);
  }
  forgetFailed(s, m);
  s.members.delete(m.id);
  s.counts[m.state] -= 1;
  s.ending.delete(m);
  s.failedLinked.delete(m);
  if (!keepGossip) s.queue.drop(m.id);
  for (let i = s.checks.length - 1; i >= 0; i--) if (s.checks[i]?.member === m) s.checks.splice(i, 1);
  m.evicted = true;
  m.probed = false;
  s.past.add(record);
  s.counters.membersReaped += 1;
  s.emit('reap', { peer: m.id, ended, reason: record.reason, endedAtMs: record.endedAtMs, atMs: s.now });
}

/** What a reaped member keeps of its stalls (`Member.stallBeforeRestartMs`): its last `loadMs` for 10 min. */
function stallMemory(m: Member, nowMs: number): { stallMs?: number; stallUntilMs?: number } {
  const kept = m.stallBeforeRestartUntilMs > nowMs ? m.stallBeforeRestartMs : 0;
  const stallMs = Math.max(kept, m.vitals?.loadMs ?? 0);
  if (stallMs === 0) return {};
  return {
    stallMs,
    stallUntilMs: Math.max(m.stallBeforeRestartUntilMs, m.sinceMs + STALL_MEMORY_AFTER_RESTART_MS),
  };
}

/** Reaps every failed or left member whose time has come (the probe target waits for its probe to end). */
export function reapDue(s: DetectorState): void {
  for (const m of s.ending) if (s.now >= reapAtMs(s, m) && m !== s.target) reap(s, m);
}

/**
 * The past member `id` is back (a link, a message from it, or an `alive` above its incarnation):
 * it becomes a live member again in the state it ended in, with its history and outage log as
 * they were (an outage that ended in `failed` is still open, so the time away counts as down). The
 * caller then moves it on (`failed → recovering`, `left → healthy`).
 */
export function restore(s: DetectorState, r: PastRecord): Member {
  s.past.delete(r.id);
  const m = new Member(r.id, r.endedAtMs);
  m.incarnation = r.incarnation;
  m.state = r.ended;
  Object.assign(m.outages, r.openOutages);
  m.history.push(...r.history);
  // Its history of holding a link survives the reap (decision 0076): a waiting id's retry must not
  // take its seat as a never-linked stranger's. Its grace (`unlinkedAtMs`) starts again at its return.
  m.linkedOnce = r.linkedOnce;
  m.unlinkedAtMs = s.now;
  // A peer that comes back is a new process: its old stalls still say how its machine stalls.
  m.stallBeforeRestartMs = r.stallMs ?? 0;
  m.stallBeforeRestartUntilMs = r.stallUntilMs ?? 0;
  s.members.set(m.id, m);
  s.strangerEpoch += 1;
  s.counts[m.state] += 1;
  if (m.state === 'failed') noteFailed(s, m, r.reason === 'witnessed');
  s.ending.add(m);
  s.counters.membersRestored += 1;
  return m;
}

/**
 * A restored member whose link the transport still had when it was reaped (`PastRecord.linked`:
 * a link-down since would have cleared it) is linked again, so it is probed and a witnessed check
 * can ping it. Else a leaver that linked again just before its reap and came back by gossip was
 * held gossip-only for as long as it lived (decision 0045). The caller moves it on (`setState`
 * enrolls a linked member that is not left).
 */
export function relinkRestored(s: DetectorState, m: Member, r: PastRecord): void {
  if (!r.linked || m.linked) return;
  m.linked = true;
  m.linkedOnce = true;
  s.linked.push(m);
}
