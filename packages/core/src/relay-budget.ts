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
 * `relayJobsMax` (every job at once, which the target's burst holds: `pingBudgetFor`). The last
 * `indirectChecks + 1` tokens are kept for requesters without a job at that target within
 * `probeIntervalMsMin` (an honest prober asks a relay about a target once a round), so requesters
 * that flood it cannot take the last ones. Past it the ping-req is nacked (the prober moves on to
 * its other relays), counted (`relayJobsCapped`).
 */
import type { DetectorConfig } from './config.js';
import type { PeerId } from './types.js';

/** Requesters tracked at once (bounded; the least recently charged are forgotten). */
export const RELAY_REQUESTERS_TRACKED_MAX = 1024;
/** Targets tracked at once by the per-target bucket (bounded the same way). */
export const RELAY_TARGETS_TRACKED_MAX = 1024;
/** Requesters remembered per target with the time of their last job there (oldest forgotten first). */
const RECENT_REQUESTERS_MAX = 16;

interface Bucket {
  tokens: number;
  atMs: number;
}

interface TargetBucket extends Bucket {
  /** Requester → time of its last job at this target (ms), in order of the jobs. */
  recent: Map<PeerId, number>;
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
} {
  return {
    burstJobs: Math.max(1, Math.floor(config.relayJobsMax / 4)),
    jobsPerSecond: ((config.indirectChecks + 1) * 1000) / config.probeIntervalMsMin,
    targetBurstJobs: Math.max(1, config.relayJobsMax),
    targetReservedJobs: config.indirectChecks + 1,
  };
}

/** See the module comment. */
export class RelayJobBudget {
  readonly burstJobs: number;
  readonly jobsPerSecond: number;
  readonly targetBurstJobs: number;
  readonly targetReservedJobs: number;
  private readonly freshAfterMs: number;
  private readonly buckets = new Map<PeerId, Bucket>();
  private readonly targets = new Map<PeerId, TargetBucket>();

  constructor(config: Config) {
    ({
      burstJobs: this.burstJobs,
      jobsPerSecond: this.jobsPerSecond,
      targetBurstJobs: this.targetBurstJobs,
      targetReservedJobs: this.targetReservedJobs,
    } = relayJobBudgetFor(config));
    this.freshAfterMs = config.probeIntervalMsMin;
  }

  /** True (and one ping-req charged to `requester`) when this peer may answer one more of it. */
  take(requester: PeerId, nowMs: number): boolean {
    const b = recent(this.buckets, requester, RELAY_REQUESTERS_TRACKED_MAX, () => ({
      tokens: this.burstJobs,
      atMs: nowMs,
    }));
    refill(b, nowMs, this.burstJobs, this.jobsPerSecond);
    if (b.tokens < WHOLE) return false;
    b.tokens -= 1;
    return true;
  }

  /**
   * True (and one job charged to `target`) when this peer may ping `target` for one more job of
   * `requester`: the target's bucket has a token, and its last reserved ones only for a requester
   * without a job there within `probeIntervalMsMin`.
   */
  takeAt(target: PeerId, requester: PeerId, nowMs: number): boolean {
    const b = recent(this.targets, target, RELAY_TARGETS_TRACKED_MAX, () => ({
      tokens: this.targetBurstJobs,
      atMs: nowMs,
      recent: new Map<PeerId, number>(),
    }));
    refill(b, nowMs, this.targetBurstJobs, this.jobsPerSecond);
    const lastMs = b.recent.get(requester);
    const fresh = lastMs === undefined || nowMs - lastMs >= this.freshAfterMs;
    if (b.tokens < (fresh ? 0 : this.targetReservedJobs) + WHOLE) return false;
    b.tokens -= 1;
    recent(b.recent, requester, RECENT_REQUESTERS_MAX, () => nowMs);
    b.recent.set(requester, nowMs);
    return true;
  }
}
