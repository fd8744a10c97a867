/**
 * Which `failed` peers still count for the minority-partition rule (`isMinorityPartition`). A
 * partition silences the other side all at once; a peer on the small side then suspects the
 * peers it lost, and every verdict it reaches meanwhile is about the same silence: those failed
 * peers count as unreachable, so the rest of its verdicts are held. A failure is *settled*, and
 * counts no more, when the signaling session witnessed it (independent evidence of a crash), or,
 * for a held suspicion of `m`, when its verdict came before `m` was last heard from (it cannot be
 * part of a split that `m` was still on our side of). Without this, two crashes in a mesh of five
 * made the three survivors a "minority" and held a later hang's verdict until the crashed were
 * reaped (about 28 s).
 */
import type { DetectorState } from './detector-state.js';
import { isMinorityPartition } from './health.js';
import type { Member } from './member.js';
import { inRoster } from './trust.js';

/** A sorted multiset of times (ms): verdicts of failed members not witnessed. */
export class VerdictTimes {
  private readonly times: number[] = [];

  get size(): number {
    return this.times.length;
  }

  add(ms: number): void {
    const t = this.times;
    // Verdicts come in time order; a restored past member (older verdict) is the rare exception.
    if (t.length === 0 || (t[t.length - 1] as number) <= ms) t.push(ms);
    else t.splice(this.countBefore(ms), 0, ms);
  }

  remove(ms: number): void {
    const i = this.countBefore(ms);
    if (this.times[i] === ms) this.times.splice(i, 1);
  }

  /** How many times are `< ms`. */
  countBefore(ms: number): number {
    let lo = 0;
    let hi = this.times.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.times[mid] as number) < ms) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/** `m` has just become failed (its `sinceMs` is the verdict's time); `witnessed`: by the signaling session. */
export function noteFailed(s: DetectorState, m: Member, witnessed: boolean): void {
  m.failedWitnessed = witnessed;
  if (witnessed) s.failedWitnessed += 1;
  else s.verdictTimes.add(m.sinceMs);
}

/** `m` is about to stop being failed (a new state, reaped or evicted): it counts no more. */
export function forgetFailed(s: DetectorState, m: Member): void {
  if (m.state !== 'failed') return;
  if (m.failedWitnessed) s.failedWitnessed -= 1;
  else s.verdictTimes.remove(m.sinceMs);
  m.failedWitnessed = false;
}

/**
 * Failed members that do not speak for a partition: the witnessed ones, and those whose verdict
 * came before `silentSinceMs` (when the suspect in question was last heard from; −∞ counts only
 * the witnessed ones).
 */
export function failedSettled(s: DetectorState, silentSinceMs = -Infinity): number {
  return s.failedWitnessed + s.verdictTimes.countBefore(silentSinceMs);
}

/**
 * Whether this peer has first-hand evidence that `m` is in the room: linked now, heard from
 * directly (a link that has since closed still counts), or admitted by the signaling room. A
 * member known from gossip alone is not: anyone can gossip the signed `alive` of a key it minted.
 */
export function firstHand(s: DetectorState, m: Member): boolean {
  return m.linked || !Number.isNaN(m.lastHeardMs) || inRoster(s, m.id);
}

/**
 * The minority-partition rule (`isMinorityPartition`) over the members this peer has first-hand
 * evidence of (decision 0054), with the failures settled before `silentSinceMs` left out
 * (`failedSettled`). Gossip-only members do not count: a liar's made-up members would otherwise
 * make a small side of a split think it is the majority (and declare the other side dead), or the
 * reverse. With every member first-hand (a full mesh, or a roster that admits everyone) the counts
 * are `s.counts` as they were.
 */
export function inMinority(s: DetectorState, silentSinceMs = -Infinity): boolean {
  const c = s.counts;
  let settled = failedSettled(s, silentSinceMs);
  const counts = { ...c };
  for (const m of s.members.values()) {
    if (firstHand(s, m)) continue;
    counts[m.state] -= 1;
    if (m.state === 'failed' && (m.failedWitnessed || m.sinceMs < silentSinceMs)) settled -= 1;
  }
  return isMinorityPartition(counts, settled);
}
