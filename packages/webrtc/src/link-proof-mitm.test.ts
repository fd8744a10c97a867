// A signaling server in the middle of a link (issue 12): it relays the link signals between two
// keyed peers A and B through its own two connection managers, one posing as B to A and one as A
// to B, and bridges their data, so that without link proofs A and B would each hold a "link" to
// the other that really ends at the server. The two honest peers' outbound signals to each other
// are handed to the relay instead of the real server (that is exactly what a server relaying
// signals controls); everything else is real: real `ws` signaling for the rest of the room, real
// WebRTC (node-datachannel) and DTLS. Run through netns.sh.
import { afterEach, describe, expect, it } from 'vitest';
import type { PeerId } from '@pulsemesh/core';
import { ConnectionManager } from './connection-manager.js';
import { generateIdentity } from './identity.js';
import { livePeerConnectionCount } from './link.js';
import type { LinkSignal } from './link-signal.js';
import type { Mesh } from './mesh.js';
import { stateOf, TestRoom } from './mesh-test-support.js';
import { until } from './test-helpers.js';

let room: TestRoom | undefined;
let relays: ConnectionManager[] = [];

afterEach(async () => {
  for (const r of relays) r.close();
  relays = [];
  await room?.close();
  room = undefined;
  await until(() => livePeerConnectionCount() === 0, 5_000, 'every RTCPeerConnection closed');
});

interface Watch {
  /** Link-up events, as `viewer→peer`. */
  linksUp: string[];
  /** Status changes other than to `healthy`, as `viewer:peer:to`. */
  verdicts: string[];
  /** Transport errors, as `viewer:error`. */
  errors: string[];
}

function watch(meshes: Mesh[], w: Watch): void {
  for (const m of meshes) {
    m.addEventListener('link', (e) => {
      const { peer, up } = (e as CustomEvent<{ peer: PeerId; up: boolean }>).detail;
      if (up) w.linksUp.push(`${m.localId}→${peer}`);
    });
    m.detector.addEventListener('status-change', (e) => {
      const { peer, to } = (e as CustomEvent<{ peer: PeerId; to: string }>).detail;
      if (to !== 'healthy') w.verdicts.push(`${m.localId}:${peer}:${to}`);
    });
    m.transport.onError((_peer, error) => w.errors.push(`${m.localId}:${error}`));
  }
}

/**
 * Puts a relay between `a` and `b`: their signals to each other go to it, and it answers with its
 * own connections. `replay`: the relay copies each victim's own link proof (the last one it saw)
 * onto its own offers and answers, as a server that cannot sign would try.
 */
function relayBetween(a: Mesh, b: Mesh, replay: boolean): { toA: ConnectionManager; toB: ConnectionManager } {
  const seen = new Map<PeerId, unknown>();
  const forged = (victimOf: PeerId, payload: LinkSignal): LinkSignal => {
    const proof = seen.get(victimOf);
    return replay && payload.t === 'sdp' && proof !== undefined
      ? ({ ...payload, p: proof } as LinkSignal)
      : payload;
  };
  const bridge = (other: () => ConnectionManager, peer: PeerId) => ({
    heartbeat: (_from: PeerId, bytes: Uint8Array) => void other().link(peer)?.sendHeartbeat(bytes),
    reliable: (_from: PeerId, bytes: Uint8Array) => void other().link(peer)?.sendReliable(bytes),
  });
  // Poses as B towards A (signals go to A as if from B), and as A towards B.
  const toA: ConnectionManager = new ConnectionManager({
    localId: b.localId,
    bindAddress: '127.0.0.1',
    sendSignal: (_to, payload) => a.transport.handleSignal(b.localId, forged(b.localId, payload)),
    handlers: bridge(() => toB, b.localId),
  });
  const toB: ConnectionManager = new ConnectionManager({
    localId: a.localId,
    bindAddress: '127.0.0.1',
    sendSignal: (_to, payload) => b.transport.handleSignal(a.localId, forged(a.localId, payload)),
    handlers: bridge(() => toA, a.localId),
  });
  const divert = (from: Mesh, to: Mesh, relay: ConnectionManager): void => {
    const real = from.signalClient.signal.bind(from.signalClient);
    from.signalClient.signal = (peer: PeerId, payload: unknown): boolean => {
      if (peer !== to.localId) return real(peer, payload);
      const p = (payload as { p?: unknown }).p;
      if (p !== undefined) seen.set(from.localId, p);
      relay.handleSignal(from.localId, payload);
      return true;
    };
  };
  divert(a, b, toA);
  divert(b, a, toB);
  toA.setRoster([a.localId]);
  toB.setRoster([b.localId]);
  relays.push(toA, toB);
  return { toA, toB };
}

const keyed = (r: TestRoom): Mesh => r.join('unused', { identity: generateIdentity() });

describe('link proofs against a signaling server in the middle', () => {
  for (const replay of [false, true]) {
    it(`a relayed link between A and B never counts${replay ? ' (victims’ proofs replayed)' : ''}; C is unaffected`, async () => {
      room = await TestRoom.start(replay ? 'mitm-replay' : 'mitm');
      const [a, b, c] = [keyed(room), keyed(room), keyed(room)] as [Mesh, Mesh, Mesh];
      const w: Watch = { linksUp: [], verdicts: [], errors: [] };
      watch([a, b, c], w);
      relayBetween(a, b, replay); // before any signal: the meshes connect to the server asynchronously
      const refused = (m: Mesh): number => m.transport.manager.counters.linkProofsRefused;
      // Without link proofs, the relayed "link" opens here (the relay really ends both DTLS
      // sessions and bridges the data): the assertions below then fail.
      const relayedLinkUp = (): boolean => w.linksUp.some((l) => l === `${a.localId}→${b.localId}`);
      await until(
        () =>
          [a, b].every((m) => stateOf(m, c.localId) === 'healthy') &&
          [a, b].every((m) => stateOf(c, m.localId) === 'healthy') &&
          (refused(a) + refused(b) >= 3 || relayedLinkUp()),
        20_000,
        'C linked to A and B, and the relay refused at least three times',
      );
      if (replay && !relayedLinkUp())
        await until(
          () => w.errors.some((e) => e.endsWith('link-proof: bad-signature')),
          20_000,
          'a replayed proof refused',
        );
      // Never a link between A and B, in either direction, at any time.
      expect(w.linksUp).not.toContain(`${a.localId}→${b.localId}`);
      expect(w.linksUp).not.toContain(`${b.localId}→${a.localId}`);
      expect([...a.transport.linkedPeers()]).not.toContain(b.localId);
      expect([...b.transport.linkedPeers()]).not.toContain(a.localId);
      // Refusals are typed; and only A and B, the relay's victims, refused anything.
      const proofErrors = w.errors.filter((e) => e.includes('link-proof'));
      expect(proofErrors.length).toBeGreaterThanOrEqual(3);
      for (const e of proofErrors) expect(e).toMatch(/:link-proof: (missing|bad-signature)$/);
      expect(proofErrors.every((e) => e.startsWith(a.localId) || e.startsWith(b.localId))).toBe(true);
      expect(refused(c)).toBe(0);
      // C's links to A and B are the real ones, and nobody was declared failed or left.
      expect(w.linksUp).toContain(`${a.localId}→${c.localId}`);
      expect(w.linksUp).toContain(`${b.localId}→${c.localId}`);
      expect(w.verdicts.filter((v) => /:(failed|left)$/.test(v))).toEqual([]);
    });
  }
});
