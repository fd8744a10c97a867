/**
 * The trust rules of signed membership (decision 0012, trust model): which updates are admitted, what this
 * peer signs, and which proofs it relays. With `DetectorOptions.trust` set:
 *
 * - an `alive` or `left` is admitted only with its subject's valid signature, and an accusation
 *   (`suspect`, `failed`) only with its accuser's; verified statements are cached with their key
 *   and signature bytes (a replay of a true statement is the same true statement; the same
 *   statement with other signature bytes is verified again), so each is verified once;
 * - an update that cannot change anything here (see {@link changesNothing}) is dropped unverified
 *   and counted (`signaturesSkipped`);
 * - this peer relays the subject's own signed statement (`Member.proof`), never one of its own
 *   making about someone else, and signs only its own accusations;
 * - incarnations above {@link INCARNATION_MAX} are refused in every mode (an incarnation the
 *   encoder writes but decoders refuse would leave its owner unable to refute anything).
 *
 * The acceptance rules that follow from signatures (only the owner raises an incarnation; a
 * verdict is never believed on gossip alone) live where each update kind is applied (`gossip.ts`).
 */
import { UpdateKind, type Update } from './codec.js';
import { HIDDEN_TIMER_GRID_MS, type DetectorState } from './detector-state.js';
import { FORGERY_SCORE } from './liars.js';
import { DECLARERS_KEPT_MAX, type Member } from './member.js';
import { memberStallToleranceMs, updateFor } from './member-view.js';
import { signerOf, signUpdate } from './signed-update.js';
import { Lifecycle, type PeerId } from './types.js';

/** Highest incarnation accepted (2^48: a refutation a millisecond for 8,900 years). */
export const INCARNATION_MAX = 2 ** 48;
/**
 * With trust, how far above its owner's latest signed incarnation held here a `failed` may name
 * one for two declarers to carry it here (`aheadOfUs`), and how far above its own the owner adopts
 * a `failed` about itself to refute it (`applySelf`): so an incarnation taken from declarers is
 * always one the owner can refute (two colluding members cannot leave a live peer failed for
 * good, decision 0031), and no one pushes the owner to {@link INCARNATION_MAX} (2^42 lies).
 */
export const INCARNATION_AHEAD_MAX = 64;
/**
 * True when applying `u` could not change anything here, so its signature need not be checked
 * (Ed25519 in a tab costs milliseconds; decision 0013): a `suspect`, `failed` or `left` about a
 * member held `left` or below the incarnation held; a `suspect` or `failed` above it (only the
 * owner raises it) or about a member held `failed`; anything but a newer `alive` about a past
 * member. These are the cases `applyUpdate` (`gossip.ts`) returns at once.
 * Never this peer's own statements, unknown peers (their verdicts are forwarded), a member's
 * `alive`, or a `left` above the incarnation held (its subject signed it).
 */
export function changesNothing(s: DetectorState, u: Update): boolean {
  if (u.peer === s.localId) return false;
  const m = s.members.get(u.peer);
  if (m === undefined) {
    const past = s.past.get(u.peer);
    return past !== undefined && (u.kind !== UpdateKind.alive || u.incarnation <= past.incarnation);
  }
  if (u.kind === UpdateKind.alive) return false;
  if (m.state === 'left' || u.incarnation < m.incarnation) return true;
  if (u.kind === UpdateKind.left) return false;
  // A `failed` above the incarnation held may be a second signer of a newer life's verdict
  // (`aheadOfUs`, decision 0031): verified and counted, not skipped.
  if (u.kind === UpdateKind.failed && u.incarnation > m.incarnation) return m.state === 'failed';
  return u.incarnation > m.incarnation || m.state === 'failed';
}

/** What {@link admitUpdate} decided about a received update. */
export const Admission = {
  /** Apply it. */
  apply: 0,
  /** Drop it unverified: it could change nothing here ({@link changesNothing}). */
  skip: 1,
  /** Drop it: out of bounds, unsigned, forged, or a throttled liar's accusation. */
  refuse: 2,
} as const;
export type Admission = (typeof Admission)[keyof typeof Admission];

/**
 * Whether `u` (received from `sender`) may be applied. Counts and scores what it refuses: an
 * unsigned update (a peer without keys) is only dropped; a bad signature makes `sender` a liar.
 */
export function admitUpdate(s: DetectorState, u: Update, sender: PeerId): Admission {
  if (u.incarnation > INCARNATION_MAX) {
    s.counters.updatesRejected += 1;
    return Admission.refuse;
  }
  const trust = s.trust;
  if (trust === undefined) return Admission.apply;
  if (u.signature === undefined) {
    s.counters.updatesRejected += 1;
    return Admission.refuse;
  }
  if (changesNothing(s, u)) {
    s.counters.signaturesSkipped += 1;
    return Admission.skip;
  }
  if (!s.verified.has(u)) {
    if (!s.verified.verify(trust, u)) {
      s.counters.updatesRejected += 1;
      s.counters.signaturesRejected += 1;
      scoreLiar(s, sender, FORGERY_SCORE, 'forged-signature');
      return Admission.refuse;
    }
    s.counters.signaturesVerified += 1;
    s.verified.add(u);
  }
  const accusation = u.kind === UpdateKind.suspect || u.kind === UpdateKind.failed;
  if (accusation && s.liars.isLiar(signerOf(u)) && !s.liars.mayCheck(signerOf(u), s.now)) {
    s.counters.accusationsThrottled += 1;
    return Admission.refuse;
  }
  return Admission.apply;
}

/** Roster entries a detector keeps itself (`DetectorState.admitted`; see `admitToRoster`). */
export const ROSTER_MAX = 65_536;

/** Independent accusers (not flagged liars) a verdict this peer could not check needs (decision 0011). */
export const CORROBORATING_ACCUSERS_MIN = 2;

/** How many of `accusers` are independent of this peer: distinct, not this peer, not flagged liars. */
export function independentAccusers(s: DetectorState, accusers: Iterable<PeerId>): number {
  const seen: PeerId[] = [];
  for (const id of accusers) if (id !== s.localId && !s.liars.isLiar(id) && !seen.includes(id)) seen.push(id);
  return seen.length;
}

/**
 * Whether this peer has evidence of its own that `peer` is a member of the room (decision 0027):
 * it is linked to it now (a peer it exchanges messages with directly), or the signaling room
 * admitted it (`Detector.admit`, `witness(peer, 'joined')`, or the driver's shared roster). A
 * member learned from gossip alone is not: its signed `alive` is one message anyone can make for
 * a key they minted. A signer that left or whose session ended stays admitted: its verdict was
 * signed by a real member, and one identity is one declarer whatever it does next.
 */
export function knownMember(s: DetectorState, peer: PeerId): boolean {
  if (s.members.get(peer)?.linked === true) return true;
  return inRoster(s, peer);
}

/** Whether the signaling room admitted `peer` (the second half of {@link knownMember}). */
export function inRoster(s: DetectorState, peer: PeerId): boolean {
  if (s.admitted.has(peer)) return true;
  return s.roster !== undefined && s.roster.has(peer);
}

/**
 * Records that the signaling room admitted `peer` (decision 0027); bounded. A full set gives up
 * only its newest entry, and only if that one is neither linked nor on the shared roster (else the
 * newcomer is not recorded; it counts while linked): a flood of fresh ids churns one slot and
 * never pushes out the members admitted before it (decision 0040; until then it was cleared).
 */
export function admitToRoster(s: DetectorState, peer: PeerId): void {
  if (peer === s.localId || s.admitted.has(peer)) return;
  if (s.admitted.size >= ROSTER_MAX) {
    const newest = s.admittedNewest;
    if (newest === undefined || !s.admitted.has(newest)) return;
    if (s.members.get(newest)?.linked === true || s.roster?.has(newest) === true) return;
    s.admitted.delete(newest);
    const gone = s.members.get(newest);
    if (gone !== undefined) {
      gone.onRoster = false;
      s.strangerEpoch += 1;
    }
  }
  s.admitted.add(peer);
  s.admittedNewest = peer;
}

/**
 * With trust: notes the signer of a `failed` verdict about `m` (decision 0024). Signers of another
 * incarnation than the last one noted start the list afresh. A signer this peer does not know as
 * a member ({@link knownMember}) is dropped before it takes a slot, and counted
 * (`declarersUnknown`): an id is a key's hash, so without this one liar minted its second
 * declarer (decision 0027).
 */
export function noteDeclarer(s: DetectorState, m: Member, u: Update): void {
  if (u.signature === undefined || u.from === undefined || u.from === m.id) return;
  if (!knownMember(s, u.from)) {
    s.counters.declarersUnknown += 1;
    return;
  }
  if (u.incarnation !== m.declaredIncarnation) {
    m.declaredIncarnation = u.incarnation;
    m.declarers = [];
  }
  const d = (m.declarers ??= []);
  if (d.length < DECLARERS_KEPT_MAX && !d.includes(u.from)) d.push(u.from);
}

/**
 * With trust, a `failed` about `m` above the incarnation held here (`u.incarnation >
 * m.incarnation`): this peer missed the owner's newer signed `alive` (a refutation gossip did not
 * bring here), and with it every verdict of that life, kept at the old one until the peer came
 * back (decision 0031). Its signer is noted apart (`Member.ahead`: a liar's verdict at another
 * incarnation must not reset the current one's declarers); once two independent known
 * declarers signed a verdict at that incarnation, one of them is honest, and an honest peer holds
 * only incarnations the owner signed: the incarnation is taken (true) and the verdict is handled
 * as any other, checked first. One signer alone (a liar may sign any incarnation) changes nothing.
 */
export function aheadOfUs(s: DetectorState, m: Member, u: Update): boolean {
  const from = u.from;
  if (u.signature === undefined || from === undefined || from === m.id) return false;
  if (u.incarnation > (m.proof?.incarnation ?? m.incarnation) + INCARNATION_AHEAD_MAX) return false;
  if (!knownMember(s, from)) {
    s.counters.declarersUnknown += 1;
    return false;
  }
  const ahead = (m.ahead ??= []);
  const i = ahead.findIndex((a) => a.from === from);
  if (i >= 0) ahead.splice(i, 1);
  else if (ahead.length >= DECLARERS_KEPT_MAX) ahead.shift();
  ahead.push({ incarnation: u.incarnation, from });
  const signers = ahead.filter((a) => a.incarnation === u.incarnation).map((a) => a.from);
  if (independentAccusers(s, signers) < CORROBORATING_ACCUSERS_MIN) return false;
  m.incarnation = u.incarnation;
  m.ahead = null;
  m.declaredIncarnation = u.incarnation;
  m.declarers = signers.slice(0, DECLARERS_KEPT_MAX);
  s.counters.incarnationsFromDeclarers += 1;
  return true;
}

/**
 * Independent signers of a `failed` verdict about `m` at its current incarnation (this peer and
 * flagged liars not counted). A signed `suspect` is not one: honest peers sign it after a quick
 * check of another's word, within a stall of the accused (the hole decision 0024 closes).
 */
export function declarersOf(s: DetectorState, m: Member): number {
  return m.declaredIncarnation === m.incarnation ? independentAccusers(s, m.declarers ?? []) : 0;
}

/**
 * How long `m` has been silent to this peer's own pings (ms), as its own verdict counts it: since
 * the chain's second unanswered moment (`Member.silentSinceMs`, decision 0029); 0 before it.
 */
export function ownSilenceMs(s: DetectorState, m: Member): number {
  return Number.isNaN(m.silentSinceMs) ? 0 : s.now - m.silentSinceMs;
}

/**
 * The own silence `m` may take before this peer's verdict (ms): its stall tolerance
 * (`memberStallToleranceMs`), plus a grid step while this peer is hidden (its chains join pings a
 * second apart, so its own silence may count from a ping a grid step before a freeze; decision 0033).
 */
export function ownStallToleranceMs(s: DetectorState, m: Member): number {
  const toleranceMs = memberStallToleranceMs(m, s.config, s.clusterSize());
  return s.lifecycle === Lifecycle.hidden ? toleranceMs + HIDDEN_TIMER_GRID_MS : toleranceMs;
}

/**
 * How long this peer's pings to `m` have gone unanswered (ms): since its first ping unanswered
 * since it last heard from `m` (`Member.quietSinceMs`), whatever the gaps between pings, once a
 * second went unanswered too; 0 otherwise. A hidden tab pings a second apart, which `chainGapMs`
 * splits into chains (decision 0032, rule 2). Not a verdict's own silence (one lost exchange may
 * pre-date a freeze, decision 0029): only a check's window, for a verdict two independent
 * declarers signed, one of them honest and counting its own silence soundly.
 */
export function unansweredForMs(s: DetectorState, m: Member): number {
  const q = m.quietSinceMs;
  if (Number.isNaN(q)) return 0;
  const two = s.silent.has(m) || !Number.isNaN(m.silentSinceMs) || m.lastPingMs > q;
  return two ? s.now - q : 0;
}

/** Adds to `peer`'s liar score; flags it (event `liar`) when it crosses the threshold. */
export function scoreLiar(s: DetectorState, peer: PeerId, points: number, reason: string): void {
  if (peer === s.localId || !s.liars.score(peer, points, s.now)) return;
  s.counters.liarsFlagged += 1;
  const m = s.members.get(peer);
  if (m !== undefined) m.liar = true;
  s.emit('liar', { peer, reason, atMs: s.now });
}

/**
 * Keeps `u` as `m`'s proof when it is the subject's signed `alive`/`left` and newer than the one
 * held. True when it is the first proof held for `m` (news worth relaying once: with trust,
 * link-ups are not gossiped on the peer's behalf, its own signed alive is).
 */
export function keepProof(s: DetectorState, m: Member, u: Update): boolean {
  if (s.trust === undefined || u.signature === undefined) return false;
  if (u.kind !== UpdateKind.alive && u.kind !== UpdateKind.left) return false;
  const p = m.proof;
  if (
    p === undefined ||
    u.incarnation > p.incarnation ||
    (u.incarnation === p.incarnation && u.kind > p.kind)
  )
    m.proof = u;
  return p === undefined;
}

/**
 * The update stating what this peer believes about `m`, signed where it must be: the subject's
 * own signed `alive`/`left` (unsigned when none is held: receivers with trust drop it), the
 * accuser's signed verdict taken from gossip, or this peer's own signed accusation.
 */
export function stateUpdate(s: DetectorState, m: Member): Update {
  const trust = s.trust;
  const u = updateFor(m, s.localId);
  if (trust === undefined) return u;
  if (u.kind === UpdateKind.alive || u.kind === UpdateKind.left) {
    const p = m.proof;
    return p !== undefined && p.kind === u.kind && p.incarnation === u.incarnation ? p : u;
  }
  // Suspected only because relays could not reach it: a private doubt, never our accusation
  // (decision 0022); stated as its own signed alive.
  if (u.kind === UpdateKind.suspect && m.relayVerdict !== undefined && !m.linked) {
    const p = m.proof;
    return p !== undefined && p.incarnation === u.incarnation
      ? p
      : { ...u, kind: UpdateKind.alive, from: undefined };
  }
  const a = m.accusation;
  if (a !== undefined && a.kind === u.kind && a.incarnation === u.incarnation) return a;
  s.counters.signaturesMade += 1;
  m.accusation = signUpdate(trust, { ...u, from: s.localId });
  return m.accusation;
}

/** This peer's own accusation of `m` at its incarnation (signed with trust). */
export function ownAccusation(
  s: DetectorState,
  m: Member,
  kind: typeof UpdateKind.suspect | typeof UpdateKind.failed,
): Update {
  const u: Update = { kind, peer: m.id, incarnation: m.incarnation, from: s.localId };
  if (s.trust === undefined) return u;
  s.counters.signaturesMade += 1;
  return signUpdate(s.trust, u);
}

/** This peer's signed statement about itself (`alive` or `left` at its incarnation), signed once. */
export function selfStatement(
  s: DetectorState,
  kind: typeof UpdateKind.alive | typeof UpdateKind.left,
): Update {
  const u: Update = { kind, peer: s.localId, incarnation: s.incarnation, from: undefined };
  const trust = s.trust;
  if (trust === undefined) return u;
  const c = s.selfSigned;
  if (c !== undefined && c.kind === kind && c.incarnation === s.incarnation) return c;
  s.counters.signaturesMade += 1;
  s.selfSigned = signUpdate(trust, u);
  return s.selfSigned;
}

/** True when `u` may be relayed as this peer's gossip in trust mode (signed), or trust is off. */
export function relayable(s: DetectorState, u: Update): boolean {
  return s.trust === undefined || u.signature !== undefined;
}
