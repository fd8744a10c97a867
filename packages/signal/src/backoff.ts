/**
 * Reconnect delay: exponential with "equal jitter" (half fixed, half random), capped.
 *
 * `delay = e/2 + random() * e/2` where `e = min(backoffMsMax, backoffMsMin * 2^attempt)`.
 * Example (min 250, max 10,000): attempt 0 → 125-250 ms, 3 → 1,000-2,000 ms, 10 → 5,000-10,000 ms.
 * The random half spreads a crowd of clients that lost the same server, so they do not all
 * reconnect in the same millisecond (thundering herd).
 *
 * @param attempt 0 for the first retry after a loss.
 * @param random returns a number in [0, 1).
 */
export function backoffDelayMs(
  attempt: number,
  backoffMsMin: number,
  backoffMsMax: number,
  random: () => number,
): number {
  if (!(backoffMsMin > 0 && backoffMsMax >= backoffMsMin)) {
    throw new RangeError(`backoff: need 0 < min <= max, got ${backoffMsMin}, ${backoffMsMax}`);
  }
  const exp = Math.min(backoffMsMax, backoffMsMin * 2 ** Math.min(attempt, 30));
  return exp / 2 + random() * (exp / 2);
}
