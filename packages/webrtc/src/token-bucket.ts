/**
 * A token bucket: `capacity` tokens at most, refilled at `perSecond`; each admitted event takes
 * one. What a member may send is budgeted with these (decision 0050: pings answered, sessions built).
 */
export interface TokenBucket {
  tokens: number;
  /** When `tokens` was last brought up to date (ms, any monotonic clock). */
  atMs: number;
}

/** A full bucket at `nowMs`. */
export function fullBucket(capacity: number, nowMs: number): TokenBucket {
  return { tokens: capacity, atMs: nowMs };
}

/** Refills `bucket` up to `nowMs` (at most `capacity`). */
export function refill(bucket: TokenBucket, nowMs: number, perSecond: number, capacity: number): void {
  const elapsedMs = Math.max(0, nowMs - bucket.atMs);
  bucket.tokens = Math.min(capacity, bucket.tokens + (elapsedMs * perSecond) / 1000);
  bucket.atMs = Math.max(bucket.atMs, nowMs);
}

/** Whether `bucket` holds `n` whole tokens (a token refilled in steps falls a rounding error short). */
export function holds(bucket: TokenBucket, n: number): boolean {
  return bucket.tokens >= n - 1e-9;
}

/** Refills `bucket` up to `nowMs` and takes one token; false (nothing taken) if it has none. */
export function takeToken(bucket: TokenBucket, nowMs: number, perSecond: number, capacity: number): boolean {
  refill(bucket, nowMs, perSecond, capacity);
  if (!holds(bucket, 1)) return false;
  bucket.tokens -= 1;
  return true;
}
