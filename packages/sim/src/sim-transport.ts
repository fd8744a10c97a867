/**
 * Core's {@link Transport} over the simulated network, so code written against the transport
 * contract (and the contract test suite) runs on the virtual clock. Best effort and unordered
 * exactly as the network model is configured; messages are copied at `send`, like a data channel.
 */
import type { PeerId, StepResult, Transport } from '@pulsemesh/core';
import type { NetworkConfig } from './network.js';
import { EMPTY_STEP, type SimNode } from './sim-node.js';
import { Simulator } from './simulator.js';

/** Largest message the simulated transport carries: 16 KiB, the safe cross-browser data-channel size. */
export const SIM_MESSAGE_BYTES_MAX = 16 * 1024;

/** Thrown when a message exceeds `maxMessageBytes` (a programmer error). */
export class MessageTooLargeError extends Error {
  override readonly name = 'MessageTooLargeError';
}

/** One node's transport endpoint; also the {@link SimNode} the simulator drives for it. */
export class SimTransport implements Transport, SimNode {
  readonly maxMessageBytes = SIM_MESSAGE_BYTES_MAX;
  /** Sends dropped because the peer was not linked. */
  unlinkedDrops = 0;
  private readonly messageHandlers = new Set<(from: PeerId, bytes: Uint8Array) => void>();
  private readonly linkHandlers = new Set<(peer: PeerId, up: boolean) => void>();
  private readonly links = new Set<PeerId>();

  constructor(
    private readonly sim: () => Simulator,
    private readonly index: number,
    readonly localId: PeerId,
  ) {}

  send(to: PeerId, bytes: Uint8Array): void {
    if (bytes.length > this.maxMessageBytes) {
      throw new MessageTooLargeError(`${bytes.length} bytes > maxMessageBytes ${this.maxMessageBytes}`);
    }
    if (!this.links.has(to)) {
      this.unlinkedDrops++;
      return;
    }
    this.sim().send(this.index, to, bytes.slice());
  }
  linkedPeers(): Iterable<PeerId> {
    return [...this.links];
  }
  onMessage(handler: (from: PeerId, bytes: Uint8Array) => void): () => void {
    this.messageHandlers.add(handler);
    return () => this.messageHandlers.delete(handler);
  }
  onLinkChange(handler: (peer: PeerId, up: boolean) => void): () => void {
    this.linkHandlers.add(handler);
    return () => this.linkHandlers.delete(handler);
  }

  linkUp(peer: PeerId): StepResult {
    this.links.add(peer);
    for (const h of [...this.linkHandlers]) h(peer, true);
    return EMPTY_STEP;
  }
  linkDown(peer: PeerId): StepResult {
    if (!this.links.delete(peer)) return EMPTY_STEP;
    for (const h of [...this.linkHandlers]) h(peer, false);
    return EMPTY_STEP;
  }
  receive(from: PeerId, bytes: Uint8Array): StepResult {
    for (const h of [...this.messageHandlers]) h(from, bytes);
    return EMPTY_STEP;
  }
  tick(): StepResult {
    return EMPTY_STEP;
  }
  leave(): StepResult {
    return EMPTY_STEP;
  }
  nextDeadlineMs(): number {
    return Infinity;
  }
}

/** A simulated network of transports. */
export interface SimTransportNetwork {
  sim: Simulator;
  transports: SimTransport[];
}

/** Builds `n` linked transports (full mesh) over a simulator with the given network model. */
export function createSimTransports(n: number, network: NetworkConfig, seed = 1): SimTransportNetwork {
  const transports: SimTransport[] = [];
  const sim: Simulator = new Simulator({
    n,
    seed,
    network,
    strategy: {
      name: 'transport',
      preset: 'sim',
      create: (init) => {
        const t = new SimTransport(() => sim, init.index, init.id);
        transports[init.index] = t;
        return t;
      },
    },
  });
  sim.startAll();
  return { sim, transports };
}
