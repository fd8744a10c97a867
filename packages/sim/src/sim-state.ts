/**
 * The simulator's state (split from `simulator.ts`): the virtual clock, the node slots (ids,
 * statuses, incarnations, up time, each node's own clock and stalls) and the links of the topology.
 * `SimLoop` runs events over it; `Simulator` adds starts, faults and link changes.
 */
import type { PeerId } from '@pulsemesh/core';
import { Network } from './network.js';
import { subRandom, subSeed } from './seeds.js';
import { NodeClocks } from './node-clocks.js';
import type { SimNode } from './sim-node.js';
import { buildTopology, type Topology } from './topology.js';
import { NodeStatus, type SimulatorOptions } from './simulator-options.js';

/** The simulator's state and its read-only views; the base of `SimLoop` and `Simulator`. */
export abstract class SimState {
  readonly n: number;
  readonly network: Network;
  readonly topology: Topology;
  readonly status: Uint8Array;
  protected readonly nodes: (SimNode | undefined)[];
  protected readonly ids: PeerId[];
  /** Every node started so far: the signaling room's roster, shared by all nodes (decision 0027). */
  protected readonly roster = new Set<PeerId>();
  protected readonly index = new Map<PeerId, number>();
  protected readonly incarnation: Int32Array;
  protected readonly clocks: NodeClocks;
  /** True time until which each node runs nothing, ms (read-only outside; see `stall`). */
  readonly stalledUntil: Float64Array;
  protected readonly upSince: Float64Array;
  protected readonly upMs: Float64Array;
  protected readonly downLinks = new Set<number>();
  protected nowMs = 0;

  constructor(protected readonly options: SimulatorOptions) {
    const n = options.n;
    this.n = n;
    this.network = new Network(
      options.network,
      subRandom(options.seed, 'network'),
      subSeed(options.seed, 'links'),
      n,
    );
    this.topology = buildTopology(
      options.topology ?? { kind: 'full' },
      n,
      subRandom(options.seed, 'topology'),
    );
    this.status = new Uint8Array(n);
    this.nodes = new Array<SimNode | undefined>(n).fill(undefined);
    this.ids = Array.from({ length: n }, (_, i) => idOf(i));
    this.ids.forEach((id, i) => this.index.set(id, i));
    this.incarnation = new Int32Array(n).fill(-1);
    this.clocks = new NodeClocks(
      n,
      subRandom(options.seed, 'clock'),
      options.clock ?? { offsetMsMax: 1000, driftPpmMax: 50 },
    );
    this.stalledUntil = this.clocks.stalledUntil;
    this.upSince = new Float64Array(n);
    this.upMs = new Float64Array(n);
  }

  /** Current virtual time, ms. */
  now(): number {
    return this.nowMs;
  }
  /** Node `i`'s own clock right now. */
  localNow(i: number): number {
    return this.clocks.localAt(i, this.nowMs);
  }
  idAt(i: number): PeerId {
    return this.ids[i] as PeerId;
  }
  indexOf(id: PeerId): number | undefined {
    return this.index.get(id);
  }
  /** The live node object at slot `i` (undefined when not up). */
  nodeAt(i: number): SimNode | undefined {
    return this.status[i] === NodeStatus.up ? this.nodes[i] : undefined;
  }
  incarnationOf(i: number): number {
    return this.incarnation[i] as number;
  }
  /** Time node `i` has been up so far, ms. */
  upTimeMs(i: number): number {
    return (
      (this.upMs[i] as number) +
      (this.status[i] === NodeStatus.up ? this.nowMs - (this.upSince[i] as number) : 0)
    );
  }

  /** Sets a node's clock drift (e.g. 0.01 = runs 1 % fast). */
  setDrift(i: number, drift: number): void {
    this.clocks.setDrift(i, drift, this.nowMs);
  }

  /** Whether `a` has a direct link to `b` (transport-level, not detector belief). */
  linked(a: number, b: number): boolean {
    const s = this.status[b];
    return (
      this.topology.adjacent(a, b) &&
      s !== NodeStatus.absent &&
      s !== NodeStatus.left &&
      (this.downLinks.size === 0 || !this.downLinks.has(pairKey(a, b)))
    );
  }

  /** @internal Writes a journal line (with the time) when journaling. */
  log(line: string): void {
    this.options.journal?.(`${this.nowMs.toFixed(3)} ${line}`);
  }

  /** Node slot of a peer id (`n${i}`, parsed: a map lookup per message costs a cache miss at scale), or -1. */
  protected slotOf(id: PeerId): number {
    const len = id.length;
    if (len < 2 || len > 9 || id.charCodeAt(0) !== 110) return this.index.get(id) ?? -1;
    let v = 0;
    for (let k = 1; k < len; k++) {
      const c = id.charCodeAt(k) - 48;
      if (c < 0 || c > 9) return this.index.get(id) ?? -1;
      v = v * 10 + c;
    }
    return v < this.n && this.ids[v] === id ? v : -1;
  }
}

/** The id of node slot `i`: `n0`, `n1`, ... */
export function idOf(i: number): PeerId {
  return `n${i}`;
}

/** The key of the unordered link {a, b} in `downLinks`. */
export function pairKey(a: number, b: number): number {
  return a < b ? a * 2097152 + b : b * 2097152 + a;
}
