/**
 * A trivial node for measuring the simulator itself: once a second it sends a 20-byte ping to one
 * random linked peer, and it answers every ping with an ack. No detector work, so a run's wall time
 * is the simulator's own (event queue, network model, metrics). Not a failure detector.
 */
import type { PeerId, Random, StepResult } from '@pulsemesh/core';
import { EMPTY_STEP, type SimNode, type Strategy } from './sim-node.js';

const PING_PERIOD_MS = 1000;
const MESSAGE_BYTES = 20;
const PING = new Uint8Array(MESSAGE_BYTES).fill(1, 0, 1);
const ACK = new Uint8Array(MESSAGE_BYTES).fill(2, 0, 1);

/** Pings one random peer a second, answers pings. */
export class PingNode implements SimNode {
  private readonly peers: PeerId[] = [];
  private nextMs: number;

  constructor(
    private readonly random: Random,
    nowMs: number,
  ) {
    this.nextMs = nowMs + random.next() * PING_PERIOD_MS;
  }

  linkUp(peer: PeerId): StepResult {
    if (!this.peers.includes(peer)) this.peers.push(peer);
    return EMPTY_STEP;
  }
  linkDown(peer: PeerId): StepResult {
    const i = this.peers.indexOf(peer);
    if (i >= 0) this.peers.splice(i, 1);
    return EMPTY_STEP;
  }
  tick(nowMs: number): StepResult {
    this.nextMs = nowMs + PING_PERIOD_MS;
    const to = this.peers[Math.floor(this.random.next() * this.peers.length)];
    return to === undefined ? EMPTY_STEP : { sends: [{ to, bytes: PING }], events: [] };
  }
  receive(from: PeerId, bytes: Uint8Array): StepResult {
    return bytes[0] === 1 ? { sends: [{ to: from, bytes: ACK }], events: [] } : EMPTY_STEP;
  }
  leave(): StepResult {
    return EMPTY_STEP;
  }
  nextDeadlineMs(): number {
    return this.nextMs;
  }
}

/** The simulator-only strategy (`sim-only:ping`). */
export function pingStrategy(): Strategy {
  return { name: 'sim-only', preset: 'ping', create: (init) => new PingNode(init.random, init.nowMs) };
}
