/**
 * The rarely-set part of a {@link Member}: suspicion, verdict and refutation records, the recheck
 * and recovery counters, the signaling witness flags, behind the accessors of
 * {@link MemberCaseFields} (which `Member` extends).
 */
import type { Update } from './codec.js';
import type { PeerId } from './types.js';

/** Signed confirmations kept per suspicion and sent with its verdict (`Member.confirmations`): Lifeguard's K, so a receiver that is one of them still counts two others. */
export const CONFIRMATIONS_KEPT_MAX = 3;

/** Declarers of one verdict kept per member (two are needed; a few more cover flagged liars). */
export const DECLARERS_KEPT_MAX = 8;

/**
 * What a member's case holds beyond the common path. Most members never have one (at 10,000
 * nodes × 64 members, 19 more fields apiece were 100 MB of heap for every garbage collection to
 * walk): {@link MemberCaseFields} creates it on the first write of a value other than the
 * default, and reads the default while it has none. Same values either way.
 */
class MemberCase {
  recheckGapMs = 0;
  watchSeq = -1;
  suspectors: PeerId[] | null = null;
  relaysUnable = 0;
  goodStreak = 0;
  signalingLost = false;
  accusation: Update | undefined = undefined;
  confirmations: Update[] | null = null;
  failedWitnessed = false;
  secondHand = false;
  relayVerdict: Update | undefined = undefined;
  accusedIncarnation = -1;
  declarers: PeerId[] | null = null;
  declaredIncarnation = -1;
  ahead: { incarnation: number; from: PeerId }[] | null = null;
  verdictEvidence: Update[] | null = null;
  relayAsksAgain = 0;
  ownVerdictIncarnation = -1;
  verdictFrom: PeerId[] | null = null;
}

/** The defaults, read while a member has no case of its own. Never written (`caseFor`). */
const NO_CASE = new MemberCase();

/** The accessors of the rarely-set fields of a member, each field's value kept in its {@link MemberCase}. */
export abstract class MemberCaseFields {
  /** Created on the first write of a non-default value. */
  private c: MemberCase | null = null;

  /** Where a write goes: the case, created for a non-default value; undefined for a default written while there is none (nothing to store). */
  private caseFor(isDefault: boolean): MemberCase | undefined {
    if (this.c === null) {
      if (isDefault) return undefined;
      this.c = new MemberCase();
    }
    return this.c;
  }

  /** While failed and linked: the current re-check backoff (ms; `Member.recheckAtMs` is when). */
  get recheckGapMs(): number {
    return (this.c ?? NO_CASE).recheckGapMs;
  }
  set recheckGapMs(v: number) {
    const c = this.caseFor(v === 0);
    if (c !== undefined) c.recheckGapMs = v;
  }
  /** While suspected and linked: the seq of the ping sent at `Member.watchAtMs` (−1: none). */
  get watchSeq(): number {
    return (this.c ?? NO_CASE).watchSeq;
  }
  set watchSeq(v: number) {
    const c = this.caseFor(v === -1);
    if (c !== undefined) c.watchSeq = v;
  }
  /** Distinct accusers of the current suspicion (first one included). */
  get suspectors(): PeerId[] | null {
    return (this.c ?? NO_CASE).suspectors;
  }
  set suspectors(v: PeerId[] | null) {
    const c = this.caseFor(v === null);
    if (c !== undefined) c.suspectors = v;
  }
  /**
   * With trust, while suspected after our own failed probe: relays of that probe that nacked
   * without trying (no link to it), so could never confirm: the suspicion expects that many fewer
   * confirmations (`suspicionFailAtMs`, decision 0030).
   */
  get relaysUnable(): number {
    return (this.c ?? NO_CASE).relaysUnable;
  }
  set relaysUnable(v: number) {
    const c = this.caseFor(v === 0);
    if (c !== undefined) c.relaysUnable = v;
  }
  /** Good probes since entering `recovering`. */
  get goodStreak(): number {
    return (this.c ?? NO_CASE).goodStreak;
  }
  set goodStreak(v: number) {
    const c = this.caseFor(v === 0);
    if (c !== undefined) c.goodStreak = v;
  }
  /** The signaling server reported its session ended (`Detector.witness`) and no new one since. */
  get signalingLost(): boolean {
    return (this.c ?? NO_CASE).signalingLost;
  }
  set signalingLost(v: boolean) {
    const c = this.caseFor(v === false);
    if (c !== undefined) c.signalingLost = v;
  }
  /** With trust: the signed accusation behind our `suspected`/`failed` (ours or the verdict taken). */
  get accusation(): Update | undefined {
    return (this.c ?? NO_CASE).accusation;
  }
  set accusation(v: Update | undefined) {
    const c = this.caseFor(v === undefined);
    if (c !== undefined) c.accusation = v;
  }
  /**
   * With trust, while `suspected`: other peers' signed `suspect`s of it at its incarnation (at most
   * {@link CONFIRMATIONS_KEPT_MAX}), sent along with our verdict as its evidence (`declareFailed`).
   */
  get confirmations(): Update[] | null {
    return (this.c ?? NO_CASE).confirmations;
  }
  set confirmations(v: Update[] | null) {
    const c = this.caseFor(v === null);
    if (c !== undefined) c.confirmations = v;
  }
  /** The current `failed` was reached on the signaling witness (`settled-failures.ts`). */
  get failedWitnessed(): boolean {
    return (this.c ?? NO_CASE).failedWitnessed;
  }
  set failedWitnessed(v: boolean) {
    const c = this.caseFor(v === false);
    if (c !== undefined) c.failedWitnessed = v;
  }
  /** The current `failed` was taken from another's verdict without a first-hand check. */
  get secondHand(): boolean {
    return (this.c ?? NO_CASE).secondHand;
  }
  set secondHand(v: boolean) {
    const c = this.caseFor(v === false);
    if (c !== undefined) c.secondHand = v;
  }
  /**
   * With trust, while `suspected` without a link: the signed `failed` that relays could not
   * check (no answer). A non-answer is not evidence: the suspicion runs its course, and only if
   * nothing refutes it is this verdict taken, second-hand (`suspicionExpired`).
   */
  get relayVerdict(): Update | undefined {
    return (this.c ?? NO_CASE).relayVerdict;
  }
  set relayVerdict(v: Update | undefined) {
    const c = this.caseFor(v === undefined);
    if (c !== undefined) c.relayVerdict = v;
  }
  /**
   * With trust: the incarnation of the last `failed` verdict about it this peer checked (or −1).
   * A refutation above it (its signed `alive`) is pushed on like a verdict (`applyAlive`): the
   * peers around heard the accusation too, and the lie must die as fast as it spread.
   */
  get accusedIncarnation(): number {
    return (this.c ?? NO_CASE).accusedIncarnation;
  }
  set accusedIncarnation(v: number) {
    const c = this.caseFor(v === -1);
    if (c !== undefined) c.accusedIncarnation = v;
  }
  /**
   * With trust: the distinct signers of a `failed` verdict about it at `declaredIncarnation` (at
   * most {@link DECLARERS_KEPT_MAX}). An honest peer signs `failed` only after its own pings went
   * unanswered for the stall tolerance (or on the signaling witness, or under this same rule), so
   * two independent declarers include one such silence (`declarersOf`, decision 0024).
   */
  get declarers(): PeerId[] | null {
    return (this.c ?? NO_CASE).declarers;
  }
  set declarers(v: PeerId[] | null) {
    const c = this.caseFor(v === null);
    if (c !== undefined) c.declarers = v;
  }
  /** The incarnation `declarers` signed `failed` at (−1: none). */
  get declaredIncarnation(): number {
    return (this.c ?? NO_CASE).declaredIncarnation;
  }
  set declaredIncarnation(v: number) {
    const c = this.caseFor(v === -1);
    if (c !== undefined) c.declaredIncarnation = v;
  }
  /**
   * With trust: signers of a `failed` about it above `incarnation` (one entry per signer, its
   * latest; at most {@link DECLARERS_KEPT_MAX}), kept apart from `declarers` so that a liar's
   * verdict at another incarnation never resets the current one's (`aheadOfUs`, decision 0031).
   */
  get ahead(): { incarnation: number; from: PeerId }[] | null {
    return (this.c ?? NO_CASE).ahead;
  }
  set ahead(v: { incarnation: number; from: PeerId }[] | null) {
    const c = this.caseFor(v === null);
    if (c !== undefined) c.ahead = v;
  }
  /**
   * With trust, while `failed`: other signers' accusations that backed the verdict (at most
   * `CONFIRMATIONS_KEPT_MAX`), passed on with it and given to a relay check that asks here.
   */
  get verdictEvidence(): Update[] | null {
    return (this.c ?? NO_CASE).verdictEvidence;
  }
  set verdictEvidence(v: Update[] | null) {
    const c = this.caseFor(v === null);
    if (c !== undefined) c.verdictEvidence = v;
  }
  /** While suspected through relays: times the relays were asked again for the signers they know. */
  get relayAsksAgain(): number {
    return (this.c ?? NO_CASE).relayAsksAgain;
  }
  set relayAsksAgain(v: number) {
    const c = this.caseFor(v === 0);
    if (c !== undefined) c.relayAsksAgain = v;
  }
  /** The incarnation of this peer's own last `failed` verdict about it (`declareFailed`), or −1. */
  get ownVerdictIncarnation(): number {
    return (this.c ?? NO_CASE).ownVerdictIncarnation;
  }
  set ownVerdictIncarnation(v: number) {
    const c = this.caseFor(v === -1);
    if (c !== undefined) c.ownVerdictIncarnation = v;
  }
  /** While suspected through relays: links that passed the verdict on (they hold it; asked again first). */
  get verdictFrom(): PeerId[] | null {
    return (this.c ?? NO_CASE).verdictFrom;
  }
  set verdictFrom(v: PeerId[] | null) {
    const c = this.caseFor(v === null);
    if (c !== undefined) c.verdictFrom = v;
  }
}
