/**
 * A per-requester budget of relay jobs (decision 0056). A ping-req this peer takes makes it ping
 * the target twice on the requester's behalf, and the target's ping budget (decision 0050) charges
 * those pings to this peer, the link they arrive on. `relayJobsMax` bounds the jobs open at once,
 * not their rate (a job ends one round trip later), so without a per-requester bound one member
 * paced at 500 ping-reqs a second spent this peer's budget at the target, and the target throttled
 * this (honest) peer's own probes: session 20's review.
 *
 * Each requester gets a token bucket of jobs: refilled `indirectChecks + 1` per
 * `probeIntervalMsMin` (the relay-job term of `honestPingsPerPeriodMax` in `packages/webrtc`), at
 * most `relayJobsMax / 4` at once. An honest requester asks one relay at most one probe job a
 * period (a probe round asks each of its relays once) plus relay checks, which
 * `ACCUSER_UNCONFIRMED_MAX` per accuser bound: well under the refill, and a mass crash's checks
 * fit the burst. Past it a ping-req is dropped unanswered, counted (`relayJobsRefused`).
 * Every ping-req answered is charged, a nack about a peer this one has no link to as well as a job
 * (decision 0063): a nack is a message back, and it carries gossip.
 *
 * Requester ids are many (decision 0056: k linked sybils make a relay send a target 2 × 20 × k
 * pings/s), so a relay job also takes a token of its target's bucket, shared by all requesters
 * (decision 0063): the same refill, the relay-job term of the target's budget, and a burst of
 * `relayJobsMax` (every job at once, which the target's burst holds: `pingBudgetFor`). Its last
 * `indirectChecks + 1` tokens are a reserve handed by how long the requester has been quiet about
 * that target (decision 0071): one that asked about it within `probeIntervalMsMin` (a prober asks
 * a relay about a target at most once a round) takes none of it; one that asked within
 * `indirectChecks + 1` periods (800 ms with the defaults) takes its upper half only; a quiet one
 * (an honest prober asks about one target once in N rounds) takes all of it. So ids that flood a
 * target cannot take its last tokens, ids asking once a period each leave the lower half to quiet
 * requesters, and it takes more than 16 ids asking once every 800 ms each (the refill, 20/s) to
 * reach them.
 * Past it the ping-req is nacked (the prober moves on to its other relays), counted
 * (`relayJobsCapped`).
 *
 * "Asked", not "had a job" (decision 0071): with the time of the last job, each id that asked 4
 * times a period was entitled again 200 ms after its last job, so 4 ids took the whole refill from
 * the reserve (session 22's review). Each requester remembers the targets of its last
 * `askedTargetsMax` asks (its burst + a quiet time's refill: 16 + 16 with the defaults): an entry is
 * forgotten only after that many asks about other targets, which its own bucket cannot pay for
 * within the quiet time (it holds at most burst - 1 after the ask), so a requester whose entry was
 * forgotten is one the reserve would take as quiet anyway.
 *
 * The same standing (the gap between a requester's last two ping-reqs, any target) keeps the
 * relay's last open jobs for requesters that do not flood it (`relay-jobs.ts`).
 */
import type { DetectorConfig } from './config.js';
import type { PeerId } from './types.js';

/** Requesters tracked at once (bounded; the least recently charged are forgotten). */
export const RELAY_REQUESTERS_TRACKED_MAX = 1024;
/** Targets tracked at once by the per-target bucket (bounded the same way). */
export const RELAY_TARGETS_TRACKED_MAX = 1024;

interface Bucket {
  tokens: number;
  atMs: number;
}

interface RequesterBucket extends Bucket {
  /** Times of this requester's last two ping-reqs (ms; -Infinity before them). */
  lastAskMs: number;
  prevAskMs: number;
  /** Target → time of this requester's last ask there that reached the target's bucket (ms), oldest first. */
  asked: Map<PeerId, number>;
}

type Config = Pick<DetectorConfig, 'indirectChecks' | 'probeIntervalMsMin' | 'relayJobsMax'>;

/** `b` refilled at `perSecond` up to `burst` from its last charge to `nowMs`. */
function refill(b: Bucket, nowMs: number, burst: number, perSecond: number): void {
  const elapsedMs = Math.max(0, nowMs - b.atMs);
  b.tokens = Math.min(burst, b.tokens + (elapsedMs * perSecond) / 1000);
  b.atMs = Math.max(b.atMs, nowMs);
}

/** `map`'s entry for `key`, moved to the end (the map's order is recency), made by `make` when absent (dropping the oldest past `max`). */
function recent<V>(map: Map<PeerId, V>, key: PeerId, max: number, make: () => V): V {
  let v = map.get(key);
  if (v === undefined) {
    if (map.size >= max) map.delete(map.keys().next().value as PeerId);
    v = make();
  }
  map.delete(key);
  map.set(key, v);
  return v;
}

/** A token refilled in steps is whole: sums of fractions fall a rounding error short of it. */
const WHOLE = 1 - 1e-9;

/** The budget's size for `config`: jobs a requester may start at once, and per second sustained. */
export function relayJobBudgetFor(config: Config): {
  burstJobs: number;
  jobsPerSecond: number;
  targetBurstJobs: number;
  targetReservedJobs: number;
  askedTargetsMax: number;
  openReservedJobs: number;
} {
  const burstJobs = Math.max(1, Math.floor(config.relayJobsMax / 4));
  return {
    burstJobs,
    jobsPerSecond: ((config.indirectChecks + 1) * 1000) / config.probeIntervalMsMin,
    targetBurstJobs: Math.max(1, config.relayJobsMax),
    targetReservedJobs: config.indirectChecks + 1,
    askedTargetsMax: burstJobs + (config.indirectChecks + 1) ** 2,
    openReservedJobs: Math.min(config.indirectChecks + 1, Math.floor(config.relayJobsMax / 4)),
  };
}

/** See the module comment. */
export class RelayJobBudget {
  readonly burstJobs: number;
  readonly jobsPerSecond: number;
  readonly targetBurstJobs: number;
  readonly targetReservedJobs: number;
  readonly askedTargetsMax: number;
  readonly openReservedJobs: number;
  private readonly freshAfterMs: number;
  private readonly quietAfterMs: number;
  private readonly buckets = new Map<PeerId, RequesterBucket>();
  private readonly targets = new Map<PeerId, Bucket>();

  constructor(config: Config) {
    ({
      burstJobs: this.burstJobs,
      jobsPerSecond: this.jobsPerSecond,
      targetBurstJobs: this.targetBurstJobs,
      targetReservedJobs: this.targetReservedJobs,
      askedTargetsMax: this.askedTargetsMax,
      openReservedJobs: this.openReservedJobs,
    } = relayJobBudgetFor(config));
    this.freshAfterMs = config.probeIntervalMsMin;
    this.quietAfterMs = this.targetReservedJobs * config.probeIntervalMsMin;
  }

  /** True (and one ping-req charged to `requester`) when this peer may answer one more of it. */
  take(requester: PeerId, nowMs: number): boolean {
    const b = this.requester(requester, nowMs);
    b.prevAskMs = b.lastAskMs;
    b.lastAskMs = nowMs;
    refill(b, nowMs, this.burstJobs, this.jobsPerSecond);
    if (b.tokens < WHOLE) return false;
    b.tokens -= 1;
    return true;
  }

  /**
   * Of `reserved` last jobs or tokens, those a requester may not take after `gapMs` without asking:
   * all of them within a period, the lower half within the quiet time, none after it.
   */
  reserveFor(gapMs: number, reserved: number): number {
    if (gapMs < this.freshAfterMs) return reserved;
    return gapMs < this.quietAfterMs ? Math.ceil(reserved / 2) : 0;
  }

  /** The gap between `requester`'s last two ping-reqs (`take`), Infinity before its second. */
  askGapMs(requester: PeerId): number {
    const b = this.buckets.get(requester);
    return b === undefined ? Infinity : b.lastAskMs - b.prevAskMs;
  }

  /**
   * True (and one job charged to `target`) when this peer may ping `target` for one more job of
   * `requester`: the target's bucket has a token above the part of its reserve `requester` may not
   * take (`reserveFor` the time since it last asked about `target`; every ask counts, a nacked one
   * too: decision 0071).
   */
  takeAt(target: PeerId, requester: PeerId, nowMs: number): boolean {
    const b = recent(this.targets, target, RELAY_TARGETS_TRACKED_MAX, () => ({
      tokens: this.targetBurstJobs,
      atMs: nowMs,
    }));
    refill(b, nowMs, this.targetBurstJobs, this.jobsPerSecond);
    const asked = this.requester(requester, nowMs).asked;
    const kept = this.reserveFor(nowMs - (asked.get(target) ?? -Infinity), this.targetReservedJobs);
    recent(asked, target, this.askedTargetsMax, () => nowMs);
    asked.set(target, nowMs);
    if (b.tokens < kept + WHOLE) return false;
    b.tokens -= 1;
    return true;
  }

  /** `requester`'s bucket (made full when new or forgotten), moved to the most recent. */
  private requester(requester: PeerId, nowMs: number): RequesterBucket {
    return recent(this.buckets, requester, RELAY_REQUESTERS_TRACKED_MAX, () => ({
      tokens: this.burstJobs,
      atMs: nowMs,
      asked: new Map<PeerId, number>(),
      lastAskMs: -Infinity,
      prevAskMs: -Infinity,
    }));
  }
}
