/**
 * Lifeguard suspicion timeouts (Dadgar et al., "Lifeguard: Local Health Awareness for More Accurate
 * Failure Detection", 2018; hashicorp/memberlist `suspicion.go`). A suspicion starts at the maximum
 * timeout and shrinks towards the minimum as independent peers confirm it, so a real failure seen by
 * many is declared fast, while a lone accuser (perhaps the sick one) has to wait longer.
 */

/**
 * Minimum suspicion timeout (ms): `max(floorMs, suspicionMult × max(1, log10(clusterSize)) × probeIntervalMs)`.
 * Grows with the log of the group size because gossip needs O(log N) rounds to reach everyone, and
 * the suspected peer needs that long to hear of the suspicion and refute it; the floor keeps the
 * stall tolerance from shrinking in small meshes.
 *
 * @example suspicionTimeoutMsMin(4, 10, 1000) === 4000; suspicionTimeoutMsMin(1, 10, 250, 500) === 500
 */
export function suspicionTimeoutMsMin(
  suspicionMult: number,
  clusterSize: number,
  probeIntervalMs: number,
  floorMs = 0,
): number {
  const scale = Math.max(1, Math.log10(Math.max(1, clusterSize)));
  return Math.max(floorMs, Math.floor(suspicionMult * scale * probeIntervalMs));
}

/**
 * Maximum suspicion timeout (ms): `suspicionMaxTimeoutMult × minMs`, used when nobody confirms.
 *
 * @example suspicionTimeoutMsMax(6, 4000) === 24000
 */
export function suspicionTimeoutMsMax(suspicionMaxTimeoutMult: number, minMs: number): number {
  return Math.floor(suspicionMaxTimeoutMult * minMs);
}

/**
 * Number of independent confirmations a suspicion expects before it is at its minimum:
 * `min(configured, clusterSize − 2)` (neither the suspect nor the first accuser can confirm), ≥ 0.
 *
 * @example suspicionConfirmationsExpected(3, 10) === 3; suspicionConfirmationsExpected(3, 3) === 1
 */
export function suspicionConfirmationsExpected(configured: number, clusterSize: number): number {
  return Math.max(0, Math.min(configured, clusterSize - 2));
}

/**
 * Suspicion timeout (ms) after `confirmations` independent confirmations, Lifeguard's formula:
 * `max(minMs, maxMs − (maxMs − minMs) × log(confirmations + 1) / log(expected + 1))`, floored to an
 * integer. With `expected < 1` there is nobody to wait for and the timeout is `minMs`.
 *
 * @example suspicionTimeoutMs(4000, 24000, 0, 3) === 24000; suspicionTimeoutMs(4000, 24000, 1, 3) === 14000
 */
export function suspicionTimeoutMs(
  minMs: number,
  maxMs: number,
  confirmations: number,
  expected: number,
): number {
  if (expected < 1) return minMs;
  const frac = Math.log(confirmations + 1) / Math.log(expected + 1);
  return Math.max(minMs, Math.floor(maxMs - (maxMs - minMs) * frac));
}

/**
 * Patience multiplier for a peer's last reported lifecycle: `hidden` tabs run throttled timers and
 * `frozen` tabs cannot answer at all until the user returns, so both are given longer before they
 * are declared failed (they stay `suspected`, which UIs render with the lifecycle: "frozen").
 *
 * @example lifecyclePatience('frozen', 3, 10) === 10; lifecyclePatience('server', 3, 10) === 1
 */
export function lifecyclePatience(
  lifecycle: string | undefined,
  hiddenMult: number,
  frozenMult: number,
): number {
  if (lifecycle === 'hidden') return hiddenMult;
  if (lifecycle === 'frozen') return frozenMult;
  return 1;
}

/**
 * When a suspicion turns into `failed` (ms): the Lifeguard deadline `start + timeout × patience`,
 * extended to the phi deadline (the silence after which phi reaches its threshold; NaN when there
 * are too few samples) but never past the no-confirmation maximum `start + max × patience`.
 * So phi can only add patience, and only up to what an unconfirmed suspicion gets anyway.
 *
 * @example failAtMs(0, 4000, 24000, 1, 9000) === 9000; failAtMs(0, 4000, 24000, 1, 2000) === 4000
 */
export function failAtMs(
  startMs: number,
  timeoutMs: number,
  maxTimeoutMs: number,
  patience: number,
  phiDeadlineMs: number,
): number {
  const lifeguard = startMs + timeoutMs * patience;
  if (Number.isNaN(phiDeadlineMs)) return lifeguard;
  return Math.max(lifeguard, Math.min(phiDeadlineMs, startMs + maxTimeoutMs * patience));
}
