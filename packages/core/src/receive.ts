/**
 * Receiving: per-link loss and arrival statistics, and the body of each message type (acks, relay
 * requests, nacks, leaves, vitals, sync requests).
 */
import { MessageType, UpdateKind, type Message, type Update } from './codec.js';
import { type Member, RESTART_UPTIME_MARGIN_MS, STALL_MEMORY_AFTER_RESTART_MS } from './member.js';
import { Admission, admitUpdate, relayable, stateUpdate } from './trust.js';
import { updateArrival } from './phi.js';
import { type PeerId, type VitalSigns } from './types.js';
import type { DetectorState } from './detector-state.js';
import { type Check, LOSS_ALPHA, Phase, RECHECK_FIRST_MS } from './detector-state.js';
import { Spend } from './broadcast-queue.js';
import { NO_EXTRA, sendMember, sendTo, sendSync, sendVerdict } from './send.js';
import { finishProbe } from './probe.js';
import { answerWanted, wantedOf } from './roster-asks.js';
import { checkAnswered } from './checks.js';
import { noteVoucher } from './hearsay.js';
import { armSuspicion, setState } from './membership.js';
import { forwardedSigners } from './gossip.js';
import { displaceRelayJob, relayJobHolderOver, relayJobsFullFor, takeRelayJob } from './relay-jobs.js';

/** Per-link bookkeeping of an arrival: loss from sequence gaps, phi inter-arrival statistics, and a failed member heard from again. */
export function heardFrom(s: DetectorState, m: Member, seq: number, bytes: number, type: number): void {
  m.bytesReceived += bytes;
  m.unansweredSinceMs = NaN;
  m.silentSinceMs = NaN;
  m.lastPingMs = NaN;
  m.quietSinceMs = NaN;
  // Fast path (sc): most peers are silent about no one, and a miss still hashed `m` into the set.
  if (s.silent.size > 0) s.silent.delete(m);
  if (m.recvSeq >= 0) {
    const gap = (seq - m.recvSeq - 1) & 0xffff;
    if (gap < 0x8000) {
      for (let i = 0; i < Math.min(gap, 16); i++) m.loss = m.loss * (1 - LOSS_ALPHA) + LOSS_ALPHA;
      m.loss *= 1 - LOSS_ALPHA;
      m.recvSeq = seq;
    }
  } else m.recvSeq = seq;
  if (!Number.isNaN(m.lastHeardMs)) {
    const gapMs = s.now - m.lastHeardMs;
    // Messages closer together than the shortest probe timeout are one arrival (a ping and an ack).
    if (gapMs < s.config.probeTimeoutMsMin) return;
    updateArrival(m, gapMs);
  }
  m.lastHeardMs = s.now;
  if (m.state === 'left' && type !== MessageType.leave && type !== MessageType.sync) {
    // A peer we hold `left` is talking to us: it came back (a reload with the same id). Tell it,
    // so it rejoins above the incarnation it left with (else its `alive` looks stale here).
    sendVerdict(s, m);
  }
  if (m.state === 'failed' && type !== MessageType.leave) {
    // Tell it it was declared failed, so it refutes with a higher incarnation that overrides the
    // verdict everywhere (otherwise stale verdicts at its old incarnation make it flap).
    sendVerdict(s, m);
    setState(s, m, 'recovering', 'heard-from');
    // A failed peer that was still linked spoke again: the signature of a healed partition. The
    // other failed-but-linked peers may be back too: re-check them now (at most once a period).
    if (s.now - s.lastHealSweepMs >= s.periodMs) {
      s.lastHealSweepMs = s.now;
      for (const f of s.failedLinked) {
        f.recheckGapMs = RECHECK_FIRST_MS;
        f.recheckAtMs = Math.min(f.recheckAtMs, s.now);
      }
    }
  }
}

/**
 * Stores `m`'s vital signs. Vitals whose uptime is well below the last ones' come from a new process
 * (a restart or reload): the stall the old one reported is remembered for
 * {@link STALL_MEMORY_AFTER_RESTART_MS} (`Member.stallBeforeRestartMs`). The margin covers vitals
 * reordered on the network.
 */
export function setVitals(s: DetectorState, m: Member, v: VitalSigns): void {
  // The held uptime from `Member.vitalsUptimeMs` (NaN exactly while `vitals` is unset): the old
  // record itself is read only when a restart is found.
  const heldUptimeMs = m.vitalsUptimeMs;
  const held = !Number.isNaN(heldUptimeMs);
  // Acks carry vitals only on change (`ackVitals`): the old process's uptime went on since they came.
  const oldUptimeMs = held ? heldUptimeMs + Math.max(0, s.now - m.vitalsAtMs) : 0;
  if (held && v.uptimeMs + RESTART_UPTIME_MARGIN_MS < oldUptimeMs)
    rememberStallBeforeRestart(s, m, (m.vitals as VitalSigns).loadMs);
  m.vitals = v;
  m.vitalsUptimeMs = v.uptimeMs;
  m.vitalsAtMs = s.now;
}

/** Keeps `loadMs` of `m`'s previous process as its stall memory (the longer one, while it counts). */
export function rememberStallBeforeRestart(s: DetectorState, m: Member, loadMs: number): void {
  const kept = m.stallBeforeRestartUntilMs > s.now ? m.stallBeforeRestartMs : 0;
  m.stallBeforeRestartMs = Math.max(kept, loadMs);
  m.stallBeforeRestartUntilMs = s.now + STALL_MEMORY_AFTER_RESTART_MS;
}

/** Handles the body of one decoded message (its updates were applied already). */
export function handleBody(s: DetectorState, from: PeerId, m: Member | undefined, msg: Message): void {
  switch (msg.type) {
    case MessageType.ping: {
      const ack: Message = {
        type: MessageType.ack,
        seq: 0,
        ackSeq: msg.seq,
        relayed: false,
        vitals: s.vitals(),
        updates: [],
        extensions: [],
      };
      // A reply (decision 0070): the sender chose this send, not this peer.
      if (m !== undefined) sendMember(s, m, ack, true, NO_EXTRA, Spend.reply);
      else sendTo(s, from, ack, true, NO_EXTRA, Spend.reply);
      return;
    }
    case MessageType.ack:
      if (m !== undefined && msg.vitals !== undefined) setVitals(s, m, msg.vitals);
      handleAck(s, from, m, msg.ackSeq, msg.relayed);
      return;
    case MessageType.pingReq:
      handlePingReq(s, from, m, msg.seq, msg.target);
      return;
    case MessageType.nack:
      if (s.phase === Phase.indirect) {
        for (let i = 0; i < s.relays.length; i++) {
          if (s.relays[i]?.id !== from || s.relaySeqs[i] !== msg.ackSeq) continue;
          s.nacks += 1;
          const t = s.target as Member;
          const tried = msg.updates.find(
            (u) => u.kind === UpdateKind.suspect && u.peer === t.id && u.from === from,
          );
          if (tried === undefined) {
            if (!s.probeUnable.includes(from)) s.probeUnable.push(from);
            continue;
          }
          if (s.probeConfirmers.includes(from)) continue;
          s.probeConfirmers.push(from);
          // Kept (verified first: we would vouch for it) as evidence to send with a verdict.
          if (
            s.trust !== undefined &&
            tried.signature !== undefined &&
            admitUpdate(s, tried, from) === Admission.apply
          )
            s.probeConfirmations.push(tried);
        }
      }
      relayNackVouches(s, from, msg.ackSeq, msg.updates);
      s.counters.nacksReceived += 1;
      return;
    case MessageType.leave:
      if (m !== undefined && msg.incarnation >= m.incarnation && m.state !== 'left') {
        m.incarnation = msg.incarnation;
        setState(s, m, 'left', 'graceful-leave');
        const left = stateUpdate(s, m);
        if (relayable(s, left)) s.queue.push(left);
      }
      return;
    case MessageType.vitals:
      if (m !== undefined) setVitals(s, m, msg.vitals);
      return;
    case MessageType.syncRequest: {
      // A roster ask (decision 0034) names the members it wants; a bare one wants the whole table.
      const wanted = wantedOf(msg.extensions);
      if (wanted === undefined) sendSync(s, from, m);
      else answerWanted(s, m, wanted);
      return;
    }
    default:
      return;
  }
}

/** Matches an ack to the current probe, a relay job, a suspect's watch ping or a check; else counts it unmatched. */
export function handleAck(
  s: DetectorState,
  from: PeerId,
  m: Member | undefined,
  ackSeq: number,
  relayed: boolean,
): void {
  s.counters.acksReceived += 1;
  const t = s.target;
  if (s.phase !== Phase.idle && t !== null && m === t && !relayed) {
    if (ackSeq === s.targetSeq || ackSeq === s.retrySeq || ackSeq === s.retrySeq2) {
      s.rttSample(t, s.now - (ackSeq === s.targetSeq ? s.probeSentMs : s.retrySentMs));
      finishProbe(s, true);
      return;
    }
  }
  if (s.phase === Phase.indirect && relayed) {
    for (let i = 0; i < s.relays.length; i++) {
      if (s.relays[i]?.id === from && s.relaySeqs[i] === ackSeq) {
        finishProbe(s, true);
        return;
      }
    }
  }
  if (relayed && relayCheckAnswered(s, from, ackSeq)) return;
  const job = !relayed && m !== undefined ? takeRelayJob(s, m, ackSeq) : undefined;
  if (job !== undefined) {
    const fwd: Message = {
      type: MessageType.ack,
      seq: 0,
      ackSeq: job.reqSeq,
      relayed: true,
      vitals: undefined,
      updates: [],
      extensions: [],
    };
    const requester = s.members.get(job.requester);
    if (requester !== undefined) sendMember(s, requester, fwd, true, NO_EXTRA, Spend.reply);
    else sendTo(s, job.requester, fwd, true, NO_EXTRA, Spend.reply);
    return;
  }
  if (!relayed && m !== undefined && m.state === 'suspected' && ackSeq === m.watchSeq) {
    setState(s, m, 'healthy', 'answered');
    return;
  }
  if (!relayed && m !== undefined) {
    for (let i = 0; i < s.checks.length; i++) {
      const check = s.checks[i] as Check;
      if (check.member !== m || !check.seqs.includes(ackSeq)) continue;
      s.checks.splice(i, 1);
      checkAnswered(s, check);
      return;
    }
  }
  s.counters.unmatchedAcks += 1;
}

/** A relayed ack answering a `relay` check (a verdict about an unlinked peer, see `startRelayCheck`). */
function relayCheckAnswered(s: DetectorState, from: PeerId, ackSeq: number): boolean {
  for (let i = 0; i < s.checks.length; i++) {
    const check = s.checks[i] as Check;
    if (check.relays === undefined) continue;
    for (let j = 0; j < check.relays.length; j++) {
      if (check.relays[j]?.id !== from || check.seqs[j] !== ackSeq) continue;
      s.checks.splice(i, 1);
      checkAnswered(s, check);
      noteVoucher(check.member, from);
      // Proof of life through a relay: a suspicion held because relays could not reach it ends.
      const m = check.member;
      if (m.state === 'suspected' && m.relayVerdict !== undefined && !m.linked)
        setState(s, m, 'healthy', 'relayed-ack');
      return true;
    }
  }
  return false;
}

/**
 * A relay of a `relay` check nacked (no link) with the verdict it holds: it took that verdict
 * under the same rules (first-hand, or two signers), so it vouches for it: one more independent
 * accuser of the check, or of the suspicion it ended in. A relay that only suspects vouches for nothing.
 */
function relayNackVouches(s: DetectorState, from: PeerId, ackSeq: number, updates: readonly Update[]): void {
  for (const check of s.checks) {
    if (check.relays === undefined) continue;
    const j = check.relays.findIndex((r, i) => r.id === from && check.seqs[i] === ackSeq);
    if (j < 0) continue;
    const m = check.member;
    if (
      !updates.some((u) => u.kind === UpdateKind.failed && u.peer === m.id && u.incarnation === m.incarnation)
    )
      return;
    if (!check.accusers.includes(from)) check.accusers.push(from);
    if (m.state === 'suspected' && m.suspectors !== null && !m.suspectors.includes(from)) {
      m.suspectors.push(from);
      armSuspicion(s, m);
    }
    return;
  }
}

/**
 * The signed accusations of `m` this peer holds, for a relay check that asks here without a link:
 * the verdict held and its evidence, or (suspecting through relays itself) the verdict and the
 * other signers heard; never this peer's private relay suspicion.
 */
function signersKnown(s: DetectorState, m: Member): Update[] {
  let held: Update[] = [];
  if (m.state === 'failed') held = [stateUpdate(s, m), ...(m.verdictEvidence ?? [])];
  else if (m.state === 'suspected' && m.relayVerdict !== undefined)
    held = [m.relayVerdict, ...(m.confirmations ?? []).slice(0, 1)];
  return held.filter((u) => u.signature !== undefined);
}

/**
 * A ping-req: ping the target for the requester (bounded by `relayJobsMax`, the requester's
 * relay-job budget and the target's), or nack at once when there is no link to it. One naming this
 * peer, or past the requester's budget, is dropped.
 */
export function handlePingReq(
  s: DetectorState,
  from: PeerId,
  m: Member | undefined,
  reqSeq: number,
  targetId: PeerId,
): void {
  const reply = (type: 'ack' | 'nack', updates: Update[] = []): void => {
    const msg: Message =
      type === 'ack'
        ? {
            type: MessageType.ack,
            seq: 0,
            ackSeq: reqSeq,
            relayed: true,
            vitals: undefined,
            updates: [],
            extensions: [],
          }
        : { type: MessageType.nack, seq: 0, ackSeq: reqSeq, updates: [], extensions: [] };
    if (m !== undefined) sendMember(s, m, msg, true, updates, Spend.reply);
    else sendTo(s, from, msg, true, updates, Spend.reply);
  };
  // No honest peer names its relay as the target (`probe.ts`, `askRelays` pick others), and an
  // ack here would be a ping past the ping budget (decision 0056): dropped, counted, unanswered.
  if (targetId === s.localId) {
    s.counters.pingReqsToSelf += 1;
    return;
  }
  // Every answer is charged to the requester, a nack as well as a job (decision 0063): a nack is a
  // message back (with gossip), one per ping-req, so uncharged it answered 20,001 of 20,001.
  if (!s.relayBudget.take(from, s.now)) {
    s.counters.relayJobsRefused += 1;
    return;
  }
  const target = s.members.get(targetId);
  // Not stored: the signed verdicts forwarded about it, if any (one more signer for a relay check).
  if (target === undefined) return reply('nack', forwardedSigners(s, targetId));
  if (!target.linked) {
    // No link: nothing to try. A verdict held about it rides along (a signed one, never ours
    // made up here): for a requester checking a verdict through relays (`startRelayCheck`) it is
    // one more signer, so a crash that many saw is corroborated where a lone accuser's lie is not.
    return reply('nack', signersKnown(s, target));
  }
  // The open jobs full (the last few kept by standing): the largest holder's oldest job
  // makes room if it holds two more than this requester, else this one is nacked (decision 0071:
  // far targets kept all 64 open for 16 ids).
  const full = relayJobsFullFor(s, from);
  const displaced = full ? relayJobHolderOver(s, from) : undefined;
  if (full && displaced === undefined) {
    s.counters.relayJobsDropped += 1;
    return reply('nack');
  }
  // Two pings charged to this peer at the target: at most the relay-job term of the target's
  // budget for this peer, whatever the number of requester ids (decision 0063). Nacked, so an
  // honest prober counts this relay as unable and the others decide.
  if (!s.relayBudget.takeAt(targetId, from, s.now)) {
    s.counters.relayJobsCapped += 1;
    return reply('nack');
  }
  if (displaced !== undefined) displaceRelayJob(s, displaced);
  // The requester asked for this send and named its destination: its gossip counts as a reply's
  // (decision 0070), else ids that name each other and the news's subject retire it for them.
  const pingSeq = sendMember(
    s,
    target,
    { type: MessageType.ping, seq: 0, updates: [], extensions: [] },
    true,
    NO_EXTRA,
    Spend.reply,
  );
  // Two pings, like a check's: either answer is an ack, and both unanswered are this peer's own
  // evidence of a silence (`Member.silentSinceMs`), so a relay of a failed round can declare
  // as soon as it has seen the stall tolerance pass (decision 0024).
  const pingSeq2 = sendMember(
    s,
    target,
    { type: MessageType.ping, seq: 0, updates: [], extensions: [] },
    false,
  );
  s.relayJobs.push({
    requester: from,
    reqSeq,
    target,
    pingSeq,
    pingSeq2,
    deadlineMs: s.now + s.probeTimeoutFor(target),
  });
}
