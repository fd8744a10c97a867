/**
 * Loss estimate from sequence-number gaps on the unreliable heartbeat channel. A late (reordered)
 * arrival fills a gap it had opened. Counts decay by half once `windowMessages` messages were seen,
 * so the ratio follows the recent past.
 */
export class SequenceLoss {
  #expected = -1;
  #received = 0;
  #lost = 0;

  readonly windowMessages: number;

  /** @param windowMessages how many messages the estimate roughly spans (default 200). */
  constructor(windowMessages = 200) {
    this.windowMessages = windowMessages;
  }

  /** Records the arrival of sequence number `seq` (u32, wraps). */
  record(seq: number): void {
    if (this.#expected < 0) {
      this.#expected = (seq + 1) >>> 0;
    } else {
      const ahead = (seq - this.#expected) >>> 0;
      if (ahead < 0x8000_0000) {
        this.#lost += Math.min(ahead, 10_000);
        this.#expected = (seq + 1) >>> 0;
      } else if (this.#lost > 0) {
        this.#lost -= 1;
      }
    }
    this.#received += 1;
    if (this.#received + this.#lost > this.windowMessages) {
      this.#received /= 2;
      this.#lost /= 2;
    }
  }

  /** Estimated loss ratio in [0, 1]; 0 before any message. */
  ratio(): number {
    const total = this.#received + this.#lost;
    return total === 0 ? 0 : this.#lost / total;
  }
}
