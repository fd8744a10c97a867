/**
 * The simulated network: for each message from node `a` to node `b`, decides whether it is lost,
 * duplicated, and when each copy arrives. Per-link model:
 *
 * one-way delay = `minDelayMs` + per-link base (fixed per unordered pair, uniform in
 * `[0, linkSpreadMs)`) + random tail (exponential or Pareto) + jitter (uniform in `[0, jitterMs)`),
 * capped at `delayMaxMs`. With `ordering: 'fifo'` a link never overtakes (like an ordered data
 * channel); with `'unordered'` copies may reorder freely.
 *
 * Faults layered on top: per-direction extra loss (asymmetric loss), clogged links (held until a
 * time, then released), and partitions (symmetric or one-way between groups) that heal.
 */
import type { Random } from '@pulsemesh/core';
import { exponential, paretoTail, uniform } from './distributions.js';
import { pairUnit } from './seeds.js';

/** The random tail added to every delay. */
export type DelayTail =
  | { kind: 'none' }
  | { kind: 'exponential'; meanMs: number }
  | { kind: 'pareto'; scaleMs: number; alpha: number };

/** Network model parameters (one set for every link; faults override per link). */
export interface NetworkConfig {
  /** Smallest possible one-way delay, ms. */
  minDelayMs: number;
  /** Per-link fixed extra delay, uniform in [0, linkSpreadMs) per unordered pair. */
  linkSpreadMs: number;
  tail: DelayTail;
  /** Extra uniform noise in [0, jitterMs) per message. */
  jitterMs: number;
  /** Cap on one-way delay, ms. */
  delayMaxMs: number;
  /** Probability a message is lost, in [0, 1). */
  loss: number;
  /** Probability a delivered message is delivered twice. */
  duplicate: number;
  ordering: 'fifo' | 'unordered';
}

/** A lossless, fixed-delay network: handy for tests. */
export const perfectNetwork: NetworkConfig = {
  minDelayMs: 1,
  linkSpreadMs: 0,
  tail: { kind: 'none' },
  jitterMs: 0,
  delayMaxMs: 1,
  loss: 0,
  duplicate: 0,
  ordering: 'fifo',
};

/** Why a message was not delivered. */
export const DropReason = {
  loss: 0,
  partition: 1,
  deadNode: 2,
  unlinked: 3,
} as const;
export type DropReason = (typeof DropReason)[keyof typeof DropReason];

const PAIR_SHIFT = 1 << 21;
/** Largest node count the pair keys support. */
export const NETWORK_NODES_MAX = PAIR_SHIFT - 1;

/** Per-link state and faults of the simulated network. */
export class Network {
  /** Delivery times of the copies planned by the last `plan` call. */
  readonly planned = new Float64Array(2);
  private readonly fifoLast = new Map<number, number>();
  private readonly extraLoss = new Map<number, number>();
  private readonly clogUntil = new Map<number, number>();
  private readonly group: Int32Array;
  private readonly blockedGroups = new Set<number>();
  private partitioned = false;

  constructor(
    readonly config: NetworkConfig,
    private readonly random: Random,
    private readonly linkSeed: number,
    n: number,
  ) {
    if (n > NETWORK_NODES_MAX) throw new RangeError(`at most ${NETWORK_NODES_MAX} nodes`);
    this.group = new Int32Array(n);
  }

  /** The fixed base delay of the unordered link {a, b}, ms. */
  linkBaseMs(a: number, b: number): number {
    if (this.config.linkSpreadMs === 0) return 0;
    const lo = a < b ? a : b;
    const hi = a < b ? b : a;
    return pairUnit(this.linkSeed, lo, hi) * this.config.linkSpreadMs;
  }

  /** One random one-way delay sample for link a→b, ms (no loss, no faults). */
  sampleDelayMs(a: number, b: number): number {
    const c = this.config;
    let d = c.minDelayMs + this.linkBaseMs(a, b);
    const t = c.tail;
    if (t.kind === 'exponential') d += exponential(this.random.next(), t.meanMs);
    else if (t.kind === 'pareto') d += paretoTail(this.random.next(), t.scaleMs, t.alpha);
    if (c.jitterMs > 0) d += uniform(this.random.next(), 0, c.jitterMs);
    return d < c.delayMaxMs ? d : c.delayMaxMs;
  }

  /** True when a partition currently blocks a→b. */
  blocked(a: number, b: number): boolean {
    return (
      this.partitioned &&
      this.blockedGroups.has((this.group[a] as number) * PAIR_SHIFT + (this.group[b] as number))
    );
  }

  /**
   * Plans a message a→b sent at `nowMs`: returns how many copies arrive (0, 1 or 2) and writes their
   * arrival times to `planned`. A return of 0 with `blocked(a, b)` false means random loss.
   */
  plan(a: number, b: number, nowMs: number): number {
    if (this.blocked(a, b)) return 0;
    const key = a * PAIR_SHIFT + b;
    let loss = this.config.loss;
    if (this.extraLoss.size > 0) loss = 1 - (1 - loss) * (1 - (this.extraLoss.get(key) ?? 0));
    if (loss > 0 && this.random.next() < loss) return 0;
    const copies = this.config.duplicate > 0 && this.random.next() < this.config.duplicate ? 2 : 1;
    const clog = this.clogUntil.size > 0 ? (this.clogUntil.get(key) ?? 0) : 0;
    for (let i = 0; i < copies; i++) {
      let at = nowMs + this.sampleDelayMs(a, b);
      if (at < clog) at = clog;
      if (this.config.ordering === 'fifo') {
        const last = this.fifoLast.get(key) ?? 0;
        if (at < last) at = last;
        this.fifoLast.set(key, at);
      }
      this.planned[i] = at;
    }
    return copies;
  }

  /** Adds loss on the one direction a→b (asymmetric loss); 0 removes it. */
  setLinkLoss(a: number, b: number, loss: number): void {
    const key = a * PAIR_SHIFT + b;
    if (loss <= 0) this.extraLoss.delete(key);
    else this.extraLoss.set(key, loss);
  }

  /** Holds every message on a→b until `untilMs` (a clogged link), then releases them. */
  clog(a: number, b: number, untilMs: number): void {
    this.clogUntil.set(a * PAIR_SHIFT + b, untilMs);
  }

  /**
   * Partitions the nodes into groups (`groupOf[i]`, small integers). Symmetric by default: no
   * traffic between different groups. With `oneWay`, only traffic from group `oneWay.from` to group
   * `oneWay.to` is blocked (an asymmetric partition).
   */
  partition(groupOf: ArrayLike<number>, oneWay?: { from: number; to: number }): void {
    this.blockedGroups.clear();
    let groups = 0;
    for (let i = 0; i < this.group.length; i++) {
      const g = groupOf[i] ?? 0;
      this.group[i] = g;
      if (g + 1 > groups) groups = g + 1;
    }
    if (oneWay) this.blockedGroups.add(oneWay.from * PAIR_SHIFT + oneWay.to);
    else
      for (let x = 0; x < groups; x++)
        for (let y = 0; y < groups; y++) if (x !== y) this.blockedGroups.add(x * PAIR_SHIFT + y);
    this.partitioned = true;
  }

  /** Heals every partition. */
  heal(): void {
    this.partitioned = false;
    this.blockedGroups.clear();
  }

  /** Whether a partition is active. */
  isPartitioned(): boolean {
    return this.partitioned;
  }
}
