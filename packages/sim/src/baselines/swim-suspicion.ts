/**
 * Lifeguard's dynamic suspicion as memberlist 0.2.2 implements it (`suspicion.go`, `util.go`), for
 * the `swim` baseline: a suspicion starts at the maximum timeout and every independent confirmation
 * (a distinct accuser) shrinks it logarithmically towards the minimum.
 */

/** memberlist `suspicionTimeout`: mult · max(1, log10(max(1, n))) · interval, ms. */
export function suspicionTimeoutMs(mult: number, n: number, intervalMs: number): number {
  return mult * Math.max(1, Math.log10(Math.max(1, n))) * intervalMs;
}

/**
 * memberlist `remainingSuspicionTime`'s total timeout after `confirmations` of `k` expected:
 * `max − log(c + 1) / log(k + 1) · (max − min)`, floored to whole ms, at least `min`.
 */
export function suspicionTotalMs(confirmations: number, k: number, minMs: number, maxMs: number): number {
  const frac = Math.log(confirmations + 1) / Math.log(k + 1);
  const raw = Math.floor(maxMs - frac * (maxMs - minMs));
  return Math.max(minMs, raw);
}

/** One suspicion timer (memberlist `suspicion`). */
export class Suspicion {
  /** Confirmations counted so far (the first accuser is not one). */
  n = 0;
  readonly accusers: Set<string>;
  deadlineMs: number;

  /**
   * @param k confirmations expected: `suspicionMult − 2`, or 0 when the group is too small for them
   * @param minMs, maxMs `suspicionTimeoutMs(...)` and `maxMult ×` that
   */
  constructor(
    from: string,
    readonly k: number,
    readonly minMs: number,
    readonly maxMs: number,
    readonly startMs: number,
  ) {
    this.accusers = new Set([from]);
    this.deadlineMs = startMs + (k < 1 ? minMs : maxMs);
  }

  /** A new accuser: true if it counted (then the deadline moved earlier; re-gossip it). */
  confirm(from: string): boolean {
    if (this.n >= this.k || this.accusers.has(from)) return false;
    this.accusers.add(from);
    this.n += 1;
    this.deadlineMs = this.startMs + suspicionTotalMs(this.n, this.k, this.minMs, this.maxMs);
    return true;
  }
}
