/**
 * Per-member state, kept as one monomorphic object with numeric fields (no closures, no maps), so
 * the simulator can hold hundreds of thousands of them. Times are detector-clock ms; NaN = never.
 */
import { newOutageLog, type OutageLog } from './analytics.js';
import type { Update } from './codec.js';
import { MemberCaseFields } from './member-case.js';
import type { ArrivalStats } from './phi.js';
import type { RttEstimate } from './rtt.js';
import type { HistoryEntry, PeerId, PeerState, VitalSigns } from './types.js';

export { CONFIRMATIONS_KEPT_MAX, DECLARERS_KEPT_MAX } from './member-case.js';

/** RTT samples kept per member for sparklines. */
export const RTT_SAMPLES_MAX = 16;

/** How long a restarted peer's previous stalls count (ms): a peer's own stall memory spans 5-10 min. */
export const STALL_MEMORY_AFTER_RESTART_MS = 600_000;
/** Vitals this much younger (ms) than the last ones are a new process, not reordered messages. */
export const RESTART_UPTIME_MARGIN_MS = 5_000;

/**
 * What one detector knows about one other peer. Field order is memory order: what every received
 * message touches (state, flags, sequence numbers, byte counts, loss, arrivals) comes first, so it
 * shares the object's first cache lines (at 10,000 nodes each member is a cache miss).
 */
export class Member extends MemberCaseFields implements RttEstimate, ArrivalStats {
  /**
   * The number fields that hold fractions or NaN (times, estimates), by index, behind the
   * accessors below: one array of unboxed doubles (a double array literal). As fields, each one
   * that ever held a fraction or NaN was a heap number of its own (16 per member seen: 10 million
   * objects at 10,000 nodes × 64 members for every garbage collection to trace; 11.6 -> 8.3 % of
   * CPU samples in GC at N = 3,000). Same values: a double is stored as it is. Every such field goes
   * here (`ownVerdictRefutedMs` and `lastAskServedMs` were heap numbers again). A Float64Array
   * would not do: at 152 bytes its store is off-heap, which every collection sweeps.
   */
  private readonly d: number[] = [
    0,
    NaN,
    NaN,
    NaN,
    NaN,
    NaN,
    0,
    NaN,
    NaN,
    0,
    NaN,
    NaN,
    NaN,
    NaN,
    NaN,
    NaN,
    0,
    0,
    -Infinity,
    NaN,
    -Infinity,
    NaN,
    NaN,
  ];
  state: PeerState = 'healthy';
  get sinceMs(): number {
    return this.d[0]!;
  }
  set sinceMs(v: number) {
    this.d[0] = v;
  }
  incarnation = 0;
  /** Transport has a direct link now. */
  linked = false;
  /** Whether its chain of unanswered pings began with this peer's own probe (`notePing`). */
  chainFromProbe = false;
  /** In the probe rotation (linked now, or was linked and not yet failed/left). */
  probed = false;
  /** Currently an entry of the probe list (dropped lazily when no longer probed). */
  inProbeList = false;
  /** Removed from the member table (lazily dropped from the probe list). */
  evicted = false;
  /** Next per-link sequence number this detector sends to the peer. */
  sendSeq = 0;
  /** Last per-link sequence number received from the peer, −1 before any. */
  recvSeq = -1;
  bytesSent = 0;
  bytesReceived = 0;
  /**
   * When this peer sent its earliest ping to it that is still unanswered, nothing heard from it
   * since (NaN: heard from it after every ping): the start of a silence not yet confirmed.
   */
  get unansweredSinceMs(): number {
    return this.d[1]!;
  }
  set unansweredSinceMs(v: number) {
    this.d[1] = v;
  }
  /**
   * The start of its silence as this peer saw it (NaN: none): the chain's second moment, a ping
   * at least `probeTimeoutMsMin` after the chain's first, none more than `chainGapMs` after the
   * one before (`notePing`); for a chain this peer's probe began, at most `probeTimeoutMsMin`
   * before that second moment. One lost exchange (a ping, an ack, a relay's pair) does not date
   * it before a freeze (decision 0029, reviews of sessions 14 and 15): a lie timed with a short
   * freeze would be taken for the tolerance (`ownSilenceMs`). With trust, a chain is followed by
   * a ping every period until it is answered or has shown the stall tolerance (`followSilences`).
   */
  get silentSinceMs(): number {
    return this.d[2]!;
  }
  set silentSinceMs(v: number) {
    this.d[2] = v;
  }
  /**
   * When this peer last pinged it (NaN: not since it last heard from it). These three are written
   * on every message received from it (`heardFrom`), so they sit beside the byte counts.
   */
  get lastPingMs(): number {
    return this.d[3]!;
  }
  set lastPingMs(v: number) {
    this.d[3] = v;
  }
  /**
   * When this peer sent its first ping to it since it last heard from it (NaN: none since), whatever
   * the gaps between the pings that followed: a check's window (`unansweredForMs`), not a silence
   * (decision 0032, rule 2).
   */
  get quietSinceMs(): number {
    return this.d[21]!;
  }
  set quietSinceMs(v: number) {
    this.d[21] = v;
  }
  get srttMs(): number {
    return this.d[4]!;
  }
  set srttMs(v: number) {
    this.d[4] = v;
  }
  get rttVarMs(): number {
    return this.d[5]!;
  }
  set rttVarMs(v: number) {
    this.d[5] = v;
  }
  /**
   * The last {@link RTT_SAMPLES_MAX} RTT samples, a ring (`rttSampleCount` written so far). A plain
   * array, not a Float64Array: a 128-byte typed array has an off-heap backing store, and 640,000 of
   * them (10,000 nodes × 64 members) made every garbage collection sweep them.
   */
  rttSamples: number[] | null = null;
  rttSampleCount = 0;
  /** Loss ratio (EWMA of sequence gaps and missed acks). */
  get loss(): number {
    return this.d[6]!;
  }
  set loss(v: number) {
    this.d[6] = v;
  }
  get lastHeardMs(): number {
    return this.d[7]!;
  }
  set lastHeardMs(v: number) {
    this.d[7] = v;
  }
  get meanMs(): number {
    return this.d[8]!;
  }
  set meanMs(v: number) {
    this.d[8] = v;
  }
  get varMs2(): number {
    return this.d[9]!;
  }
  set varMs2(v: number) {
    this.d[9] = v;
  }
  samples = 0;
  get suspicionStartMs(): number {
    return this.d[10]!;
  }
  set suspicionStartMs(v: number) {
    this.d[10] = v;
  }
  get suspicionDeadlineMs(): number {
    return this.d[11]!;
  }
  set suspicionDeadlineMs(v: number) {
    this.d[11] = v;
  }
  /** While failed and linked: when this detector next re-checks it, and the current backoff (ms). */
  get recheckAtMs(): number {
    return this.d[12]!;
  }
  set recheckAtMs(v: number) {
    this.d[12] = v;
  }
  /** While suspected and linked: when this detector next pings it (once a period), and that ping's seq. */
  get watchAtMs(): number {
    return this.d[13]!;
  }
  set watchAtMs(v: number) {
    this.d[13] = v;
  }
  /** For unprobed members: when `recovering` turns `healthy`. */
  get recoveryDeadlineMs(): number {
    return this.d[14]!;
  }
  set recoveryDeadlineMs(v: number) {
    this.d[14] = v;
  }
  vitals: VitalSigns | undefined = undefined;
  /** When `vitals` arrived (this detector's clock): their `uptimeMs` is extrapolated from it. */
  get vitalsAtMs(): number {
    return this.d[15]!;
  }
  set vitalsAtMs(v: number) {
    this.d[15] = v;
  }
  /**
   * `vitals.uptimeMs` as `setVitals` stored it (NaN: none), beside `vitalsAtMs`: each ack's check
   * for a restart reads these two, not the record its vitals replace (an object apart, a cache
   * miss per ack at 10,000 nodes).
   */
  get vitalsUptimeMs(): number {
    return this.d[22]!;
  }
  set vitalsUptimeMs(v: number) {
    this.d[22] = v;
  }
  /**
   * The longest stall its previous process reported (`loadMs` before it restarted), ms, and until
   * when that counts: a reloaded tab runs on the same machine and stalls like the one before it,
   * while its own stall memory starts empty (`witnessStallAllowanceMs`).
   */
  get stallBeforeRestartMs(): number {
    return this.d[16]!;
  }
  set stallBeforeRestartMs(v: number) {
    this.d[16] = v;
  }
  get stallBeforeRestartUntilMs(): number {
    return this.d[17]!;
  }
  set stallBeforeRestartUntilMs(v: number) {
    this.d[17] = v;
  }
  /** With trust: the member's own latest signed `alive`/`left` (relayed instead of our word). */
  proof: Update | undefined = undefined;
  /** Updates it was sent past their full holder lists (`PastHolders`, decision 0078). */
  heldPastHolders: WeakSet<Update> | undefined = undefined;
  /**
   * When its own signed `alive` refuted this peer's own `failed` verdict about it (NaN: never).
   * Until it is heard first-hand again (`lastHeardMs`), pings to it that go unanswered mean a
   * broken path, not a dead peer: this peer holds it `suspected` and signs no new verdict
   * (`suspicionExpired`, decision 0033).
   */
  get ownVerdictRefutedMs(): number {
    return this.d[19]!;
  }
  set ownVerdictRefutedMs(v: number) {
    this.d[19] = v;
  }
  /** Flagged as a liar (see `liars.ts`). */
  liar = false;
  /**
   * Held a direct link with this detector (`linkUp`): a linked peer's retry from `unseated` never
   * evicts it as a stranger (`evictOne`, decision 0072), so a link that blips keeps its seat.
   * Kept through a reap and restore (`PastRecord.linkedOnce`, decision 0076).
   */
  linkedOnce = false;
  /**
   * When its link last went down (`linkDown`) or it came back from the past members (`restore`),
   * ms; NaN if never. A retry from `unseated` may take its seat once it has stayed unlinked for
   * `UNLINKED_GRACE_MS` (`evictOne`, decision 0076).
   */
  unlinkedAtMs = NaN;
  /**
   * Found on the signaling roster (`inRoster`) by an eviction scan (`evictOne`), which need not ask
   * again: an id stays on it, but for one `admitToRoster` gives up (and clears this flag of).
   */
  onRoster = false;
  /** When this detector last sent the member a full sync (rate limit), ms. */
  get lastSyncServedMs(): number {
    return this.d[18]!;
  }
  set lastSyncServedMs(v: number) {
    this.d[18] = v;
  }
  /** When this detector last answered the member's roster ask (rate limit, decision 0034), ms. */
  get lastAskServedMs(): number {
    return this.d[20]!;
  }
  set lastAskServedMs(v: number) {
    this.d[20] = v;
  }
  readonly outages: OutageLog;
  /** Oldest first; replaced by a one-entry array at the first {@link record} (see there). */
  history: HistoryEntry[] = [];

  readonly id: PeerId;

  constructor(id: PeerId, nowMs: number) {
    super();
    this.id = id;
    this.sinceMs = nowMs;
    this.outages = newOutageLog(nowMs);
  }

  /** Appends a history entry, dropping the oldest past `max`. */
  record(entry: HistoryEntry, max: number): void {
    // Most members only ever hold their `join`: a first push would give the empty array room for
    // 17 entries (136 bytes more per member), a literal holds one.
    if (this.history.length === 0) {
      this.history = [entry];
      return;
    }
    this.history.push(entry);
    if (this.history.length > max) this.history.splice(0, this.history.length - max);
  }

  /** Stores an RTT sample in the bounded sparkline ring (oldest dropped). */
  addRttSample(ms: number): void {
    const ring = (this.rttSamples ??= new Array<number>(RTT_SAMPLES_MAX).fill(0));
    ring[this.rttSampleCount % RTT_SAMPLES_MAX] = ms;
    this.rttSampleCount += 1;
  }

  /** The RTT samples kept, oldest first. */
  rttSamplesInOrder(): number[] {
    const ring = this.rttSamples;
    if (ring === null) return [];
    const n = Math.min(this.rttSampleCount, RTT_SAMPLES_MAX);
    const first = this.rttSampleCount - n;
    const out = new Array<number>(n);
    for (let i = 0; i < n; i++) out[i] = ring[(first + i) % RTT_SAMPLES_MAX]!;
    return out;
  }
}
