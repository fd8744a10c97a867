/**
 * The transport's inputs to the detector: a direct link to a peer came up or went down
 * (`Detector.linkUp` / `Detector.linkDown`). The `Detector` brackets each with `begin`/`end`.
 */
import { MessageType, type Message } from './codec.js';
import { SYNC_ASK_PEERS, type DetectorState } from './detector-state.js';
import type { Member } from './member.js';
import { updateFor } from './member-view.js';
import { addMember, evictOne, setState } from './membership.js';
import { restore } from './past-members.js';
import { askSync, sendMember, sendVerdict } from './send.js';
import type { PeerId } from './types.js';
import { sendVitals } from './witness.js';

/**
 * The transport has a direct link to `peer`: it becomes a member and a direct probe target. A
 * joiner (a detector that has not synced yet) asks its first two links for their member table.
 */
export function linkUp(s: DetectorState, peer: PeerId): void {
  if (s.hasLeft) return;
  const past = s.past.get(peer);
  const known = s.members.get(peer) ?? (past === undefined ? undefined : restore(s, past));
  const m = known ?? addMember(s, peer, true);
  if (m === undefined) {
    // No seat now: one may free later (a member's link goes down, a member ends). Its messages
    // try again (`seatUnseated`); without this it would stay unmonitored while linked.
    waitUnseated(s, peer);
    return;
  }
  s.unseated.delete(peer);
  m.linkedOnce = true;
  // A join is news: gossip it, with a smaller fanout than suspicions and verdicts (membership
  // knowledge is a nicety, bounded anyway; what a peer learns by sync is not re-gossiped).
  // With trust only the peer's own signed alive is news worth relaying (it announces itself).
  if (known === undefined && s.trust === undefined)
    s.queue.push(updateFor(m, s.localId), s.config.retransmitMult);
  if (!m.linked) {
    m.linked = true;
    s.linked.push(m);
    s.linksChanged();
    // Our stalls, told at once: a new link's witnessed checks of us must not wait for its first
    // probe of us (N periods in a full mesh) to size their window (`witnessStallAllowanceMs`).
    sendVitals(s, m, false);
  }
  if (m.state !== 'left') s.rotation.enroll(m);
  if (m.state === 'failed') {
    // Tell it its verdict (as `heardFrom` does): a restart that remembers no incarnation
    // then refutes above it, so stale verdicts about its previous life cannot win.
    sendVerdict(s, m);
    setState(s, m, 'recovering', 'link-up');
  }
  if (s.nextProbeMs === Infinity) s.nextProbeMs = s.now + Math.floor(s.random.next() * s.periodMs);
  if (!s.announced) {
    // A (re)started peer announces itself once: its incarnation may be news (a restart).
    s.announced = true;
    s.queue.push(s.selfUpdate(), s.config.retransmitMult);
  }
  if (s.syncWanted && s.syncAsked < SYNC_ASK_PEERS) askSync(s, m);
  else if (s.incarnation > 0) {
    // Tell the new link our incarnation (a restart raises it): verdicts about our previous
    // life must not win there, and its own verdicts must name the current incarnation.
    const hello: Message = {
      type: MessageType.sync,
      seq: 0,
      updates: [s.selfUpdate()],
      extensions: [],
    };
    sendMember(s, m, hello, false);
  }
}

/** How often a linked peer the full table had no seat for may try again (ms; `seatUnseated`). */
export const UNSEATED_RETRY_MS = 250;

/** `peer` (linked) waits in `unseated` from now, the newest entry (at most `membersMax`: the oldest goes). */
function waitUnseated(s: DetectorState, peer: PeerId): void {
  s.unseated.delete(peer);
  if (s.unseated.size >= s.config.membersMax) s.unseated.delete(s.unseated.keys().next().value as PeerId);
  s.unseated.set(peer, s.now);
}

/**
 * `peer`, linked but refused a seat by a full table, speaks: try the seat again (at most every
 * {@link UNSEATED_RETRY_MS}, so a flood of its messages costs one table scan per interval). A
 * member by now (gossip seated it, unlinked) takes its link at once. A retry takes only a free
 * seat, an ended member's, a stranger's that never held a link with us, or the seat of a member
 * whose link has been down for `UNLINKED_GRACE_MS` (`evictOne`): a member whose link blips keeps
 * its seat (else whichever waiting id speaks first takes it and the member is refused when its
 * link is back, decision 0072), while members gone gossip-only for good cannot hold a linked peer
 * out forever (decision 0076). A refused retry counts as dropped.
 */
export function seatUnseated(s: DetectorState, peer: PeerId): Member | undefined {
  if (!s.members.has(peer)) {
    if (s.now - (s.unseated.get(peer) as number) < UNSEATED_RETRY_MS) return undefined;
    // A past member is restored whatever the table holds (`linkUp`): it needs no seat freed.
    if (
      s.past.get(peer) === undefined &&
      s.members.size >= s.config.membersMax &&
      !evictOne(s, false, true, true)
    ) {
      s.counters.membersDropped += 1;
      waitUnseated(s, peer);
      return undefined;
    }
  }
  linkUp(s, peer);
  return s.members.get(peer);
}

/** `peer` is no longer directly reachable; it stays a member, probed indirectly until failed or left. */
export function linkDown(s: DetectorState, peer: PeerId): void {
  s.unseated.delete(peer);
  const m = s.members.get(peer);
  if (m !== undefined && m.linked) {
    m.linked = false;
    m.unlinkedAtMs = s.now;
    const i = s.linked.indexOf(m);
    if (i >= 0) s.linked.splice(i, 1);
    s.linksChanged();
    if (m.state === 'failed' || m.state === 'left') m.probed = false;
    s.failedLinked.delete(m);
  }
  const past = s.past.get(peer);
  if (past !== undefined) past.linked = false;
}
