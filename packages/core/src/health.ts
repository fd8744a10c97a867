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
 * True when this peer reaches fewer than half of the peers it knows that have not left, itself
 * included: `2 × (healthy + recovering) < total − left` (the local peer counts as healthy; a
 * suspected or failed peer counts as unreachable). Only from 3 non-left peers up: with two, nobody
 * can tell which side is the minority.
 */
export function isMinorityPartition(counts: Readonly<Record<PeerState, number>>): boolean {
  const present = counts.healthy + counts.suspected + counts.failed + counts.recovering;
  if (present < 3) return false;
  return 2 * (counts.healthy + counts.recovering) < present;
}

/**
 * Cluster health from per-state counts that already include the local peer as healthy.
 * `healthPercent = 100 × healthy / (total − left)`, 100 when nobody is present.
 */
export function clusterHealth(counts: Readonly<Record<PeerState, number>>, t: TierThresholds): ClusterHealth {
  const total = counts.healthy + counts.suspected + counts.failed + counts.recovering + counts.left;
  const present = total - counts.left;
  const healthPercent = present === 0 ? 100 : (100 * counts.healthy) / present;
  return {
    counts: { ...counts },
    total,
    healthPercent,
    tier: healthTier(healthPercent, t),
    minorityPartition: isMinorityPartition(counts),
  };
}
