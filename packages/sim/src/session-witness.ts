/**
 * The signaling-session witness as the simulator models it (decision 0013; split from
 * `simulator.ts`): a crash closes the node's session after a random delay, a spurious reset of a live
 * node's session (a middlebox RST) closes it and the node's client reconnects, and the server tells
 * every other up node (1-5 ms each) how the session changed. A witness for a stalled node waits
 * until its stall ends.
 */
import type { PeerId, Random, WitnessKind } from '@pulsemesh/core';
import { NodeStatus, type WitnessModel, type WitnessStats } from './simulator-options.js';

/** What the witness needs from the simulator. */
export interface WitnessHost {
  readonly n: number;
  /** Node slot statuses (`NodeStatus`). */
  readonly status: Uint8Array;
  /** True time until which each node runs nothing, ms. */
  readonly stalledUntil: Float64Array;
  now(): number;
  idAt(i: number): PeerId;
  incarnationOf(i: number): number;
  /** Whether node `j` is up and takes witnesses. */
  takesWitness(j: number): boolean;
  /** Hands node `j` the witness now (applies what it returns). */
  handWitness(j: number, id: PeerId, kind: WitnessKind): void;
  /** Queues witness `code` for node `to` at true time `atMs` (then `SessionWitness.deliver` runs). */
  queueWitness(atMs: number, to: number, code: number): void;
  /** Runs `action` at true time `atMs`. */
  at(atMs: number, action: () => void): void;
  log(line: string): void;
}

/**
 * The kinds the simulator witnesses. A queued witness is coded as `about * 2 + kind index` (no
 * closure per member: a crash at N = 10,000 queues 10,000 of them).
 */
const KINDS = ['closed-by-peer', 'joined'] as const satisfies readonly WitnessKind[];

/** The signaling server's view of the nodes' sessions. */
export class SessionWitness {
  private readonly stats: WitnessStats = { delivered: 0, spuriousResets: 0, resetsDuringStalls: 0 };
  /**
   * Per node, the incarnation whose session is closed and not yet reconnected (NaN: open). A closed
   * session cannot be reset or closed again: the server reports its end once (until session 7 a
   * second reset before the reconnect told the room `closed-by-peer` twice and reconnected twice).
   */
  private readonly closedInc: Float64Array;

  constructor(
    private readonly host: WitnessHost,
    private readonly model: WitnessModel | undefined,
    private readonly random: Random,
  ) {
    this.closedInc = new Float64Array(host.n).fill(NaN);
  }

  /** Node `i` crashed: without a model nothing; with one its session closes after the model's delay. */
  crashed(i: number): void {
    const { host, model } = this;
    if (model === undefined) return;
    const inc = host.incarnationOf(i);
    host.at(host.now() + model.sessionCloseDelayMs(this.random), () => {
      // The session that closes is this incarnation's (a restart meanwhile has a new one), and only
      // if it was open (a reset closed it and the node died before reconnecting: nothing to tell).
      if (host.status[i] !== NodeStatus.up && host.incarnationOf(i) === inc && this.closedInc[i] !== inc)
        this.witnessAll(i, 'closed-by-peer');
    });
  }

  /** A spurious reset of live node `i`'s session (see `Simulator.resetSession`). */
  reset(i: number, reconnectMs: number): void {
    const host = this.host;
    if (host.status[i] !== NodeStatus.up || this.model === undefined) return;
    const inc = host.incarnationOf(i);
    if (this.closedInc[i] === inc) return;
    this.closedInc[i] = inc;
    this.stats.spuriousResets += 1;
    if ((host.stalledUntil[i] as number) > host.now()) this.stats.resetsDuringStalls += 1;
    this.witnessAll(i, 'closed-by-peer');
    this.reconnect(i, inc, reconnectMs);
  }

  /** Witness counters of the run so far. */
  counts(): WitnessStats {
    return { ...this.stats };
  }

  /** The node's client reconnects `reconnectMs` after it next runs (a stall that began meanwhile delays it). */
  private reconnect(i: number, inc: number, reconnectMs: number): void {
    const host = this.host;
    host.at(Math.max(host.now(), host.stalledUntil[i] as number) + reconnectMs, () => {
      if (host.status[i] !== NodeStatus.up || host.incarnationOf(i) !== inc) return;
      if ((host.stalledUntil[i] as number) > host.now()) this.reconnect(i, inc, reconnectMs);
      else {
        this.closedInc[i] = NaN;
        this.witnessAll(i, 'joined');
      }
    });
  }

  /** Tells every up node but `i` (through the signaling server, 1-5 ms each) how `i`'s session changed. */
  private witnessAll(i: number, kind: (typeof KINDS)[number]): void {
    const host = this.host;
    host.log(`witness ${i} ${kind}`);
    const code = i * 2 + KINDS.indexOf(kind);
    for (let j = 0; j < host.n; j++) {
      if (j === i || host.status[j] !== NodeStatus.up) continue;
      host.queueWitness(host.now() + 1 + 4 * this.random.next(), j, code);
    }
  }

  /** A queued witness came due at node `j`: handed over, or queued again until a stall ends. */
  deliver(j: number, code: number): void {
    const host = this.host;
    if (!host.takesWitness(j)) return;
    const stalled = host.stalledUntil[j] as number;
    if (stalled > host.now()) {
      host.queueWitness(stalled, j, code);
      return;
    }
    this.stats.delivered += 1;
    host.handWitness(j, host.idAt(code >> 1), KINDS[code & 1] as WitnessKind);
  }
}
