import { HealthTier, type ClusterHealth, type PeerState } from './types.js';

/** Tier thresholds on the healthy share (percent). */
export interface TierThresholds {
  healthyPercentMin: number;
  degradedPercentMin: number;
  criticalPercentMin: number;
}

/**
 * Health tier of a healthy percentage: `HEALTHY` ≥ healthyPercentMin (90), `DEGRADED` ≥ 70,
 * `CRITICAL` ≥ 50, else `FAILED`.
 *
 * @example healthTier(90, t) === 'HEALTHY'; healthTier(69.9, t) === 'CRITICAL'
 */
export function healthTier(healthPercent: number, t: TierThresholds): HealthTier {
  if (healthPercent >= t.healthyPercentMin) return HealthTier.healthy;
  if (healthPercent >= t.degradedPercentMin) return HealthTier.degraded;
  if (healthPercent >= t.criticalPercentMin) return HealthTier.critical;
  return HealthTier.failed;
}

/**
 * True when this peer reaches fewer than half of the peers it knows that have not left and whose
 * failure is not settled, itself included: `2 × (healthy + recovering) < total − left − failedSettled`
 * (the local peer counts as healthy; a suspected or unsettled failed peer counts as unreachable).
 * Only from 3 such peers up: with two, nobody can tell which side is the minority.
 *
 * `failedSettled` (default 0) are failed peers that do not speak for a partition: witnessed by the
 * signaling session, or (for a held suspicion) failed before the suspect was last heard from
 * (`settled-failures.ts`). Without it, two crashes in a mesh of five make the survivors a
 * "minority" and hold the next verdict until the crashed are reaped.
 *
 * @example isMinorityPartition({ healthy: 2, suspected: 1, failed: 2, recovering: 0, left: 0 }) === true;
 *   isMinorityPartition({ healthy: 2, suspected: 1, failed: 2, recovering: 0, left: 0 }, 2) === false
 */
export function isMinorityPartition(counts: Readonly<Record<PeerState, number>>, failedSettled = 0): boolean {
  const present = counts.healthy + counts.suspected + counts.failed - failedSettled + counts.recovering;
  if (present < 3) return false;
  return 2 * (counts.healthy + counts.recovering) < present;
}

/**
 * Cluster health from per-state counts that already include the local peer as healthy.
 * `healthPercent = 100 × healthy / (total − left)`, 100 when nobody is present. `failedSettled`:
 * see {@link isMinorityPartition} (it changes only `minorityPartition`).
 */
export function clusterHealth(
  counts: Readonly<Record<PeerState, number>>,
  t: TierThresholds,
  failedSettled = 0,
): ClusterHealth {
  const total = counts.healthy + counts.suspected + counts.failed + counts.recovering + counts.left;
  const present = total - counts.left;
  const healthPercent = present === 0 ? 100 : (100 * counts.healthy) / present;
  return {
    counts: { ...counts },
    total,
    healthPercent,
    tier: healthTier(healthPercent, t),
    minorityPartition: isMinorityPartition(counts, failedSettled),
  };
}
