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
