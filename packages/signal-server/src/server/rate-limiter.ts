/**
 * Token bucket: `ratePerSecond` tokens per second, holding at most `burst`. Tokens are frames
 * (the per-socket frame rate) or bytes (the per-pair relay rate, `take(nowMs, bytes)`).
 */
export class TokenBucket {
  #tokens: number;
  #lastMs: number;

  readonly ratePerSecond: number;
  readonly burst: number;

  constructor(ratePerSecond: number, burst: number, nowMs: number) {
    this.ratePerSecond = ratePerSecond;
    this.burst = burst;
    this.#tokens = burst;
    this.#lastMs = nowMs;
  }

  /** Takes `cost` tokens (default one) if there are that many; returns whether it did. */
  take(nowMs: number, cost = 1): boolean {
    this.#refill(nowMs);
    if (this.#tokens < cost) return false;
    this.#tokens -= cost;
    return true;
  }

  /** Whether the bucket is full at `nowMs`: it is then the same as a fresh one. */
  full(nowMs: number): boolean {
    this.#refill(nowMs);
    return this.#tokens >= this.burst;
  }

  #refill(nowMs: number): void {
    const elapsedMs = Math.max(0, nowMs - this.#lastMs);
    this.#lastMs = nowMs;
    this.#tokens = Math.min(this.burst, this.#tokens + (elapsedMs * this.ratePerSecond) / 1000);
  }
}

/**
 * Token buckets by key (an address, a sender's target), each made full on first use. Once
 * `pruneAt` are held, a new key first drops the full ones: a full bucket is the same as a fresh
 * one, so pruning changes no answer and the map holds only keys used within one refill time.
 */
export class BucketMap {
  readonly #buckets = new Map<string, TokenBucket>();
  readonly #ratePerSecond: number;
  readonly #burst: number;
  readonly #pruneAt: number;

  constructor(ratePerSecond: number, burst: number, pruneAt: number) {
    this.#ratePerSecond = ratePerSecond;
    this.#burst = burst;
    this.#pruneAt = pruneAt;
  }

  /** Keys held now. */
  get size(): number {
    return this.#buckets.size;
  }

  /** Takes `cost` tokens from `key`'s bucket if it has them; returns whether it did. */
  take(key: string, nowMs: number, cost = 1): boolean {
    let bucket = this.#buckets.get(key);
    if (!bucket) {
      if (this.#buckets.size >= this.#pruneAt) {
        for (const [k, b] of this.#buckets) if (b.full(nowMs)) this.#buckets.delete(k);
      }
      bucket = new TokenBucket(this.#ratePerSecond, this.#burst, nowMs);
      this.#buckets.set(key, bucket);
    }
    return bucket.take(nowMs, cost);
  }
}
