/**
 * The discrete-event simulator: a virtual clock, one event queue, a network model and N sans-IO
 * nodes. Nothing here reads a real clock or real randomness; the same options and seed replay the
 * same run, message for message (the journal proves it).
 */
import type { DetectorEvent, Lifecycle, PeerId, StepResult, WitnessKind } from '@pulsemesh/core';
import { EventKind, EventQueue, SequenceCounter } from './event-queue.js';
import { checksum, stableJson } from './journal-format.js';
import { DropReason, Network } from './network.js';
import { subRandom, subSeed } from './seeds.js';
import { DEADLINE_EPSILON_MS, NodeClocks } from './node-clocks.js';
import { SessionWitness, type WitnessHost } from './session-witness.js';
import type { SimNode } from './sim-node.js';
import { TimerHeap } from './timer-heap.js';
import { buildTopology, type Topology } from './topology.js';

import { NodeStatus, type SimStats, type SimulatorOptions, type WitnessStats } from './simulator-options.js';

export {
  NodeStatus,
  type SimObserver,
  type SimStats,
  type SimulatorOptions,
  type WitnessModel,
  type WitnessStats,
} from './simulator-options.js';

/** The discrete-event simulator. */
export class Simulator implements WitnessHost {
  readonly n: number;
  readonly network: Network;
  readonly topology: Topology;
  readonly status: Uint8Array;
  private readonly sequence = new SequenceCounter();
  private readonly queue = new EventQueue(4096, this.sequence);
  private readonly timers: TimerHeap;
  private readonly nodes: (SimNode | undefined)[];
  private readonly ids: PeerId[];
  /** Every node started so far: the signaling room's roster, shared by all nodes (decision 0027). */
  private readonly roster = new Set<PeerId>();
  private readonly index = new Map<PeerId, number>();
  private readonly incarnation: Int32Array;
  private readonly clocks: NodeClocks;
  /** True time until which each node runs nothing, ms (read-only outside; see `stall`). */
  readonly stalledUntil: Float64Array;
  private readonly upSince: Float64Array;
  private readonly upMs: Float64Array;
  private readonly downLinks = new Set<number>();
  private readonly actions: ((() => void) | undefined)[] = [];
  /** Indexes of `actions` free for reuse (the array stays as long as the most pending at once). */
  private readonly freeActions: number[] = [];
  private readonly dropped = new Float64Array(4);
  private nowMs = 0;
  private readonly sessions: SessionWitness;
  private events = 0;
  private sent = 0;
  private delivered = 0;

  constructor(private readonly options: SimulatorOptions) {
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
    this.timers = new TimerHeap(n, this.sequence);
    this.clocks = new NodeClocks(
      n,
      subRandom(options.seed, 'clock'),
      options.clock ?? { offsetMsMax: 1000, driftPpmMax: 50 },
    );
    this.stalledUntil = this.clocks.stalledUntil;
    this.upSince = new Float64Array(n);
    this.upMs = new Float64Array(n);
    this.sessions = new SessionWitness(this, options.witness, subRandom(options.seed, 'witness'));
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
  stats(): SimStats {
    const d = this.dropped;
    return {
      events: this.events,
      sent: this.sent,
      delivered: this.delivered,
      dropped: {
        loss: d[0] as number,
        partition: d[1] as number,
        deadNode: d[2] as number,
        unlinked: d[3] as number,
      },
    };
  }

  /** Sets a node's clock drift (e.g. 0.01 = runs 1 % fast). */
  setDrift(i: number, drift: number): void {
    this.clocks.setDrift(i, drift, this.nowMs);
  }

  /** Runs `action` at virtual time `atMs` (≥ now). */
  at(atMs: number, action: () => void): void {
    const k = this.freeActions.pop() ?? this.actions.length;
    this.actions[k] = action;
    this.queue.push(Math.max(atMs, this.nowMs), EventKind.action, k, 0);
  }

  /** Starts every node now and brings up every link of the topology. */
  startAll(): void {
    for (let i = 0; i < this.n; i++) this.spawn(i);
    for (let i = 0; i < this.n; i++) {
      this.topology.forEachNeighbour(i, (j) => {
        if (j > i) this.connect(i, j);
      });
    }
    for (let i = 0; i < this.n; i++) this.reschedule(i);
  }

  /** Starts (or restarts, with a new incarnation) node `i` and links it to its up neighbours. */
  start(i: number): void {
    if (this.status[i] === NodeStatus.up) return;
    const restart = this.status[i] !== NodeStatus.absent;
    this.spawn(i);
    this.topology.forEachNeighbour(i, (j) => {
      if (this.status[j] === NodeStatus.up) this.connect(i, j);
    });
    this.reschedule(i);
    this.log(`${restart ? 'restart' : 'start'} ${i} inc=${this.incarnation[i]}`);
    if (restart) this.options.observer?.onNodeChange?.(i, 'restart', this.nowMs);
  }

  /**
   * Crash-stop: the node stops running; its links stay up until `linkDownAfterCrashMs`. With a
   * witness model its signaling session closes after a short random delay (`closed-by-peer`).
   */
  crash(i: number): void {
    if (this.status[i] !== NodeStatus.up) return;
    this.stop(i, NodeStatus.crashed);
    this.log(`crash ${i}`);
    this.options.observer?.onNodeChange?.(i, 'crash', this.nowMs);
    const after = this.options.linkDownAfterCrashMs;
    if (after !== undefined) this.at(this.nowMs + after, () => this.dropLinks(i));
    this.sessions.crashed(i);
  }

  /** A hang: the node goes silent like a crash, but its signaling session stays open (no witness). */
  hang(i: number): void {
    if (this.status[i] !== NodeStatus.up) return;
    this.stop(i, NodeStatus.crashed);
    this.log(`hang ${i}`);
    this.options.observer?.onNodeChange?.(i, 'crash', this.nowMs);
  }

  /**
   * A spurious reset of a live node's signaling session (a middlebox RST): every other node is told
   * `closed-by-peer`; the node reconnects once it runs again (after any stall) plus `reconnectMs`,
   * and every other node is told `joined`.
   */
  resetSession(i: number, reconnectMs = 200): void {
    this.sessions.reset(i, reconnectMs);
  }

  /** Witness counters of the run so far. */
  witnessCounts(): WitnessStats {
    return this.sessions.counts();
  }

  /** @internal {@link WitnessHost}: node `j` is up and takes witnesses. */
  takesWitness(j: number): boolean {
    return this.nodeAt(j)?.witness !== undefined;
  }

  /** @internal {@link WitnessHost}: queues a witness event. */
  queueWitness(atMs: number, to: number, code: number): void {
    this.queue.push(Math.max(atMs, this.nowMs), EventKind.witness, to, code);
  }

  /** @internal {@link WitnessHost}: hands node `j` a witness now. */
  handWitness(j: number, id: PeerId, kind: WitnessKind): void {
    const node = this.nodeAt(j);
    if (!node?.witness) return;
    this.apply(j, node.witness(id, kind, this.localNow(j)));
    this.reschedule(j);
  }

  /** Graceful leave: the node sends its goodbyes, stops, and its links close shortly after. */
  leave(i: number): void {
    const node = this.nodeAt(i);
    if (!node) return;
    const r = node.leave(this.localNow(i));
    this.apply(i, r);
    this.stop(i, NodeStatus.left);
    this.log(`leave ${i}`);
    this.options.observer?.onNodeChange?.(i, 'leave', this.nowMs);
    this.at(this.nowMs + (this.options.linkDownAfterLeaveMs ?? 50), () => this.dropLinks(i));
  }

  /** The node runs nothing for `durationMs` (a long task, a frozen tab); input waits. */
  stall(i: number, durationMs: number): void {
    const until = this.nowMs + durationMs;
    if (until > (this.stalledUntil[i] as number)) this.stalledUntil[i] = until;
    this.log(`stall ${i} ${durationMs.toFixed(3)}`);
  }

  /** Clamps the node's timers to fire at most once per `periodMs` (a hidden tab: 1000), or unclamps. */
  clampTimers(i: number, on: boolean, periodMs = 1000): void {
    this.clocks.clamp(i, on, periodMs);
  }

  /** Tells node `i`'s runtime its lifecycle changed. */
  setLifecycle(i: number, lifecycle: Lifecycle): void {
    const node = this.nodeAt(i);
    if (!node?.setLifecycle) return;
    const r = node.setLifecycle(lifecycle, this.localNow(i));
    if (r) this.apply(i, r);
    this.reschedule(i);
  }

  /** Re-reads node `i`'s deadline (after changing the node outside the simulator, e.g. in a test). */
  wake(i: number): void {
    this.reschedule(i);
  }

  /** Takes the direct link {a, b} down (both transports report it), or back up. */
  setLink(a: number, b: number, up: boolean): void {
    const key = pairKey(a, b);
    if (up === !this.downLinks.has(key)) return;
    if (up) {
      this.downLinks.delete(key);
      if (this.status[a] === NodeStatus.up && this.status[b] === NodeStatus.up) this.connect(a, b);
    } else {
      this.downLinks.add(key);
      this.notifyLinkDown(a, b);
      this.notifyLinkDown(b, a);
    }
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

  /** Sends bytes from node `from` to peer `to` through the network (what a node's transport does). */
  send(from: number, to: PeerId, bytes: Uint8Array): void {
    const j = this.slotOf(to);
    this.sent++;
    this.options.observer?.onSend?.(from, j, bytes.length, this.nowMs);
    if (j < 0 || !this.linked(from, j)) {
      this.drop(DropReason.unlinked, from, j);
      return;
    }
    const copies = this.network.plan(from, j, this.nowMs);
    if (copies === 0) {
      this.drop(this.network.blocked(from, j) ? DropReason.partition : DropReason.loss, from, j);
      return;
    }
    for (let c = 0; c < copies; c++)
      this.queue.push(this.network.planned[c] as number, EventKind.deliver, j, from, bytes);
  }

  /** Processes every event up to and including `untilMs`, then sets the clock to `untilMs`. */
  runUntil(untilMs: number): void {
    const q = this.queue;
    const timers = this.timers;
    for (;;) {
      const qt = q.peekTimeMs();
      const tt = timers.peekTimeMs();
      if (tt < qt || (tt === qt && tt !== Infinity && timers.peekSeq() < q.peekSeq())) {
        if (tt > untilMs) break;
        const i = timers.pop();
        if (tt > this.nowMs) this.nowMs = tt;
        this.events++;
        this.fireTimer(i);
        continue;
      }
      if (q.size === 0 || qt > untilMs) break;
      const slot = q.pop();
      const kind = q.kindOf(slot);
      const a = q.aOf(slot);
      const b = q.bOf(slot);
      const payload = q.payloadOf(slot);
      q.release(slot);
      if (qt > this.nowMs) this.nowMs = qt;
      this.events++;
      if (kind === EventKind.deliver) this.deliver(a, b, payload as Uint8Array);
      else if (kind === EventKind.witness) this.sessions.deliver(a, b);
      else {
        const action = this.actions[a];
        this.actions[a] = undefined;
        this.freeActions.push(a);
        action?.();
      }
    }
    if (untilMs > this.nowMs) this.nowMs = untilMs;
  }

  /** Runs until no event is pending or `limitMs` is reached; returns the time reached. */
  runUntilIdle(limitMs = this.nowMs + 3_600_000): number {
    for (;;) {
      const next = Math.min(this.queue.peekTimeMs(), this.timers.peekTimeMs());
      if (!(next <= limitMs)) return this.nowMs;
      this.runUntil(next);
    }
  }

  private spawn(i: number): void {
    const inc = (this.incarnation[i] as number) + 1;
    this.incarnation[i] = inc;
    const id = this.ids[i] as PeerId;
    this.roster.add(id);
    this.nodes[i] = this.options.strategy.create({
      id,
      index: i,
      incarnation: inc,
      random: subRandom(this.options.seed, `node:${i}:${inc}`),
      nowMs: this.localNow(i),
      n: this.n,
      roster: this.roster,
    });
    this.status[i] = NodeStatus.up;
    this.upSince[i] = this.nowMs;
    this.stalledUntil[i] = 0;
    this.options.observer?.onNodeChange?.(i, 'start', this.nowMs);
  }

  private stop(i: number, status: NodeStatus): void {
    this.upMs[i] = (this.upMs[i] as number) + this.nowMs - (this.upSince[i] as number);
    this.status[i] = status;
    this.nodes[i] = undefined;
    this.timers.delete(i);
  }

  private connect(a: number, b: number): void {
    this.downLinks.delete(pairKey(a, b));
    this.log(`link-up ${a} ${b}`);
    const na = this.nodes[a];
    const nb = this.nodes[b];
    if (na) this.apply(a, na.linkUp(this.ids[b] as PeerId, this.localNow(a)));
    if (nb) this.apply(b, nb.linkUp(this.ids[a] as PeerId, this.localNow(b)));
    this.reschedule(a);
    this.reschedule(b);
  }

  private dropLinks(i: number): void {
    this.topology.forEachNeighbour(i, (j) => this.notifyLinkDown(j, i));
  }

  private notifyLinkDown(at: number, peer: number): void {
    const node = this.nodeAt(at);
    if (!node) return;
    this.log(`link-down ${at} ${peer}`);
    this.apply(at, node.linkDown(this.ids[peer] as PeerId, this.localNow(at)));
    this.reschedule(at);
  }

  private deliver(to: number, from: number, bytes: Uint8Array): void {
    const node = this.nodeAt(to);
    if (!node) return this.drop(DropReason.deadNode, from, to);
    if (this.network.blocked(from, to)) return this.drop(DropReason.partition, from, to);
    const stalled = this.stalledUntil[to] as number;
    if (stalled > this.nowMs) {
      this.queue.push(stalled, EventKind.deliver, to, from, bytes);
      return;
    }
    this.delivered++;
    if (this.options.journal) this.log(`recv ${to} ${from} ${bytes.length} ${checksum(bytes)}`);
    this.apply(to, node.receive(this.ids[from] as PeerId, bytes, this.localNow(to)));
    this.reschedule(to);
  }

  private fireTimer(i: number): void {
    const node = this.nodeAt(i);
    if (!node) return;
    const stalled = this.stalledUntil[i] as number;
    if (stalled > this.nowMs) return this.schedule(i, stalled);
    const local = this.localNow(i);
    const lateMs = this.clocks.timerLateMs(i, this.nowMs);
    if (lateMs > DEADLINE_EPSILON_MS && node.reportTimerLateness) {
      const r = node.reportTimerLateness(lateMs, local);
      if (r) this.apply(i, r);
    }
    const deadline = node.nextDeadlineMs();
    if (deadline > local + DEADLINE_EPSILON_MS) return this.reschedule(i);
    this.apply(i, node.tick(local));
    this.reschedule(i);
  }

  private reschedule(i: number): void {
    const node = this.nodeAt(i);
    if (!node) return;
    const pending = this.timers.timeOf(i);
    // A pending timer already overdue (the node stalled and input ran first) stays, as in core's
    // runtime, so its firing still measures the stall; it reschedules after its tick.
    if (pending < Infinity && this.clocks.timerLateMs(i, this.nowMs) > DEADLINE_EPSILON_MS) return;
    const deadline = node.nextDeadlineMs();
    if (!(deadline < Infinity)) {
      this.timers.delete(i);
      return;
    }
    const at = this.clocks.fireAt(i, deadline, this.nowMs);
    // A pending timer that fires no later and finds the deadline due then stays (a real runtime's
    // earlier setTimeout would run first); any other pending timer moves, so no wake-up is wasted.
    if (pending <= at && this.clocks.dueAt(i, pending, deadline)) return;
    if (at !== pending) this.timers.set(i, at);
    this.clocks.arm(i, deadline, this.nowMs);
  }

  private schedule(i: number, at: number): void {
    this.timers.set(i, at);
  }

  /** Node slot of a peer id (`n${i}`, parsed: a map lookup per message costs a cache miss at scale), or -1. */
  private slotOf(id: PeerId): number {
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

  private apply(i: number, r: StepResult): void {
    const sends = r.sends;
    for (let k = 0; k < sends.length; k++) {
      const s = sends[k];
      if (s) this.send(i, s.to, s.bytes);
    }
    const events = r.events;
    if (events.length === 0) return;
    const observer = this.options.observer;
    for (let k = 0; k < events.length; k++) {
      const e = events[k] as DetectorEvent;
      observer?.onEvent?.(i, e, this.nowMs);
      if (this.options.journal) this.log(`event ${i} ${e.type} ${stableJson(e.detail)}`);
    }
  }

  private drop(reason: DropReason, from: number, to: number): void {
    this.dropped[reason] = (this.dropped[reason] as number) + 1;
    if (this.options.journal) this.log(`drop ${reason} ${from} ${to}`);
  }

  /** @internal Writes a journal line (with the time) when journaling. */
  log(line: string): void {
    this.options.journal?.(`${this.nowMs.toFixed(3)} ${line}`);
  }
}

/** The id of node slot `i`: `n0`, `n1`, ... */
export function idOf(i: number): PeerId {
  return `n${i}`;
}

function pairKey(a: number, b: number): number {
  return a < b ? a * 2097152 + b : b * 2097152 + a;
}
