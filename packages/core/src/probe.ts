/**
 * SWIM probing: one member per protocol period, a direct ping with an RTT-derived timeout, then
 * a retry and indirect pings through relays, then suspicion; and the adaptive protocol period.
 */
import { MessageType, UpdateKind } from './codec.js';
import { adaptProtocolPeriodMs, indirectChecksFor, linkJitterRatio, networkBadness } from './interval.js';
import { probeOutcomeDelta } from './local-health.js';
import type { Member } from './member.js';
import { ownAccusation, stateUpdate } from './trust.js';
import { randomInt } from './random.js';
import { type PeerId } from './types.js';
import type { DetectorState } from './detector-state.js';
import { LOSS_ALPHA, Phase } from './detector-state.js';
import { sendMember } from './send.js';
import { scanRoster } from './roster-asks.js';
import { keepConfirmation, setState, startSuspicion, armSuspicion } from './membership.js';

/**
 * Ends `t`'s turn as the probe target. An unlinked one not known to be on the roster is a possible
 * stranger for `evictOne` again (the target is never evicted).
 */
function clearTarget(s: DetectorState, t: Member): void {
  s.target = null;
  if (!t.linked && !t.onRoster) s.strangerEpoch += 1;
}

/** Starts the next protocol period: picks the next member of the rotation and pings it directly. */
export function startProbe(s: DetectorState): void {
  s.nextProbeMs = s.now + s.effectivePeriodMs();
  s.probesSinceAdapt += 1;
  if (s.probesSinceAdapt >= s.config.intervalAdaptEveryProbes) adaptInterval(s);
  scanRoster(s);
  const t = s.rotation.next();
  if (t === null) return;
  if (s.target !== null && s.target !== t) clearTarget(s, s.target);
  s.target = t;
  // Emptied, not replaced: nothing keeps them past the probe (four arrays fewer per probe). Only
  // when not empty: setting `length` is a runtime call even on an empty array (~1 % of CPU).
  if (s.relays.length > 0) s.relays.length = 0;
  if (s.relaySeqs.length > 0) s.relaySeqs.length = 0;
  s.nacks = 0;
  if (s.probeConfirmers.length > 0) s.probeConfirmers.length = 0;
  if (s.probeConfirmations.length > 0) s.probeConfirmations.length = 0;
  if (s.probeUnable.length > 0) s.probeUnable.length = 0;
  s.probeSentMs = s.now;
  s.retrySeq = -1;
  s.retrySeq2 = -1;
  s.phase = Phase.direct;
  if (t.linked) {
    s.targetSeq = sendMember(s, t, { type: MessageType.ping, seq: 0, updates: [], extensions: [] }, true);
    s.counters.probesSent += 1;
    s.directDeadlineMs = s.now + s.probeTimeoutFor(t);
  } else {
    s.targetSeq = -1;
    s.directDeadlineMs = s.now;
  }
}

/**
 * The direct ack did not come in time: ping the target again (twice) and ask `k` relays to ping
 * it (`indirectChecksFor`); wait for the slowest relay round trip plus the target's timeout.
 */
export function startIndirect(s: DetectorState): void {
  const t = s.target as Member;
  if (t.state === 'failed') {
    s.phase = Phase.idle;
    clearTarget(s, t);
    return;
  }
  if (t.linked) {
    t.loss = t.loss * (1 - LOSS_ALPHA) + LOSS_ALPHA;
    // Relays in a partial mesh often have no link to the target: retry the direct path as well,
    // with two pings (independent losses: a 2 % lossy path then fails a probe 1 time in 125,000).
    s.retrySeq = sendMember(s, t, { type: MessageType.ping, seq: 0, updates: [], extensions: [] }, true);
    s.retrySeq2 = sendMember(s, t, { type: MessageType.ping, seq: 0, updates: [], extensions: [] }, false);
    s.retrySentMs = s.now;
  }
  const candidates = s.linked.filter((m) => m !== t && m.state === 'healthy');
  const k = Math.min(candidates.length, indirectChecksFor(s.config.indirectChecks, s.badness));
  let wait = t.linked ? s.probeTimeoutFor(t) : 0;
  for (let i = 0; i < k; i++) {
    const j = i + randomInt(s.random, candidates.length - i);
    const relay = candidates[j] as Member;
    candidates[j] = candidates[i] as Member;
    const seq = sendMember(
      s,
      relay,
      { type: MessageType.pingReq, seq: 0, target: t.id, updates: [], extensions: [] },
      true,
    );
    s.relays.push(relay);
    s.relaySeqs.push(seq);
    s.counters.indirectProbesSent += 1;
    wait = Math.max(wait, s.probeTimeoutFor(relay) + s.probeTimeoutFor(t));
  }
  s.phase = Phase.indirect;
  // A failed round lasts at least `probeRoundMsMin` from the direct ping: a live peer in a long
  // task answers its queued pings when the task ends, inside the round (the stall tolerance).
  s.indirectDeadlineMs = Math.max(s.now + wait, s.probeSentMs + s.config.probeRoundMsMin);
}

/**
 * Ends the current probe: adjusts local health (`probeOutcomeDelta`), advances a recovering
 * member's streak, or raises a suspicion with the relays that tried and failed as its first
 * confirmations (and tells the suspect at once: Lifeguard's buddy system).
 */
export function finishProbe(s: DetectorState, succeeded: boolean): void {
  const t = s.target as Member;
  s.phase = Phase.idle;
  clearTarget(s, t);
  const delta = probeOutcomeDelta(succeeded, s.relays.length, s.nacks);
  // A throttled runtime's probes may still succeed: while its timers keep firing late, a success
  // does not pay the late-timer strikes back.
  const recentlyLate = s.now - s.lastLateStrikeMs < 2 * s.effectivePeriodMs();
  if (delta > 0 || !recentlyLate) s.adjustScore(delta);
  if (succeeded) {
    if (t.state === 'recovering' && (t.goodStreak += 1) >= s.config.recoveryStreakProbes) {
      setState(s, t, 'healthy', 'recovery-streak');
    }
    return;
  }
  s.counters.probesFailed += 1;
  if (t.evicted) return;
  if (t.state === 'healthy' || t.state === 'recovering') {
    s.counters.suspicionsRaised += 1;
    startSuspicion(s, t, s.localId, 'probe-failed');
    // Relays that tried and failed too are independent confirmations (Lifeguard's K).
    for (const r of s.probeConfirmers) if (!(t.suspectors as PeerId[]).includes(r)) t.suspectors?.push(r);
    for (const c of s.probeConfirmations) keepConfirmation(t, c);
    // With trust: relays without a link to it (most, in a sparse mesh) could never confirm; the
    // suspicion does not wait for them. Linked only: our own silence then still holds the verdict
    // until it reaches the stall tolerance (`suspicionExpired`, decision 0030).
    if (s.trust !== undefined && t.linked) t.relaysUnable = s.probeUnable.length;
    armSuspicion(s, t);
    // Gossiped with a small fanout: it matters to the suspect (to refute) and to peers that can
    // check it (they probe it once and confirm, see `applySuspect`), not to the whole mesh.
    s.queue.push(stateUpdate(s, t), s.config.retransmitMult);
    // Lifeguard's buddy system: tell the suspect at once (the suspicion rides first on this
    // ping), so a live peer refutes within one round trip instead of waiting for gossip.
    if (t.linked) sendMember(s, t, { type: MessageType.ping, seq: 0, updates: [], extensions: [] }, true);
  } else if (t.state === 'suspected' && t.suspectors !== null && !t.suspectors.includes(s.localId)) {
    t.suspectors.push(s.localId);
    armSuspicion(s, t);
    s.queue.push(ownAccusation(s, t, UpdateKind.suspect));
  }
}

/** Re-evaluates the protocol period from the mean loss and jitter of direct links (`adaptProtocolPeriodMs`). */
export function adaptInterval(s: DetectorState): void {
  s.probesSinceAdapt = 0;
  let loss = 0;
  let jitter = 0;
  let n = 0;
  for (const m of s.linked) {
    if (Number.isNaN(m.srttMs)) continue;
    loss += m.loss;
    jitter += linkJitterRatio(m.srttMs, m.rttVarMs);
    n += 1;
  }
  if (n === 0) return;
  const c = s.config;
  s.badness = networkBadness(loss / n, jitter / n, c.lossRatioHigh, c.jitterRatioHigh);
  const next = adaptProtocolPeriodMs({
    currentMs: s.periodMs,
    minMs: c.probeIntervalMsMin,
    maxMs: c.probeIntervalMsMax,
    loss: loss / n,
    jitterRatio: jitter / n,
    lossRatioHigh: c.lossRatioHigh,
    jitterRatioHigh: c.jitterRatioHigh,
  });
  if (next === s.periodMs) return;
  const reason = `loss=${(loss / n).toFixed(3)} jitter=${(jitter / n).toFixed(3)}`;
  s.emit('interval-change', { fromMs: s.periodMs, toMs: next, reason, atMs: s.now });
  s.localHistory.push({ atMs: s.now, peer: s.localId, kind: 'interval-change', reason });
  if (s.localHistory.length > s.config.historyPerPeerMax) s.localHistory.shift();
  s.periodMs = next;
}
