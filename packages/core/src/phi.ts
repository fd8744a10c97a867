/**
 * Phi accrual failure detection (Hayashibara et al. 2004), with Akka's logistic approximation of the
 * normal CDF. `phi` is −log10 of the probability that a live peer would stay silent this long, given
 * the mean and spread of the gaps between its messages: phi 1 ≈ 10 %, phi 3 ≈ 0.1 %, phi 8 ≈ 1e-8.
 */

const A = 1.5976;
const B = 0.070566;

/**
 * Suspicion level for a peer silent for `elapsedMs`, whose inter-arrival gaps have mean `meanMs` and
 * standard deviation `stdMs` (> 0). Non-negative; grows without bound as the silence lengthens.
 *
 * @example phi(1000, 1000, 100) ≈ 0.30; phi(1500, 1000, 100) ≈ 10.1 (see phi.test.ts)
 */
export function phi(elapsedMs: number, meanMs: number, stdMs: number): number {
  const y = (elapsedMs - meanMs) / stdMs;
  const e = Math.exp(-y * (A + B * y * y));
  if (elapsedMs > meanMs) return -Math.log10(e / (1 + e));
  return -Math.log10(1 - 1 / (1 + e));
}

/**
 * The silence (ms) after which {@link phi} reaches `threshold`: `meanMs + y × stdMs`, where y solves
 * `y·(1.5976 + 0.070566·y²) = ln(10^threshold − 1)` (Newton's method; the cubic is monotonic).
 * A peer with a wide distribution (large `stdMs`) gets a proportionally longer timeout.
 *
 * @example phiTimeoutMs(1000, 100, 8) ≈ 1522; phiTimeoutMs(1000, 400, 8) ≈ 3088
 */
export function phiTimeoutMs(meanMs: number, stdMs: number, threshold: number): number {
  const c = Math.log(Math.pow(10, threshold) - 1);
  let y = c / A;
  for (let i = 0; i < 50; i++) {
    const f = B * y * y * y + A * y - c;
    const step = f / (3 * B * y * y + A);
    y -= step;
    if (Math.abs(step) < 1e-9) break;
  }
  return meanMs + y * stdMs;
}

/** Exponentially weighted inter-arrival statistics; `meanMs` is NaN before the first gap. */
export interface ArrivalStats {
  meanMs: number;
  varMs2: number;
  samples: number;
}

/** Smoothing gain of the inter-arrival mean and variance. */
export const ARRIVAL_ALPHA = 1 / 8;

/**
 * Folds one inter-arrival gap (ms) into the statistics, in place: exponentially weighted mean and
 * variance (West 1979), so memory per peer stays three numbers instead of a sample window.
 */
export function updateArrival(stats: ArrivalStats, gapMs: number): void {
  stats.samples += 1;
  if (Number.isNaN(stats.meanMs)) {
    stats.meanMs = gapMs;
    stats.varMs2 = (gapMs / 4) * (gapMs / 4);
    return;
  }
  const diff = gapMs - stats.meanMs;
  const incr = ARRIVAL_ALPHA * diff;
  stats.meanMs += incr;
  stats.varMs2 = (1 - ARRIVAL_ALPHA) * (stats.varMs2 + diff * incr);
}

/** Standard deviation of the gaps, floored at `stdMsMin` so a perfectly regular peer is not over-trusted. */
export function arrivalStdMs(stats: ArrivalStats, stdMsMin: number): number {
  return Math.max(stdMsMin, Math.sqrt(stats.varMs2));
}
