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
  memberEvidence,
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

function view(peers: PeerSnapshot[], admitted: string[] = [], clock?: { nowMs: number }): EvidenceView {
  const timed = clock && { nowMs: () => clock.nowMs, stallToleranceMs: () => toleranceMs };
  return { peers: () => peers, health: () => own, admitted: (id) => admitted.includes(id), ...timed };
}

/** The stall tolerance of the timed views (the browser default's, decision 0051). */
const toleranceMs = 1_700;

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
    ['admitted by the signaling room, never linked nor heard', peer('adm', 'healthy'), false],
    ['gossip only', peer('a', 'healthy'), false],
    [
      'gossip only, signaling lost (told by gossip, not first-hand)',
      peer('a', 'failed', { signalingLost: true }),
      false,
    ],
  ] as const)('first-hand: %s → %s', (_, p, expected) => {
    expect(isFirstHand(p)).toBe(expected);
  });

  it.each([
    ['linked', peer('adm', 'healthy', linked), 0, 'heard'],
    ['heard, link since closed', peer('adm', 'failed', { lastHeardMs: 5 }), 60_000, 'heard'],
    ['admitted, appeared just now', peer('adm', 'healthy'), 0, 'joining'],
    ['admitted, one stall tolerance later', peer('adm', 'healthy'), toleranceMs, 'joining'],
    ['admitted, 1 ms past the stall tolerance', peer('adm', 'healthy'), toleranceMs + 1, 'unreachable'],
    ['gossip only', peer('stranger', 'healthy'), toleranceMs + 1, 'gossip'],
  ] as const)('evidence: %s → %s', (_, p, nowMs, expected) => {
    expect(memberEvidence(view([p], ['adm'], { nowMs }), p)).toBe(expected);
  });

  it('without a clock or a stall tolerance, an admitted member never heard stays joining', () => {
    const p = peer('adm', 'healthy');
    expect(memberEvidence(view([p], ['adm']), p)).toBe('joining');
    const noTolerance = { ...view([p], ['adm']), nowMs: () => 1e9 };
    expect(memberEvidence(noTolerance, p)).toBe('joining');
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
      peer('c', 'healthy', { lastHeardMs: 2 }),
    ];
    const shown = dashboardHealth(view(peers, ['c']));
    expect(shown).toEqual({
      health: own,
      unverified: 0,
      joining: 0,
      unreachable: 0,
      far: 0,
      nonCanonical: 0,
    });
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

  it('sparse honest mesh: 3 linked, 20 admitted far members never heard: HEALTHY over the 4 heard', () => {
    const peers = [
      ...Array.from({ length: 3 }, (_, i) => peer(`n-${i}`, 'healthy', linked)),
      ...Array.from({ length: 20 }, (_, i) => peer(`far-${i}`, 'healthy')),
    ];
    const admitted = Array.from({ length: 20 }, (_, i) => `far-${i}`);
    const clock = { nowMs: 0 };
    const { health, joining, unreachable, unverified } = dashboardHealth(view(peers, admitted, clock));
    expect({ joining, unreachable, unverified }).toEqual({ joining: 20, unreachable: 0, unverified: 0 });
    expect({ tier: health.tier, total: health.total }).toEqual({ tier: 'HEALTHY', total: 4 });
    clock.nowMs = toleranceMs + 1;
    const later = dashboardHealth(view(peers, admitted, clock));
    expect({ joining: later.joining, unreachable: later.unreachable }).toEqual({
      joining: 0,
      unreachable: 20,
    });
    expect(later.health.tier).toBe('HEALTHY');
  });

  it('admitted far members that failed, never heard, do not count; heard ones that failed do', () => {
    const peers = [
      ...Array.from({ length: 3 }, (_, i) => peer(`n-${i}`, 'healthy', linked)),
      ...Array.from({ length: 6 }, (_, i) => peer(`far-${i}`, i < 3 ? 'failed' : 'healthy')),
      peer('gone', 'failed', { lastHeardMs: 3 }),
      peer('stranger', 'healthy'),
    ];
    const admitted = Array.from({ length: 6 }, (_, i) => `far-${i}`);
    const { health, unverified, joining } = dashboardHealth(view(peers, admitted));
    expect({ unverified, joining }).toEqual({ unverified: 1, joining: 6 });
    // You + 3 linked of 5 (with `gone`, heard before it failed): 80 % (DEGRADED).
    expect(health.counts).toEqual({ healthy: 4, suspected: 0, failed: 1, recovering: 0, left: 0 });
    expect(health.tier).toBe('DEGRADED');
  });

  it('a real newcomer: joining (not counted) until linked, then counted; never unreachable in between', () => {
    const peers = [peer('a', 'healthy', linked), peer('b', 'healthy', linked)];
    const clock = { nowMs: 10_000 };
    const newcomer = { ...peer('new', 'healthy'), sinceMs: 10_000 };
    const before = dashboardHealth(view([...peers, newcomer], ['new'], clock));
    expect({ joining: before.joining, total: before.health.total }).toEqual({ joining: 1, total: 3 });
    clock.nowMs = 10_600; // its data channel opens 600 ms after it appeared
    const after = dashboardHealth(view([...peers, { ...newcomer, direct: true }], ['new'], clock));
    expect({ joining: after.joining, unreachable: after.unreachable }).toEqual({
      joining: 0,
      unreachable: 0,
    });
    expect(after.health).toBe(own); // nothing left out: the mesh's own verdict, the newcomer in it
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
