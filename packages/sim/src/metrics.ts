/**
 * Quality-of-service metrics of a failure detector (Chen, Toueg and Aguilera 2002) plus cost,
 * collected from the events every node emits during a simulation.
 *
 * - Detection time T_D: crash → first live peer marks it `failed`, and crash → every live peer that
 *   knew it (trusted or suspected it at the crash, and still held it: a full member table evicts a
 *   gossip-only member without an event, see the `holds` argument) marks it `failed`.
 * - Mistakes: a live observer moves a live target to `suspected` or `failed`. Counted per kind and
 *   per node-hour; a mistake lasts until the observer trusts the target again (T_M, mean).
 *   False suspicions are counted two ways: observer transitions (every observer that came to
 *   suspect a live peer, however it heard) and first-hand accusations (an observer suspecting or
 *   failing a live peer on its own evidence, see {@link SECOND_HAND_REASONS}): SWIM broadcasts one
 *   accusation to every member, so its transitions are ~N times its accusations.
 * - Query accuracy P_A: the share of (live observer, live known target) pair-time not in a mistake.
 * - Cost: payload bytes and messages sent per node per second of up time (after warm-up).
 * - Dissemination: first `failed` → every observer `failed`, and graceful leave → every observer `left`.
 *
 * Nothing is dropped: a crash not detected before the node restarted or the run ended, a change not
 * disseminated, is a sample of +∞ (right-censored): it sorts last, so one undetected crash among
 * two reads p50 = +∞, and `censored` says how many there were and why. A tail percentile needs
 * enough samples to be one (nearest rank: p95 from 20 samples, p99 from 100); below that it is null
 * and the max is the tail to report ({@link tailOf}).
 *
 * Only what happens after `warmupMs` is counted (mesh formation is not steady state).
 */
import type { DetectorEvent, PeerState } from '@pulsemesh/core';
import { mean, quantileSorted } from './distributions.js';
import type { SimObserver } from './simulator.js';
import { View, ViewStore } from './view-store.js';

/**
 * Nearest-rank p50/p95/p99/max of a sample, ms; +∞ for censored samples (never completed). Null with
 * no samples; p95 null with fewer than 20 and p99 with fewer than 100 (it would be the max).
 */
export interface Percentiles {
  p50: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
  /** All samples, censored (+∞) included. */
  count: number;
  /** Samples that never completed (+∞). */
  censored: number;
}

/** Samples a nearest-rank quantile needs before it differs from the max: p95 20, p99 100. */
export const QUANTILE_SAMPLES_MIN = { p95: 20, p99: 100 } as const;

/** Why a crash counted as undetected (a +∞ sample). */
export interface Censored {
  /** The node restarted before detection finished. */
  restart: number;
  /** The run ended first. */
  end: number;
  /** Every observer that knew the node crashed too before any detected it. */
  observersGone: number;
}

/**
 * Reasons of a `suspected`/`failed` transition that repeat someone else's accusation (gossip, or a
 * check that confirmed another's suspicion) rather than the observer's own evidence. Every other
 * reason (`probe-failed`, swim's `probe-timeout`, a heartbeat timeout, a witness) is first-hand.
 */
export const SECOND_HAND_REASONS: ReadonlySet<string> = new Set([
  'gossip-suspect',
  'gossip-dead',
  'gossip-failed',
  'confirmed-suspicion',
]);

/** Everything a run measured. */
export interface MetricsSummary {
  nodeHours: number;
  crashes: number;
  detectionFirstMs: Percentiles;
  detectionAllMs: Percentiles;
  /** Crashes nobody marked failed before the node restarted or the run ended (+∞ in `detectionFirstMs`). */
  undetectedFirst: number;
  /** Crashes not marked failed by every observer before restart or the end (+∞ in `detectionAllMs`). */
  undetectedAll: number;
  /** Why the `undetectedAll` crashes were cut short. */
  censoredAll: Censored;
  falseFailed: number;
  /** Observer transitions of a live peer to `suspected`. */
  falseSuspected: number;
  falseFailedPerNodeHour: number;
  falseSuspectedPerNodeHour: number;
  /** First-hand accusations of a live peer (transitions to `suspected`/`failed` not in {@link SECOND_HAND_REASONS}). */
  falseAccusations: number;
  falseAccusationsPerNodeHour: number;
  mistakes: number;
  mistakeDurationMs: number | null;
  queryAccuracy: number | null;
  bytesPerNodePerSec: { mean: number; max: number };
  msgsPerNodePerSec: { mean: number; max: number };
  disseminationMs: Percentiles;
  leaves: number;
  /** Per heal: ms until no live pair was in a mistake any more (null: not within the run). */
  convergenceMs: (number | null)[];
  /** (Observer, target) pairs still in a mistake when the run ended. */
  mistakePairsAtEnd: number;
  /** Raw finite detection samples (ms, rounded), for CDF plots; the censored ones are counted in the percentiles. */
  samples: { detectionFirstMs: number[]; detectionAllMs: number[] };
}

interface Change {
  target: number;
  atMs: number;
  kind: 'crash' | 'leave';
  pending: Set<number>;
  firstMs: number | undefined;
  allMs: number | undefined;
  open: boolean;
  /** Why it closed without completing (set with `allMs` undefined). */
  cut: keyof Censored | undefined;
}

const CODE: Record<PeerState, View> = { healthy: 1, suspected: 2, failed: 3, recovering: 4, left: 5 };
const monitored = (v: View): boolean => v >= 1 && v <= 4;
const mistaken = (v: View): boolean => v === 2 || v === 3;

/** Collects metrics as a {@link SimObserver}. */
export class Metrics implements SimObserver {
  private readonly views: ViewStore;
  private readonly alive: Uint8Array;
  private readonly upSince: Float64Array;
  private readonly upMs: Float64Array;
  private readonly bytes: Float64Array;
  private readonly msgs: Float64Array;
  private readonly index = new Map<string, number>();
  private readonly mistakeStart = new Map<number, number>();
  private readonly mistakeDurations: number[] = [];
  private readonly changes: Change[] = [];
  private readonly openChanges = new Set<Change>();
  private readonly openByTarget = new Map<number, Change>();
  private readonly heals: { atMs: number; convergedMs: number | null }[] = [];
  private monitoredPairs = 0;
  private mistakePairs = 0;
  private monitoredPairMs = 0;
  private mistakePairMs = 0;
  private lastMs = 0;
  private falseFailed = 0;
  private falseSuspected = 0;
  private falseAccusations = 0;

  /**
   * `holds(o, t)`: whether observer `o`'s member table still holds `t` (default: always). A bounded
   * table (`membersMax` < N) evicts a gossip-only member with no event, so the last event can say
   * `healthy` about a member the observer no longer has: it cannot mark that one `failed` or `left`,
   * and is not waited for.
   */
  constructor(
    readonly n: number,
    readonly warmupMs: number,
    idOf: (i: number) => string,
    private readonly holds: (observer: number, target: number) => boolean = () => true,
  ) {
    this.views = new ViewStore(n);
    this.alive = new Uint8Array(n);
    this.upSince = new Float64Array(n);
    this.upMs = new Float64Array(n);
    this.bytes = new Float64Array(n);
    this.msgs = new Float64Array(n);
    for (let i = 0; i < n; i++) this.index.set(idOf(i), i);
  }

  onSend(node: number, _to: number, bytes: number, simMs: number): void {
    if (simMs < this.warmupMs) return;
    this.bytes[node] = (this.bytes[node] as number) + bytes;
    this.msgs[node] = (this.msgs[node] as number) + 1;
  }

  onEvent(o: number, e: DetectorEvent, simMs: number): void {
    if (e.type === 'status-change') {
      const t = this.index.get(e.detail.peer);
      if (t !== undefined) this.set(o, t, CODE[e.detail.to], simMs, e.detail.reason);
    } else if (e.type === 'join') {
      const t = this.index.get(e.detail.peer);
      if (t === undefined) return;
      const v = this.views.get(o, t);
      if (v === View.unknown || v === View.left || v === View.stale) this.set(o, t, View.healthy, simMs);
    } else if (e.type === 'leave') {
      const t = this.index.get(e.detail.peer);
      if (t !== undefined) this.set(o, t, View.left, simMs);
    }
  }

  onNodeChange(i: number, change: 'start' | 'crash' | 'restart' | 'leave', simMs: number): void {
    if (change === 'restart') return;
    this.advance(simMs);
    if (change === 'start') return this.started(i, simMs);
    this.upMs[i] =
      (this.upMs[i] as number) + Math.max(0, simMs - Math.max(this.warmupMs, this.upSince[i] as number));
    this.views.forEachTarget(i, (t, v) => {
      if (this.alive[t]) this.unpair(i, t, v, simMs);
    });
    this.views.forEachObserver(i, (o, v) => {
      if (this.alive[o]) this.unpair(o, i, v, simMs);
    });
    this.alive[i] = 0;
    for (const c of this.openChanges) {
      if (c.pending.delete(i)) this.checkDone(c, simMs);
    }
    if (simMs < this.warmupMs) return;
    const pending = new Set<number>();
    this.views.forEachObserver(i, (o, v) => {
      if (
        this.alive[o] &&
        (change === 'crash' ? v === 1 || v === 2 || v === 4 : monitored(v)) &&
        this.holds(o, i)
      )
        pending.add(o);
    });
    if (pending.size === 0) return; // nobody knew it: nothing to detect or disseminate
    const c: Change = {
      target: i,
      atMs: simMs,
      kind: change,
      pending,
      firstMs: undefined,
      allMs: undefined,
      open: true,
      cut: undefined,
    };
    this.changes.push(c);
    this.openChanges.add(c);
    this.openByTarget.set(i, c);
  }

  /** Marks a partition heal; convergence is measured from here. */
  markHeal(simMs: number): void {
    this.advance(simMs);
    this.heals.push({ atMs: simMs, convergedMs: this.mistakePairs === 0 ? 0 : null });
  }

  /** Closes the run at `endMs` and summarizes. */
  finish(endMs: number): MetricsSummary {
    this.advance(endMs);
    let upTotalMs = 0;
    const bytesRate: number[] = [];
    const msgsRate: number[] = [];
    for (let i = 0; i < this.n; i++) {
      let up = this.upMs[i] as number;
      if (this.alive[i]) up += Math.max(0, endMs - Math.max(this.warmupMs, this.upSince[i] as number));
      upTotalMs += up;
      if (up >= 1000) {
        bytesRate.push(((this.bytes[i] as number) * 1000) / up);
        msgsRate.push(((this.msgs[i] as number) * 1000) / up);
      }
    }
    const nodeHours = upTotalMs / 3_600_000;
    for (const c of this.openChanges) c.cut = 'end';
    const crashes = this.changes.filter((c) => c.kind === 'crash');
    const since = (c: Change, t: number | undefined, from = c.atMs): number =>
      t === undefined ? Infinity : t - from;
    const first = crashes.map((c) => since(c, c.firstMs));
    const all = crashes.map((c) => since(c, c.allMs));
    // A change disseminates from its first `failed` (crash) or from the goodbye (leave).
    const dissemination = [
      ...crashes.flatMap((c) => (c.firstMs === undefined ? [] : [since(c, c.allMs, c.firstMs)])),
      ...this.changes.filter((c) => c.kind === 'leave').map((c) => since(c, c.allMs)),
    ];
    const censoredAll: Censored = { restart: 0, end: 0, observersGone: 0 };
    for (const c of crashes) if (c.allMs === undefined && c.cut !== undefined) censoredAll[c.cut]++;
    const finite = (xs: number[]): number[] => xs.filter(Number.isFinite).map(Math.round);
    const perHour = (x: number): number => (nodeHours > 0 ? x / nodeHours : 0);
    return {
      nodeHours,
      crashes: crashes.length,
      detectionFirstMs: percentiles(first),
      detectionAllMs: percentiles(all),
      undetectedFirst: first.filter((x) => x === Infinity).length,
      undetectedAll: all.filter((x) => x === Infinity).length,
      censoredAll,
      falseFailed: this.falseFailed,
      falseSuspected: this.falseSuspected,
      falseFailedPerNodeHour: perHour(this.falseFailed),
      falseSuspectedPerNodeHour: perHour(this.falseSuspected),
      falseAccusations: this.falseAccusations,
      falseAccusationsPerNodeHour: perHour(this.falseAccusations),
      mistakes: this.mistakeDurations.length + this.mistakeStart.size,
      mistakeDurationMs: this.mistakeDurations.length ? mean(this.mistakeDurations) : null,
      queryAccuracy: this.monitoredPairMs > 0 ? 1 - this.mistakePairMs / this.monitoredPairMs : null,
      bytesPerNodePerSec: { mean: mean(bytesRate) || 0, max: Math.max(0, ...bytesRate) },
      msgsPerNodePerSec: { mean: mean(msgsRate) || 0, max: Math.max(0, ...msgsRate) },
      disseminationMs: percentiles(dissemination),
      leaves: this.changes.length - crashes.length,
      convergenceMs: this.heals.map((h) => h.convergedMs),
      mistakePairsAtEnd: this.mistakePairs,
      samples: { detectionFirstMs: finite(first), detectionAllMs: finite(all) },
    };
  }

  private started(i: number, simMs: number): void {
    const open = this.openByTarget.get(i);
    if (open) {
      open.cut = 'restart';
      this.close(open);
    }
    this.alive[i] = 1;
    this.upSince[i] = simMs;
    this.views.clearRow(i);
    this.views.forEachObserver(i, (o, v) => {
      if (mistaken(v)) this.views.set(o, i, View.stale);
      else if (this.alive[o] && monitored(v)) this.monitoredPairs++;
    });
  }

  private unpair(o: number, t: number, v: View, simMs: number): void {
    if (!monitored(v)) return;
    this.monitoredPairs--;
    if (mistaken(v)) {
      this.mistakePairs--;
      this.endMistake(o, t, simMs);
    }
  }

  private set(o: number, t: number, next: View, simMs: number, reason = ''): void {
    const prev = this.views.get(o, t);
    if (prev === next) return;
    this.advance(simMs);
    this.views.set(o, t, next);
    if (this.alive[o] && this.alive[t]) {
      const wasMon = monitored(prev);
      const wasMistake = mistaken(prev);
      this.monitoredPairs += (monitored(next) ? 1 : 0) - (wasMon ? 1 : 0);
      this.mistakePairs += (mistaken(next) ? 1 : 0) - (wasMistake ? 1 : 0);
      if (simMs >= this.warmupMs && prev !== View.stale) {
        if (next === View.suspected) this.falseSuspected++;
        if (next === View.failed) this.falseFailed++;
        if (!wasMistake && mistaken(next) && !SECOND_HAND_REASONS.has(reason)) this.falseAccusations++;
      }
      if (!wasMistake && mistaken(next)) this.mistakeStart.set(o * this.n + t, simMs);
      if (wasMistake && !mistaken(next)) this.endMistake(o, t, simMs);
      if (this.mistakePairs === 0) this.converged(simMs);
      return;
    }
    const c = this.openByTarget.get(t);
    if (!c || !c.open) return;
    if (c.kind === 'crash' && next === View.failed) {
      if (c.firstMs === undefined) c.firstMs = simMs;
      if (c.pending.delete(o)) this.checkDone(c, simMs);
    } else if (c.kind === 'leave' && next === View.left) {
      if (c.pending.delete(o)) this.checkDone(c, simMs);
    }
  }

  private endMistake(o: number, t: number, simMs: number): void {
    const key = o * this.n + t;
    const start = this.mistakeStart.get(key);
    if (start === undefined) return;
    this.mistakeStart.delete(key);
    if (simMs >= this.warmupMs) this.mistakeDurations.push(simMs - start);
  }

  private converged(simMs: number): void {
    for (const h of this.heals) if (h.convergedMs === null) h.convergedMs = simMs - h.atMs;
  }

  private checkDone(c: Change, simMs: number): void {
    if (c.open && c.pending.size === 0) {
      // Drained only by observers crashing, with no detection at all: censored, not a detection.
      if (c.kind === 'leave' || c.firstMs !== undefined) c.allMs = simMs;
      else c.cut = 'observersGone';
      this.close(c);
    }
  }

  private close(c: Change): void {
    c.open = false;
    this.openChanges.delete(c);
    if (this.openByTarget.get(c.target) === c) this.openByTarget.delete(c.target);
  }

  private advance(simMs: number): void {
    const from = Math.max(this.lastMs, this.warmupMs);
    if (simMs > from) {
      this.monitoredPairMs += this.monitoredPairs * (simMs - from);
      this.mistakePairMs += this.mistakePairs * (simMs - from);
    }
    if (simMs > this.lastMs) this.lastMs = simMs;
  }
}

/** Nearest-rank percentiles of a sample; `Infinity` entries are censored samples and sort last. */
export function percentiles(values: number[]): Percentiles {
  const s = Float64Array.from(values).sort();
  const q = (x: number, min = 1): number | null => (s.length >= min ? quantileSorted(s, x) : null);
  let censored = 0;
  for (const v of s) if (v === Infinity) censored++;
  return {
    p50: q(0.5),
    p95: q(0.95, QUANTILE_SAMPLES_MIN.p95),
    p99: q(0.99, QUANTILE_SAMPLES_MIN.p99),
    max: q(1),
    count: s.length,
    censored,
  };
}

/**
 * The p99 when there are enough samples for one, else the max, with a label saying which and over
 * how many samples ("p99 of 120", "max of 6"); the value is null with no samples.
 */
export function tailOf(p: Percentiles): { value: number | null; label: string } {
  return p.p99 !== null && p.count >= QUANTILE_SAMPLES_MIN.p99
    ? { value: p.p99, label: `p99 of ${p.count}` }
    : { value: p.max, label: `max of ${p.count}` };
}
