import { describe, expect, it } from 'vitest';
import type { ClusterHealth, PeerSnapshot } from '@pulsemesh/core';
import type { LinkReport } from '@pulsemesh/webrtc';
import { renderView } from './terminal-view.js';

const health = {
  tier: 'healthy',
  healthPercent: 100,
  counts: { healthy: 2, suspected: 0, failed: 0, recovering: 0, left: 0 },
  minorityPartition: false,
} as unknown as ClusterHealth;

const peer = (id: string): PeerSnapshot =>
  ({
    id,
    state: 'healthy',
    sinceMs: 0,
    direct: true,
    phi: 0,
    link: { rttMs: 12, loss: 0 },
  }) as unknown as PeerSnapshot;

/** The terminal view of edge-1 with `peers`, the fields that do not matter here fixed. */
const render = (
  over: Pick<Parameters<typeof renderView>[0], 'peers' | 'links'> & Partial<Parameters<typeof renderView>[0]>,
) =>
  renderView({
    id: 'edge-1',
    room: 'r',
    signal: 'connected',
    health,
    localHealthScore: 0,
    protocolPeriodMs: 1000,
    timerLateMs: 0,
    nowMs: 5000,
    ...over,
  });

describe('terminal view', () => {
  it('shows each direct link’s network path, and a dash where none is known yet', () => {
    const relayed = {
      peer: 'tab-a',
      path: { kind: 'relay', protocol: 'udp', local: 'relay', remote: 'srflx', relayProtocol: undefined },
    } as unknown as LinkReport;
    const lines = render({ peers: [peer('tab-a'), peer('tab-b')], links: new Map([['tab-a', relayed]]) });
    expect(lines[4]).toMatch(/LINK\s+PATH\s+LIFECYCLE/);
    expect(lines[5]).toMatch(/^tab-a .*direct\s+relay\/udp/);
    expect(lines[6]).toMatch(/^tab-b .*direct\s+-/);
  });

  it('shows a failed peer whose signaling session is still open as unreachable, a crashed one as failed', () => {
    const failed = (id: string): PeerSnapshot => ({ ...peer(id), state: 'failed' }) as PeerSnapshot;
    const lines = render({
      peers: [failed('cut-off'), failed('crashed')],
      links: new Map(),
      signalPresent: (id) => id === 'cut-off',
    });
    expect(lines[5]).toMatch(/^crashed\s+✖ failed/);
    expect(lines[6]).toMatch(/^cut-off\s+⊘ unreachable/);
  });
});
