/**
 * The nodes' own clocks as the simulator models them (split from `simulator.ts`): each node's clock
 * runs at `1 + drift` of true time from an offset, a hidden tab's timers fire on a clamped period, and
 * a stalled node runs nothing until its stall ends. Converts a node's local deadline into the true
 * time its timer fires.
 */
import type { Random } from '@pulsemesh/core';

/** A timer fires at least this long after it is set (true ms), like a real runtime's. */
const TIMER_GRANULARITY_MS = 1;
/** Local times this close count as equal (float rounding between true and local time). */
export const DEADLINE_EPSILON_MS = 0.01;

/** Per-node clock offset, drift, timer clamping and stalls (structure of arrays). */
export class NodeClocks {
  /** True time until which each node runs nothing (a long task, a frozen tab), ms. */
  readonly stalledUntil: Float64Array;
  private readonly drift: Float64Array;
  private readonly offset: Float64Array;
  private readonly clampPhase: Float64Array;
  private clampPeriodMs = 1000;
  /** Local time at which each node's pending timer can fire: its deadline, or when armed if later. */
  private readonly timerDue: Float64Array;

  /** Draws each node's offset in [0, offsetMsMax) and drift in ±driftPpmMax from `random`. */
  constructor(n: number, random: Random, clock: { offsetMsMax: number; driftPpmMax: number }) {
    this.stalledUntil = new Float64Array(n);
    this.clampPhase = new Float64Array(n).fill(-1);
    this.drift = new Float64Array(n);
    this.offset = new Float64Array(n);
    this.timerDue = new Float64Array(n).fill(Infinity);
    for (let i = 0; i < n; i++) {
      this.offset[i] = Math.floor(random.next() * clock.offsetMsMax);
      this.drift[i] = (random.next() * 2 - 1) * clock.driftPpmMax * 1e-6;
    }
  }

  /** Node `i`'s clock at true time `trueMs`. */
  localAt(i: number, trueMs: number): number {
    return trueMs * (1 + (this.drift[i] as number)) + (this.offset[i] as number);
  }

  /** Sets node `i`'s drift from true time `nowMs` on, keeping its clock continuous. */
  setDrift(i: number, drift: number, nowMs: number): void {
    this.offset[i] = this.localAt(i, nowMs) - nowMs * (1 + drift);
    this.drift[i] = drift;
  }

  /** Clamps node `i`'s timers to fire at most once per `periodMs` (a hidden tab: 1000), or unclamps. */
  clamp(i: number, on: boolean, periodMs: number): void {
    this.clampPhase[i] = on ? (i * 7919) % periodMs : -1;
    this.clampPeriodMs = periodMs;
  }

  /** The true time (≥ `nowMs`) at which node `i`'s timer for its local `deadline` fires. */
  fireAt(i: number, deadline: number, nowMs: number): number {
    let at = (deadline - (this.offset[i] as number)) / (1 + (this.drift[i] as number));
    if (at < nowMs + TIMER_GRANULARITY_MS && deadline <= this.localAt(i, nowMs) + DEADLINE_EPSILON_MS) {
      at = nowMs + TIMER_GRANULARITY_MS;
    }
    const phase = this.clampPhase[i] as number;
    if (phase >= 0) {
      const p = this.clampPeriodMs;
      at = Math.ceil((at - phase) / p) * p + phase;
    }
    if (at < nowMs) at = nowMs;
    const stalled = this.stalledUntil[i] as number;
    if (at < stalled) at = stalled; // a stalled node runs nothing before the stall ends
    return at;
  }

  /**
   * Node `i` armed its timer at true time `nowMs` for its local `deadline`. As in core's runtime, a
   * deadline already past when the timer is armed is due then, not late: lateness counts from here.
   */
  arm(i: number, deadline: number, nowMs: number): void {
    this.timerDue[i] = Math.max(deadline, this.localAt(i, nowMs));
  }

  /** How late node `i`'s armed timer is at true time `nowMs` (local ms; < 0 before it is due). */
  timerLateMs(i: number, nowMs: number): number {
    return this.localAt(i, nowMs) - (this.timerDue[i] as number);
  }

  /** Whether a timer of node `i` firing at true time `atMs` finds its local `deadline` due. */
  dueAt(i: number, atMs: number, deadline: number): boolean {
    return this.localAt(i, atMs) >= deadline - DEADLINE_EPSILON_MS;
  }
}
