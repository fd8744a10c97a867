/**
 * Random variates for the network model, as pure functions of a uniform draw so they can be
 * table-tested. Each takes `u` in [0, 1).
 */

/** Exponential with the given mean: `-mean · ln(1 - u)`. Mean `meanMs`, median `meanMs · ln 2`. */
export function exponential(u: number, meanMs: number): number {
  return -meanMs * Math.log(1 - u);
}

/**
 * Pareto (type I) tail above zero: `scaleMs / (1 - u)^(1/alpha) - scaleMs`. Heavy-tailed for small
 * `alpha`: the mean is `scaleMs / (alpha - 1)` for `alpha > 1` and infinite for `alpha ≤ 1`, so
 * callers cap it. The median is `scaleMs · (2^(1/alpha) - 1)`.
 */
export function paretoTail(u: number, scaleMs: number, alpha: number): number {
  return scaleMs / Math.pow(1 - u, 1 / alpha) - scaleMs;
}

/** Uniform in [lo, hi). */
export function uniform(u: number, lo: number, hi: number): number {
  return lo + u * (hi - lo);
}

/** The `q`-quantile (0..1) of a sorted array, nearest-rank; `NaN` when empty. */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const rank = Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1));
  return sorted[rank] as number;
}

/** Mean of a list; `NaN` when empty. */
export function mean(values: ArrayLike<number>): number {
  if (values.length === 0) return NaN;
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i] as number;
  return s / values.length;
}
