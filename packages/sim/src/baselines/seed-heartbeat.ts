/**
 * Baseline `seed`: the seed tutorial's `HeartbeatManager`, as written there (comparison only; not
 * product code). Every interval (default 5 s) it sends a JSON heartbeat to every peer; every
 * interval a monitor pass counts a miss for each peer not heard from for 2 intervals; the first miss
 * marks it `suspected`, the third `failed`; any heartbeat makes it `healthy` again. No leave message
 * (the tutorial's `stop_heartbeat` just stops), no indirect checks, no dissemination.
 */
import type { DetectorEvent, Outgoing, PeerId, PeerState, StepResult } from '@pulsemesh/core';
import type { SimNode, SimNodeInit, Strategy } from '../sim-node.js';
import { decodeJson, encodeJson } from './ascii.js';

/** The tutorial's defaults: `heartbeat_interval=5`, `failure_threshold=3`. */
export const seedDefaults = { heartbeatIntervalMs: 5000, failureThreshold: 3 } as const;

interface SeedPeer {
  lastReceivedMs: number;
  missed: number;
  status: PeerState;
  sequence: number;
}

/** The seed tutorial's heartbeat detector as a sans-IO node. */
export class SeedHeartbeatNode implements SimNode {
  private readonly peers = new Map<PeerId, SeedPeer>();
  private nextSendMs: number;
  private nextMonitorMs: number;
  private running = true;
  private readonly startMs: number;

  constructor(
    private readonly id: PeerId,
    nowMs: number,
    private readonly intervalMs: number = seedDefaults.heartbeatIntervalMs,
    private readonly threshold: number = seedDefaults.failureThreshold,
  ) {
    this.startMs = nowMs;
    this.nextSendMs = nowMs;
    this.nextMonitorMs = nowMs;
  }

  linkUp(peer: PeerId, nowMs: number): StepResult {
    if (this.peers.has(peer)) return { sends: [], events: [] };
    this.peers.set(peer, { lastReceivedMs: nowMs, missed: 0, status: 'healthy', sequence: 0 });
    return { sends: [], events: [{ type: 'join', detail: { peer, atMs: nowMs } }] };
  }

  linkDown(): StepResult {
    return { sends: [], events: [] };
  }

  tick(nowMs: number): StepResult {
    const sends: Outgoing[] = [];
    const events: DetectorEvent[] = [];
    if (!this.running) return { sends, events };
    if (nowMs >= this.nextSendMs) {
      for (const [peer, p] of this.peers) {
        const message = {
          from: this.id,
          to: peer,
          timestamp: nowMs / 1000,
          sequence: p.sequence++,
          status: 'alive',
          load: 0,
          uptime: (nowMs - this.startMs) / 1000,
        };
        sends.push({ to: peer, bytes: encodeJson(message) });
      }
      this.nextSendMs = nowMs + this.intervalMs;
    }
    if (nowMs >= this.nextMonitorMs) {
      this.monitor(nowMs, events);
      this.nextMonitorMs = nowMs + this.intervalMs;
    }
    return { sends, events };
  }

  private monitor(nowMs: number, events: DetectorEvent[]): void {
    const timeoutThreshold = nowMs - this.intervalMs * 2;
    for (const [peer, p] of this.peers) {
      if (p.lastReceivedMs < timeoutThreshold) {
        p.missed += 1;
        if (p.missed >= this.threshold) {
          if (p.status !== 'failed') this.change(peer, p, 'failed', 'missed-heartbeats', nowMs, events);
        } else if (p.missed === 1) {
          this.change(peer, p, 'suspected', 'missed-heartbeats', nowMs, events);
        }
      } else {
        if (p.missed > 0) this.recover(peer, p, nowMs, events);
        p.missed = 0;
      }
    }
  }

  receive(from: PeerId, bytes: Uint8Array, nowMs: number): StepResult {
    const events: DetectorEvent[] = [];
    const message = decodeJson(bytes);
    if (message instanceof Error || typeof message !== 'object' || message === null) {
      events.push({
        type: 'decode-error',
        detail: { peer: from, error: 'bad heartbeat json', atMs: nowMs, count: 1 },
      });
      return { sends: [], events };
    }
    const p = this.peers.get(from);
    if (!p || !this.running) return { sends: [], events };
    p.lastReceivedMs = nowMs;
    p.missed = 0;
    if (p.status !== 'healthy') this.recover(from, p, nowMs, events);
    return { sends: [], events };
  }

  leave(): StepResult {
    this.running = false;
    return { sends: [], events: [] };
  }

  nextDeadlineMs(): number {
    return this.running ? Math.min(this.nextSendMs, this.nextMonitorMs) : Infinity;
  }

  private recover(peer: PeerId, p: SeedPeer, nowMs: number, events: DetectorEvent[]): void {
    const old = p.status;
    p.status = 'healthy';
    if (old === 'suspected' || old === 'failed') this.emit(peer, old, 'healthy', 'heartbeat', nowMs, events);
  }

  private change(
    peer: PeerId,
    p: SeedPeer,
    to: PeerState,
    reason: string,
    nowMs: number,
    events: DetectorEvent[],
  ): void {
    const from = p.status;
    p.status = to;
    if (from !== to) this.emit(peer, from, to, reason, nowMs, events);
  }

  private emit(
    peer: PeerId,
    from: PeerState,
    to: PeerState,
    reason: string,
    atMs: number,
    events: DetectorEvent[],
  ): void {
    events.push({ type: 'status-change', detail: { peer, from, to, reason, atMs } });
  }
}

/** The `seed` strategy. */
export function seedStrategy(intervalMs: number = seedDefaults.heartbeatIntervalMs): Strategy {
  return {
    name: 'seed',
    preset: intervalMs === seedDefaults.heartbeatIntervalMs ? 'default' : `${intervalMs}ms`,
    create: (init: SimNodeInit) => new SeedHeartbeatNode(init.id, init.nowMs, intervalMs),
  };
}
