/**
 * The relay's open jobs (`relayJobsMax`, shared by every requester) shared fairly (decision 0071).
 * A job stays open until its target acks or its probe timeout passes, and a target of Mallory's
 * sets that (far away, or answering late), so 16 of her ids at their own budgets kept all 64 open
 * and every honest ping-req was nacked (session 22's review). Two rules:
 *
 * - The last `openReservedJobs` (`indirectChecks + 1`) are handed by standing, as the target's
 *   reserve is (`RelayJobBudget.reserveFor`, on the gap between the requester's last two
 *   ping-reqs): ids asking more than once a period hold at most 60 between them, ids asking once a
 *   period at most 62, and the last 2 are kept for requesters quiet for 800 ms (an honest prober's
 *   ping-reqs to one relay are a round or more apart, and most rounds ask other relays).
 * - Full for a requester, the oldest job of the largest holder makes room if that holder holds at
 *   least two more than the requester (longest-queue drop): its requester is nacked at once,
 *   without a suspicion (this peer did not wait for the target). So k ids hold about 64 / k each,
 *   a requester holding none gets one while any holder has two, and a requester's single job is
 *   never taken.
 *
 * Past both (64 quiet ids holding one job each) the newcomer is nacked, as before.
 *
 * A displaced job frees its slot, not its answer (decision 0077): its pings are out, so it moves to
 * `relayJobsDisplaced` (at most `relayJobsMax`, oldest first) where an ack from its target is still
 * forwarded and its timeout still sends this peer's suspicion (`expireRelayJobs`). Only the oldest
 * displaced job pushed out of that ring is nacked bare. An honest requester holding several jobs
 * (the relay checks of a mass verdict) is the largest holder when far ids fill the open jobs; 0071
 * ended its jobs with bare nacks, losing acks that were on their way (session 23's review).
 */
import { Spend } from './broadcast-queue.js';
import { MessageType, type Message, type Update } from './codec.js';
import type { DetectorState, RelayJob } from './detector-state.js';
import { sendMember, sendTo } from './send.js';
import type { Member } from './member.js';
import type { PeerId } from './types.js';

/** Nack `job`'s requester (with `updates`): its target did not answer, or its slot went to another. */
export function nackRelayJob(s: DetectorState, job: RelayJob, updates: Update[] = []): void {
  const nack: Message = { type: MessageType.nack, seq: 0, ackSeq: job.reqSeq, updates: [], extensions: [] };
  const requester = s.members.get(job.requester);
  if (requester !== undefined) sendMember(s, requester, nack, true, updates, Spend.reply);
  else sendTo(s, job.requester, nack, true, updates, Spend.reply);
}

/** True when the open jobs are full for `requester` (the last few kept by standing: `reserveFor`). */
export function relayJobsFullFor(s: DetectorState, requester: PeerId): boolean {
  const b = s.relayBudget;
  return (
    s.relayJobs.length >= s.config.relayJobsMax - b.reserveFor(b.askGapMs(requester), b.openReservedJobs)
  );
}

/**
 * When the jobs are full: the requester whose oldest job makes room for one of `requester`'s (it
 * holds at least two more open jobs than `requester`; ties: the first found holding that many), or
 * undefined when none does.
 */
export function relayJobHolderOver(s: DetectorState, requester: PeerId): PeerId | undefined {
  const held = new Map<PeerId, number>();
  let largest: PeerId | undefined;
  let most = 0;
  for (const job of s.relayJobs) {
    const n = (held.get(job.requester) ?? 0) + 1;
    held.set(job.requester, n);
    if (n > most) {
      most = n;
      largest = job.requester;
    }
  }
  return most >= (held.get(requester) ?? 0) + 2 ? largest : undefined;
}

/**
 * Move `holder`'s oldest open job to the displaced ring to make room (counted as dropped); past
 * `relayJobsMax` displaced, the oldest of them ends in a bare nack.
 */
export function displaceRelayJob(s: DetectorState, holder: PeerId): void {
  const i = s.relayJobs.findIndex((job) => job.requester === holder);
  if (i < 0) return;
  const [job] = s.relayJobs.splice(i, 1);
  s.counters.relayJobsDropped += 1;
  s.relayJobsDisplaced.push(job as RelayJob);
  if (s.relayJobsDisplaced.length > s.config.relayJobsMax)
    nackRelayJob(s, s.relayJobsDisplaced.shift() as RelayJob);
}

/** The open or displaced job whose ping to `target` `ackSeq` answers, removed; undefined when none. */
export function takeRelayJob(s: DetectorState, target: Member, ackSeq: number): RelayJob | undefined {
  return takeFrom(s.relayJobs, target, ackSeq) ?? takeFrom(s.relayJobsDisplaced, target, ackSeq);
}

function takeFrom(jobs: RelayJob[], target: Member, ackSeq: number): RelayJob | undefined {
  for (let i = 0; i < jobs.length; i++) {
    const job = jobs[i] as RelayJob;
    if (job.target === target && (job.pingSeq === ackSeq || job.pingSeq2 === ackSeq))
      return jobs.splice(i, 1)[0];
  }
  return undefined;
}
