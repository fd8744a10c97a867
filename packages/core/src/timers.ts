/**
 * The detector's timers: what `tick` runs when a deadline passes (the probe phases, suspicion
 * timeouts, suspect and failed-peer pings, recovery, relay jobs, checks, the joiner's sync retry)
 * and the earliest deadline (`nextDeadlineMs`).
 */
import { MessageType, UpdateKind } from './codec.js';
import { Phase, type Check, type DetectorState, type RelayJob } from './detector-state.js';
import type { Member } from './member.js';
import { randomInt } from './random.js';
import { askSync, sendMember } from './send.js';
import { finishProbe, startIndirect, startProbe } from './probe.js';
import { askRelaysAgain, checkFailed, recheck, watch } from './checks.js';
import { setState, suspicionExpired } from './membership.js';
import { runWitnessChecks, witnessDeadline } from './witness.js';
import { reapAtMs, reapDue } from './past-members.js';
import { nackRelayJob } from './relay-jobs.js';
import { ownAccusation, ownSilenceMs, ownStallToleranceMs } from './trust.js';

/** Runs every timer due at `s.now`. */
export function runTimers(s: DetectorState): void {
  for (let guard = 0; guard < 8; guard++) {
    if (s.phase === Phase.direct && s.now >= s.directDeadlineMs) startIndirect(s);
    else if (s.phase === Phase.indirect && s.now >= s.indirectDeadlineMs) finishProbe(s, false);
    else if (s.phase === Phase.idle && s.now >= s.nextProbeMs) startProbe(s);
    else break;
  }
  for (const m of s.suspected) {
    if (s.now >= m.suspicionDeadlineMs) {
      if (suspicionExpired(s, m) && m.relayVerdict !== undefined) askRelaysAgain(s, m, m.relayVerdict);
    } else if (s.now >= m.watchAtMs) watch(s, m);
  }
  for (const m of s.recoveringTimed) {
    if (s.now >= m.recoveryDeadlineMs) setState(s, m, 'healthy', 'recovery-time');
  }
  for (const m of s.failedLinked) if (s.now >= m.recheckAtMs) recheck(s, m);
  if (s.silent.size > 0) followSilences(s);
  expireRelayJobs(s);
  if (s.witnessChecks.length > 0) runWitnessChecks(s);
  reapDue(s);
  for (let i = s.checks.length - 1; i >= 0; i--) {
    const check = s.checks[i] as Check;
    if (s.now < check.deadlineMs) continue;
    s.checks.splice(i, 1);
    checkFailed(s, check);
  }
  if (s.syncWanted && s.now >= s.syncRetryAtMs) {
    s.syncRetryAtMs = Infinity;
    const candidates = s.linked.filter((m) => !s.syncAskedOf.has(m.id));
    const pick = candidates.length > 0 ? candidates : s.linked;
    if (pick.length > 0) askSync(s, pick[randomInt(s.random, pick.length)] as Member);
  }
}

/**
 * With trust: pings each member whose pings went unanswered once a period (`probeIntervalMs`, not
 * stretched by local health: the chain must not outgrow `chainGapMs`; a probe timeout after a
 * first moment not yet confirmed, decision 0029), unless another ping went to it meanwhile, until
 * it answers (any message from it ends the chain), until the chain has shown its stall tolerance
 * and a period more, or until it is failed or left (rechecks take over). A datagram lost to a live peer is so followed by one more ping, answered; a real
 * silence keeps a chain no gap breaks, for as long as a verdict may need it (decision 0024).
 */
function followSilences(s: DetectorState): void {
  for (const m of s.silent) {
    const done =
      !m.linked ||
      m.evicted ||
      m.state === 'failed' ||
      m.state === 'left' ||
      Number.isNaN(m.lastPingMs) ||
      ownSilenceMs(s, m) >= ownStallToleranceMs(s, m) + s.effectivePeriodMs();
    if (done) s.silent.delete(m);
    else if (s.now >= followUpAtMs(s, m))
      sendMember(s, m, { type: MessageType.ping, seq: 0, updates: [], extensions: [] }, false);
  }
}

/** When `m`'s chain of unanswered pings is next followed up (`followSilences`). */
function followUpAtMs(s: DetectorState, m: Member): number {
  // Never NaN: it feeds `nextDeadlineMs`'s `Math.min`, where a NaN stops every timer.
  if (Number.isNaN(m.lastPingMs)) return s.now;
  // A pair sent at once is one moment: its silence counts only from a second (`notePing`), asked
  // for an unstretched probe timeout later, as a probe's retry is.
  return (
    m.lastPingMs + (Number.isNaN(m.silentSinceMs) ? s.probeTimeoutFor(m, false) : s.config.probeIntervalMs)
  );
}

/**
 * Relay jobs whose ping went unanswered: nack the requester. This relay tried the target and got
 * nothing, so the nack carries `suspect(target, from = this peer)`: a confirmation of the suspicion
 * the requester is about to raise (it counts towards Lifeguard's K independent confirmations).
 */
function expireRelayJobs(s: DetectorState): void {
  expireJobs(s, s.relayJobs);
  // Displaced jobs too (decision 0077): their pings went out, so their silence is evidence.
  if (s.relayJobsDisplaced.length > 0) expireJobs(s, s.relayJobsDisplaced);
}

function expireJobs(s: DetectorState, jobs: RelayJob[]): void {
  for (let i = jobs.length - 1; i >= 0; i--) {
    const job = jobs[i] as RelayJob;
    if (s.now < job.deadlineMs) continue;
    jobs.splice(i, 1);
    const t = job.target;
    nackRelayJob(s, job, t.evicted || t.state === 'left' ? [] : [ownAccusation(s, t, UpdateKind.suspect)]);
  }
}

/** When `tick` must next be called (ms; `Infinity` when nothing is scheduled). Cached until the next step. */
export function nextDeadline(s: DetectorState): number {
  if (Number.isNaN(s.deadlineMs)) s.deadlineMs = earliestDeadline(s);
  return s.deadlineMs;
}

function earliestDeadline(s: DetectorState): number {
  if (s.hasLeft) return Infinity;
  let t =
    s.phase === Phase.idle
      ? s.nextProbeMs
      : s.phase === Phase.direct
        ? s.directDeadlineMs
        : s.indirectDeadlineMs;
  // Size checks first: these sets are nearly always empty, and iterating one costs an iterator.
  if (s.suspected.size > 0) for (const m of s.suspected) t = Math.min(t, m.suspicionDeadlineMs, m.watchAtMs);
  if (s.recoveringTimed.size > 0) for (const m of s.recoveringTimed) t = Math.min(t, m.recoveryDeadlineMs);
  if (s.failedLinked.size > 0) for (const m of s.failedLinked) t = Math.min(t, m.recheckAtMs);
  if (s.silent.size > 0) for (const m of s.silent) t = Math.min(t, followUpAtMs(s, m));
  if (s.ending.size > 0) for (const m of s.ending) if (m !== s.target) t = Math.min(t, reapAtMs(s, m));
  for (const j of s.relayJobs) t = Math.min(t, j.deadlineMs);
  for (const j of s.relayJobsDisplaced) t = Math.min(t, j.deadlineMs);
  for (const c of s.checks) t = Math.min(t, c.deadlineMs);
  if (s.syncWanted) t = Math.min(t, s.syncRetryAtMs);
  if (s.witnessChecks.length > 0) t = Math.min(t, witnessDeadline(s));
  // A stall is measured from at most `probeIntervalMsMax` after it began (`lastTickMs`).
  return t < Infinity ? Math.min(t, s.lastTickMs + s.config.probeIntervalMsMax) : t;
}
