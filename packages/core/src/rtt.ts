/**
 * Round-trip time estimation per link (RFC 6298) and the probe timeout derived from it: a link with
 * steady 2 ms RTT waits a few ms for an ack, a jittery 200 ms link waits much longer, both bounded.
 */

/** Smoothing gain for the RTT mean (RFC 6298 α = 1/8). */
export const RTT_ALPHA = 1 / 8;
/** Smoothing gain for the RTT variation (RFC 6298 β = 1/4). */
export const RTT_BETA = 1 / 4;

/** A smoothed RTT estimate; `srttMs` is NaN before the first sample. */
export interface RttEstimate {
  srttMs: number;
  rttVarMs: number;
}

/**
 * Folds one RTT sample into the estimate, in place (RFC 6298 §2): the first sample sets
 * `srtt = R, rttvar = R/2`; later ones `rttvar = (1−β)·rttvar + β·|srtt − R|`, `srtt = (1−α)·srtt + α·R`.
 */
export function updateRtt(estimate: RttEstimate, sampleMs: number): void {
  if (Number.isNaN(estimate.srttMs)) {
    estimate.srttMs = sampleMs;
    estimate.rttVarMs = sampleMs / 2;
    return;
  }
  estimate.rttVarMs = (1 - RTT_BETA) * estimate.rttVarMs + RTT_BETA * Math.abs(estimate.srttMs - sampleMs);
  estimate.srttMs = (1 - RTT_ALPHA) * estimate.srttMs + RTT_ALPHA * sampleMs;
}

/**
 * Direct probe timeout (ms) for one link: `clamp(srtt + k × rttvar, minMs, maxMs)`, rounded up; `maxMs`
 * before the first sample (NaN srtt). Before local-health scaling (see `scaleByLocalHealth`).
 *
 * @example probeTimeoutMs(10, 5, 4, 50, 500) === 50; probeTimeoutMs(100, 40, 4, 50, 500) === 260
 */
export function probeTimeoutMs(
  srttMs: number,
  rttVarMs: number,
  k: number,
  minMs: number,
  maxMs: number,
): number {
  if (Number.isNaN(srttMs)) return maxMs;
  return Math.min(maxMs, Math.max(minMs, Math.ceil(srttMs + k * rttVarMs)));
}
