/**
 * The discrete-event simulator: a virtual clock, one event queue, a network model and N sans-IO
 * nodes. Nothing here reads a real clock or real randomness; the same options and seed replay the
 * same run, message for message (the journal proves it).
 *
 * Three layers: `SimState` (the clock, node slots and links; `sim-state.ts`), `SimLoop` (the run
 * loop, delivery and step results; `sim-loop.ts`) and here what happens to nodes and links: starts,
 * crashes, hangs, leaves, stalls, hidden-tab timers, lifecycle changes, session resets, links up
 * and down.
 */
import type { Lifecycle, PeerId } from '@pulsemesh/core';
import { subRandom } from './seeds.js';
import { SimLoop } from './sim-loop.js';
import { pairKey } from './sim-state.js';
import { NodeStatus, type WitnessStats } from './simulator-options.js';

export { idOf } from './sim-state.js';
export {
  NodeStatus,
  type SimObserver,
  type SimStats,
  type SimulatorOptions,
  type WitnessModel,
  type WitnessStats,
} from './simulator-options.js';

/** The discrete-event simulator. */
export class Simulator extends SimLoop {
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
}
