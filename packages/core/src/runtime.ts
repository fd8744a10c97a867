/**
 * Runtime adapter (`@pulsemesh/core/runtime`): the only core file that touches real timers, the
 * monotonic clock and the system's randomness. It wires a {@link Detector} to a {@link Transport}.
 * Works in browsers, Node ≥ 20 and Deno; nothing runs at import.
 */
import type { Detector } from './detector.js';
import { seededRandom, type Random } from './random.js';
import type { Transport } from './transport.js';
import type { StepResult } from './types.js';

// Module-scoped declarations of the host globals used here (core's tsconfig has no DOM/Node types,
// and keeping these out of the global scope means pure files still cannot see them).
declare const setTimeout: (fn: () => void, ms: number) => unknown;
declare const clearTimeout: (handle: unknown) => void;
declare const performance: { now(): number };
declare const crypto: { getRandomValues<T extends Uint32Array>(array: T): T };

/** The longest delay `setTimeout` accepts (2^31 − 1 ms). */
const TIMER_DELAY_MS_MAX = 2_147_483_647;

/**
 * The `setTimeout` delay for a deadline `untilMs` away: 0 when due, else rounded up plus 1 ms, at
 * most 2^31 − 1 (decision 0068). Timers run on whole milliseconds: Node truncates the delay and counts it from a
 * whole-millisecond loop time, browsers truncate it (WebIDL `long`). A timer for 249.6 ms could fire
 * up to 2 ms before its deadline, find nothing due, and wake the thread again 1 ms later.
 *
 * @example timerDelayMs(-3) === 0; timerDelayMs(0.2) === 2; timerDelayMs(249) === 250
 */
export function timerDelayMs(untilMs: number): number {
  return untilMs > 0 ? Math.min(TIMER_DELAY_MS_MAX, Math.ceil(untilMs) + 1) : 0;
}

/** Monotonic milliseconds (`performance.now()`); construct detectors with it so both clocks agree. */
export function monotonicNowMs(): number {
  return performance.now();
}

/** A {@link Random} seeded from the platform's cryptographic generator. */
export function createRandom(): Random {
  const seed = crypto.getRandomValues(new Uint32Array(1))[0] ?? 0;
  return seededRandom(seed);
}

/**
 * Where the detector's timer comes from. The default uses the platform's `setTimeout`; a browser
 * runtime may inject one backed by a Worker, whose timers a hidden tab does not clamp to 1 Hz
 * (the same shape as `@pulsemesh/webrtc`'s `TickScheduler`, so one can be passed as is).
 */
export interface Scheduler {
  /** Calls `fn` once, about `delayMs` from now; returns a function that cancels it. */
  schedule(fn: () => void, delayMs: number): () => void;
}

/** A {@link Scheduler} over the platform's `setTimeout`/`clearTimeout` (delays by {@link timerDelayMs}). */
export function timerScheduler(): Scheduler {
  return {
    schedule(fn, delayMs) {
      const handle = setTimeout(fn, timerDelayMs(delayMs));
      return () => clearTimeout(handle);
    },
  };
}

/** Options of {@link runDetector}. */
export interface RunOptions {
  /** Clock (ms), monotonic. Default `performance.now()`. */
  nowMs?: () => number;
  /** Timer source. Default {@link timerScheduler} (`setTimeout`). */
  scheduler?: Scheduler;
  /** Called with every step's result after its sends went out (logging, UIs, tests). */
  onStep?: (result: StepResult) => void;
}

/** A running detector. */
export interface RunningDetector {
  /** Unsubscribes from the transport and cancels the timer. Does not send a leave; call `detector.leave` first. */
  stop(): void;
  /** Delivers the sends of a result obtained outside the adapter (e.g. `setLifecycle`, `leave`) and reschedules. */
  deliver(result: StepResult): void;
  /**
   * How late the timer fired, from the time it was armed plus its delay (a deadline already past
   * when armed adds nothing): the last sample and the moving average reported as load (ms).
   */
  timerLateness(): { lastMs: number; averageMs: number };
  /** True once {@link RunningDetector.stop} ran. */
  readonly stopped: boolean;
}

/**
 * Runs `detector` over `transport`: links already up are reported, inbound messages and link changes
 * are fed in, sends go out through `transport.send`, `tick` runs at `nextDeadlineMs()`, and how late
 * each timer fired is reported (`reportTimerLateness`) and used as the load vital sign.
 */
export function runDetector(
  detector: Detector,
  transport: Transport,
  options: RunOptions = {},
): RunningDetector {
  const now = options.nowMs ?? monotonicNowMs;
  const scheduler = options.scheduler ?? timerScheduler();
  let cancel: (() => void) | undefined = undefined;
  /** The deadline the pending timer was armed for. */
  let armedFor = Infinity;
  /** When the pending timer is expected to fire (time armed + delay): lateness counts from here. */
  let expectedAtMs = Infinity;
  let stopped = false;
  let loadMs = 0;
  let lastLateMs = 0;

  const deliver = (result: StepResult): void => {
    for (const s of result.sends) transport.send(s.to, s.bytes);
    options.onStep?.(result);
    schedule();
  };
  const fire = (): void => {
    cancel = undefined;
    const expected = expectedAtMs;
    armedFor = Infinity;
    expectedAtMs = Infinity;
    if (stopped) return;
    const t = now();
    const lateMs = Math.max(0, t - expected);
    lastLateMs = lateMs;
    loadMs = loadMs * 0.875 + lateMs * 0.125;
    detector.setLoad(loadMs);
    const late = detector.reportTimerLateness(lateMs, t);
    for (const s of late.sends) transport.send(s.to, s.bytes);
    if (late.events.length > 0) options.onStep?.(late);
    deliver(detector.tick(t));
  };
  function schedule(): void {
    if (stopped) return;
    const deadline = detector.nextDeadlineMs();
    if (deadline === armedFor) return;
    const t = now();
    // A pending timer already overdue means this thread was stalled and another callback (a message)
    // ran first: keep it, so its firing still measures the stall; it reschedules after its tick.
    if (cancel !== undefined && t >= expectedAtMs) return;
    cancel?.();
    cancel = undefined;
    armedFor = deadline;
    expectedAtMs = Infinity;
    if (deadline === Infinity) return;
    // A deadline already past is due now, not late: lateness counts from when the timer can fire.
    const delayMs = Math.min(TIMER_DELAY_MS_MAX, Math.max(0, deadline - t));
    expectedAtMs = t + delayMs;
    cancel = scheduler.schedule(fire, delayMs);
  }

  detector.limitMessageBytes(transport.maxMessageBytes);
  const offMessage = transport.onMessage((from, bytes) => {
    if (!stopped) deliver(detector.receive(from, bytes, now()));
  });
  const offLink = transport.onLinkChange((peer, up) => {
    if (!stopped) deliver(up ? detector.linkUp(peer, now()) : detector.linkDown(peer, now()));
  });
  for (const peer of transport.linkedPeers()) deliver(detector.linkUp(peer, now()));
  schedule();

  return {
    stop(): void {
      stopped = true;
      offMessage();
      offLink();
      cancel?.();
      cancel = undefined;
    },
    deliver,
    timerLateness: () => ({ lastMs: lastLateMs, averageMs: loadMs }),
    get stopped() {
      return stopped;
    },
  };
}
