import { Detector, presets, seededRandom, type PeerId, type StepResult } from '@pulsemesh/core';

/**
 * A few real core {@link Detector}s on a minimal network: a virtual clock in 5 ms steps, a fixed
 * one-way latency, full-mesh links and crash faults. For element tests that want the real
 * detector's behaviour without the simulator (`@pulsemesh/sim` has the full network model).
 */
export class TinyNetwork {
  nowMs = 0;
  readonly detectors = new Map<PeerId, Detector>();
  /** Peers whose messages are dropped both ways (a crashed tab). */
  readonly crashed = new Set<PeerId>();
  private queue: { atMs: number; from: PeerId; to: PeerId; bytes: Uint8Array }[] = [];

  private readonly latencyMs: number;

  constructor(ids: readonly PeerId[], seed: number, latencyMs = 5) {
    this.latencyMs = latencyMs;
    ids.forEach((id, i) => {
      const random = seededRandom(seed + i);
      this.detectors.set(id, new Detector({ id, config: presets.lan, random, nowMs: 0 }));
    });
    for (const a of ids) for (const b of ids) if (a !== b) this.collect(a, this.get(a).linkUp(b, 0));
  }

  get(id: PeerId): Detector {
    const detector = this.detectors.get(id);
    if (!detector) throw new Error(`no detector ${id}`);
    return detector;
  }

  /** Runs the virtual clock forward by `forMs`, delivering messages and firing due timers. */
  run(forMs: number): void {
    const endMs = this.nowMs + forMs;
    while (this.nowMs < endMs) {
      this.nowMs += 5;
      const due = this.queue.filter((m) => m.atMs <= this.nowMs);
      this.queue = this.queue.filter((m) => m.atMs > this.nowMs);
      for (const m of due) {
        if (this.crashed.has(m.from) || this.crashed.has(m.to)) continue;
        this.collect(m.to, this.get(m.to).receive(m.from, m.bytes, this.nowMs));
      }
      for (const [id, d] of this.detectors) {
        if (!this.crashed.has(id) && d.nextDeadlineMs() <= this.nowMs) {
          this.collect(id, d.tick(this.nowMs));
        }
      }
    }
  }

  private collect(from: PeerId, result: StepResult): void {
    for (const send of result.sends) {
      this.queue.push({ atMs: this.nowMs + this.latencyMs, from, to: send.to, bytes: send.bytes });
    }
  }
}
