/**
 * Checks of accused peers: a gossiped suspicion is confirmed, and a verdict verified, by pinging
 * the peer (twice) before believing it; suspects and failed-but-linked peers keep being pinged.
 */
import { MessageType, UpdateKind, type Message, type Update } from './codec.js';
import { CONFIRMATIONS_KEPT_MAX, type Member } from './member.js';
import { type PeerId } from './types.js';
import type { DetectorState } from './detector-state.js';
import { CHECKS_MAX, CHECK_PINGS, type Check, RECHECK_MAX_MS } from './detector-state.js';
import { push, sendMember } from './send.js';
import { randomInt } from './random.js';
import { vouchedFor } from './hearsay.js';
import { CORROBORATING_ACCUSERS_MIN, declarersOf, ownAccusation, scoreLiar } from './trust.js';
import { acceptFailed, keepConfirmation, startSuspicion, armSuspicion } from './membership.js';

/** Pings `m` (twice) carrying the accusation `u`; resolved by `checkAnswered` or `checkFailed`. */
export function startCheck(
  s: DetectorState,
  m: Member,
  kind: Check['kind'],
  u: Update,
  sender: PeerId,
): void {
  const existing = noteAccuser(s, m, u, sender);
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
  const check = {
    member: m,
    kind,
    seqs,
    deadlineMs,
    update: u,
    sender,
    sentMs: s.now,
    accusers,
    evidence: [],
  };
  s.checks.push(check);
}

/**
 * Adds the accuser of `u` (from `sender`) to the check of `m` running, if any (returned), and keeps
 * `u` as that check's evidence when another signer signed it at the check's incarnation.
 */
export function noteAccuser(s: DetectorState, m: Member, u: Update, sender: PeerId): Check | undefined {
  const check = s.checks.find((c) => c.member === m);
  if (check === undefined) return undefined;
  const accuser = u.from ?? sender;
  if (!check.accusers.includes(accuser)) check.accusers.push(accuser);
  const e = check.evidence;
  if (
    u.signature !== undefined &&
    u.from !== undefined &&
    u.from !== check.update.from &&
    u.incarnation === check.update.incarnation &&
    e.length < CONFIRMATIONS_KEPT_MAX &&
    !e.some((x) => x.from === u.from)
  )
    e.push(u);
  return check;
}

/**
 * The accused peer answered a check: the accusation is wrong from here (the ping also carried it,
 * so it refutes), and each accuser scores as a liar (`liars.ts`: an honest peer's rare mistake
 * decays away; a peer that keeps accusing the living gets flagged). Not for a `relay` check: its
 * answer is a relayed ack, the relay's word only (a liar relay forges them), so it disputes the
 * verdict here but proves no accuser wrong (decision 0028); the accused's own ack or its signed
 * refutation does.
 */
export function checkAnswered(s: DetectorState, check: Check): void {
  s.counters.checksAnswered += 1;
  if (check.kind !== 'confirm') s.counters.failuresDisputed += 1;
  if (check.kind === 'relay') return;
  s.rttSample(check.member, s.now - check.sentMs);
  for (const a of check.accusers) scoreLiar(s, a, 1, 'refuted-accusation');
}

/**
 * With trust, a `failed` verdict about a peer this one has no link to is not taken on the
 * accuser's word: up to `indirectChecks` linked members are asked to ping it (`ping-req`, carrying
 * the verdict, so a relay linked to it checks it too and the accused hears it and refutes). Any
 * relayed ack disputes the verdict; no answer makes this peer suspect it (`checkFailed`), and the
 * verdict is taken, marked second-hand, only when that suspicion expires unrefuted. Each accuser's
 * unconfirmed accusations start at most `ACCUSER_UNCONFIRMED_MAX` such checks per window here.
 */
export function startRelayCheck(s: DetectorState, m: Member, u: Update, sender: PeerId): void {
  if (noteAccuser(s, m, u, sender) !== undefined) return;
  if (s.checks.length >= CHECKS_MAX) {
    s.counters.checksDropped += 1;
    return;
  }
  if (!s.accuserBudget.take(u.from ?? sender, s.now)) {
    s.counters.accusationsThrottled += 1;
    return;
  }
  askRelays(s, m, u, sender, [sender]);
}

/**
 * A relay-held suspicion ran out with one signer: the relays are asked once more (not charged to
 * the accuser: this peer's own doubt). Relays that hold a verdict by now answer with its signers
 * (`handlePingReq`); a relayed ack ends the suspicion.
 */
export function askRelaysAgain(s: DetectorState, m: Member, u: Update): void {
  if (s.checks.length >= CHECKS_MAX || s.checks.some((c) => c.member === m)) return;
  m.relayAsksAgain += 1;
  askRelays(s, m, u, u.from ?? m.id, m.verdictFrom ?? []);
}

/**
 * Sends the ping-reqs of a relay check. Members that passed the verdict on (not its signer) are
 * asked first (`preferred`): it holds the verdict, or suspects through relays too, and its nack carries the
 * signers it knows (`handlePingReq`), so a crash many saw is corroborated in one round trip.
 */
function askRelays(
  s: DetectorState,
  m: Member,
  u: Update,
  sender: PeerId,
  preferred: readonly PeerId[],
): void {
  const all = s.linked.filter((r) => r.id !== u.from && r.id !== m.id && r.state !== 'left');
  // Relays that vouched for it already (a relayed ack) at this incarnation are not asked again,
  // unless no other is left (decision 0028): one liar relay disputes one check, not every one.
  const fresh = all.filter((r) => !vouchedFor(m, r.id));
  const candidates = fresh.length > 0 ? fresh : all;
  // The preferred (holders of the verdict) go to the front, in order; the rest stay random.
  let front = 0;
  for (const id of preferred) {
    const at = candidates.findIndex((r, i) => i >= front && r.id === id);
    if (at < 0) continue;
    [candidates[front], candidates[at]] = [candidates[at] as Member, candidates[front] as Member];
    front += 1;
  }
  const relays: Member[] = [];
  const seqs: number[] = [];
  const k = Math.min(s.config.indirectChecks, candidates.length);
  for (let i = 0; i < k; i++) {
    const j = i < front ? i : i + randomInt(s.random, candidates.length - i);
    const r = candidates[j] as Member;
    candidates[j] = candidates[i] as Member;
    relays.push(r);
    seqs.push(
      sendMember(
        s,
        r,
        { type: MessageType.pingReq, seq: 0, target: m.id, updates: [], extensions: [] },
        true,
        [u],
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
    evidence: [],
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
  if (check.kind === 'relay' && !m.linked) {
    relayCheckFailed(s, m, check);
    return;
  }
  // With trust, a verdict we checked without an answer is still one member's word plus one
  // missed check (a loaded machine, a lost datagram): it becomes our own suspicion, which the
  // accused (told by the check's pings) can still refute, not a verdict at once.
  if (check.kind === 'verify' && (s.trust === undefined || corroborated(s, m))) {
    acceptFailed(s, m, u, check.sender, false, check.evidence);
    return;
  }
  const accuser = u.from ?? check.sender;
  if (m.state !== 'suspected') {
    s.counters.suspicionsRaised += 1;
    startSuspicion(s, m, accuser, 'confirmed-suspicion');
  }
  if (u.from !== s.localId) keepConfirmation(m, u);
  for (const e of check.evidence) keepConfirmation(m, e);
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

/**
 * A relay check got no answer: relays without a link to the accused (most of them in a sparse
 * mesh) or lost answers. That is evidence for this peer only: it suspects the accused privately
 * (with the verdict kept for `suspicionExpired`), and makes no accusation of its own: a signed
 * `suspect` from here would be counted as one more independent accuser by every peer it reached,
 * and one lie became many (decision 0022). Instead the accuser's own verdict is passed on to
 * `pushFanout` links, so it reaches peers linked to the accused, whose checks carry it there: a
 * live peer refutes, and its refutation is pushed back (`applyAlive`); a crashed one is confirmed
 * by its neighbours' own verdicts, which shorten this suspicion (`confirmRelayed`).
 */
function relayCheckFailed(s: DetectorState, m: Member, check: Check): void {
  const u = check.update;
  const accuser = u.from ?? check.sender;
  // Relays could not reach it and two independent declarers signed it by now (one of them honest,
  // whose own pings went unanswered for the stall tolerance): the verdict is taken at once, marked
  // second-hand, not after a relay-held suspicion runs out (decision 0026).
  if (s.trust !== undefined && declarersOf(s, m) >= CORROBORATING_ACCUSERS_MIN) {
    acceptFailed(s, m, u, check.sender, true, m.confirmations ?? []);
    return;
  }
  const fresh = m.state !== 'suspected';
  if (fresh) {
    s.counters.suspicionsRaised += 1;
    startSuspicion(s, m, accuser, 'relay-check-failed');
  }
  m.relayVerdict = u;
  for (const e of check.evidence) keepConfirmation(m, e);
  for (const id of [...check.accusers, s.localId])
    if (m.suspectors !== null && !m.suspectors.includes(id)) m.suspectors.push(id);
  armSuspicion(s, m);
  // One other signer is all a receiver needs besides the verdict's (two bytes-heavy signatures, not four).
  if (fresh) push(s, [u, ...check.evidence.slice(0, 1)], s.config.pushFanout, check.sender);
}

/**
 * With trust: whether a verdict our own check could not refute is signed by at least
 * {@link CORROBORATING_ACCUSERS_MIN} independent declarers of `m` at its incarnation (this peer
 * and flagged liars not counted). Signed `suspect`s do not count (decision 0024): honest peers
 * sign one after a quick check of a single member's word, so during a stall of the accused one
 * lie gathered them and they confirmed each other. One declarer plus our missed check stays a
 * suspicion, whose verdict waits for our own pings to go unanswered for the stall tolerance.
 */
function corroborated(s: DetectorState, m: Member): boolean {
  return declarersOf(s, m) >= CORROBORATING_ACCUSERS_MIN;
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
