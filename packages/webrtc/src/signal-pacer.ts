/**
 * Paces outbound signaling messages under the server's per-socket rate limit (the signal server
 * drops frames past `messagesPerSecondMax`, default 50/s, and closes sockets that keep going).
 * A token bucket releases up to `perSecond` messages a second (burst the same); the rest wait in a
 * bounded queue, oldest dropped first (the connection manager retries anything that mattered).
 */
export class SignalPacer<T> {
  /** Messages dropped because the queue was full. */
  dropped = 0;
  #tokens: number;
  #lastMs: number;
  #queue: T[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;
  readonly send: (message: T) => boolean;
  readonly perSecond: number;
  readonly queueMax: number;

  /**
   * @param send delivers one message now; returns false if it could not (then it is dropped).
   * @param perSecond sustained rate and burst. Default 40 (a margin under the server's 50).
   * @param queueMax most messages waiting. Default 1,000.
   */
  constructor(send: (message: T) => boolean, perSecond = 40, queueMax = 1_000) {
    this.send = send;
    this.perSecond = perSecond;
    this.queueMax = queueMax;
    this.#tokens = perSecond;
    this.#lastMs = performance.now();
  }

  /** Queues a message; it goes out now if the bucket has a token. */
  push(message: T): void {
    if (this.#closed) return;
    if (this.#queue.length >= this.queueMax) {
      this.#queue.shift();
      this.dropped += 1;
    }
    this.#queue.push(message);
    this.#drain();
  }

  /** Messages waiting. */
  get queued(): number {
    return this.#queue.length;
  }

  close(): void {
    this.#closed = true;
    this.#queue = [];
    clearTimeout(this.#timer);
  }

  #drain(): void {
    const now = performance.now();
    this.#tokens = Math.min(this.perSecond, this.#tokens + ((now - this.#lastMs) * this.perSecond) / 1000);
    this.#lastMs = now;
    while (this.#queue.length > 0 && this.#tokens >= 1) {
      this.#tokens -= 1;
      this.send(this.#queue.shift()!);
    }
    if (this.#queue.length > 0 && this.#timer === undefined) {
      const waitMs = Math.ceil(((1 - this.#tokens) * 1000) / this.perSecond);
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.#drain();
      }, waitMs);
      (this.#timer as { unref?: () => void }).unref?.();
    }
  }
}
