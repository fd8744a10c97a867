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
 */
import type { DetectorConfig } from './config.js';
import type { PeerId } from './types.js';

/** Requesters tracked at once (bounded; the least recently charged are forgotten). */
export const RELAY_REQUESTERS_TRACKED_MAX = 1024;

interface Bucket {
  tokens: number;
  atMs: number;
}

/** The budget's size for `config`: jobs a requester may start at once, and per second sustained. */
export function relayJobBudgetFor(
  config: Pick<DetectorConfig, 'indirectChecks' | 'probeIntervalMsMin' | 'relayJobsMax'>,
): { burstJobs: number; jobsPerSecond: number } {
  return {
    burstJobs: Math.max(1, Math.floor(config.relayJobsMax / 4)),
    jobsPerSecond: ((config.indirectChecks + 1) * 1000) / config.probeIntervalMsMin,
  };
}

/** See the module comment. */
export class RelayJobBudget {
  readonly burstJobs: number;
  readonly jobsPerSecond: number;
  private readonly buckets = new Map<PeerId, Bucket>();

  constructor(config: Pick<DetectorConfig, 'indirectChecks' | 'probeIntervalMsMin' | 'relayJobsMax'>) {
    ({ burstJobs: this.burstJobs, jobsPerSecond: this.jobsPerSecond } = relayJobBudgetFor(config));
  }

  /** True (and one job charged to `requester`) when this peer may relay one more ping-req of it. */
  take(requester: PeerId, nowMs: number): boolean {
    let b = this.buckets.get(requester);
    if (b === undefined) {
      if (this.buckets.size >= RELAY_REQUESTERS_TRACKED_MAX) {
        const oldest = this.buckets.keys().next().value as PeerId;
        this.buckets.delete(oldest);
      }
      b = { tokens: this.burstJobs, atMs: nowMs };
    } else {
      const elapsedMs = Math.max(0, nowMs - b.atMs);
      b.tokens = Math.min(this.burstJobs, b.tokens + (elapsedMs * this.jobsPerSecond) / 1000);
      b.atMs = Math.max(b.atMs, nowMs);
    }
    this.buckets.delete(requester); // re-insert: the map's order is recency
    this.buckets.set(requester, b);
    // A token refilled in steps is whole: sums of fractions fall a rounding error short of it.
    if (b.tokens < 1 - 1e-9) return false;
    b.tokens -= 1;
    return true;
  }
}
