/**
 * The wall clock the durable history stamps its records with: epoch ms derived from the monotonic
 * detector clock (`performance.now()` based), so every record of a history is on one clock.
 */

/** Wall-clock ms of a detector-clock time (`performance.now()` based). */
export const epochOf = (detectorMs: number): number => performance.timeOrigin + detectorMs;

/**
 * "Now" on the same clock as {@link epochOf}. Not `Date.now()`: the two drift apart (NTP slews the
 * wall clock, the monotonic one does not), and a mark stamped by one before an entry stamped by
 * the other made a peer's observed time 0 (a CSV row went missing in a loaded CI run).
 */
export const wallNow = (): number => epochOf(performance.now());
