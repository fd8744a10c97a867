// Session-20 review of decision 0051 (`member-evidence.ts`: the dashboard's verdict counts
// first-hand members only) from a hostile room member's side. First-hand was: linked, heard from
// directly, or admitted by the signaling room (`MeshView.admitted`); since decision 0058 admission
// alone only shows a member as joining / unreachable, not counted. Admission is the signaling
// server's word that a socket joined under that id; it is not evidence that anything answers as
// that id. A held property is an `it`; a hole is an `it.fails` naming the hole, its numbers and a fix.
// Run: pnpm exec vitest run packages/elements/src/review-s20-evidence.test.ts
import { describe, expect, it } from 'vitest';
import { clusterHealth, type PeerSnapshot, type PeerState } from '@pulsemesh/core';
import { dashboardHealth, tierThresholds, type EvidenceView } from './member-evidence.js';
import { RecordedMesh } from './testing/recorded-mesh.js';

function peer(id: string, state: PeerState, evidence: Partial<PeerSnapshot> = {}): PeerSnapshot {
  const mesh = new RecordedMesh({ localId: 'me' });
  mesh.join(id, { state, direct: false, ...evidence });
  return mesh.peers()[0]!;
}

const linked = { direct: true };
/** A view whose own `health()` counts every member, as `Detector.health()` does. */
function view(peers: PeerSnapshot[], admitted: string[] = []): EvidenceView {
  const counts = { healthy: 1, suspected: 0, failed: 0, recovering: 0, left: 0 };
  for (const p of peers) counts[p.state]++;
  const own = clusterHealth(counts, tierThresholds);
  return { peers: () => peers, health: () => own, admitted: (id) => admitted.includes(id) };
}

/** Mallory (linked) and 8 real peers that all crashed: 3 failed, 5 still suspected. */
const crashedRoom = (): PeerSnapshot[] => [
  peer('mallory', 'healthy', linked),
  ...Array.from({ length: 8 }, (_, i) => peer(`real-${i}`, i < 3 ? 'failed' : 'suspected', linked)),
];

describe('the dashboard verdict (decision 0051) against fakes the signaling room admitted', () => {
  it('holds for gossip-only fakes: 63 made-up healthy members change nothing (FAILED, 63 unverified)', () => {
    const fakes = Array.from({ length: 63 }, (_, i) => peer(`fake-${i}`, 'healthy'));
    const { health, unverified } = dashboardHealth(view([...crashedRoom(), ...fakes]));
    expect(unverified).toBe(63);
    expect(health.tier).toBe('FAILED');
    expect(health.healthPercent).toBe(20);
    expect(health.minorityPartition).toBe(true);
  });

  // Was a HOLE (admission is bought with sockets): an id the signaling room admitted counted as
  // first-hand even when no link to it ever formed and nothing was ever heard from it. Mallory
  // opens one signaling socket per fake id (64 sockets per address by default, one id per socket
  // and room; with `trustProxy` and a forged X-Forwarded-For, any number: see
  // packages/signal-server/src/review-s20-signal.test.ts) and keeps the fakes `healthy` by
  // gossip; she never answers their WebRTC offers. With 63 admitted fakes and all 8 real peers
  // crashed the dashboard shows DEGRADED, 89 % healthy (65 of 73) and no minority warning, where
  // without them it shows FAILED, 20 %, minority (the s19 result 0051 closed for unadmitted
  // fakes). Fix: in a mesh that links to every roster member (createMesh under `peersMax`), count
  // an admitted member first-hand only once a link to it formed or it was heard directly, and
  // count it unverified after the link's connect timeout otherwise (`MeshView` would need to say
  // which members the mesh tried to link and could not); the sparse mesh's far members, never
  // dialled, keep counting as admitted.
  // CLOSED by decision 0058, more simply: admission alone counts for nothing in the verdict (a
  // member not yet linked nor heard is shown as joining for one stall tolerance, then unreachable),
  // in any mesh; a sparse mesh's far members are left out of its verdict, as without signaling.
  it('63 signaling-admitted fakes, never linked nor heard, leave the verdict FAILED', () => {
    const fakeIds = Array.from({ length: 63 }, (_, i) => `fake-${i}`);
    const fakes = fakeIds.map((id) => peer(id, 'healthy'));
    const { health, joining } = dashboardHealth(view([...crashedRoom(), ...fakes], fakeIds));
    console.log(
      `63 admitted fakes: ${health.tier}, ${health.healthPercent} % healthy, minority ${health.minorityPartition}, ${joining} joining (not counted)`,
    );
    expect(health.tier).toBe('FAILED');
    expect(health.minorityPartition).toBe(true);
  });
});
