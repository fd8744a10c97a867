/**
 * Per-member state, kept as one monomorphic object with numeric fields (no closures, no maps), so
 * the simulator can hold hundreds of thousands of them. Times are detector-clock ms; NaN = never.
 */
import { newOutageLog, type OutageLog } from './analytics.js';
import type { Update } from './codec.js';
import type { ArrivalStats } from './phi.js';
import type { RttEstimate } from './rtt.js';
import type { HistoryEntry, PeerId, PeerState, VitalSigns } from './types.js';

/** Signed confirmations kept per suspicion and sent with its verdict (`Member.confirmations`): Lifeguard's K, so a receiver that is one of them still counts two others. */
export const CONFIRMATIONS_KEPT_MAX = 3;

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
/** Declarers of one verdict kept per member (two are needed; a few more cover flagged liars). */
export const DECLARERS_KEPT_MAX = 8;

export class Member implements RttEstimate, ArrivalStats {
  state: PeerState = 'healthy';
  sinceMs: number;
  incarnation = 0;
  /** Transport has a direct link now. */
  linked = false;
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
  unansweredSinceMs = NaN;
  /**
   * The start of its silence as this peer saw it (NaN: none): the first of a chain of at least two
   * unanswered pings, none more than `chainGapMs` after the one before (`notePing`). One lost ping
   * or ack does not start it, and a ping lost long ago followed by no reason to talk does not
   * read as a long silence: a lie timed with a short freeze would be taken for the tolerance
   * (`ownSilenceMs`, decision 0024, review session 14). With trust, a chain is followed by a ping
   * every period until it is answered or has shown the stall tolerance (`followSilences`).
   */
  silentSinceMs = NaN;
  /**
   * When this peer last pinged it (NaN: not since it last heard from it). These three are written
   * on every message received from it (`heardFrom`), so they sit beside the byte counts.
   */
  lastPingMs = NaN;
  srttMs = NaN;
  rttVarMs = NaN;
  /**
   * The last {@link RTT_SAMPLES_MAX} RTT samples, a ring (`rttSampleCount` written so far). A plain
   * array, not a Float64Array: a 128-byte typed array has an off-heap backing store, and 640,000 of
   * them (10,000 nodes × 64 members) made every garbage collection sweep them.
   */
  rttSamples: number[] | null = null;
  rttSampleCount = 0;
  /** Loss ratio (EWMA of sequence gaps and missed acks). */
  loss = 0;
  lastHeardMs = NaN;
  meanMs = NaN;
  varMs2 = 0;
  samples = 0;
  suspicionStartMs = NaN;
  suspicionDeadlineMs = NaN;
  /** While failed and linked: when this detector next re-checks it, and the current backoff (ms). */
  recheckAtMs = NaN;
  recheckGapMs = 0;
  /** While suspected and linked: when this detector next pings it (once a period), and that ping's seq. */
  watchAtMs = NaN;
  watchSeq = -1;
  /** Distinct accusers of the current suspicion (first one included). */
  suspectors: PeerId[] | null = null;
  /** Good probes since entering `recovering`. */
  goodStreak = 0;
  /** For unprobed members: when `recovering` turns `healthy`. */
  recoveryDeadlineMs = NaN;
  vitals: VitalSigns | undefined = undefined;
  /** When `vitals` arrived (this detector's clock): their `uptimeMs` is extrapolated from it. */
  vitalsAtMs = NaN;
  /**
   * The longest stall its previous process reported (`loadMs` before it restarted), ms, and until
   * when that counts: a reloaded tab runs on the same machine and stalls like the one before it,
   * while its own stall memory starts empty (`witnessStallAllowanceMs`).
   */
  stallBeforeRestartMs = 0;
  stallBeforeRestartUntilMs = 0;
  /** The signaling server reported its session ended (`Detector.witness`) and no new one since. */
  signalingLost = false;
  /** With trust: the member's own latest signed `alive`/`left` (relayed instead of our word). */
  proof: Update | undefined = undefined;
  /** With trust: the signed accusation behind our `suspected`/`failed` (ours or the verdict taken). */
  accusation: Update | undefined = undefined;
  /**
   * With trust, while `suspected`: other peers' signed `suspect`s of it at its incarnation (at most
   * {@link CONFIRMATIONS_KEPT_MAX}), sent along with our verdict as its evidence (`declareFailed`).
   */
  confirmations: Update[] | null = null;
  /** The current `failed` was reached on the signaling witness (`settled-failures.ts`). */
  failedWitnessed = false;
  /** The current `failed` was taken from another's verdict without a first-hand check. */
  secondHand = false;
  /**
   * With trust, while `suspected` without a link: the signed `failed` that relays could not
   * check (no answer). A non-answer is not evidence: the suspicion runs its course, and only if
   * nothing refutes it is this verdict taken, second-hand (`suspicionExpired`).
   */
  relayVerdict: Update | undefined = undefined;
  /**
   * With trust: the incarnation of the last `failed` verdict about it this peer checked (or −1).
   * A refutation above it (its signed `alive`) is pushed on like a verdict (`applyAlive`): the
   * peers around heard the accusation too, and the lie must die as fast as it spread.
   */
  accusedIncarnation = -1;
  /**
   * With trust: the distinct signers of a `failed` verdict about it at `declaredIncarnation` (at
   * most {@link DECLARERS_KEPT_MAX}). An honest peer signs `failed` only after its own pings went
   * unanswered for the stall tolerance (or on the signaling witness, or under this same rule), so
   * two independent declarers include one such silence (`declarersOf`, decision 0024).
   */
  declarers: PeerId[] | null = null;
  declaredIncarnation = -1;
  /**
   * With trust, while `failed`: other signers' accusations that backed the verdict (at most
   * `CONFIRMATIONS_KEPT_MAX`), passed on with it and given to a relay check that asks here.
   */
  verdictEvidence: Update[] | null = null;
  /** While suspected through relays: times the relays were asked again for the signers they know. */
  relayAsksAgain = 0;
  /** While suspected through relays: links that passed the verdict on (they hold it; asked again first). */
  verdictFrom: PeerId[] | null = null;
  /** Flagged as a liar (see `liars.ts`). */
  liar = false;
  /** When this detector last sent the member a full sync (rate limit), ms. */
  lastSyncServedMs = -Infinity;
  readonly outages: OutageLog;
  readonly history: HistoryEntry[] = [];

  readonly id: PeerId;

  constructor(id: PeerId, nowMs: number) {
    this.id = id;
    this.sinceMs = nowMs;
    this.outages = newOutageLog(nowMs);
  }

  /** Appends a history entry, dropping the oldest past `max`. */
  record(entry: HistoryEntry, max: number): void {
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
