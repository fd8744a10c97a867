import type { Detector, StepResult, Transport } from '@pulsemesh/core';
import type { TickScheduler } from './tick-scheduler.js';

/** Options of {@link MeshLoop}. */
export interface MeshLoopOptions {
  scheduler: TickScheduler;
  /** Monotonic clock (ms). Default `performance.now()`. */
  nowMs?: () => number;
  /** Called with every step's result after its sends went out. */
  onStep?: (result: StepResult) => void;
}

/**
 * Drives a detector over a transport, like core's `runDetector`, but with an injected tick
 * scheduler (a Worker in browsers, see `tick-scheduler.ts`) and the hooks fault injection needs:
 * `stop` (a crash: nothing more runs) and `freeze` (a long task: the thread is blocked).
 * It measures how late each timer fired and reports it (`reportTimerLateness`, `setLoad`).
 */
export class MeshLoop {
  /** Last measured timer lateness (ms) and its moving average (the load vital sign). */
  lastLateMs = 0;
  loadMs = 0;
  #detector: Detector;
  #transport: Transport;
  #options: MeshLoopOptions;
  #now: () => number;
  #cancel: (() => void) | undefined;
  #armedFor = Infinity;
  #stopped = false;
  #unsubscribe: (() => void)[] = [];

  constructor(detector: Detector, transport: Transport, options: MeshLoopOptions) {
    this.#detector = detector;
    this.#transport = transport;
    this.#options = options;
    this.#now = options.nowMs ?? (() => performance.now());
    detector.limitMessageBytes(transport.maxMessageBytes);
    this.#unsubscribe.push(
      transport.onMessage((from, bytes) => {
        if (!this.#stopped) this.deliver(detector.receive(from, bytes, this.#now()));
      }),
      transport.onLinkChange((peer, up) => {
        if (this.#stopped) return;
        const now = this.#now();
        this.deliver(up ? detector.linkUp(peer, now) : detector.linkDown(peer, now));
      }),
    );
    for (const peer of transport.linkedPeers()) this.deliver(detector.linkUp(peer, this.#now()));
    this.#schedule();
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  /** Sends a result's messages, reports it, and re-arms the timer. */
  deliver(result: StepResult): void {
    for (const s of result.sends) this.#transport.send(s.to, s.bytes);
    this.#options.onStep?.(result);
    this.#schedule();
  }

  /** Stops for good: unsubscribes and cancels the timer (sends nothing). */
  stop(): void {
    this.#stopped = true;
    for (const off of this.#unsubscribe) off();
    this.#unsubscribe = [];
    this.#cancel?.();
    this.#cancel = undefined;
  }

  /** Blocks the calling thread for `ms`, like a long task or a GC pause. */
  static freeze(ms: number): void {
    const end = performance.now() + ms;
    while (performance.now() < end) {
      // busy-wait on purpose: nothing else on this thread may run
    }
  }

  #fire(): void {
    this.#cancel = undefined;
    const expected = this.#armedFor;
    this.#armedFor = Infinity;
    if (this.#stopped) return;
    const now = this.#now();
    const lateMs = Math.max(0, now - expected);
    this.lastLateMs = lateMs;
    this.loadMs = this.loadMs * 0.875 + lateMs * 0.125;
    this.#detector.setLoad(this.loadMs);
    const late = this.#detector.reportTimerLateness(lateMs, now);
    for (const s of late.sends) this.#transport.send(s.to, s.bytes);
    if (late.events.length > 0) this.#options.onStep?.(late);
    this.deliver(this.#detector.tick(now));
  }

  #schedule(): void {
    if (this.#stopped) return;
    const deadline = this.#detector.nextDeadlineMs();
    if (deadline === this.#armedFor) return;
    this.#cancel?.();
    this.#cancel = undefined;
    this.#armedFor = deadline;
    if (deadline === Infinity) return;
    const delay = Math.min(2_147_483_647, Math.max(0, deadline - this.#now()));
    this.#cancel = this.#options.scheduler.schedule(() => this.#fire(), delay);
  }
}
