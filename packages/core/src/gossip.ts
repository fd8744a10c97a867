/**
 * Membership updates from gossip: how `alive`, `suspect`, `failed` and `left` change what this
 * detector believes, and how this peer refutes what is said about it.
 */
import { MessageType, UpdateKind, type Update } from './codec.js';
import { LocalHealthCause } from './local-health.js';
import { CONFIRMATIONS_KEPT_MAX, type Member } from './member.js';
import { type PeerId } from './types.js';
import type { DetectorState } from './detector-state.js';
import { Phase } from './detector-state.js';
import { sendMember, push } from './send.js';
import { noteAccuser, startCheck, startRelayCheck } from './checks.js';
import {
  aheadOfUs,
  CORROBORATING_ACCUSERS_MIN,
  INCARNATION_AHEAD_MAX,
  INCARNATION_MAX,
  declarersOf,
  independentAccusers,
  keepProof,
  noteDeclarer,
  unansweredForMs,
} from './trust.js';
import { acceptFailed, addMember, keepConfirmation, setState, armSuspicion } from './membership.js';
import { relinkRestored, restore } from './past-members.js';

/** Applies one update; `fromSync`: a first-seen `alive` is stored but not re-gossiped (it is state, not news). */
export function applyUpdate(s: DetectorState, u: Update, sender: PeerId, fromSync: boolean): void {
  if (u.peer === s.localId) {
    applySelf(s, u, sender);
    return;
  }
  const m = s.members.get(u.peer);
  if (m === undefined) {
    const past = s.past.get(u.peer);
    if (past !== undefined) {
      // A past member: only news from a newer life brings it back (stale gossip from a peer that
      // has not reaped it yet must not). Verdicts about it are old news: not forwarded.
      if (u.kind === UpdateKind.alive && u.incarnation > past.incarnation) {
        const back = restore(s, past);
        relinkRestored(s, back, past);
        applyAlive(s, back, u, sender);
      }
      return;
    }
    const added = u.kind === UpdateKind.alive ? addMember(s, u.peer, false) : undefined;
    if (added !== undefined) {
      added.incarnation = u.incarnation;
      keepProof(s, added, u);
      if (!fromSync) s.queue.push(u, s.config.retransmitMult);
      return;
    }
    // Not stored here: still forward verdicts (and refutations), so they reach everyone who knows
    // the peer. Suspicions are not forwarded: they matter only to the suspect and its neighbours.
    if (u.kind !== UpdateKind.suspect && (s.rumors.admit(u) || secondSigner(s, u))) {
      const verdict = u.kind === UpdateKind.failed || u.kind === UpdateKind.left;
      s.queue.push(u, verdict ? 0 : s.config.retransmitMult);
      s.counters.updatesForwarded += 1;
      if (s.trust !== undefined && u.kind === UpdateKind.failed) noteFirstSigner(s, u);
    }
    return;
  }
  switch (u.kind) {
    case UpdateKind.alive:
      applyAlive(s, m, u, sender);
      return;
    case UpdateKind.suspect:
      applySuspect(s, m, u, sender);
      return;
    case UpdateKind.failed:
      if (m.state === 'left' || m.state === 'failed' || u.incarnation < m.incarnation) return;
      // With trust, only the owner raises an incarnation: a verdict about one we never saw
      // signed is not news, it is a lie (or a race the owner's alive will settle).
      // Unless two independent declarers signed it: then the owner did (decision 0031).
      if (s.trust !== undefined && u.incarnation > m.incarnation && !aheadOfUs(s, m, u)) return;
      if (s.trust !== undefined) {
        m.accusedIncarnation = u.incarnation;
        noteDeclarer(s, m, u);
        // Two independent declarers (one of them honest: its own pings went unanswered for the
        // stall tolerance) and our own pings unanswered for a check's window: taken at once, as
        // the check under way would (decision 0024).
        if (
          m.linked &&
          declarersOf(s, m) >= CORROBORATING_ACCUSERS_MIN &&
          unansweredForMs(s, m) >= 2 * s.probeTimeoutFor(m, false)
        ) {
          acceptFailed(s, m, u, sender, false, m.confirmations ?? []);
          return;
        }
      }
      // A verdict about a peer we can reach and do not suspect ourselves: check it first (two
      // pings carrying the verdict, so a live peer also refutes at once) rather than relay a
      // verdict that may be wrong from here. With trust, even a peer we suspect is checked: our
      // own suspicion plus one member's word must not make a verdict (a liar would only have to
      // wait for a suspicion, e.g. under load, to have its forged `failed` taken at once).
      if (m.linked && (m.state !== 'suspected' || s.trust !== undefined))
        startCheck(s, m, 'verify', u, sender);
      else if (m.linked || s.trust === undefined) acceptFailed(s, m, u, sender);
      else if (m.relayVerdict !== undefined) confirmRelayed(s, m, u, sender);
      else startRelayCheck(s, m, u, sender);
      return;
    default:
      if (m.state === 'left' || u.incarnation < m.incarnation) return;
      keepProof(s, m, u);
      m.incarnation = u.incarnation;
      setState(s, m, 'left', 'gossip-leave');
      s.emit('leave', { peer: m.id, atMs: s.now });
      s.queue.push(u);
      return;
  }
}

/** Signed `failed` verdicts forwarded about peers not stored here, by peer: the first signer (and whether a second went too). */
interface Forwarded {
  first: Update;
  second: Update | undefined;
}
/** How many peers {@link secondSigners} remembers per detector (oldest forgotten first). */
const SECOND_SIGNERS_MAX = 64;
const secondSigners = new WeakMap<DetectorState, Map<PeerId, Forwarded>>();

function noteFirstSigner(s: DetectorState, u: Update): void {
  let seen = secondSigners.get(s);
  if (seen === undefined) secondSigners.set(s, (seen = new Map()));
  const f = seen.get(u.peer);
  if (f !== undefined && f.first.incarnation === u.incarnation) return;
  seen.delete(u.peer);
  if (seen.size >= SECOND_SIGNERS_MAX) seen.delete(seen.keys().next().value as PeerId);
  seen.set(u.peer, { first: u, second: undefined });
}

/**
 * The signed `failed` verdicts forwarded here about `peer`, not stored here (at most two signers):
 * a relay check that asks this peer about it gets them with its nack (`handlePingReq`), so a
 * peer without a link that heard one signer finds the second among relays that forwarded it.
 */
export function forwardedSigners(s: DetectorState, peer: PeerId): Update[] {
  const f = secondSigners.get(s)?.get(peer);
  if (f === undefined) return [];
  return f.second === undefined ? [f.first] : [f.first, f.second];
}

/**
 * With trust, a peer that does not store the accused forwards one more signer of its `failed` than
 * the rumor cache lets through: the first other signer at the same incarnation. A peer without a
 * link to the accused takes a verdict only from two declarers (decision 0024), and in a sparse
 * mesh of 1,000 where most peers do not store the accused, forwarding only the first signer left
 * peers that heard just it until their relay-held suspicion lapsed (decision 0026). Two signers
 * per verdict per forwarder: the bytes stay bounded whatever the number of vouches.
 */
function secondSigner(s: DetectorState, u: Update): boolean {
  if (s.trust === undefined || u.kind !== UpdateKind.failed || u.signature === undefined) return false;
  const f = secondSigners.get(s)?.get(u.peer);
  if (f === undefined || f.second !== undefined || f.first.incarnation !== u.incarnation) return false;
  if (f.first.from === u.from) return false;
  f.second = u;
  return true;
}

/**
 * Another signed verdict about a peer we already suspect because relays could not reach it: an
 * independent accuser, so a Lifeguard confirmation (the suspicion shortens towards its minimum,
 * which still leaves the accused time to refute), not one more relay check per verdict.
 */
function confirmRelayed(s: DetectorState, m: Member, u: Update, sender: PeerId): void {
  const accuser = u.from ?? m.id;
  const from = (m.verdictFrom ??= []);
  if (sender !== accuser && from.length < CONFIRMATIONS_KEPT_MAX && !from.includes(sender)) from.push(sender);
  if (m.suspectors === null || m.suspectors.includes(accuser)) return;
  m.suspectors.push(accuser);
  keepConfirmation(m, u);
  // A second independent declarer (decision 0024: one of them saw the stall tolerance pass in
  // its own pings): the verdict our relays could not check is taken now, second-hand, not when
  // the suspicion runs out.
  if (m.relayVerdict !== undefined && declarersOf(s, m) >= CORROBORATING_ACCUSERS_MIN) {
    acceptFailed(s, m, m.relayVerdict, m.relayVerdict.from ?? m.id, true, [u]);
    return;
  }
  armSuspicion(s, m);
  // A new signer (one of the first CONFIRMATIONS_KEPT_MAX): passed on like the first verdict
  // (`checkFailed`), so the peers without a link that suspect it too count it (a verdict needs two
  // signers there, `suspicionExpired`). Later signers are not pushed: with a push per signer per
  // peer, bytes on lan N = 1000 (random-32) were 2,106 B/node/s against main's 1,205 (decision 0022).
  if (independentAccusers(s, m.suspectors) <= CONFIRMATIONS_KEPT_MAX)
    push(s, [u], s.config.pushFanout, sender);
}

/**
 * A higher incarnation. It undoes a `failed` or `left` that everyone may hold: then it travels like
 * a verdict (pushed, and piggybacked `retransmitMult × ceil(log10(N + 1))` times). Otherwise it
 * refutes a suspicion that only the accuser and its confirmers hold (they were told directly):
 * then a short piggyback fanout (`retransmitMult`) is enough.
 */
export function applyAlive(s: DetectorState, m: Member, u: Update, sender: PeerId): void {
  const firstProof = keepProof(s, m, u);
  if (u.incarnation <= m.incarnation) {
    if (firstProof && u.incarnation === m.incarnation && m.state !== 'left')
      s.queue.push(u, s.config.retransmitMult);
    return;
  }
  // A `failed` verdict about it was checked here at the incarnation now refuted: the peers around
  // heard that accusation too (it was passed on, `checkFailed`), so the refutation travels like a verdict.
  const refutesVerdict = m.accusedIncarnation === m.incarnation && m.state !== 'failed';
  m.accusedIncarnation = -1;
  // Our own verdict refuted by the member's own signature, passed on by others (not first-hand):
  // our path to it may be broken (decision 0033).
  if (m.state === 'failed' && m.ownVerdictIncarnation === m.incarnation && sender !== m.id)
    m.ownVerdictRefutedMs = s.now;
  m.incarnation = u.incarnation;
  // In a full mesh, news straight from the peer itself (a restart's hello, a refutation it pushed
  // to every link) has reached everyone already: the piggybacked copies are only a safety net.
  const firstHand = u.peer === sender && s.linked.length >= s.clusterSize() - 1;
  const verdict = (m.state === 'failed' || m.state === 'left' || refutesVerdict) && !firstHand;
  if (refutesVerdict && !firstHand) push(s, [u], s.config.pushFanout, sender);
  if (m.state === 'suspected') setState(s, m, 'healthy', 'refuted');
  else if (m.state === 'failed') {
    setState(s, m, 'recovering', 'alive-gossip');
    if (!firstHand) push(s, [u], s.config.pushFanout, sender);
  } else if (m.state === 'left') {
    setState(s, m, 'healthy', 'rejoined');
    s.emit('join', { peer: m.id, atMs: s.now });
  }
  s.queue.push(u, verdict ? 0 : s.config.retransmitMult);
}

/**
 * A gossiped suspicion does not make this peer suspect anyone by itself: a peer that can reach the
 * suspect checks it at once (a confirmation probe) and only if that fails too suspects it and
 * confirms to the accuser; a peer that cannot reach it leaves it to those who can. So a lone
 * wrong suspicion costs one refutation, not N suspected peers, and a real failure collects its
 * Lifeguard confirmations within one round trip.
 */
export function applySuspect(s: DetectorState, m: Member, u: Update, sender: PeerId): void {
  if (m.state === 'left' || u.incarnation < m.incarnation) return;
  if (m.state === 'failed' && u.incarnation <= m.incarnation) return;
  // With trust, only the owner raises an incarnation (see the `failed` case of `applyUpdate`).
  if (s.trust !== undefined && u.incarnation > m.incarnation) return;
  const accuser = u.from ?? sender;
  if (m.state === 'suspected' && u.incarnation === m.incarnation) {
    if (m.suspectors === null || m.suspectors.includes(accuser)) return;
    m.suspectors.push(accuser);
    if (accuser !== s.localId) keepConfirmation(m, u);
    armSuspicion(s, m);
    return;
  }
  if (u.incarnation > m.incarnation) {
    m.incarnation = u.incarnation;
    if (m.state === 'suspected') setState(s, m, 'healthy', 'refuted');
    else if (m.state === 'failed') setState(s, m, 'recovering', 'newer-incarnation');
  }
  if (!m.linked) {
    // No link: left to those who can check it; but a relay check running here (of a verdict)
    // counts this signer, and keeps its accusation as evidence (`noteAccuser`).
    if (s.trust !== undefined) noteAccuser(s, m, u, sender);
    return;
  }
  // Being probed right now: the probe checks it; the accuser still backs a verdict check running.
  if (s.phase !== Phase.idle && s.target === m) noteAccuser(s, m, u, sender);
  else startCheck(s, m, 'confirm', u, sender);
}

/**
 * Gossip about this peer: refute suspicion/failure/leave by raising the incarnation. The refutation
 * goes straight to the accuser and the sender (and, for a `failed` or `left` verdict that anyone
 * may have accepted, to every direct link), besides being gossiped. A stale accusation (older
 * incarnation) is answered with the current incarnation to the sender only.
 */
export function applySelf(s: DetectorState, u: Update, sender: PeerId): void {
  if (s.hasLeft) return;
  if (u.kind === UpdateKind.alive) {
    // Our own alive from a previous life (with trust: signed by our key) that got further.
    if (u.incarnation <= s.incarnation || u.incarnation >= INCARNATION_MAX) return;
    s.incarnation = u.incarnation + 1;
    s.queue.push(s.selfUpdate());
    return;
  }
  // An accusation at an incarnation we never had (with trust only we raise it, and our signed
  // alive at that incarnation would say so): answered like a stale one, never adopted; so
  // nobody can push our incarnation to the bound, where we could not refute any more. But a
  // `failed` at most INCARNATION_AHEAD_MAX above ours is refuted above it: two declarers may have
  // carried that incarnation to peers (`aheadOfUs`, decision 0031), where our alive at ours is stale.
  const future =
    s.trust !== undefined &&
    u.kind !== UpdateKind.left &&
    u.incarnation > s.incarnation &&
    (u.kind !== UpdateKind.failed || u.incarnation > s.incarnation + INCARNATION_AHEAD_MAX);
  const stale = u.incarnation < s.incarnation || future;
  if (!stale) {
    s.incarnation = Math.min(INCARNATION_MAX, u.incarnation + 1);
    s.counters.refutations += 1;
    s.adjustScore(LocalHealthCause.refutedSuspicion);
  }
  const alive = [s.selfUpdate()];
  const tell = (id: PeerId | undefined): void => {
    const m = id === undefined ? undefined : s.members.get(id);
    if (m === undefined || !m.linked) return;
    sendMember(s, m, { type: MessageType.sync, seq: 0, updates: alive, extensions: [] }, false);
    s.counters.pushesSent += 1;
  };
  if (stale) {
    // A stale verdict: our refutation did not reach its holder (a partition that healed, while
    // links stayed up); others on that side likely hold it too, so push it to all (≤ 1 per period).
    if (u.kind !== UpdateKind.suspect && s.now - s.lastStalePushMs >= s.periodMs) {
      s.lastStalePushMs = s.now;
      push(s, alive, Infinity, undefined);
    } else tell(sender);
    return;
  }
  s.queue.push(alive[0] as Update, u.kind === UpdateKind.suspect ? s.config.retransmitMult : 0);
  if (u.kind === UpdateKind.suspect) {
    tell(sender);
    if (u.from !== sender) tell(u.from);
  } else push(s, alive, Infinity, undefined);
}
