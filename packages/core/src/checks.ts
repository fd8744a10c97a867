/**
 * Checks of accused peers: a gossiped suspicion is confirmed, and a verdict verified, by pinging
 * the peer (twice) before believing it; suspects and failed-but-linked peers keep being pinged.
 */
import { MessageType, UpdateKind, type Message, type Update } from './codec.js';
import type { Member } from './member.js';
import { type PeerId } from './types.js';
import type { DetectorState } from './detector-state.js';
import { CHECKS_MAX, CHECK_PINGS, type Check, RECHECK_MAX_MS } from './detector-state.js';
import { sendMember } from './send.js';
import { randomInt } from './random.js';
import { ownAccusation, scoreLiar } from './trust.js';
import { acceptFailed, keepConfirmation, startSuspicion, armSuspicion } from './membership.js';

/** Pings `m` (twice) carrying the accusation `u`; resolved by `checkAnswered` or `checkFailed`. */
export function startCheck(
  s: DetectorState,
  m: Member,
  kind: Check['kind'],
  u: Update,
  sender: PeerId,
): void {
  const existing = noteAccuser(s, m, u.from ?? sender);
  if (existing !== undefined) {
    if (kind === 'verify' && existing.kind === 'confirm') {
      existing.kind = 'verify';
      existing.update = u;
      existing.sender = sender;
    }
    return;
  }
  if (s.checks.length >= CHECKS_MAX) {
    s.counters.checksDropped += 1;
    // Without trust a verdict is taken unchecked rather than lost; with trust a flood of
    // accusations must never turn into verdicts, so it is dropped (the accuser may repeat it).
    if (kind === 'verify' && s.trust === undefined) acceptFailed(s, m, u, sender);
    return;
  }
  const seqs: number[] = [];
  for (let i = 0; i < CHECK_PINGS; i++) {
    const ping: Message = { type: MessageType.ping, seq: 0, updates: [], extensions: [] };
    // The accusation only: an accused peer is most likely dead, piggybacked news would be lost on it.
    seqs.push(sendMember(s, m, ping, false, i === 0 ? [u] : []));
  }
  s.counters.checksSent += 1;
  // Not stretched by local health: a late (throttled) timer only gives the answers more time.
  const deadlineMs = s.now + 2 * s.probeTimeoutFor(m, false);
  const accusers = [u.from ?? sender];
  s.checks.push({ member: m, kind, seqs, deadlineMs, update: u, sender, sentMs: s.now, accusers });
}

/** Adds `accuser` to the check of `m` running, if any (returned). */
export function noteAccuser(s: DetectorState, m: Member, accuser: PeerId): Check | undefined {
  const check = s.checks.find((c) => c.member === m);
  if (check !== undefined && !check.accusers.includes(accuser)) check.accusers.push(accuser);
  return check;
}

/**
 * The accused peer answered a check: the accusation is wrong from here (the ping also carried it,
 * so it refutes), and each accuser scores as a liar (`liars.ts`: an honest peer's rare mistake
 * decays away; a peer that keeps accusing the living gets flagged).
 */
export function checkAnswered(s: DetectorState, check: Check): void {
  s.counters.checksAnswered += 1;
  if (check.kind !== 'confirm') s.counters.failuresDisputed += 1;
  if (check.kind !== 'relay') s.rttSample(check.member, s.now - check.sentMs);
  for (const a of check.accusers) scoreLiar(s, a, 1, 'refuted-accusation');
}

/**
 * With trust, a `failed` verdict about a peer this one has no link to is not taken on the
 * accuser's word: up to `indirectChecks` linked members are asked to ping it (`ping-req`). Any
 * relayed ack disputes the verdict; no answer makes this peer suspect it (`checkFailed`), and the
 * verdict is taken, marked second-hand, only when that suspicion expires unrefuted.
 */
export function startRelayCheck(s: DetectorState, m: Member, u: Update, sender: PeerId): void {
  const existing = s.checks.find((c) => c.member === m);
  if (existing !== undefined || s.checks.length >= CHECKS_MAX) {
    if (existing === undefined) s.counters.checksDropped += 1;
    else if (!existing.accusers.includes(u.from ?? sender)) existing.accusers.push(u.from ?? sender);
    return;
  }
  const candidates = s.linked.filter((r) => r.id !== sender && r.id !== u.from && r.state !== 'left');
  const relays: Member[] = [];
  const seqs: number[] = [];
  const k = Math.min(s.config.indirectChecks, candidates.length);
  for (let i = 0; i < k; i++) {
    const j = i + randomInt(s.random, candidates.length - i);
    const r = candidates[j] as Member;
    candidates[j] = candidates[i] as Member;
    relays.push(r);
    seqs.push(
      sendMember(
        s,
        r,
        { type: MessageType.pingReq, seq: 0, target: m.id, updates: [], extensions: [] },
        true,
      ),
    );
  }
  s.counters.relayChecksSent += 1;
  const deadlineMs = s.now + 2 * s.probeTimeoutFor(m, false) + s.config.probeTimeoutMsMax;
  s.checks.push({
    member: m,
    kind: 'relay',
    seqs,
    relays,
    deadlineMs,
    update: u,
    sender,
    sentMs: s.now,
    accusers: [u.from ?? sender],
  });
}

/**
 * No answer to a check: a verified verdict is taken (with trust: suspected instead, as for a
 * suspicion, and so is a verdict relays could not check); a confirmed suspicion makes this peer
 * suspect too, with every accuser heard meanwhile and itself as confirmations, and tells the accuser.
 */
export function checkFailed(s: DetectorState, check: Check): void {
  const m = check.member;
  const u = check.update;
  if (m.evicted || m.state === 'left' || m.state === 'failed' || u.incarnation < m.incarnation) return;
  // With trust, a verdict we checked without an answer is still one member's word plus one
  // missed check (a loaded machine, a lost datagram): it becomes our own suspicion, which the
  // accused (told by the check's pings) can still refute, not a verdict at once.
  if (check.kind === 'verify' && (s.trust === undefined || corroborated(s, m, check))) {
    acceptFailed(s, m, u, check.sender);
    return;
  }
  const accuser = u.from ?? check.sender;
  if (m.state !== 'suspected') {
    s.counters.suspicionsRaised += 1;
    startSuspicion(s, m, accuser, 'confirmed-suspicion');
  }
  if (u.from !== s.localId) keepConfirmation(m, u);
  // Relays that could not reach the accused (or whose answers were lost) are no evidence: the
  // suspicion, gossiped below, lets the accused refute; `suspicionExpired` takes the verdict.
  if (check.kind === 'relay' && !m.linked) m.relayVerdict = u;
  for (const id of [...check.accusers, s.localId])
    if (m.suspectors !== null && !m.suspectors.includes(id)) m.suspectors.push(id);
  armSuspicion(s, m);
  // Confirm to the accuser directly (it collapses its suspicion timeout), and gossip it a little.
  const confirm = ownAccusation(s, m, UpdateKind.suspect);
  const a = s.members.get(accuser);
  if (a !== undefined && a.linked) {
    sendMember(s, a, { type: MessageType.sync, seq: 0, updates: [confirm], extensions: [] }, false);
    s.counters.pushesSent += 1;
  }
  s.queue.push(confirm, s.config.retransmitMult);
}

/** Independent accusers (not flagged liars) a checked verdict needs to be taken at once (decision 0011). */
export const CORROBORATING_ACCUSERS_MIN = 2;

/**
 * With trust: whether a verdict our own check could not refute is backed by at least
 * {@link CORROBORATING_ACCUSERS_MIN} independent signed accusers of `m` at its incarnation (the
 * check's, which came with the verdict or while it ran, and our suspicion's), this peer and
 * flagged liars not counted. One member's word plus our missed check stays a suspicion.
 */
function corroborated(s: DetectorState, m: Member, check: Check): boolean {
  const independent: PeerId[] = [];
  const add = (id: PeerId): void => {
    if (id !== s.localId && !s.liars.isLiar(id) && !independent.includes(id)) independent.push(id);
  };
  for (const a of check.accusers) add(a);
  if (m.state === 'suspected') for (const a of m.suspectors ?? []) add(a);
  return independent.length >= CORROBORATING_ACCUSERS_MIN;
}

/**
 * Pings a failed peer that is still linked after 1, 2, 4, … 60 s: if it is alive after all (a
 * healed partition, a refutation that was lost), it answers, is told its verdict (`heardFrom`) and
 * refutes, and the refutation is pushed to everyone; if it is dead, this costs a few pings per
 * minute. The ping does not carry the verdict: a round trip later for a peer that comes back,
 * where carrying it (~110 signed bytes) to every crashed peer by each of its links was 12 % of all
 * bytes (lan, N = 100, full mesh, `bytes-breakdown`, `~to-subject/ping/failed`).
 */
export function recheck(s: DetectorState, m: Member): void {
  if (!m.linked || m.evicted) {
    s.failedLinked.delete(m);
    return;
  }
  m.recheckGapMs = Math.min(RECHECK_MAX_MS, 2 * m.recheckGapMs);
  m.recheckAtMs = s.now + m.recheckGapMs;
  sendMember(s, m, { type: MessageType.ping, seq: 0, updates: [], extensions: [] }, false);
}

/**
 * Keeps probing a suspect we can reach, once a period, each ping carrying the suspicion: a live
 * suspect that missed the first news (one lost message) still hears of it and refutes, and its
 * ack to a ping sent after the suspicion began is itself proof of life here (`handleAck`).
 */
export function watch(s: DetectorState, m: Member): void {
  m.watchAtMs = s.now + s.effectivePeriodMs();
  if (!m.linked) {
    // Infinity, not NaN: `nextDeadlineMs` takes a `Math.min` over it, and a NaN there stopped every
    // timer of this detector (a suspect whose link dropped, or one suspected through relays).
    m.watchAtMs = Infinity;
    return;
  }
  m.watchSeq = sendMember(s, m, { type: MessageType.ping, seq: 0, updates: [], extensions: [] }, true);
}
