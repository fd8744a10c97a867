/**
 * The member table and its state machine: adding and evicting members, state transitions with
 * their events and history, and the Lifeguard suspicion timer.
 */
import { recordTransition } from './analytics.js';
import { reap } from './past-members.js';
import { CONFIRMATIONS_KEPT_MAX, Member } from './member.js';
import { mayBeLate, suspicionFailAtMs } from './member-view.js';
import {
  CORROBORATING_ACCUSERS_MIN,
  declarersOf,
  inRoster,
  knownMember,
  ownAccusation,
  ownSilenceMs,
  ownStallToleranceMs,
  stateUpdate,
} from './trust.js';
import { suspicionTimeoutMsMax, suspicionTimeoutMsMin } from './suspicion.js';
import { UpdateKind, type Update } from './codec.js';
import { type PeerId, type PeerState } from './types.js';
import type { DetectorState } from './detector-state.js';
import { RECHECK_FIRST_MS } from './detector-state.js';
import { push } from './send.js';
import { forgetFailed, inMinority, noteFailed } from './settled-failures.js';

/**
 * Adds a member (evicting one when the table is full, see `evictOne`); undefined when it cannot. A
 * full table takes a gossip-only newcomer only in place of a failed/left member, or, when the
 * signaling room admitted the newcomer (`knownMember`), of a stranger the room never admitted.
 */
export function addMember(s: DetectorState, id: PeerId, direct: boolean): Member | undefined {
  if (s.members.size >= s.config.membersMax && !evictOne(s, direct, direct || knownMember(s, id))) {
    s.counters.membersDropped += 1;
    return undefined;
  }
  const m = new Member(id, s.now);
  s.members.set(id, m);
  s.strangerEpoch += 1;
  s.counts.healthy += 1;
  m.record({ atMs: s.now, peer: id, kind: 'join' }, s.config.historyPerPeerMax);
  s.emit('join', { peer: id, atMs: s.now });
  return m;
}

/**
 * How long a once-linked member stays unlinked before a linked peer's retry from `unseated` may
 * take its seat (`evictOne`, decision 0076), ms: 2.5 times the longest link blip 0072's review
 * had to survive (4 s).
 */
export const UNLINKED_GRACE_MS = 10_000;

/**
 * Frees a slot; only gossip-only members (no link) go, never the probe target. First a failed/left
 * one (the longest ended). Then, when `known` (a direct link-up, or a newcomer the signaling room
 * admitted), the NEWEST stranger: a member the room never admitted (`knownMember`), known only
 * from a signed `alive` anyone can mint for a fresh key, so a flood of them pushes out only its
 * own kind, never the members learned before it. Then, for a direct link, the longest-unchanged
 * gossip-only member (with a roster, an admitted one: strangers went first). `retry` (a linked
 * peer's retry from `unseated`, decision 0072): a stranger that ever held a link with us is kept
 * too (without a roster every member is a stranger, one whose link just blipped included), until
 * its link has been down for `UNLINKED_GRACE_MS`: then, after ended members and never-linked
 * strangers, the longest-unlinked such member goes, admitted or not (decision 0076).
 */
export function evictOne(s: DetectorState, direct: boolean, known = direct, retry = false): boolean {
  // Fast path (behaviour-identical): without a link to make room for, only an ended member or a
  // stranger can go. With none ended, and no stranger possible since a scan found none, the scan
  // below would find nothing (at N = 1,000 97,849 of 98,131 scans did, each over 64 members).
  // A retry may also take a once-linked member's seat (`unlinked`): it scans.
  if (
    !direct &&
    !retry &&
    s.counts.failed + s.counts.left === 0 &&
    (!known || s.strangerFreeEpoch === s.strangerEpoch)
  )
    return false;
  let victim: Member | undefined;
  let stranger: Member | undefined;
  let neverLinked: Member | undefined;
  let fallback: Member | undefined;
  let unlinked: Member | undefined;
  const unlinkedBeforeMs = s.now - UNLINKED_GRACE_MS;
  for (const m of s.members.values()) {
    if (m.linked) continue;
    if ((m.state === 'failed' || m.state === 'left') && (victim === undefined || m.sinceMs < victim.sinceMs))
      victim = m;
    if (m === s.target) continue;
    // The table's order is insertion order: the last stranger seen is the newest.
    // `knownMember(s, m.id)` without its table lookup: that finds `m`, not linked.
    // Only wanted when no ended member goes first (`victim` stays set once found).
    if (known && victim === undefined && !onRoster(s, m)) {
      stranger = m;
      if (!m.linkedOnce) neverLinked = m;
    }
    if (direct && (fallback === undefined || m.sinceMs < fallback.sinceMs)) fallback = m;
    if (
      retry &&
      m.linkedOnce &&
      m.unlinkedAtMs <= unlinkedBeforeMs &&
      (unlinked === undefined || m.unlinkedAtMs < unlinked.unlinkedAtMs)
    )
      unlinked = m;
  }
  // Every unlinked member but the target was asked, and is on the roster (`onRoster` stays true).
  if (known && victim === undefined && stranger === undefined) s.strangerFreeEpoch = s.strangerEpoch;
  const v = victim ?? (retry ? (neverLinked ?? unlinked) : stranger) ?? fallback;
  if (v === undefined || v === s.target) return false;
  s.counters.membersEvicted += 1;
  if (v === victim) {
    // It ended already: keep it among the past members (a return is then recognised). Its verdict
    // stays queued: taken a moment ago, it has not been passed on yet (decision 0038).
    reap(s, v, true);
    return true;
  }
  forgetFailed(s, v);
  s.members.delete(v.id);
  s.counts[v.state] -= 1;
  s.suspected.delete(v);
  s.recoveringTimed.delete(v);
  s.failedLinked.delete(v);
  s.silent.delete(v);
  s.queue.drop(v.id);
  v.evicted = true;
  v.probed = false;
  s.emit('evict', { peer: v.id, state: v.state, atMs: s.now });
  return true;
}

/** `inRoster(s, m.id)`, remembered once true (`Member.onRoster`): an eviction scan asks it of every member. */
function onRoster(s: DetectorState, m: Member): boolean {
  if (!m.onRoster) m.onRoster = inRoster(s, m.id);
  return m.onRoster;
}

/** The one place a member changes state: counts, timers, probe rotation, outage log, history and the `status-change` event. */
export function setState(s: DetectorState, m: Member, to: PeerState, reason: string): void {
  const from = m.state;
  if (from === to) return;
  forgetFailed(s, m);
  s.counts[from] -= 1;
  s.counts[to] += 1;
  m.state = to;
  m.sinceMs = s.now;
  if (to === 'failed') noteFailed(s, m, reason === 'witnessed');
  m.secondHand = false;
  m.verdictEvidence = null;
  if (from === 'suspected') {
    s.suspected.delete(m);
    m.suspectors = null;
    m.confirmations = null;
    m.relayVerdict = undefined;
    m.verdictFrom = null;
    m.suspicionDeadlineMs = NaN;
    m.watchAtMs = NaN;
    m.watchSeq = -1;
  }
  if (from === 'recovering') s.recoveringTimed.delete(m);
  if (from === 'failed') s.failedLinked.delete(m);
  if (to === 'failed' || to === 'left') s.ending.add(m);
  else s.ending.delete(m);
  if (to === 'failed' && m.linked) {
    m.recheckGapMs = RECHECK_FIRST_MS;
    m.recheckAtMs = s.now + RECHECK_FIRST_MS;
    s.failedLinked.add(m);
  }
  if (to === 'recovering') {
    m.goodStreak = 0;
    if (!m.probed) {
      m.recoveryDeadlineMs = s.now + s.config.recoveryStreakProbes * s.config.probeIntervalMs;
      s.recoveringTimed.add(m);
    }
  }
  if (to === 'left' || (to === 'failed' && !m.linked)) m.probed = false;
  else if (m.linked && !m.probed && to !== 'failed') s.rotation.enroll(m);
  recordTransition(m.outages, to, s.now);
  m.record(
    { atMs: s.now, peer: m.id, kind: to === 'left' ? 'leave' : 'status-change', from, to, reason },
    s.config.historyPerPeerMax,
  );
  s.emit('status-change', { peer: m.id, from, to, reason, atMs: s.now });
  if (to === 'left' && reason === 'graceful-leave') s.emit('leave', { peer: m.id, atMs: s.now });
}

/** This peer suspects `m` (first accuser `accuser`): arms the Lifeguard timer and the once-a-period watch pings. */
export function startSuspicion(s: DetectorState, m: Member, accuser: PeerId, reason: string): void {
  m.suspectors = [accuser];
  m.relayAsksAgain = 0;
  m.relaysUnable = 0;
  // With trust, a linked member's suspicion counts from our own first unanswered ping: its verdict
  // waits for that silence to reach the stall tolerance anyway (`suspicionExpired`), which no
  // accuser can shorten, so our own earlier silence need not be waited out twice (decision 0024).
  m.suspicionStartMs = s.trust !== undefined && m.linked && m.probed ? s.now - ownSilenceMs(s, m) : s.now;
  setState(s, m, 'suspected', reason);
  s.suspected.add(m);
  armSuspicion(s, m);
  m.watchAtMs = s.now + s.effectivePeriodMs();
}

/**
 * With trust: keeps another peer's signed accusation of suspected `m` at its incarnation as
 * evidence for our verdict (`Member.confirmations`, sent by `declareFailed`), one per accuser.
 */
export function keepConfirmation(m: Member, u: Update): void {
  if (m.state !== 'suspected' || u.signature === undefined || u.incarnation !== m.incarnation) return;
  const kept = (m.confirmations ??= []);
  if (kept.length >= CONFIRMATIONS_KEPT_MAX || kept.some((c) => c.from === u.from)) return;
  kept.push(u);
}

/** (Re)computes when the suspicion of `m` turns into `failed` (see `suspicionFailAtMs`). */
export function armSuspicion(s: DetectorState, m: Member): void {
  const c = s.counts;
  const live = c.healthy + c.suspected + c.recovering;
  m.suspicionDeadlineMs = suspicionFailAtMs(m, s.config, s.clusterSize(), live);
}

/**
 * The suspicion timer ran out: a gossip-only suspicion lapses, a minority-side peer keeps waiting
 * (counting only failures that may belong to the same split, `settled-failures.ts`), otherwise `m` is declared failed and the verdict pushed to every direct link (twice) and gossiped.
 */
export function suspicionExpired(s: DetectorState, m: Member): boolean {
  armSuspicion(s, m);
  if (s.now < m.suspicionDeadlineMs) return false;
  const relayed = m.relayVerdict;
  if (!m.probed && relayed === undefined) {
    // Known through gossip only, and no verdict from those who probe it for the longest
    // suspicion time: verdicts travel with full fanout, so it is most likely alive.
    setState(s, m, 'healthy', 'suspicion-unconfirmed');
    return false;
  }
  if (inMinority(s, heardUntil(m))) {
    // Probably on the minority side: keep suspecting rather than declare the majority dead.
    m.suspicionDeadlineMs = s.now + s.config.probeIntervalMs;
    s.counters.failuresHeldByPartition += 1;
    return false;
  }
  // No link, relays could not reach it, and nothing refuted the suspicion: the verdict is taken,
  // marked second-hand (declaring our own would push it to every link, for no first-hand news);
  // but only when at least two independent accusers signed it (decision 0022): one member's word
  // plus relays that cannot reach the accused is no evidence. Uncorroborated, it asks relays once
  // more (true: the caller does; those holding a verdict answer with its signers) and waits up to
  // one more maximum suspicion time for another accuser, then lapses.
  if (!m.probed && relayed !== undefined) {
    if (declarersOf(s, m) >= CORROBORATING_ACCUSERS_MIN) {
      acceptFailed(s, m, relayed, relayed.from ?? m.id, true, m.confirmations ?? []);
      return false;
    }
    if (s.now >= m.suspicionStartMs + 2 * suspicionMaxMs(s)) {
      setState(s, m, 'healthy', 'relay-verdict-uncorroborated');
      return false;
    }
    m.suspicionDeadlineMs = s.now + s.config.probeIntervalMs;
    return m.relayAsksAgain < RELAY_ASKS_AGAIN_MAX;
  }
  // With trust, our own verdict waits until our own pings to it have gone unanswered for the
  // stall tolerance (decision 0024): confirmations may all stem from one member's lie, checked
  // quickly by everyone while the accused stalls; the silence we saw ourselves cannot be forged.
  if (s.trust !== undefined && m.linked) {
    // Our last verdict about it was refuted by its own signature and it has not answered us since:
    // our path to it is broken (others reach it), not it dead. Each new verdict would be refuted
    // and checked by its other links, which would flag us as a liar; held `suspected` instead
    // until it answers us (or its other links declare it), decision 0033.
    if (m.ownVerdictRefutedMs > heardUntil(m)) {
      m.suspicionDeadlineMs = s.now + s.config.probeIntervalMs;
      s.counters.verdictsHeldForPath += 1;
      return false;
    }
    const dueMs = s.now - ownSilenceMs(s, m) + ownStallToleranceMs(s, m);
    if (s.now < dueMs) {
      m.suspicionDeadlineMs = dueMs;
      s.counters.verdictsHeldForSilence += 1;
      return false;
    }
  }
  declareFailed(s, m, 'suspicion-timeout');
  return false;
}

/** Times a relay-held suspicion asks relays again for signers before it lapses (3 × `indirectChecks` links). */
export const RELAY_ASKS_AGAIN_MAX = 3;

/** The longest suspicion (ms): nobody confirmed it (`suspicionTimeoutMsMax`). */
function suspicionMaxMs(s: DetectorState): number {
  const c = s.config;
  const min = suspicionTimeoutMsMin(
    c.suspicionMult,
    s.clusterSize(),
    c.probeIntervalMs,
    c.suspicionTimeoutMsFloor,
  );
  return suspicionTimeoutMsMax(c.suspicionMaxTimeoutMult, min);
}

/** When `m` was last heard from directly (−∞ if never). */
function heardUntil(m: Member): number {
  return Number.isNaN(m.lastHeardMs) ? -Infinity : m.lastHeardMs;
}

/**
 * This peer declares `m` failed (`reason`: `suspicion-timeout` or `witnessed`): the verdict is
 * gossiped and pushed. A timed-out suspicion is pushed to every direct link at once, twice (a lost
 * copy would leave that peer to its own, longer timeout). A witnessed failure is pushed to
 * `pushFanout` links only: every linked peer got the same witness and decides on its own at about
 * the same time, so the push is for those without a link or a witness (not N² messages per crash).
 */
export function declareFailed(s: DetectorState, m: Member, reason: 'suspicion-timeout' | 'witnessed'): void {
  s.counters.failuresDeclared += 1;
  if (reason === 'witnessed') s.counters.witnessFailures += 1;
  const evidence = m.confirmations ?? [];
  // With trust, two others declared it already and pushed their verdicts to every link: ours is
  // one more signer for the few that missed them, not news for all (decision 0024).
  const seconded = s.trust !== undefined && declarersOf(s, m) >= CORROBORATING_ACCUSERS_MIN;
  setState(s, m, 'failed', reason);
  m.ownVerdictIncarnation = m.incarnation;
  if (evidence.length > 0) m.verdictEvidence = evidence;
  const verdict = stateUpdate(s, m);
  s.queue.push(verdict);
  // Linked to every member, with trust: each linked peer got the same witness and declares on its
  // own. The push goes to those that may be late to it (hidden, stalled, no vitals yet), and to one
  // other link for a peer whose own check a late packet answered (decision 0073).
  const fullMesh = s.trust !== undefined && s.linked.length >= s.clusterSize() - 1;
  if (reason === 'witnessed' && fullMesh) {
    push(s, [verdict], s.config.pushFanout, m.id, 1, mayBeLate);
    push(s, [verdict], 1, m.id, 1, (l) => !mayBeLate(l));
  } else if (reason === 'witnessed' || seconded) push(s, [verdict], s.config.pushFanout, m.id);
  // With the signed confirmations it collected: a linked receiver whose own check also gets no
  // answer takes a verdict that independent peers back (`checkFailed`) without a suspicion of its own.
  else
    push(
      s,
      s.trust === undefined || declarersOf(s, m) === 0 ? [verdict, ...evidence] : [verdict],
      Infinity,
      m.id,
      2,
    );
}

/**
 * Takes a `failed` verdict as ours and passes it on: pushed to `pushFanout` direct links, and
 * piggybacked `retransmitMult` times as a safety net for the few the pushes miss. In a full mesh
 * (linked to every member) a verdict straight from its declarer has already been pushed to
 * everyone by the declarer itself, so it is not pushed again.
 */
export function acceptFailed(
  s: DetectorState,
  m: Member,
  u: Update,
  sender: PeerId,
  secondHand = false,
  evidence: readonly Update[] = [],
): void {
  m.incarnation = u.incarnation;
  if (u.signature !== undefined) m.accusation = u;
  setState(s, m, 'failed', 'gossip-failed');
  m.secondHand = secondHand;
  const fullMesh = s.linked.length >= s.clusterSize() - 1;
  // With trust on a partial mesh, a verdict taken under the two-signer rule (or checked here) is
  // vouched for: this peer signs it too, and the vouch rides with the verdict in its pushes and in
  // nacks to relay checks (`handlePingReq`), so peers without a link, which need two signers, find
  // them. One liar never gets this far: nobody takes its word alone. One signer besides the
  // verdict's is all a receiver needs (a signed update is ~110 bytes): ours, else the first kept.
  // Piggybacked, the vouch replaces the verdict: copies from different takers bring different
  // signers to peers that only hear gossip.
  const vouch = s.trust !== undefined && !fullMesh ? [ownAccusation(s, m, UpdateKind.failed)] : [];
  const backing = vouch.length > 0 ? vouch : evidence.slice(0, 1);
  if (backing.length > 0) m.verdictEvidence = backing;
  s.queue.push(vouch[0] ?? u, s.config.retransmitMult);
  if (!(fullMesh && u.from === sender)) push(s, [u, ...backing], s.config.pushFanout, sender);
}
