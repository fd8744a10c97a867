/**
 * The pulsemesh failure detector: SWIM probing with RTT-derived timeouts and indirect probes,
 * Lifeguard suspicion and local health, a phi accrual gate, piggybacked dissemination, anti-entropy
 * sync on join, an adaptive protocol period, vital signs, cluster health and analytics.
 *
 * Sans-IO: drive it with `tick(nowMs)`, `receive(from, bytes, nowMs)`, `linkUp`/`linkDown`, and call
 * `tick` again at `nextDeadlineMs()`. Each call returns what to send and what happened; every event is
 * also dispatched as a `CustomEvent` (typed by `DetectorEventMap`).
 */
import { analyticsReport, peerReport, recordTransition } from './analytics.js';
import { BroadcastQueue } from './broadcast-queue.js';
import {
  HEADER_BYTES,
  MessageType,
  UpdateKind,
  decode,
  encode,
  isValidPeerId,
  updateBytes,
  type Message,
  type Update,
} from './codec.js';
import { retransmitLimit, validateConfig, type DetectorConfig } from './config.js';
import { assert } from './errors.js';
import { clusterHealth, healthTier, isMinorityPartition } from './health.js';
import { adaptProtocolPeriodMs, indirectChecksFor, networkBadness } from './interval.js';
import {
  LocalHealthCause,
  applyLocalHealthDelta,
  probeOutcomeDelta,
  scaleByLocalHealth,
} from './local-health.js';
import { Member } from './member.js';
import { chunkUpdates, memberSnapshot, suspicionFailAtMs, updateFor } from './member-view.js';
import { ProbeRotation } from './probe-rotation.js';
import { RumorCache } from './rumors.js';
import type { MeshView } from './mesh-view.js';
import { updateArrival } from './phi.js';
import { randomInt, type Random } from './random.js';
import { probeTimeoutMs, updateRtt, type RttEstimate } from './rtt.js';
import { newStats, type DetectorStats } from './stats.js';
import {
  Lifecycle,
  type AnalyticsReport,
  type ClusterHealth,
  type DetectorEvent,
  type DetectorEventMap,
  type HealthTier,
  type HistoryEntry,
  type Outgoing,
  type PeerId,
  type PeerSnapshot,
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
}

/**
 * A check of a peer that someone else accused: `confirm` (a gossiped suspicion: if it does not answer
 * either, this peer suspects it too and confirms to the accuser) or `verify` (a `failed` verdict
 * about a peer this one has a link to: accepted only if it does not answer either).
 */
interface Check {
  member: Member;
  kind: 'confirm' | 'verify';
  seqs: number[];
  deadlineMs: number;
  update: Update;
  sender: PeerId;
  sentMs: number;
  /** Accusers heard while the check is in flight (they become confirmations if it fails). */
  accusers: PeerId[];
}

interface RelayJob {
  requester: PeerId;
  reqSeq: number;
  target: Member;
  pingSeq: number;
  deadlineMs: number;
}

const Phase = { idle: 0, direct: 1, indirect: 2 } as const;
type Phase = (typeof Phase)[keyof typeof Phase];
const LOSS_ALPHA = 1 / 16;
/** Rumor dedup slots (16 bytes each): room for the rumors in flight in a 10,000-peer mesh. */
const RUMOR_SLOTS = 512;
/** Returned when a call produced nothing. Frozen: never push into a returned result. */
const EMPTY_STEP: StepResult = Object.freeze({
  sends: Object.freeze([]) as unknown as Outgoing[],
  events: Object.freeze([]) as unknown as DetectorEvent[],
});
const BODY_RESERVE_BYTES = 96;
/** Peers a joiner asks for a full-state sync at once (two, so one lost reply does not matter). */
const SYNC_ASK_PEERS = 2;
/** A joiner with no sync after this many protocol periods asks another linked peer. */
const SYNC_RETRY_PERIODS = 8;
/** A peer serves at most one full sync per requester per this many ms (bounded work). */
const SYNC_SERVE_GAP_MS = 10_000;
/** Pings per check (independent losses: a check is fooled only if all of them are lost). */
const CHECK_PINGS = 2;
/** First re-check of a failed peer that is still linked (ms); doubles after each, up to the max. */
const RECHECK_FIRST_MS = 1_000;
const RECHECK_MAX_MS = 60_000;
/** Concurrent checks of accused peers (bounded work). */
const CHECKS_MAX = 64;

/** See the module comment. Implements {@link MeshView}. */
export class Detector extends EventTarget implements MeshView {
  readonly localId: PeerId;
  private readonly config: DetectorConfig;
  private readonly random: Random;
  private now: number;
  private readonly startedMs: number;
  private incarnation: number;
  private lifecycle: Lifecycle = Lifecycle.visible;
  private loadMs = 0;
  private metadata: Uint8Array = new Uint8Array(0);
  private hasLeft = false;
  private messageBytesMax: number;

  private readonly members = new Map<PeerId, Member>();
  private readonly rotation: ProbeRotation;
  private readonly linked: Member[] = [];
  private readonly suspected = new Set<Member>();
  private readonly recoveringTimed = new Set<Member>();
  /** Failed members still linked: re-checked with exponential backoff (`recheck`). */
  private readonly failedLinked = new Set<Member>();
  private readonly relayJobs: RelayJob[] = [];
  private readonly checks: Check[] = [];
  /** RTT over all links together, for links without a sample of their own. */
  private readonly pathRtt: RttEstimate = { srttMs: NaN, rttVarMs: NaN };
  /** Relays that tried the current probe's target and could not reach it either. */
  private probeConfirmers: PeerId[] = [];
  private syncWanted = true;
  private syncAsked = 0;
  private syncRetryAtMs = Infinity;
  private readonly syncAskedOf = new Set<PeerId>();
  private announced = false;
  private lastStalePushMs = -Infinity;
  private readonly queue: BroadcastQueue;
  private readonly rumors: RumorCache;
  private readonly counts: Record<PeerState, number> = {
    healthy: 1,
    suspected: 0,
    failed: 0,
    recovering: 0,
    left: 0,
  };
  private tier: HealthTier;
  private periodMs: number;
  private badness = 0;
  private score = 0;
  private lastLateStrikeMs = -Infinity;
  private probesSinceAdapt = 0;
  private readonly localHistory: HistoryEntry[] = [];
  private readonly counters: DetectorStats = newStats();
  private readonly listened = new Set<string>();
  private stepSends: Outgoing[] | null = null;
  private stepEvents: DetectorEvent[] | null = null;

  private phase: Phase = Phase.idle;
  private target: Member | null = null;
  private targetSeq = 0;
  private probeSentMs = 0;
  /** Second direct ping, sent alongside the ping-reqs (memberlist's TCP fallback, over the same link). */
  private retrySeq = -1;
  private retrySeq2 = -1;
  private retrySentMs = 0;
  private directDeadlineMs = 0;
  private indirectDeadlineMs = 0;
  private relays: Member[] = [];
  private relaySeqs: number[] = [];
  private nacks = 0;
  private nextProbeMs = Infinity;

  constructor(options: DetectorOptions) {
    super();
    assert(isValidPeerId(options.id), 'id must be 1..64 UTF-8 bytes');
    validateConfig(options.config);
    this.localId = options.id;
    this.config = { ...options.config };
    this.random = options.random;
    this.now = options.nowMs;
    this.startedMs = options.nowMs;
    this.incarnation = options.incarnation ?? 0;
    this.messageBytesMax = this.config.messageBytesMax;
    this.rotation = new ProbeRotation(this.random);
    this.queue = new BroadcastQueue(2 * this.config.membersMax);
    this.rumors = new RumorCache(RUMOR_SLOTS);
    this.periodMs = Math.min(
      this.config.probeIntervalMsMax,
      Math.max(this.config.probeIntervalMsMin, this.config.probeIntervalMs),
    );
    this.tier = clusterHealth(this.counts, this.config).tier;
  }

  // ---- driving -------------------------------------------------------------------------------

  /** The transport has a direct link to `peer`: it becomes a member and a direct probe target; both sides exchange full state. */
  linkUp(peer: PeerId, nowMs: number): StepResult {
    assert(isValidPeerId(peer) && peer !== this.localId, `invalid peer id for linkUp: ${peer}`);
    this.begin(nowMs);
    if (this.hasLeft) return this.end();
    const known = this.members.get(peer);
    const m = known ?? this.addMember(peer, true);
    if (m !== undefined) {
      // A join is news: gossip it, with a smaller fanout than suspicions and verdicts (membership
      // knowledge is a nicety, bounded anyway; what a peer learns by sync is not re-gossiped).
      if (known === undefined) this.queue.push(updateFor(m, this.localId), this.config.retransmitMult);
      if (!m.linked) {
        m.linked = true;
        this.linked.push(m);
      }
      if (m.state !== 'left') this.rotation.enroll(m);
      if (m.state === 'failed') this.setState(m, 'recovering', 'link-up');
      if (this.nextProbeMs === Infinity)
        this.nextProbeMs = this.now + Math.floor(this.random.next() * this.periodMs);
      if (!this.announced) {
        // A (re)started peer announces itself once: its incarnation may be news (a restart).
        this.announced = true;
        this.queue.push(this.selfUpdate(), this.config.retransmitMult);
      }
      if (this.syncWanted && this.syncAsked < SYNC_ASK_PEERS) this.askSync(m);
    }
    return this.end();
  }

  /** `peer` is no longer directly reachable; it stays a member, probed indirectly until failed or left. */
  linkDown(peer: PeerId, nowMs: number): StepResult {
    this.begin(nowMs);
    const m = this.members.get(peer);
    if (m !== undefined && m.linked) {
      m.linked = false;
      const i = this.linked.indexOf(m);
      if (i >= 0) this.linked.splice(i, 1);
      if (m.state === 'failed' || m.state === 'left') m.probed = false;
      this.failedLinked.delete(m);
    }
    return this.end();
  }

  /** Runs every timer due at `nowMs`. */
  tick(nowMs: number): StepResult {
    this.begin(nowMs);
    if (this.hasLeft) return this.end();
    for (let guard = 0; guard < 8; guard++) {
      if (this.phase === Phase.direct && this.now >= this.directDeadlineMs) this.startIndirect();
      else if (this.phase === Phase.indirect && this.now >= this.indirectDeadlineMs) this.finishProbe(false);
      else if (this.phase === Phase.idle && this.now >= this.nextProbeMs) this.startProbe();
      else break;
    }
    for (const m of this.suspected) {
      if (this.now >= m.suspicionDeadlineMs) this.suspicionExpired(m);
      else if (this.now >= m.watchAtMs) this.watch(m);
    }
    for (const m of this.recoveringTimed) {
      if (this.now >= m.recoveryDeadlineMs) this.setState(m, 'healthy', 'recovery-time');
    }
    for (const m of this.failedLinked) if (this.now >= m.recheckAtMs) this.recheck(m);
    for (let i = this.relayJobs.length - 1; i >= 0; i--) {
      const job = this.relayJobs[i] as RelayJob;
      if (this.now < job.deadlineMs) continue;
      this.relayJobs.splice(i, 1);
      // This relay tried the target and got nothing: say so as a confirmation of the suspicion the
      // requester is about to raise (it counts towards Lifeguard's K independent confirmations).
      const t = job.target;
      const confirm: Update[] =
        t.evicted || t.state === 'left'
          ? []
          : [{ kind: UpdateKind.suspect, peer: t.id, incarnation: t.incarnation, from: this.localId }];
      const nack: Message = {
        type: MessageType.nack,
        seq: 0,
        ackSeq: job.reqSeq,
        updates: [],
        extensions: [],
      };
      const requester = this.members.get(job.requester);
      if (requester !== undefined) this.sendMember(requester, nack, true, confirm);
      else this.sendTo(job.requester, nack, true, confirm);
    }
    for (let i = this.checks.length - 1; i >= 0; i--) {
      const check = this.checks[i] as Check;
      if (this.now < check.deadlineMs) continue;
      this.checks.splice(i, 1);
      this.checkFailed(check);
    }
    if (this.syncWanted && this.now >= this.syncRetryAtMs) {
      this.syncRetryAtMs = Infinity;
      const candidates = this.linked.filter((m) => !this.syncAskedOf.has(m.id));
      const pick = candidates.length > 0 ? candidates : this.linked;
      if (pick.length > 0) this.askSync(pick[randomInt(this.random, pick.length)] as Member);
    }
    return this.end();
  }

  /** Handles bytes from `from`. Never throws on bad bytes: counts them and emits `decode-error`. */
  receive(from: PeerId, bytes: Uint8Array, nowMs: number): StepResult {
    this.begin(nowMs);
    this.counters.messagesReceived += 1;
    this.counters.bytesReceived += bytes.length;
    if (this.hasLeft) return this.end();
    const result = decode(bytes);
    if (!result.ok) {
      this.counters.decodeErrors += 1;
      this.emit('decode-error', { peer: from, error: result.error.code, atMs: this.now });
      return this.end();
    }
    const msg = result.message;
    const m = this.members.get(from);
    if (m === undefined) this.counters.messagesFromUnknown += 1;
    else this.heardFrom(m, msg.seq, bytes.length, msg.type);
    this.counters.updatesReceived += msg.updates.length;
    const sync = msg.type === MessageType.sync;
    if (sync && this.syncWanted && this.syncAskedOf.has(from)) this.syncWanted = false;
    const nack = msg.type === MessageType.nack;
    for (const u of msg.updates) {
      // A relay's "I tried it too" rides on its nack; it concerns that probe only (`handleBody`).
      if (nack && u.kind === UpdateKind.suspect && u.from === from) continue;
      this.applyUpdate(u, from, sync);
    }
    this.handleBody(from, m, msg);
    return this.end();
  }

  /** Graceful leave: tells every linked peer (and gossip); afterwards the detector is inert. */
  leave(nowMs: number): StepResult {
    this.begin(nowMs);
    if (this.hasLeft) return this.end();
    this.queue.push({
      kind: UpdateKind.left,
      peer: this.localId,
      incarnation: this.incarnation,
      from: undefined,
    });
    for (const m of this.linked) {
      this.sendMember(
        m,
        { type: MessageType.leave, seq: 0, incarnation: this.incarnation, updates: [], extensions: [] },
        true,
      );
    }
    this.hasLeft = true;
    return this.end();
  }

  /** When `tick` must next be called (ms; `Infinity` when nothing is scheduled). */
  nextDeadlineMs(): number {
    if (this.hasLeft) return Infinity;
    let t =
      this.phase === Phase.idle
        ? this.nextProbeMs
        : this.phase === Phase.direct
          ? this.directDeadlineMs
          : this.indirectDeadlineMs;
    for (const m of this.suspected) t = Math.min(t, m.suspicionDeadlineMs, m.watchAtMs);
    for (const m of this.recoveringTimed) t = Math.min(t, m.recoveryDeadlineMs);
    for (const m of this.failedLinked) t = Math.min(t, m.recheckAtMs);
    for (const j of this.relayJobs) t = Math.min(t, j.deadlineMs);
    for (const c of this.checks) t = Math.min(t, c.deadlineMs);
    if (this.syncWanted) t = Math.min(t, this.syncRetryAtMs);
    return t;
  }

  /** Sets this peer's lifecycle; on a change, pushes vital signs to every linked peer (deliver the sends). */
  setLifecycle(lifecycle: Lifecycle, nowMs: number): StepResult {
    this.begin(nowMs);
    if (lifecycle !== this.lifecycle && !this.hasLeft) {
      this.lifecycle = lifecycle;
      for (const m of this.linked) {
        this.sendMember(
          m,
          { type: MessageType.vitals, seq: 0, vitals: this.vitals(), updates: [], extensions: [] },
          true,
        );
      }
    }
    this.lifecycle = lifecycle;
    return this.end();
  }

  /** Sets the load reported on acks (ms of event-loop lag, as measured by the runtime). */
  setLoad(loadMs: number): void {
    this.loadMs = Math.max(0, loadMs);
  }

  /** Sets the application metadata carried on acks. Throws when longer than `metadataBytesMax`. */
  setMetadata(bytes: Uint8Array): void {
    assert(
      bytes.length <= this.config.metadataBytesMax,
      `metadata exceeds metadataBytesMax (${this.config.metadataBytesMax})`,
    );
    this.metadata = bytes.slice();
  }

  /** The runtime's timer fired `lateMs` late; a late timer (> `timerLateMsMax`) raises local health (≤ once per period). */
  reportTimerLateness(lateMs: number, nowMs: number): StepResult {
    this.begin(nowMs);
    if (lateMs > this.config.timerLateMsMax && this.now - this.lastLateStrikeMs >= this.periodMs) {
      this.lastLateStrikeMs = this.now;
      this.counters.lateTimers += 1;
      this.adjustScore(LocalHealthCause.timerLate);
    }
    return this.end();
  }

  /** Lowers the largest message built to the transport's limit (the runtime calls this). */
  limitMessageBytes(maxBytes: number): void {
    assert(maxBytes >= 256, 'transport maxMessageBytes must be ≥ 256');
    this.messageBytesMax = Math.min(this.config.messageBytesMax, maxBytes);
  }

  // ---- views -----------------------------------------------------------------------------------

  /** Every known peer except the local one. */
  peers(): PeerSnapshot[] {
    const out: PeerSnapshot[] = [];
    for (const m of this.members.values()) out.push(memberSnapshot(m, this.now, this.config.phiStdMsMin));
    return out;
  }

  /** One peer's snapshot, or undefined when unknown. */
  peer(id: PeerId): PeerSnapshot | undefined {
    const m = this.members.get(id);
    return m === undefined ? undefined : memberSnapshot(m, this.now, this.config.phiStdMsMin);
  }

  /** Peers a load balancer may route to: `healthy` only (not recovering, suspected, failed or left). */
  routable(): PeerId[] {
    const out: PeerId[] = [];
    for (const m of this.members.values()) if (m.state === 'healthy') out.push(m.id);
    return out;
  }

  health(): ClusterHealth {
    return clusterHealth(this.counts, this.config);
  }

  localHealthScore(): number {
    return this.score;
  }

  /** The adaptive protocol period (ms), before local-health stretching. */
  protocolPeriodMs(): number {
    return this.periodMs;
  }

  /** The period actually used between probes: `protocolPeriodMs() × (1 + localHealthScore())`. */
  effectiveProtocolPeriodMs(): number {
    return scaleByLocalHealth(this.periodMs, this.score);
  }

  /** This peer's incarnation (raised to refute suspicions). */
  localIncarnation(): number {
    return this.incarnation;
  }

  /** When the current suspicion of `peer` turns into `failed` (ms), if suspected. */
  suspicionDeadlineMs(peer: PeerId): number | undefined {
    const m = this.members.get(peer);
    return m !== undefined && m.state === 'suspected' ? m.suspicionDeadlineMs : undefined;
  }

  history(peer?: PeerId): readonly HistoryEntry[] {
    if (peer !== undefined)
      return peer === this.localId ? this.localHistory : (this.members.get(peer)?.history ?? []);
    const all: HistoryEntry[] = [...this.localHistory];
    for (const m of this.members.values()) all.push(...m.history);
    return all.sort((a, b) => a.atMs - b.atMs);
  }

  analytics(): AnalyticsReport {
    const reports = [...this.members.values()].map((m) => peerReport(m.id, m.outages, this.now));
    return analyticsReport(reports, this.now);
  }

  nowMs(): number {
    return this.now;
  }

  /** Counters since construction. */
  stats(): DetectorStats {
    return { ...this.counters, members: this.members.size, queuedUpdates: this.queue.size };
  }

  /** Adds a listener; events of a type nobody listens to are not dispatched (no allocation). */
  override addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: Parameters<EventTarget['addEventListener']>[2],
  ): void {
    this.listened.add(type);
    super.addEventListener(type, listener, options);
  }

  // ---- step bookkeeping ------------------------------------------------------------------------

  private begin(nowMs: number): void {
    this.now = Math.max(this.now, nowMs);
    this.stepSends = null;
    this.stepEvents = null;
  }

  private end(): StepResult {
    const c = this.counts;
    const present = c.healthy + c.suspected + c.failed + c.recovering;
    if (healthTier(present === 0 ? 100 : (100 * c.healthy) / present, this.config) !== this.tier) {
      const h = clusterHealth(c, this.config);
      const from = this.tier;
      this.tier = h.tier;
      this.emit('health-change', { from, to: h.tier, health: h, atMs: this.now });
    }
    const sends = this.stepSends;
    const events = this.stepEvents;
    if (sends === null && events === null) return EMPTY_STEP;
    if (events !== null) {
      for (const e of events) {
        if (this.listened.has(e.type)) this.dispatchEvent(new CustomEvent(e.type, { detail: e.detail }));
      }
    }
    return { sends: sends ?? [], events: events ?? [] };
  }

  private emit<K extends keyof DetectorEventMap>(type: K, detail: DetectorEventMap[K]): void {
    (this.stepEvents ??= []).push({ type, detail } as DetectorEvent);
  }

  // ---- sending ---------------------------------------------------------------------------------

  private piggybackBudget(): number {
    return Math.min(
      this.config.piggybackBytesMax,
      this.messageBytesMax - BODY_RESERVE_BYTES - this.config.metadataBytesMax,
    );
  }

  private clusterSize(): number {
    return this.counts.healthy + this.counts.suspected + this.counts.recovering + this.counts.failed;
  }

  /**
   * Sends to a member (per-link sequence numbers, byte counts); returns the sequence number used.
   * A member this peer holds `suspected` or `failed` is always told so (the update rides first), so
   * a live one refutes with a higher incarnation as soon as it hears from us, e.g. after a partition.
   */
  private sendMember(m: Member, msg: Message, piggyback: boolean, extra: readonly Update[] = []): number {
    m.sendSeq = (m.sendSeq + 1) & 0xffff;
    msg.seq = m.sendSeq;
    const verdict =
      piggyback && (m.state === 'suspected' || m.state === 'failed') && !extra.some((u) => u.peer === m.id);
    const n = this.sendTo(m.id, msg, piggyback, verdict ? [updateFor(m, this.localId), ...extra] : extra);
    m.bytesSent += n;
    return msg.seq;
  }

  /** Encodes and queues one message: `extra` updates first, then piggybacked ones within the budget. */
  private sendTo(to: PeerId, msg: Message, piggyback = true, extra: readonly Update[] = []): number {
    if (piggyback && this.queue.size > 0) {
      let budget = this.piggybackBudget();
      for (const u of extra) budget -= updateBytes(u);
      const taken = this.queue.take(
        to,
        Math.max(0, budget),
        retransmitLimit(this.config.retransmitMult, this.clusterSize()),
      );
      this.counters.updatesSent += taken.length;
      msg.updates =
        extra.length === 0
          ? taken
          : [...extra, ...taken.filter((u) => !extra.some((e) => e.peer === u.peer))];
    } else if (extra.length > 0) msg.updates = extra;
    const bytes = encode(msg);
    assert(bytes.length <= this.messageBytesMax, `message of ${bytes.length} bytes exceeds messageBytesMax`);
    (this.stepSends ??= []).push({ to, bytes });
    this.counters.messagesSent += 1;
    this.counters.bytesSent += bytes.length;
    return bytes.length;
  }

  private vitals(): VitalSigns {
    return {
      loadMs: this.loadMs,
      uptimeMs: this.now - this.startedMs,
      lifecycle: this.lifecycle,
      metadata: this.metadata,
    };
  }

  private selfUpdate(): Update {
    return { kind: UpdateKind.alive, peer: this.localId, incarnation: this.incarnation, from: undefined };
  }

  /** A joiner asks `m` for the whole member table (answered by `sendSync`). */
  private askSync(m: Member): void {
    this.syncAsked += 1;
    this.syncAskedOf.add(m.id);
    this.syncRetryAtMs = this.now + SYNC_RETRY_PERIODS * this.periodMs;
    this.sendMember(m, { type: MessageType.syncRequest, seq: 0, updates: [], extensions: [] }, false);
  }

  /**
   * Anti-entropy for a joiner that asked: the whole member table (and this peer), chunked to fit
   * `messageBytesMax`. Only joiners ask, and only one or two peers each, so a restart costs O(N)
   * bytes, not O(N²) as a sync on every link-up of a full mesh would.
   */
  private sendSync(to: PeerId, m: Member | undefined): void {
    if (m !== undefined) {
      if (this.now - m.lastSyncServedMs < SYNC_SERVE_GAP_MS) return;
      m.lastSyncServedMs = this.now;
    }
    const all = [this.selfUpdate()];
    for (const x of this.members.values()) if (x !== m) all.push(updateFor(x, this.localId));
    for (const chunk of chunkUpdates(all, this.messageBytesMax - HEADER_BYTES - 1 - 8)) {
      const msg: Message = { type: MessageType.sync, seq: 0, updates: chunk, extensions: [] };
      if (m !== undefined) this.sendMember(m, msg, false);
      else this.sendTo(to, msg, false);
      this.counters.syncMessagesSent += 1;
    }
  }

  /**
   * Pushes `updates` at once in a `sync`-type message (receivers treat it like piggybacked gossip)
   * to `fanout` random linked members other than `except` (all of them when `fanout` is Infinity),
   * `copies` times each (independent losses).
   */
  private push(updates: readonly Update[], fanout: number, except: PeerId | undefined, copies = 1): void {
    const targets = this.linked.filter((m) => m.id !== except && m.state !== 'left');
    const k = Math.min(fanout, targets.length);
    for (let i = 0; i < k; i++) {
      const j = i + randomInt(this.random, targets.length - i);
      const m = targets[j] as Member;
      targets[j] = targets[i] as Member;
      for (let c = 0; c < copies; c++) {
        this.sendMember(m, { type: MessageType.sync, seq: 0, updates, extensions: [] }, false);
        this.counters.pushesSent += 1;
      }
    }
  }

  // ---- probing ---------------------------------------------------------------------------------

  /**
   * A link with no RTT sample yet (a full mesh of N probes each link only every N periods) uses the
   * RTT of all this peer's links together: same network, and its spread covers the links' spread.
   */
  private probeTimeoutFor(m: Member, stretch = true): number {
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

  private startProbe(): void {
    this.nextProbeMs = this.now + this.effectiveProtocolPeriodMs();
    this.probesSinceAdapt += 1;
    if (this.probesSinceAdapt >= this.config.intervalAdaptEveryProbes) this.adaptInterval();
    const t = this.rotation.next();
    if (t === null) return;
    this.target = t;
    this.relays = [];
    this.relaySeqs = [];
    this.nacks = 0;
    this.probeConfirmers = [];
    this.probeSentMs = this.now;
    this.retrySeq = -1;
    this.retrySeq2 = -1;
    this.phase = Phase.direct;
    if (t.linked) {
      this.targetSeq = this.sendMember(
        t,
        { type: MessageType.ping, seq: 0, updates: [], extensions: [] },
        true,
      );
      this.counters.probesSent += 1;
      this.directDeadlineMs = this.now + this.probeTimeoutFor(t);
    } else {
      this.targetSeq = -1;
      this.directDeadlineMs = this.now;
    }
  }

  private startIndirect(): void {
    const t = this.target as Member;
    if (t.state === 'failed') {
      this.phase = Phase.idle;
      this.target = null;
      return;
    }
    if (t.linked) {
      t.loss = t.loss * (1 - LOSS_ALPHA) + LOSS_ALPHA;
      // Relays in a partial mesh often have no link to the target: retry the direct path as well,
      // with two pings (independent losses: a 2 % lossy path then fails a probe 1 time in 125,000).
      this.retrySeq = this.sendMember(
        t,
        { type: MessageType.ping, seq: 0, updates: [], extensions: [] },
        true,
      );
      this.retrySeq2 = this.sendMember(
        t,
        { type: MessageType.ping, seq: 0, updates: [], extensions: [] },
        false,
      );
      this.retrySentMs = this.now;
    }
    const candidates = this.linked.filter((m) => m !== t && m.state === 'healthy');
    const k = Math.min(candidates.length, indirectChecksFor(this.config.indirectChecks, this.badness));
    let wait = t.linked ? this.probeTimeoutFor(t) : 0;
    for (let i = 0; i < k; i++) {
      const j = i + randomInt(this.random, candidates.length - i);
      const relay = candidates[j] as Member;
      candidates[j] = candidates[i] as Member;
      const seq = this.sendMember(
        relay,
        { type: MessageType.pingReq, seq: 0, target: t.id, updates: [], extensions: [] },
        true,
      );
      this.relays.push(relay);
      this.relaySeqs.push(seq);
      this.counters.indirectProbesSent += 1;
      wait = Math.max(wait, this.probeTimeoutFor(relay) + this.probeTimeoutFor(t));
    }
    this.phase = Phase.indirect;
    this.indirectDeadlineMs = this.now + wait;
  }

  private finishProbe(succeeded: boolean): void {
    const t = this.target as Member;
    this.phase = Phase.idle;
    this.target = null;
    const delta = probeOutcomeDelta(succeeded, this.relays.length, this.nacks);
    // A throttled runtime's probes may still succeed: while its timers keep firing late, a success
    // does not pay the late-timer strikes back.
    const recentlyLate = this.now - this.lastLateStrikeMs < 2 * this.effectiveProtocolPeriodMs();
    if (delta > 0 || !recentlyLate) this.adjustScore(delta);
    if (succeeded) {
      if (t.state === 'recovering' && (t.goodStreak += 1) >= this.config.recoveryStreakProbes) {
        this.setState(t, 'healthy', 'recovery-streak');
      }
      return;
    }
    this.counters.probesFailed += 1;
    if (t.evicted) return;
    if (t.state === 'healthy' || t.state === 'recovering') {
      this.counters.suspicionsRaised += 1;
      this.startSuspicion(t, this.localId, 'probe-failed');
      // Relays that tried and failed too are independent confirmations (Lifeguard's K).
      for (const r of this.probeConfirmers)
        if (!(t.suspectors as PeerId[]).includes(r)) t.suspectors?.push(r);
      this.armSuspicion(t);
      // Gossiped with a small fanout: it matters to the suspect (to refute) and to peers that can
      // check it (they probe it once and confirm, see `applySuspect`), not to the whole mesh.
      this.queue.push(updateFor(t, this.localId), this.config.retransmitMult);
      // Lifeguard's buddy system: tell the suspect at once (the suspicion rides first on this
      // ping), so a live peer refutes within one round trip instead of waiting for gossip.
      if (t.linked) this.sendMember(t, { type: MessageType.ping, seq: 0, updates: [], extensions: [] }, true);
    } else if (t.state === 'suspected' && t.suspectors !== null && !t.suspectors.includes(this.localId)) {
      t.suspectors.push(this.localId);
      this.armSuspicion(t);
      this.queue.push({
        kind: UpdateKind.suspect,
        peer: t.id,
        incarnation: t.incarnation,
        from: this.localId,
      });
    }
  }

  private adaptInterval(): void {
    this.probesSinceAdapt = 0;
    let loss = 0;
    let jitter = 0;
    let n = 0;
    for (const m of this.linked) {
      if (Number.isNaN(m.srttMs)) continue;
      loss += m.loss;
      jitter += m.srttMs > 0 ? m.rttVarMs / m.srttMs : 0;
      n += 1;
    }
    if (n === 0) return;
    const c = this.config;
    this.badness = networkBadness(loss / n, jitter / n, c.lossRatioHigh, c.jitterRatioHigh);
    const next = adaptProtocolPeriodMs({
      currentMs: this.periodMs,
      minMs: c.probeIntervalMsMin,
      maxMs: c.probeIntervalMsMax,
      loss: loss / n,
      jitterRatio: jitter / n,
      lossRatioHigh: c.lossRatioHigh,
      jitterRatioHigh: c.jitterRatioHigh,
    });
    if (next === this.periodMs) return;
    const reason = `loss=${(loss / n).toFixed(3)} jitter=${(jitter / n).toFixed(3)}`;
    this.emit('interval-change', { fromMs: this.periodMs, toMs: next, reason, atMs: this.now });
    this.localHistory.push({ atMs: this.now, peer: this.localId, kind: 'interval-change', reason });
    if (this.localHistory.length > this.config.historyPerPeerMax) this.localHistory.shift();
    this.periodMs = next;
  }

  private adjustScore(delta: number): void {
    const next = applyLocalHealthDelta(this.score, delta, this.config.localHealthMax);
    if (next === this.score) return;
    this.score = next;
    this.emit('local-health-change', { score: next, atMs: this.now });
  }

  // ---- receiving -------------------------------------------------------------------------------

  private heardFrom(m: Member, seq: number, bytes: number, type: number): void {
    m.bytesReceived += bytes;
    if (m.recvSeq >= 0) {
      const gap = (seq - m.recvSeq - 1) & 0xffff;
      if (gap < 0x8000) {
        for (let i = 0; i < Math.min(gap, 16); i++) m.loss = m.loss * (1 - LOSS_ALPHA) + LOSS_ALPHA;
        m.loss *= 1 - LOSS_ALPHA;
        m.recvSeq = seq;
      }
    } else m.recvSeq = seq;
    if (!Number.isNaN(m.lastHeardMs)) {
      const gapMs = this.now - m.lastHeardMs;
      // Messages closer together than the shortest probe timeout are one arrival (a ping and an ack).
      if (gapMs < this.config.probeTimeoutMsMin) return;
      updateArrival(m, gapMs);
    }
    m.lastHeardMs = this.now;
    if (m.state === 'failed' && type !== MessageType.leave) {
      // Tell it it was declared failed, so it refutes with a higher incarnation that overrides the
      // verdict everywhere (otherwise stale verdicts at its old incarnation make it flap).
      this.sendMember(
        m,
        { type: MessageType.sync, seq: 0, updates: [updateFor(m, this.localId)], extensions: [] },
        false,
      );
      this.setState(m, 'recovering', 'heard-from');
    }
  }

  private handleBody(from: PeerId, m: Member | undefined, msg: Message): void {
    switch (msg.type) {
      case MessageType.ping: {
        const ack: Message = {
          type: MessageType.ack,
          seq: 0,
          ackSeq: msg.seq,
          relayed: false,
          vitals: this.vitals(),
          updates: [],
          extensions: [],
        };
        if (m !== undefined) this.sendMember(m, ack, true);
        else this.sendTo(from, ack);
        return;
      }
      case MessageType.ack:
        if (m !== undefined && msg.vitals !== undefined) m.vitals = msg.vitals;
        this.handleAck(from, m, msg.ackSeq, msg.relayed);
        return;
      case MessageType.pingReq:
        this.handlePingReq(from, m, msg.seq, msg.target);
        return;
      case MessageType.nack:
        if (this.phase === Phase.indirect) {
          for (let i = 0; i < this.relays.length; i++) {
            if (this.relays[i]?.id !== from || this.relaySeqs[i] !== msg.ackSeq) continue;
            this.nacks += 1;
            const t = this.target as Member;
            const tried = msg.updates.some(
              (u) => u.kind === UpdateKind.suspect && u.peer === t.id && u.from === from,
            );
            if (tried && !this.probeConfirmers.includes(from)) this.probeConfirmers.push(from);
          }
        }
        this.counters.nacksReceived += 1;
        return;
      case MessageType.leave:
        if (m !== undefined && msg.incarnation >= m.incarnation && m.state !== 'left') {
          m.incarnation = msg.incarnation;
          this.setState(m, 'left', 'graceful-leave');
          this.queue.push(updateFor(m, this.localId));
        }
        return;
      case MessageType.vitals:
        if (m !== undefined) m.vitals = msg.vitals;
        return;
      case MessageType.syncRequest:
        this.sendSync(from, m);
        return;
      default:
        return;
    }
  }

  private handleAck(from: PeerId, m: Member | undefined, ackSeq: number, relayed: boolean): void {
    this.counters.acksReceived += 1;
    const t = this.target;
    if (this.phase !== Phase.idle && t !== null && m === t && !relayed) {
      if (ackSeq === this.targetSeq || ackSeq === this.retrySeq || ackSeq === this.retrySeq2) {
        this.rttSample(t, this.now - (ackSeq === this.targetSeq ? this.probeSentMs : this.retrySentMs));
        this.finishProbe(true);
        return;
      }
    }
    if (this.phase === Phase.indirect && relayed) {
      for (let i = 0; i < this.relays.length; i++) {
        if (this.relays[i]?.id === from && this.relaySeqs[i] === ackSeq) {
          this.finishProbe(true);
          return;
        }
      }
    }
    if (!relayed && m !== undefined) {
      for (let i = 0; i < this.relayJobs.length; i++) {
        const job = this.relayJobs[i] as RelayJob;
        if (job.target !== m || job.pingSeq !== ackSeq) continue;
        this.relayJobs.splice(i, 1);
        const fwd: Message = {
          type: MessageType.ack,
          seq: 0,
          ackSeq: job.reqSeq,
          relayed: true,
          vitals: undefined,
          updates: [],
          extensions: [],
        };
        const requester = this.members.get(job.requester);
        if (requester !== undefined) this.sendMember(requester, fwd, true);
        else this.sendTo(job.requester, fwd);
        return;
      }
    }
    if (!relayed && m !== undefined && m.state === 'suspected' && ackSeq === m.watchSeq) {
      this.setState(m, 'healthy', 'answered');
      return;
    }
    if (!relayed && m !== undefined) {
      for (let i = 0; i < this.checks.length; i++) {
        const check = this.checks[i] as Check;
        if (check.member !== m || !check.seqs.includes(ackSeq)) continue;
        this.checks.splice(i, 1);
        this.checkAnswered(check);
        return;
      }
    }
    this.counters.unmatchedAcks += 1;
  }

  private handlePingReq(from: PeerId, m: Member | undefined, reqSeq: number, targetId: PeerId): void {
    const reply = (type: 'ack' | 'nack'): void => {
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
      if (m !== undefined) this.sendMember(m, msg, true);
      else this.sendTo(from, msg);
    };
    if (targetId === this.localId) return reply('ack');
    const target = this.members.get(targetId);
    if (target === undefined || !target.linked) return reply('nack');
    if (this.relayJobs.length >= this.config.relayJobsMax) {
      this.counters.relayJobsDropped += 1;
      return reply('nack');
    }
    const pingSeq = this.sendMember(
      target,
      { type: MessageType.ping, seq: 0, updates: [], extensions: [] },
      true,
    );
    this.relayJobs.push({
      requester: from,
      reqSeq,
      target,
      pingSeq,
      deadlineMs: this.now + this.probeTimeoutFor(target),
    });
  }

  private rttSample(m: Member, ms: number): void {
    updateRtt(m, ms);
    updateRtt(this.pathRtt, ms);
    m.addRttSample(ms);
    m.loss *= 1 - LOSS_ALPHA;
  }

  // ---- membership ------------------------------------------------------------------------------

  private addMember(id: PeerId, direct: boolean): Member | undefined {
    const full = this.members.size >= this.config.membersMax;
    const evictable = direct || this.counts.failed + this.counts.left > 0;
    if (full && (!evictable || !this.evictOne(direct))) {
      this.counters.membersDropped += 1;
      return undefined;
    }
    const m = new Member(id, this.now);
    this.members.set(id, m);
    this.counts.healthy += 1;
    m.record({ atMs: this.now, peer: id, kind: 'join' }, this.config.historyPerPeerMax);
    this.emit('join', { peer: id, atMs: this.now });
    return m;
  }

  /** Frees a slot: a gossip-only failed/left member first, then (for a direct link) the longest-unchanged gossip-only one. */
  private evictOne(direct: boolean): boolean {
    let victim: Member | undefined;
    let fallback: Member | undefined;
    for (const m of this.members.values()) {
      if (m.linked) continue;
      if (
        (m.state === 'failed' || m.state === 'left') &&
        (victim === undefined || m.sinceMs < victim.sinceMs)
      )
        victim = m;
      if (direct && m !== this.target && (fallback === undefined || m.sinceMs < fallback.sinceMs))
        fallback = m;
    }
    const v = victim ?? fallback;
    if (v === undefined || v === this.target) return false;
    this.members.delete(v.id);
    this.counts[v.state] -= 1;
    this.suspected.delete(v);
    this.recoveringTimed.delete(v);
    this.failedLinked.delete(v);
    this.queue.drop(v.id);
    v.evicted = true;
    v.probed = false;
    this.counters.membersEvicted += 1;
    return true;
  }

  /** Applies one update; `fromSync`: a first-seen `alive` is stored but not re-gossiped (it is state, not news). */
  private applyUpdate(u: Update, sender: PeerId, fromSync: boolean): void {
    if (u.peer === this.localId) {
      this.applySelf(u, sender);
      return;
    }
    const m = this.members.get(u.peer);
    if (m === undefined) {
      const added = u.kind === UpdateKind.alive ? this.addMember(u.peer, false) : undefined;
      if (added !== undefined) {
        added.incarnation = u.incarnation;
        if (!fromSync) this.queue.push(u, this.config.retransmitMult);
        return;
      }
      // Not stored here: still forward verdicts (and refutations), so they reach everyone who knows
      // the peer. Suspicions are not forwarded: they matter only to the suspect and its neighbours.
      if (u.kind !== UpdateKind.suspect && this.rumors.admit(u)) {
        const verdict = u.kind === UpdateKind.failed || u.kind === UpdateKind.left;
        this.queue.push(u, verdict ? 0 : this.config.retransmitMult);
        this.counters.updatesForwarded += 1;
      }
      return;
    }
    switch (u.kind) {
      case UpdateKind.alive:
        this.applyAlive(m, u, sender);
        return;
      case UpdateKind.suspect:
        this.applySuspect(m, u, sender);
        return;
      case UpdateKind.failed:
        if (m.state === 'left' || m.state === 'failed' || u.incarnation < m.incarnation) return;
        // A verdict about a peer we can reach and do not suspect ourselves: check it first (two
        // pings carrying the verdict, so a live peer also refutes at once) rather than relay a
        // verdict that may be wrong from here.
        if (m.linked && m.state !== 'suspected') this.startCheck(m, 'verify', u, sender);
        else this.acceptFailed(m, u, sender);
        return;
      default:
        if (m.state === 'left' || u.incarnation < m.incarnation) return;
        m.incarnation = u.incarnation;
        this.setState(m, 'left', 'gossip-leave');
        this.emit('leave', { peer: m.id, atMs: this.now });
        this.queue.push(u);
        return;
    }
  }

  /**
   * A higher incarnation. It undoes a `failed` or `left` that everyone may hold: then it travels like
   * a verdict (pushed, and piggybacked `retransmitMult × ceil(log10(N + 1))` times). Otherwise it
   * refutes a suspicion that only the accuser and its confirmers hold (they were told directly):
   * then a short piggyback fanout (`retransmitMult`) is enough.
   */
  private applyAlive(m: Member, u: Update, sender: PeerId): void {
    if (u.incarnation <= m.incarnation) return;
    m.incarnation = u.incarnation;
    const verdict = m.state === 'failed' || m.state === 'left';
    if (m.state === 'suspected') this.setState(m, 'healthy', 'refuted');
    else if (m.state === 'failed') {
      this.setState(m, 'recovering', 'alive-gossip');
      this.push([u], this.config.pushFanout, sender);
    } else if (m.state === 'left') {
      this.setState(m, 'healthy', 'rejoined');
      this.emit('join', { peer: m.id, atMs: this.now });
    }
    this.queue.push(u, verdict ? 0 : this.config.retransmitMult);
  }

  /**
   * A gossiped suspicion does not make this peer suspect anyone by itself: a peer that can reach the
   * suspect checks it at once (a confirmation probe) and only if that fails too suspects it and
   * confirms to the accuser; a peer that cannot reach it leaves it to those who can. So a lone
   * wrong suspicion costs one refutation, not N suspected peers, and a real failure collects its
   * Lifeguard confirmations within one round trip.
   */
  private applySuspect(m: Member, u: Update, sender: PeerId): void {
    if (m.state === 'left' || u.incarnation < m.incarnation) return;
    if (m.state === 'failed' && u.incarnation <= m.incarnation) return;
    const accuser = u.from ?? sender;
    if (m.state === 'suspected' && u.incarnation === m.incarnation) {
      if (m.suspectors === null || m.suspectors.includes(accuser)) return;
      m.suspectors.push(accuser);
      this.armSuspicion(m);
      return;
    }
    if (u.incarnation > m.incarnation) {
      m.incarnation = u.incarnation;
      if (m.state === 'suspected') this.setState(m, 'healthy', 'refuted');
      else if (m.state === 'failed') this.setState(m, 'recovering', 'newer-incarnation');
    }
    if (!m.linked || (this.phase !== Phase.idle && this.target === m)) return;
    this.startCheck(m, 'confirm', u, sender);
  }

  /** Pings `m` (twice) carrying the accusation `u`; resolved by `checkAnswered` or `checkFailed`. */
  private startCheck(m: Member, kind: Check['kind'], u: Update, sender: PeerId): void {
    const existing = this.checks.find((c) => c.member === m);
    if (existing !== undefined) {
      const accuser = u.from ?? sender;
      if (!existing.accusers.includes(accuser)) existing.accusers.push(accuser);
      if (kind === 'verify' && existing.kind === 'confirm') {
        existing.kind = 'verify';
        existing.update = u;
        existing.sender = sender;
      }
      return;
    }
    if (this.checks.length >= CHECKS_MAX) {
      this.counters.checksDropped += 1;
      if (kind === 'verify') this.acceptFailed(m, u, sender);
      return;
    }
    const seqs: number[] = [];
    for (let i = 0; i < CHECK_PINGS; i++) {
      const ping: Message = { type: MessageType.ping, seq: 0, updates: [], extensions: [] };
      seqs.push(this.sendMember(m, ping, true, i === 0 ? [u] : []));
    }
    this.counters.checksSent += 1;
    // Not stretched by local health: a late (throttled) timer only gives the answers more time.
    const deadlineMs = this.now + 2 * this.probeTimeoutFor(m, false);
    const accusers = [u.from ?? sender];
    this.checks.push({ member: m, kind, seqs, deadlineMs, update: u, sender, sentMs: this.now, accusers });
  }

  private checkAnswered(check: Check): void {
    this.counters.checksAnswered += 1;
    if (check.kind === 'verify') this.counters.failuresDisputed += 1;
    this.rttSample(check.member, this.now - check.sentMs);
  }

  private checkFailed(check: Check): void {
    const m = check.member;
    const u = check.update;
    if (m.evicted || m.state === 'left' || m.state === 'failed' || u.incarnation < m.incarnation) return;
    if (check.kind === 'verify') {
      this.acceptFailed(m, u, check.sender);
      return;
    }
    const accuser = u.from ?? check.sender;
    if (m.state !== 'suspected') {
      this.counters.suspicionsRaised += 1;
      this.startSuspicion(m, accuser, 'confirmed-suspicion');
    }
    for (const id of [...check.accusers, this.localId])
      if (m.suspectors !== null && !m.suspectors.includes(id)) m.suspectors.push(id);
    this.armSuspicion(m);
    // Confirm to the accuser directly (it collapses its suspicion timeout), and gossip it a little.
    const confirm: Update = {
      kind: UpdateKind.suspect,
      peer: m.id,
      incarnation: m.incarnation,
      from: this.localId,
    };
    const a = this.members.get(accuser);
    if (a !== undefined && a.linked) {
      this.sendMember(a, { type: MessageType.sync, seq: 0, updates: [confirm], extensions: [] }, false);
      this.counters.pushesSent += 1;
    }
    this.queue.push(confirm, this.config.retransmitMult);
  }

  /** Takes a `failed` verdict as ours: gossips it and pushes it to `pushFanout` direct links. */
  /**
   * Takes a `failed` verdict as ours and passes it on: pushed to `pushFanout` direct links, and
   * piggybacked `retransmitMult` times as a safety net for the few the pushes miss. In a full mesh
   * (linked to every member) a verdict straight from its declarer has already been pushed to
   * everyone by the declarer itself, so it is not pushed again.
   */
  private acceptFailed(m: Member, u: Update, sender: PeerId): void {
    m.incarnation = u.incarnation;
    this.setState(m, 'failed', 'gossip-failed');
    this.queue.push(u, this.config.retransmitMult);
    const fullMesh = this.linked.length >= this.clusterSize() - 1;
    if (!(fullMesh && u.from === sender)) this.push([u], this.config.pushFanout, sender);
  }

  /**
   * Gossip about this peer: refute suspicion/failure/leave by raising the incarnation. The refutation
   * goes straight to the accuser and the sender (and, for a `failed` or `left` verdict that anyone
   * may have accepted, to every direct link), besides being gossiped. A stale accusation (older
   * incarnation) is answered with the current incarnation to the sender only.
   */
  private applySelf(u: Update, sender: PeerId): void {
    if (this.hasLeft) return;
    if (u.kind === UpdateKind.alive) {
      if (u.incarnation <= this.incarnation) return;
      this.incarnation = u.incarnation + 1;
      this.queue.push(this.selfUpdate());
      return;
    }
    const alive: Update[] = [{ kind: UpdateKind.alive, peer: this.localId, incarnation: 0, from: undefined }];
    const tell = (id: PeerId | undefined): void => {
      const m = id === undefined ? undefined : this.members.get(id);
      if (m === undefined || !m.linked) return;
      this.sendMember(m, { type: MessageType.sync, seq: 0, updates: alive, extensions: [] }, false);
      this.counters.pushesSent += 1;
    };
    if (u.incarnation < this.incarnation) {
      (alive[0] as { incarnation: number }).incarnation = this.incarnation;
      // A stale verdict: our refutation did not reach its holder (a partition that healed, while
      // links stayed up); others on that side likely hold it too, so push it to all (≤ 1 per period).
      if (u.kind !== UpdateKind.suspect && this.now - this.lastStalePushMs >= this.periodMs) {
        this.lastStalePushMs = this.now;
        this.push(alive, Infinity, undefined);
      } else tell(sender);
      return;
    }
    this.incarnation = u.incarnation + 1;
    (alive[0] as { incarnation: number }).incarnation = this.incarnation;
    this.counters.refutations += 1;
    this.adjustScore(LocalHealthCause.refutedSuspicion);
    this.queue.push(alive[0] as Update, u.kind === UpdateKind.suspect ? this.config.retransmitMult : 0);
    if (u.kind === UpdateKind.suspect) {
      tell(sender);
      if (u.from !== sender) tell(u.from);
    } else this.push(alive, Infinity, undefined);
  }

  private startSuspicion(m: Member, accuser: PeerId, reason: string): void {
    m.suspectors = [accuser];
    m.suspicionStartMs = this.now;
    this.setState(m, 'suspected', reason);
    this.suspected.add(m);
    this.armSuspicion(m);
    m.watchAtMs = this.now + this.effectiveProtocolPeriodMs();
  }

  /**
   * Keeps probing a suspect we can reach, once a period, each ping carrying the suspicion: a live
   * suspect that missed the first news (one lost message) still hears of it and refutes, and its
   * ack to a ping sent after the suspicion began is itself proof of life here (`handleAck`).
   */
  /**
   * Pings a failed peer that is still linked, carrying the verdict, after 1, 2, 4, … 60 s: if it is
   * alive after all (a healed partition, a refutation that was lost), it answers and refutes, and
   * the refutation is pushed to everyone; if it is dead, this costs a few pings per minute.
   */
  private recheck(m: Member): void {
    if (!m.linked || m.evicted) {
      this.failedLinked.delete(m);
      return;
    }
    m.recheckGapMs = Math.min(RECHECK_MAX_MS, 2 * m.recheckGapMs);
    m.recheckAtMs = this.now + m.recheckGapMs;
    this.sendMember(m, { type: MessageType.ping, seq: 0, updates: [], extensions: [] }, true);
  }

  private watch(m: Member): void {
    m.watchAtMs = this.now + this.effectiveProtocolPeriodMs();
    if (!m.linked) {
      m.watchAtMs = NaN;
      return;
    }
    m.watchSeq = this.sendMember(m, { type: MessageType.ping, seq: 0, updates: [], extensions: [] }, true);
  }

  /** (Re)computes when the suspicion of `m` turns into `failed` (see `suspicionFailAtMs`). */
  private armSuspicion(m: Member): void {
    m.suspicionDeadlineMs = suspicionFailAtMs(m, this.config, this.clusterSize());
  }

  private suspicionExpired(m: Member): void {
    this.armSuspicion(m);
    if (this.now < m.suspicionDeadlineMs) return;
    if (!m.probed) {
      // Known through gossip only, and no verdict from those who probe it for the longest
      // suspicion time: verdicts travel with full fanout, so it is most likely alive.
      this.setState(m, 'healthy', 'suspicion-unconfirmed');
      return;
    }
    if (isMinorityPartition(this.counts)) {
      // Probably on the minority side: keep suspecting rather than declare the majority dead.
      m.suspicionDeadlineMs = this.now + this.config.probeIntervalMs;
      this.counters.failuresHeldByPartition += 1;
      return;
    }
    this.counters.failuresDeclared += 1;
    this.setState(m, 'failed', 'suspicion-timeout');
    const verdict = updateFor(m, this.localId);
    this.queue.push(verdict);
    // A verdict is rare and everyone needs it: push it to every direct link at once, twice (a lost
    // copy would leave that peer to its own, longer suspicion timeout).
    this.push([verdict], Infinity, m.id, 2);
  }

  private setState(m: Member, to: PeerState, reason: string): void {
    const from = m.state;
    if (from === to) return;
    this.counts[from] -= 1;
    this.counts[to] += 1;
    m.state = to;
    m.sinceMs = this.now;
    if (from === 'suspected') {
      this.suspected.delete(m);
      m.suspectors = null;
      m.suspicionDeadlineMs = NaN;
      m.watchAtMs = NaN;
      m.watchSeq = -1;
    }
    if (from === 'recovering') this.recoveringTimed.delete(m);
    if (from === 'failed') this.failedLinked.delete(m);
    if (to === 'failed' && m.linked) {
      m.recheckGapMs = RECHECK_FIRST_MS;
      m.recheckAtMs = this.now + RECHECK_FIRST_MS;
      this.failedLinked.add(m);
    }
    if (to === 'recovering') {
      m.goodStreak = 0;
      if (!m.probed) {
        m.recoveryDeadlineMs = this.now + this.config.recoveryStreakProbes * this.config.probeIntervalMs;
        this.recoveringTimed.add(m);
      }
    }
    if (to === 'left' || (to === 'failed' && !m.linked)) m.probed = false;
    else if (m.linked && !m.probed && to !== 'failed') this.rotation.enroll(m);
    recordTransition(m.outages, to, this.now);
    m.record(
      { atMs: this.now, peer: m.id, kind: to === 'left' ? 'leave' : 'status-change', from, to, reason },
      this.config.historyPerPeerMax,
    );
    this.emit('status-change', { peer: m.id, from, to, reason, atMs: this.now });
    if (to === 'left' && reason === 'graceful-leave') this.emit('leave', { peer: m.id, atMs: this.now });
  }
}
