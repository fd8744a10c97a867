/**
 * What the simulator drives: any sans-IO failure detector. The real `@pulsemesh/core` `Detector`
 * (through `detector-node.ts`) and the comparison baselines (`baselines/`) implement it.
 */
import type { Lifecycle, PeerId, Random, StepResult, WitnessKind } from '@pulsemesh/core';

/** A sans-IO node: every call returns what to send and what happened. Times are the node's clock. */
export interface SimNode {
  /** A direct link to `peer` came up. */
  linkUp(peer: PeerId, nowMs: number): StepResult;
  /** The direct link to `peer` went down (a transport signal, not a failure verdict). */
  linkDown(peer: PeerId, nowMs: number): StepResult;
  /** Runs whatever is due at `nowMs`. */
  tick(nowMs: number): StepResult;
  /** Handles a message from `from`. */
  receive(from: PeerId, bytes: Uint8Array, nowMs: number): StepResult;
  /** Graceful leave: the goodbye messages to send. The node is stopped afterwards. */
  leave(nowMs: number): StepResult;
  /** When `tick` next has work (node clock, ms); `Infinity` when nothing is scheduled. */
  nextDeadlineMs(): number;
  /** The runtime saw its timer fire `lateMs` late (throttled tab, long task). Optional. */
  reportTimerLateness?(lateMs: number, nowMs: number): StepResult | void;
  /** The signaling server reported how `peer`'s session changed (decision 0013). Optional. */
  witness?(peer: PeerId, kind: WitnessKind, nowMs: number): StepResult;
  /** The runtime's lifecycle changed (e.g. the tab was hidden). Optional. */
  setLifecycle?(lifecycle: Lifecycle, nowMs: number): StepResult | void;
  /**
   * Whether the node's member table holds `peer` now. A bounded table evicts a gossip-only member
   * without an event (`membersMax`), so the events alone cannot say. Optional: a node without it
   * is taken to hold every peer it reported.
   */
  holds?(peer: PeerId): boolean;
}

/** Everything a node factory gets. */
export interface SimNodeInit {
  id: PeerId;
  index: number;
  /** Incarnation to start with: 0 at first start, +1 on every restart. */
  incarnation: number;
  /** The node's own seeded random stream. */
  random: Random;
  /** The node's clock at creation. */
  nowMs: number;
  /** Number of node slots in the simulation (an upper bound on the group size). */
  n: number;
  /**
   * The signaling room's roster: every node started so far (decision 0027). One set shared by all
   * nodes (as every runtime peer is told each join), not a copy each: N² entries at N = 10,000.
   */
  roster: ReadonlySet<PeerId>;
}

/** A detector strategy under test: a name and a node factory. */
export interface Strategy {
  /** `pulsemesh`, `swim`, `seed`, ... */
  name: string;
  /** Preset or variant (`default`, `lan`, `lan-defaults`). */
  preset: string;
  /** The strategy takes signaling-session witnesses (`SimNode.witness`). */
  witness?: boolean;
  create(init: SimNodeInit): SimNode;
}

/** A step with nothing in it. Shared and frozen: never push into it. */
export const EMPTY_STEP: StepResult = Object.freeze({
  sends: Object.freeze([]) as unknown as StepResult['sends'],
  events: Object.freeze([]) as unknown as StepResult['events'],
});
