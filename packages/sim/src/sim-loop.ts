/**
 * The simulator's run loop (split from `simulator.ts`): one event queue (deliveries, witnesses,
 * scheduled actions) and one timer per node, merged in time and sequence order; delivery through
 * the network model; each node's step results applied (its sends queued, its events observed and
 * journaled). `Simulator` adds starts, faults and link changes on top.
 */
import type { DetectorEvent, PeerId, StepResult, WitnessKind } from '@pulsemesh/core';
import { EventKind, EventQueue, SequenceCounter } from './event-queue.js';
import { checksum, stableJson } from './journal-format.js';
import { DropReason } from './network.js';
import { subRandom } from './seeds.js';
import { DEADLINE_EPSILON_MS } from './node-clocks.js';
import { SessionWitness, type WitnessHost } from './session-witness.js';
import { SimState } from './sim-state.js';
import { TimerHeap } from './timer-heap.js';
import type { SimStats, SimulatorOptions } from './simulator-options.js';

/** The run loop over the simulator's state; the base of `Simulator`. */
export abstract class SimLoop extends SimState implements WitnessHost {
  private readonly sequence = new SequenceCounter();
  private readonly queue = new EventQueue(4096, this.sequence);
  protected readonly timers: TimerHeap;
  private readonly actions: ((() => void) | undefined)[] = [];
  /** Indexes of `actions` free for reuse (the array stays as long as the most pending at once). */
  private readonly freeActions: number[] = [];
  private readonly dropped = new Float64Array(4);
  protected readonly sessions: SessionWitness;
  private events = 0;
  private sent = 0;
  private delivered = 0;

  constructor(options: SimulatorOptions) {
    super(options);
    this.timers = new TimerHeap(options.n, this.sequence);
    this.sessions = new SessionWitness(this, options.witness, subRandom(options.seed, 'witness'));
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

  /** Runs `action` at virtual time `atMs` (≥ now). */
  at(atMs: number, action: () => void): void {
    const k = this.freeActions.pop() ?? this.actions.length;
    this.actions[k] = action;
    this.queue.push(Math.max(atMs, this.nowMs), EventKind.action, k, 0);
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

  /** Re-arms node `i`'s timer for its detector's next deadline (on its own clock). */
  protected reschedule(i: number): void {
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

  /** Queues node `i`'s sends and reports (and journals) its events. */
  protected apply(i: number, r: StepResult): void {
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
}
