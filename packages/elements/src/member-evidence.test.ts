import { describe, expect, it } from 'vitest';
import {
  clusterHealth,
  defaultConfig,
  presets,
  type ClusterHealth,
  type PeerSnapshot,
  type PeerState,
} from '@pulsemesh/core';
import {
  dashboardHealth,
  isFirstHand,
  listedPeers,
  tierThresholds,
  type EvidenceView,
} from './member-evidence.js';
import { RecordedMesh } from './testing/recorded-mesh.js';

/** A snapshot with what `member-evidence.ts` reads (gossip-only unless `evidence` says otherwise). */
function peer(id: string, state: PeerState, evidence: Partial<PeerSnapshot> = {}): PeerSnapshot {
  const mesh = new RecordedMesh({ localId: 'me' });
  mesh.join(id, { state, direct: false, ...evidence });
  return mesh.peers()[0]!;
}

const linked = { direct: true };
/** The mesh's own verdict, recognisable: the module must hand it back untouched when nothing is left out. */
const own: ClusterHealth = clusterHealth(
  { healthy: 7, suspected: 0, failed: 0, recovering: 0, left: 0 },
  tierThresholds,
);

function view(peers: PeerSnapshot[], admitted: string[] = []): EvidenceView {
  return { peers: () => peers, health: () => own, admitted: (id) => admitted.includes(id) };
}

describe('member evidence', () => {
  it('the written-out tier thresholds are every preset’s', () => {
    const pick = ({ healthyPercentMin, degradedPercentMin, criticalPercentMin }: typeof tierThresholds) => ({
      healthyPercentMin,
      degradedPercentMin,
      criticalPercentMin,
    });
    for (const [name, config] of Object.entries(presets)) expect(pick(config), name).toEqual(tierThresholds);
    expect(pick(defaultConfig('browser'))).toEqual(tierThresholds);
  });

  it.each([
    ['linked', peer('a', 'healthy', linked), true],
    ['heard directly, link since closed', peer('a', 'failed', { lastHeardMs: 5 }), true],
    ['admitted by the signaling room', peer('adm', 'healthy'), true],
    ['gossip only', peer('a', 'healthy'), false],
    [
      'gossip only, signaling lost (told by gossip, not first-hand)',
      peer('a', 'failed', { signalingLost: true }),
      false,
    ],
  ] as const)('first-hand: %s → %s', (_, p, expected) => {
    expect(isFirstHand(view([p], ['adm']), p)).toBe(expected);
  });

  it('lists canonical ids only, in the mesh’s order', () => {
    const ids = ['honest', '\u04bbonest', 'hon\u200best', '\u202etsenoh', 'Honest', 'b-2', '<img>', 'a'];
    expect(listedPeers(view(ids.map((id) => peer(id, 'healthy', linked)))).map((p) => p.id)).toEqual([
      'honest',
      'b-2',
      'a',
    ]);
  });

  it('with every member first-hand and canonical, it is the mesh’s own health()', () => {
    const peers = [
      peer('a', 'healthy', linked),
      peer('b', 'failed', { lastHeardMs: 1 }),
      peer('c', 'healthy'),
    ];
    const shown = dashboardHealth(view(peers, ['c']));
    expect(shown).toEqual({ health: own, unverified: 0, nonCanonical: 0 });
    expect(shown.health).toBe(own);
  });

  it('240 gossip-only healthy members beside 8 failed linked peers: FAILED, minority, 240 unverified', () => {
    const peers = [
      peer('mallory', 'healthy', linked),
      ...Array.from({ length: 8 }, (_, i) => peer(`real-${i}`, i < 3 ? 'failed' : 'suspected', linked)),
      ...Array.from({ length: 240 }, (_, i) => peer(`fake-${i}`, 'healthy')),
    ];
    const { health, unverified, nonCanonical } = dashboardHealth(view(peers));
    expect({ unverified, nonCanonical }).toEqual({ unverified: 240, nonCanonical: 0 });
    expect(health.counts).toEqual({ healthy: 2, suspected: 5, failed: 3, recovering: 0, left: 0 });
    expect(health.total).toBe(10);
    expect(health.healthPercent).toBe(20);
    expect(health.tier).toBe('FAILED');
    expect(health.minorityPartition).toBe(true);
  });

  it('sparse honest mesh: 3 linked, 20 admitted gossip-only members, all healthy: HEALTHY, none unverified', () => {
    const peers = [
      ...Array.from({ length: 3 }, (_, i) => peer(`n-${i}`, 'healthy', linked)),
      ...Array.from({ length: 20 }, (_, i) => peer(`far-${i}`, 'healthy')),
    ];
    const admitted = Array.from({ length: 20 }, (_, i) => `far-${i}`);
    expect(dashboardHealth(view(peers, admitted))).toEqual({ health: own, unverified: 0, nonCanonical: 0 });
  });

  it('sparse mesh: admitted far members that failed count against the tier', () => {
    const peers = [
      ...Array.from({ length: 3 }, (_, i) => peer(`n-${i}`, 'healthy', linked)),
      ...Array.from({ length: 6 }, (_, i) => peer(`far-${i}`, i < 3 ? 'failed' : 'healthy')),
      peer('stranger', 'healthy'),
    ];
    const admitted = Array.from({ length: 6 }, (_, i) => `far-${i}`);
    const { health, unverified } = dashboardHealth(view(peers, admitted));
    expect(unverified).toBe(1);
    // You + 3 linked + 3 admitted healthy of 10: 70 % (DEGRADED); the stranger is not counted.
    expect(health.healthPercent).toBe(70);
    expect(health.tier).toBe('DEGRADED');
  });

  it('witnessed failures (signaling lost) do not make the first-hand survivors a minority', () => {
    const peers = [
      peer('a', 'healthy', linked),
      peer('b', 'failed', { ...linked, signalingLost: true }),
      peer('c', 'failed', { ...linked, signalingLost: true }),
      peer('d', 'suspected', linked),
      peer('stranger', 'healthy'),
    ];
    // You and a reach 2 of 5; with the two witnessed crashes settled, 2 of 3 (core's own rule).
    expect(dashboardHealth(view(peers)).health.minorityPartition).toBe(false);
    const unwitnessed = peers.map((p) => ({ ...p, signalingLost: false }));
    expect(dashboardHealth(view(unwitnessed)).health.minorityPartition).toBe(true);
  });

  it('non-canonical ids are neither listed nor counted, only counted apart', () => {
    const peers = [peer('honest', 'healthy', linked), peer('\u04bbonest', 'failed', linked)];
    const { health, unverified, nonCanonical } = dashboardHealth(view(peers));
    expect({ unverified, nonCanonical }).toEqual({ unverified: 0, nonCanonical: 1 });
    expect(health.counts.failed).toBe(0);
    expect(health.tier).toBe('HEALTHY');
  });

  it('a view without `admitted` counts linked and heard-from members only', () => {
    const peers = [peer('a', 'healthy', linked), peer('far', 'failed')];
    const { health, unverified } = dashboardHealth({ peers: () => peers, health: () => own });
    expect(unverified).toBe(1);
    expect(health.tier).toBe('HEALTHY');
  });
});
