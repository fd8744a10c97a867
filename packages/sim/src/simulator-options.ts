/**
 * The simulator's public option and observation types (split from `simulator.ts`).
 */
import type { DetectorEvent, Random } from '@pulsemesh/core';
import type { DropReason, NetworkConfig } from './network.js';
import type { Strategy } from './sim-node.js';
import type { TopologySpec } from './topology.js';

/** A node slot's status. */
export const NodeStatus = { absent: 0, up: 1, crashed: 2, left: 3 } as const;
export type NodeStatus = (typeof NodeStatus)[keyof typeof NodeStatus];

/** Hooks for metrics; all optional. `simMs` is the simulator's true time. */
export interface SimObserver {
  onEvent?(node: number, event: DetectorEvent, simMs: number): void;
  onSend?(node: number, to: number, bytes: number, simMs: number): void;
  onNodeChange?(node: number, change: 'start' | 'crash' | 'restart' | 'leave', simMs: number): void;
}

/** Simulator options. */
export interface SimulatorOptions {
  /** Node slots; node `i` has id `idOf(i)`. */
  n: number;
  /** Root seed: network, clock, topology and per-node streams derive from it. */
  seed: number;
  network: NetworkConfig;
  strategy: Strategy;
  /** Default `full`. */
  topology?: TopologySpec;
  /** Clock skew: offset in [0, offsetMsMax) and drift in ±driftPpmMax per node. Default 1000 ms, 50 ppm. */
  clock?: { offsetMsMax: number; driftPpmMax: number };
  /** After a crash, when neighbours' transports report the link down (ms); default never. */
  linkDownAfterCrashMs?: number;
  /** After a graceful leave, when neighbours' transports report the link down (ms); default 50. */
  linkDownAfterLeaveMs?: number;
  observer?: SimObserver;
  /** The signaling-session witness (decision 0013); none when undefined. */
  witness?: WitnessModel;
  /** Receives one line per simulator event; the same seed yields the same lines. */
  journal?: (line: string) => void;
}

/** How the signaling server witnesses sessions: a crash closes the node's session after a delay. */
export interface WitnessModel {
  /** A short human description (stored with each run). */
  description: string;
  /** Draws the delay (ms) between a crash and the server seeing its socket close. */
  sessionCloseDelayMs(random: Random): number;
}

/** Witness counters of a run. */
export interface WitnessStats {
  /** Witnesses handed to nodes (`closed-by-peer` and `joined`). */
  delivered: number;
  /** Spurious session resets of live nodes. */
  spuriousResets: number;
  /** Of those, resets while the node was stalled. */
  resetsDuringStalls: number;
}

/** Counters of a run. */
export interface SimStats {
  events: number;
  sent: number;
  delivered: number;
  dropped: Record<keyof typeof DropReason, number>;
}
