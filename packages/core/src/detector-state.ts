/**
 * The state of one {@link Detector}, shared by the files that implement it (one concept each:
 * `send.ts`, `probe.ts`, `receive.ts`, `gossip.ts`, `checks.ts`, `membership.ts`, `timers.ts`). Not
 * exported from the package: the public surface is `Detector`.
 */
import { BroadcastQueue } from './broadcast-queue.js';
import { UpdateKind, type Update } from './codec.js';
import { type DetectorConfig } from './config.js';
import { clusterHealth } from './health.js';
import { applyLocalHealthDelta, scaleByLocalHealth } from './local-health.js';
import { RTT_SAMPLES_MAX, type Member } from './member.js';
import { PastMembers } from './past-members.js';
import { ProbeRotation } from './probe-rotation.js';
import { RumorCache } from './rumors.js';
import { VerdictTimes } from './settled-failures.js';
import { LiarTable } from './liars.js';
import { AccuserBudget } from './accuser-budget.js';
import { RelayJobBudget } from './relay-budget.js';
import type { Trust } from './signed-update.js';
import { selfStatement } from './trust.js';
import { VerifiedCache, type StatementCache } from './verified-cache.js';
import { type Random } from './random.js';
import { probeTimeoutMs, updateRtt, type RttEstimate } from './rtt.js';
import { newStats, type DetectorStats } from './stats.js';
import type { WitnessCheck } from './witness.js';
import {
  Lifecycle,
  type DetectorEvent,
  type DetectorEventMap,
  type HealthTier,
  type HistoryEntry,
  type Outgoing,
  type PeerId,
  type PeerState,
  type StepResult,
  type VitalSigns,
} from './types.js';

/** Options of the {@link Detector} constructor. */
export interface DetectorOptions {
  /** This peer's id (1..64 UTF-8 bytes). */
  id: PeerId;
  /** A preset, possibly with overrides: `{ ...presets.lan, probeIntervalMs: 500 }`. */
  config: DetectorConfig;
  /** Seeded randomness (`seededRandom(seed)` in tests and the simulator; `createRandom()` at runtime). */
  random: Random;
  /** Current time on the driver's clock (ms). */
  nowMs: number;
  /** Starting incarnation (default 0); a restarted peer may resume a persisted one. */
  incarnation?: number;
  /**
   * Signed membership (decision 0012, trust model): this peer signs what it says about itself and its
   * accusations, and admits relayed updates only with their signer's valid signature. The
   * runtime passes Ed25519 (`@pulsemesh/webrtc`); tests and the simulator `testTrust(id)`.
   * Default: none (every update is taken at its word: for tests and closed meshes only).
   */
  trust?: Trust;
  /**
   * The signaling room's roster when the driver already holds it for every peer (the simulator
   * and the core test network share one for all their detectors; decision 0027). Without it the
   * detector keeps its own from {@link Detector.admit} and `witness(peer, 'joined')`. Either way a
   * signer of `failed` counts as a declarer only when linked or on the roster.
   */
  roster?: Roster;
  /**
   * Where this detector keeps the statements it verified (trust only). Default: its own
   * `VerifiedCache`. A driver of many detectors in one process (the simulator) may pass each a slot
   * of one `SharedStatementTable`, which answers as the detector's own cache would (decision 0074).
   */
  verifiedCache?: StatementCache;
}

/**
 * Who the signaling room admitted (read only; decision 0027). An id once on it stays on it (every
 * peer admitted so far): a member found on it is not looked up again (`evictOne`).
 */
export interface Roster {
  has(peer: PeerId): boolean;
  /** Every id on it (a `Set` or `Map` has it): scanned for members with no record (decision 0034). */
  keys?(): Iterable<PeerId>;
}

/**
 * A check of a peer that someone else accused: `confirm` (a gossiped suspicion: if it does not answer
 * either, this peer suspects it too and confirms to the accuser) or `verify` (a `failed` verdict
 * about a peer this one has a link to: accepted only if it does not answer either).
 */
export interface Check {
  member: Member;
  kind: 'confirm' | 'verify' | 'relay';
  seqs: number[];
  deadlineMs: number;
  update: Update;
  sender: PeerId;
  sentMs: number;
  /** Accusers heard while the check is in flight (they become confirmations if it fails). */
  accusers: PeerId[];
  /**
   * With trust: other signers' accusations of the member at the check's incarnation that came with
   * or during it (at most `CONFIRMATIONS_KEPT_MAX`), kept and passed on with a verdict it ends in:
   * a peer without a link can then count a crash's independent accusers (decision 0022).
   */
  evidence: Update[];
  /** `relay` checks only: the members asked (ping-req), parallel to `seqs`. */
  relays?: Member[];
}

/** An indirect probe this peer runs for another (ping-req): answered by a relayed ack or a nack. */
export interface RelayJob {
  requester: PeerId;
  reqSeq: number;
  target: Member;
  pingSeq: number;
  /** A second ping sent with the first: a lost datagram is not a nack, and two unanswered pings confirm a silence (decision 0024). */
  pingSeq2: number;
  deadlineMs: number;
}

/** Where the current probe is: no probe, waiting for the direct ack, waiting for the indirect round. */
export const Phase = { idle: 0, direct: 1, indirect: 2 } as const;
export type Phase = (typeof Phase)[keyof typeof Phase];
/** Smoothing gain of the per-link loss estimate (sequence gaps and missed acks). */
export const LOSS_ALPHA = 1 / 16;
/** Rumor dedup slots (16 bytes each): room for the rumors in flight in a 10,000-peer mesh. */
export const RUMOR_SLOTS = 512;
/** Returned when a call produced nothing. Frozen: never push into a returned result. */
export const EMPTY_STEP: StepResult = Object.freeze({
  sends: Object.freeze([]) as unknown as Outgoing[],
  events: Object.freeze([]) as unknown as DetectorEvent[],
});
/** Bytes kept free in every message for its own body (ack vitals, ping-req ids) besides piggyback. */
export const BODY_RESERVE_BYTES = 96;
/** Peers a joiner asks for a full-state sync at once (two, so one lost reply does not matter). */
export const SYNC_ASK_PEERS = 2;
/** A joiner with no sync after this many protocol periods asks another linked peer. */
export const SYNC_RETRY_PERIODS = 8;
/** Most sync requests a joiner sends in all (the first two plus retries). */
export const SYNC_ASKS_MAX = 6;
/** A peer serves at most one full sync per requester per this many ms (bounded work). */
export const SYNC_SERVE_GAP_MS = 10_000;
/** Pings per check (independent losses: a check is fooled only if all of them are lost). */
export const CHECK_PINGS = 2;
/** First re-check of a failed peer that is still linked (ms); doubles after each, up to the max. */
export const RECHECK_FIRST_MS = 1_000;
export const RECHECK_MAX_MS = 60_000;
/**
 * A reported stall is remembered for one to two of these windows (ms): five to ten minutes, so a
 * tab that stalls now and then is known as one by every peer that probed it lately (a witnessed
 * check of it waits out a stall, `witness.ts`), not only in the half minute after each stall.
 */
export const STALL_WINDOW_MS = 300_000;
/**
 * Stalls in a detector's first this many ms are not remembered (ms). A page or process stalls once
 * as it starts (module evaluation, first render, every link opening at once); on a loaded machine
 * that one stall (200-1,000 ms) was most of what real tabs and edge peers reported, and a witnessed
 * check of them waited twice it for 5-10 minutes. What the check must cover is the stalls a peer
 * has while it runs. The cost: a peer whose socket resets inside its startup stall is failed, then
 * refutes (the limit decision 0013 states for a first stall).
 */
export const STALL_STARTUP_MS = 10_000;
/**
 * Start-up lasts until this peer's own link set has not changed for this long (ms), and at least
 * {@link STALL_STARTUP_MS}: stalls in it are not remembered either. When a mesh starts
 * (or a peer joins one) every peer opens its links at once, handshakes and verifies the joins; on a
 * loaded machine that made late ticks of 250-410 ms well after the first 10 s, and edge peers killed
 * 15-40 s into the real mesh were waited for 1.1-2.8 s (decision 0013, session 9). 5 s covers the
 * sync and gossip that follow a link-up (a few periods).
 */
export const LINKS_SETTLED_MS = 5_000;
/**
 * Start-up ends at the latest this long after start (ms), whether or not the links settled (a peer
 * in a room that never stops churning still has its stalls remembered from then on).
 */
export const STALL_STARTUP_MS_MAX = 60_000;

/**
 * A hidden tab's timer grid (ms): browsers run a background tab's timers at most once a second.
 * A hidden peer's pings to one member are so a second apart: its chains allow that gap, and its
 * own silence, which may so count from a ping a grid step before a freeze, waits a grid step
 * longer (decision 0033).
 */
export const HIDDEN_TIMER_GRID_MS = 1_000;

/** Concurrent checks of accused peers (bounded work). */
export const CHECKS_MAX = 64;
/** At most one `decode-error` event per this many ms (with the count since the last one). */
export const DECODE_ERROR_EVENT_GAP_MS = 1_000;

/** Everything one detector knows; see the module comment. @internal */
export class DetectorState {
  readonly localId: PeerId;
  readonly config: DetectorConfig;
  readonly random: Random;
  now: number;
  readonly startedMs: number;
  incarnation: number;
  lifecycle: Lifecycle = Lifecycle.visible;
  loadMs = 0;
  metadata: Uint8Array = new Uint8Array(0);
  hasLeft = false;
  messageBytesMax: number;

  readonly members = new Map<PeerId, Member>();
  readonly rotation: ProbeRotation;
  readonly linked: Member[] = [];
  readonly suspected = new Set<Member>();
  readonly recoveringTimed = new Set<Member>();
  /** Failed and left members: reaped into `past` after `reapAfterMs` (`past-members.ts`). */
  readonly ending = new Set<Member>();
  readonly past: PastMembers;
  /**
   * Peers with a direct link that a full table had no seat for, with when a seat was last tried
   * (`detector-links.ts`): tried again when they speak, at most every `UNSEATED_RETRY_MS`, since a
   * seat frees when a member's link goes down or it ends. At most `membersMax` (oldest dropped).
   */
  readonly unseated = new Map<PeerId, number>();
  /** Failed members still linked: re-checked with exponential backoff (`recheck`). */
  readonly failedLinked = new Set<Member>();
  /** With trust: members whose pings went unanswered, followed up once a period (`followSilences`). */
  readonly silent = new Set<Member>();
  readonly relayJobs: RelayJob[] = [];
  /**
   * Jobs displaced from `relayJobs` to make room (decision 0071 §3), oldest first: their pings are
   * out, so their answers still go back (decision 0077). At most `relayJobsMax` (`relay-jobs.ts`).
   */
  readonly relayJobsDisplaced: RelayJob[] = [];
  readonly checks: Check[] = [];
  /** Witnessed checks in flight (`witness.ts`). */
  readonly witnessChecks: WitnessCheck[] = [];
  /** When each member's last witnessed check began its rounds (ms; `witness.ts`, decision 0040). */
  readonly witnessLastMs = new Map<PeerId, number>();
  /** Longest timer lateness while visible, in the current and the previous stall window (ms). */
  stallMsCurrent = 0;
  stallMsPrevious = 0;
  stallWindowStartMs = -Infinity;
  /** The recent stall last pushed to every link (`announceStall`). */
  stallAnnouncedMs = 0;
  /** When this peer's link set last changed during its start-up (`startupOver`). */
  linksChangedMs: number;
  /** When its start-up ended (its links settled), or Infinity while it lasts. */
  settledMs = Infinity;
  /** RTT over all links together, for links without a sample of their own. */
  readonly pathRtt: RttEstimate = { srttMs: NaN, rttVarMs: NaN };
  /**
   * The last {@link RTT_SAMPLES_MAX} RTT samples over all links, a ring (`pathRttSampleCount`
   * written so far): a witnessed check during start-up takes their median (`witness.ts`).
   */
  pathRttSamples: number[] | null = null;
  pathRttSampleCount = 0;
  /** Relays that tried the current probe's target and could not reach it either. */
  probeConfirmers: PeerId[] = [];
  /** With trust: their signed `suspect`s (from the nacks), kept as the suspicion's evidence (`Member.confirmations`). */
  probeConfirmations: Update[] = [];
  /** Relays that nacked the current probe without trying its target (no link to it): they cannot confirm. */
  probeUnable: PeerId[] = [];
  syncWanted = true;
  syncAsked = 0;
  syncRetryAtMs = Infinity;
  readonly syncAskedOf = new Set<PeerId>();
  announced = false;
  lastStalePushMs = -Infinity;
  /** When a failed peer last spoke again and every failed-but-linked peer was re-checked. */
  lastHealSweepMs = -Infinity;
  readonly queue: BroadcastQueue;
  readonly rumors: RumorCache;
  /** Failed members witnessed by the signaling session, and the others' verdict times (`settled-failures.ts`). */
  failedWitnessed = 0;
  readonly verdictTimes = new VerdictTimes();
  readonly counts: Record<PeerState, number> = {
    healthy: 1,
    suspected: 0,
    failed: 0,
    recovering: 0,
    left: 0,
  };
  tier: HealthTier;
  periodMs: number;
  badness = 0;
  score = 0;
  lastLateStrikeMs = -Infinity;
  probesSinceAdapt = 0;
  readonly localHistory: HistoryEntry[] = [];
  readonly counters: DetectorStats = newStats();
  readonly listened = new Set<string>();
  readonly trust: Trust | undefined;
  readonly verified: StatementCache;
  readonly liars = new LiarTable();
  /** Peers the signaling room admitted, as told by `Detector.admit`/`witness` (decision 0027). */
  readonly admitted = new Set<PeerId>();
  /** The id last added to `admitted` (`admitToRoster`: the one a full set gives up). */
  admittedNewest: PeerId | undefined = undefined;
  /** The driver's shared roster (`DetectorOptions.roster`), if any. */
  readonly roster: Roster | undefined;
  /** Next roster scan (decision 0034, `roster-asks.ts`); NaN until the first probe. */
  rosterScanAtMs = NaN;
  /** Roster members the previous pass over the roster found with no record. */
  rosterMissing: Set<PeerId> = new Set();
  /** Roster members the current pass found with no record so far. */
  rosterSeen: Set<PeerId> = new Set();
  /** Where the current pass over the roster is (`roster-asks.ts`). */
  rosterCursor: Iterator<PeerId, void, undefined> | undefined = undefined;
  /** Asks made about each roster member with no record (bounded, cleared when full). */
  readonly rosterAsked = new Map<PeerId, number>();
  /** Which link the next roster ask goes to (in turn: no draw from `random`). */
  rosterAskTurn = 0;
  /** Ids the last roster scan found missing in two passes and not asked about yet (at most 64). */
  rosterPending: PeerId[] = [];
  /** When this peer last sent a roster ask (asks are `ROSTER_ASK_GAP_MS` apart). */
  rosterAskedAtMs = -Infinity;
  /** When each requester this peer holds no record of was last served a full sync (bounded). */
  readonly syncServedUnknown = new Map<PeerId, number>();
  /** Relay checks each accuser's unconfirmed accusations may still start here (`accuser-budget.ts`). */
  readonly accuserBudget = new AccuserBudget();
  /** Relay jobs each requester may still make this peer take (`relay-budget.ts`, decision 0056). */
  readonly relayBudget: RelayJobBudget;
  /** This peer's signed statement about itself, signed once per incarnation (`selfStatement`). */
  selfSigned: Update | undefined = undefined;
  /** Decode errors since the last `decode-error` event (one event per `DECODE_ERROR_EVENT_GAP_MS`). */
  decodeErrorsUnreported = 0;
  lastDecodeErrorEventMs = -Infinity;
  stepSends: Outgoing[] | null = null;
  stepEvents: DetectorEvent[] | null = null;
  /**
   * `nextDeadline`'s answer since the last step, NaN when not computed yet: every change to a
   * deadline happens inside a step (after `begin`), and the driver asks after every step and
   * again before it ticks (`timers.ts`).
   */
  deadlineMs = NaN;

  phase: Phase = Phase.idle;
  target: Member | null = null;
  targetSeq = 0;
  /**
   * Bumped whenever an eviction scan could find a new stranger (`evictOne`): a member enters the
   * table, a link goes down, an unlinked member stops being the probe target, or a member's
   * `onRoster` is cleared. {@link strangerFreeEpoch} equal to it: no stranger since the last scan.
   */
  strangerEpoch = 0;
  /** {@link strangerEpoch} when an eviction scan last found every unlinked member on the roster. */
  strangerFreeEpoch = -1;
  probeSentMs = 0;
  /** Second direct ping, sent alongside the ping-reqs (memberlist's TCP fallback, over the same link). */
  retrySeq = -1;
  retrySeq2 = -1;
  retrySentMs = 0;
  directDeadlineMs = 0;
  indirectDeadlineMs = 0;
  relays: Member[] = [];
  relaySeqs: number[] = [];
  nacks = 0;
  nextProbeMs = Infinity;
  /**
   * When `tick` last ran (ms). A detector with timers ticks again at most `probeIntervalMsMax` later
   * (`nextDeadline`), though local health may stretch its period, and so its timer gaps, up to
   * `localHealthMax` + 1 times that. A timer's lateness undercounts a stall by the time from the
   * stall's start to the timer's due time; a witnessed check adds back at most `probeIntervalMsMax`
   * per stall (`witnessStallAllowanceMs`), and checkers cannot see this peer's local health. With a
   * tick at least that often the premise holds whatever the period: a stall is measured from at most
   * `probeIntervalMsMax` after it began (review rv, session 11: a node peer 150 ms late on a 570 ms
   * period had been silent ~720 ms, and its checkers allowed 2 × (150 + 300)). Anchored on the last
   * tick, not the last step: messages do not re-arm a busy peer's timer. The cost: a peer whose
   * period is stretched ticks up to `localHealthMax` + 1 times as often, with nothing due on the
   * extra ticks; nothing on the wire.
   */
  lastTickMs: number;

  constructor(options: DetectorOptions) {
    this.localId = options.id;
    this.config = { ...options.config };
    this.random = options.random;
    this.now = options.nowMs;
    this.startedMs = options.nowMs;
    this.lastTickMs = options.nowMs;
    this.linksChangedMs = options.nowMs;
    this.incarnation = options.incarnation ?? 0;
    this.trust = options.trust;
    this.roster = options.roster;
    this.verified = options.verifiedCache ?? new VerifiedCache();
    this.messageBytesMax = this.config.messageBytesMax;
    this.rotation = new ProbeRotation(this.random);
    this.queue = new BroadcastQueue(2 * this.config.membersMax);
    this.rumors = new RumorCache(RUMOR_SLOTS);
    this.past = new PastMembers(this.config.pastMembersMax);
    this.relayBudget = new RelayJobBudget(this.config);
    this.periodMs = Math.min(
      this.config.probeIntervalMsMax,
      Math.max(this.config.probeIntervalMsMin, this.config.probeIntervalMs),
    );
    this.tier = clusterHealth(this.counts, this.config).tier;
  }

  emit<K extends keyof DetectorEventMap>(type: K, detail: DetectorEventMap[K]): void {
    (this.stepEvents ??= []).push({ type, detail } as DetectorEvent);
  }

  /** The period actually used between probes: `periodMs × (1 + score)`. */
  effectivePeriodMs(): number {
    return scaleByLocalHealth(this.periodMs, this.score);
  }

  begin(nowMs: number): void {
    this.now = Math.max(this.now, nowMs);
    this.deadlineMs = NaN;
    this.stepSends = null;
    this.stepEvents = null;
  }

  clusterSize(): number {
    return this.counts.healthy + this.counts.suspected + this.counts.recovering + this.counts.failed;
  }

  vitals(): VitalSigns {
    return {
      loadMs: Math.max(this.loadMs, this.recentStallMs()),
      uptimeMs: this.now - this.startedMs,
      lifecycle: this.lifecycle,
      metadata: this.metadata,
    };
  }

  /**
   * The longest stall this peer saw in the last 5-10 min (a timer firing late while visible or a
   * server, after its start-up: `startupOver`; a hidden tab's 1 Hz clamp is not a stall). Reported in the `loadMs` vital sign, so a
   * witnessed check of this peer waits that much longer (`witness.ts`).
   */
  recentStallMs(): number {
    if (this.now - this.stallWindowStartMs >= 2 * STALL_WINDOW_MS) this.stallMsCurrent = 0;
    if (this.now - this.stallWindowStartMs >= STALL_WINDOW_MS) {
      this.stallMsPrevious = this.stallMsCurrent;
      this.stallMsCurrent = 0;
      this.stallWindowStartMs = this.now;
    }
    return Math.max(this.stallMsCurrent, this.stallMsPrevious);
  }

  /**
   * Whether this peer's start-up is over: at least {@link STALL_STARTUP_MS} after start and
   * {@link LINKS_SETTLED_MS} after its last link change, at most {@link STALL_STARTUP_MS_MAX} after
   * start. Once over it stays over (later link changes are other peers' churn, and a staller's
   * stalls from then on must be remembered).
   */
  startupOver(): boolean {
    if (this.now >= this.settledMs) return true;
    const quietMs = Math.max(this.startedMs + STALL_STARTUP_MS, this.linksChangedMs + LINKS_SETTLED_MS);
    const endMs = Math.min(this.startedMs + STALL_STARTUP_MS_MAX, quietMs);
    if (this.now < endMs) return false;
    this.settledMs = endMs;
    return true;
  }

  /** A link of this peer came up or went down: during start-up, the settling starts over. */
  linksChanged(): void {
    this.strangerEpoch += 1;
    if (!this.startupOver()) this.linksChangedMs = this.now;
  }

  /**
   * Records a timer that fired `lateMs` late now (see {@link recentStallMs}); not one that fired
   * during start-up (`startupOver`).
   */
  recordLateness(lateMs: number): void {
    if (this.lifecycle === Lifecycle.hidden || this.lifecycle === Lifecycle.frozen) return;
    if (!this.startupOver()) return;
    this.recentStallMs();
    if (lateMs > this.stallMsCurrent) this.stallMsCurrent = lateMs;
  }

  /** This peer's `alive` at its incarnation (signed with trust). */
  selfUpdate(): Update {
    return selfStatement(this, UpdateKind.alive);
  }

  /**
   * A link with no RTT sample yet (a full mesh of N probes each link only every N periods) uses the
   * RTT of all this peer's links together: same network, and its spread covers the links' spread.
   */
  probeTimeoutFor(m: Member, stretch = true): number {
    const c = this.config;
    const rtt = Number.isNaN(m.srttMs) ? this.pathRtt : m;
    return scaleByLocalHealth(
      probeTimeoutMs(
        rtt.srttMs,
        rtt.rttVarMs,
        c.probeTimeoutRttVarMult,
        c.probeTimeoutMsMin,
        c.probeTimeoutMsMax,
      ),
      stretch ? this.score : 0,
    );
  }

  adjustScore(delta: number): void {
    const next = applyLocalHealthDelta(this.score, delta, this.config.localHealthMax);
    if (next === this.score) return;
    this.score = next;
    this.emit('local-health-change', { score: next, atMs: this.now });
  }

  rttSample(m: Member, ms: number): void {
    updateRtt(m, ms);
    updateRtt(this.pathRtt, ms);
    m.addRttSample(ms);
    const ring = (this.pathRttSamples ??= new Array<number>(RTT_SAMPLES_MAX).fill(0));
    ring[this.pathRttSampleCount % RTT_SAMPLES_MAX] = ms;
    this.pathRttSampleCount += 1;
    m.loss *= 1 - LOSS_ALPHA;
  }
}
