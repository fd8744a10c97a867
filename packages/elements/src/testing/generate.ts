import {
  randomInt,
  seededRandom,
  shuffle,
  type Lifecycle,
  type PeerState,
  type Random,
} from '@pulsemesh/core';
import { RecordedMesh } from './recorded-mesh.js';

/** Options of {@link generateMesh}. */
export interface GenerateMeshOptions {
  /** Remote peers (the local peer comes on top). */
  peerCount: number;
  seed: number;
  /** Simulated history before the snapshot (ms), so analytics have data. Default 6 h. */
  historyMs?: number;
  /** Churn steps spread over the history. Default `peerCount`. */
  historySteps?: number;
}

const lifecycles: readonly Lifecycle[] = ['visible', 'visible', 'hidden', 'frozen', 'server'];

/** A readable peer id: `tab-0007-k3f` for browser tabs, `edge-0003` for servers. */
function peerName(i: number, lifecycle: Lifecycle, random: Random): string {
  const n = String(i).padStart(4, '0');
  return lifecycle === 'server' ? `edge-${n}` : `tab-${n}-${randomInt(random, 46_656).toString(36)}`;
}

/**
 * A {@link RecordedMesh} with `peerCount` peers, a seeded churn history (failures, recoveries,
 * interval changes) and then a mixed final state, as a real mesh under faults looks. Deterministic
 * for a given seed.
 */
export function generateMesh(options: GenerateMeshOptions): { mesh: RecordedMesh; churn: MeshChurn } {
  const random = seededRandom(options.seed);
  const mesh = new RecordedMesh({ localId: 'tab-local', signalState: 'connected' });
  for (let i = 1; i <= options.peerCount; i++) {
    const lifecycle = lifecycles[randomInt(random, lifecycles.length)] ?? 'visible';
    const id = peerName(i, lifecycle, random);
    const baseRttMs = lifecycle === 'server' ? 2 + random.next() * 8 : 15 + random.next() * 80;
    mesh.join(id, {
      incarnation: randomInt(random, 3),
      direct: random.next() < 0.85,
      vitals: {
        loadMs: random.next() * 12,
        uptimeMs: 60_000 + random.next() * 36_000_000,
        lifecycle,
        metadata: new Uint8Array(),
      },
    });
    const samples = Array.from({ length: 20 }, () => baseRttMs * (0.8 + random.next() * 0.5));
    mesh.setLink(id, {
      rttMs: baseRttMs,
      rttVarMs: baseRttMs * 0.1,
      loss: random.next() < 0.8 ? 0 : random.next() * 0.08,
      rttSamplesMs: samples,
    });
  }
  const churn = new MeshChurn(mesh, random);
  const historyMs = options.historyMs ?? 6 * 3_600_000;
  const steps = options.historySteps ?? options.peerCount * 4;
  for (let i = 0; i < steps; i++) {
    mesh.advance(historyMs / steps);
    churn.step(1);
  }
  churn.mix();
  return { mesh, churn };
}

/** Seeded state changes on a {@link RecordedMesh}, following the detector's state machine. */
export class MeshChurn {
  readonly mesh: RecordedMesh;
  private readonly random: Random;

  constructor(mesh: RecordedMesh, random: Random) {
    this.mesh = mesh;
    this.random = random;
  }

  /** Moves `changes` random peers one step along healthy → suspected → failed → recovering → healthy, and jitters a few links. */
  step(changes: number): void {
    const peers = this.mesh.peers();
    if (peers.length === 0) return;
    for (let i = 0; i < changes; i++) {
      const peer = peers[randomInt(this.random, peers.length)];
      if (!peer) continue;
      const next = this.nextState(peer.state);
      if (next) this.mesh.setState(peer.id, next, reasons[next]);
    }
    for (let i = 0; i < Math.min(peers.length, 20); i++) {
      const peer = peers[randomInt(this.random, peers.length)];
      if (!peer || peer.state === 'left') continue;
      const base = peer.link.rttMs ?? 20;
      const rttMs = Math.max(0.5, base * (0.85 + this.random.next() * 0.3));
      const phi = peer.state === 'healthy' ? this.random.next() * 1.5 : 3 + this.random.next() * 6;
      this.mesh.setLink(peer.id, { rttMs, rttVarMs: Math.abs(rttMs - base) }, phi);
    }
  }

  /**
   * Puts the mesh into a mixed state over the next few minutes of its clock: mostly healthy,
   * some suspected, failed, recovering and left.
   */
  mix(): void {
    const peers = shuffle(
      this.random,
      this.mesh.peers().filter((p) => p.state !== 'left'),
    );
    const shares: [PeerState, number][] = [
      ['suspected', 0.08],
      ['failed', 0.07],
      ['recovering', 0.04],
      ['left', 0.04],
    ];
    const mixed = shares.reduce((sum, [, share]) => sum + Math.round(peers.length * share), 0);
    // Everyone else settles back to healthy first, spread over the previous hour.
    for (const peer of peers.slice(mixed)) {
      if (peer.state === 'healthy') continue;
      this.mesh.advance(this.random.next() * (3_600_000 / peers.length));
      this.mesh.setState(peer.id, 'healthy', reasons.healthy);
      this.mesh.setLink(peer.id, {}, this.random.next());
    }
    let index = 0;
    for (const [state, share] of shares) {
      const n = Math.round(peers.length * share);
      for (let i = 0; i < n && index < peers.length; i++, index++) {
        const peer = peers[index];
        if (!peer) continue;
        this.mesh.advance(1_000 + this.random.next() * (240_000 / Math.max(1, n)));
        if (state === 'left') this.mesh.leave(peer.id);
        else if (state === 'recovering' && peer.state !== 'failed') {
          this.mesh.setState(peer.id, 'failed', reasons.failed);
          this.mesh.advance(5_000);
          this.mesh.setState(peer.id, 'recovering', reasons.recovering);
        } else this.mesh.setState(peer.id, state, reasons[state]);
        this.mesh.setLink(peer.id, {}, 2 + (index % 7));
      }
    }
  }

  private nextState(state: PeerState): PeerState | undefined {
    const r = this.random.next();
    switch (state) {
      case 'healthy':
        return r < 0.5 ? 'suspected' : undefined;
      case 'suspected':
        return r < 0.6 ? 'healthy' : 'failed';
      case 'failed':
        return 'recovering';
      case 'recovering':
        return r < 0.8 ? 'healthy' : 'failed';
      case 'left':
        return undefined;
    }
  }
}

const reasons: Record<PeerState, string> = {
  healthy: 'ack received',
  suspected: 'no ack (direct + indirect)',
  failed: 'suspicion timeout',
  recovering: 'heard from again',
  left: 'graceful leave',
};
