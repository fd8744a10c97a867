/** Reconnect backoff settings. */
export interface BackoffOptions {
  /** First retry delay (ms). Default 1,000. */
  initialMs: number;
  /** Longest delay (ms). Default 30,000. */
  maxMs: number;
}

/** Defaults: retry after about 1 s, doubling to at most 30 s. */
export const defaultBackoff: BackoffOptions = { initialMs: 1_000, maxMs: 30_000 };

/**
 * Delay before retry number `attempt` (0-based): `min(maxMs, initialMs · 2^attempt)`, scaled by
 * a jitter factor in [0.5, 1) drawn from `random()` so that peers do not retry in lockstep.
 * Example: initial 1,000, max 30,000, random 0 → 500, 1,000, 2,000, …, 15,000.
 */
export function backoffDelayMs(attempt: number, options: BackoffOptions, random: () => number): number {
  const base = Math.min(options.maxMs, options.initialMs * 2 ** Math.min(attempt, 30));
  return Math.round(base * (0.5 + random() * 0.5));
}
