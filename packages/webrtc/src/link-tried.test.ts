// `ConnectionManager.linkTried` / `Mesh.linkTried` (decision 0062): a member counts as tried once
// this peer built a link to it (dialled it) or asked it to dial, and stops counting once it answers
// `busy` (full, not failed). In a room larger than `maxConnections` the rest are never tried, and
// the dashboard reads them "not linked (far)" instead of "unreachable". Real node-datachannel
// transports on 127.0.0.1 whose signals reach nobody (no member answers). Run through
// scripts/netns.sh.
import { afterEach, describe, expect, it } from 'vitest';
import type { PeerId } from '@pulsemesh/core';
import { livePeerConnectionCount } from './link.js';
import { until } from './test-helpers.js';
import { WebRtcTransport } from './webrtc-transport.js';

let transport: WebRtcTransport | undefined;

afterEach(async () => {
  transport?.close();
  await until(() => livePeerConnectionCount() === 0, 5_000, 'every RTCPeerConnection to close');
});

/** A transport in a room of `members`, keeping `maxConnections` links; its signals go nowhere. */
function roomOf(localId: PeerId, members: PeerId[], maxConnections: number): WebRtcTransport {
  transport = new WebRtcTransport({
    localId,
    iceServers: [],
    bindAddress: '127.0.0.1',
    maxConnections,
    dialRequestGraceMs: 50,
    busyRetryMs: 60_000,
    sendSignal: () => undefined,
  });
  transport.manager.setRoster([localId, ...members]);
  return transport;
}

const members = Array.from({ length: 10 }, (_, i) => `m${i}`);

describe('linkTried: which members this peer tried to link to', () => {
  it('the initiator of a room of 10 with maxConnections 2 tried exactly the 2 it dialled', () => {
    const t = roomOf('a', members, 2); // 'a' < 'm…': it dials every member it picks
    const tried = members.filter((id) => t.manager.linkTried(id));
    expect(tried).toHaveLength(2);
    expect(t.manager.linkCount()).toBe(2);
    expect(tried.every((id) => t.manager.link(id) === undefined)).toBe(true); // connecting, not open
    expect(t.manager.linkTried('stranger')).toBe(false);
  });

  it('a member that answers busy is no longer tried: full, not failed', async () => {
    const t = roomOf('a', members, 2);
    const [first] = members.filter((id) => t.manager.linkTried(id));
    t.handleSignal(first!, { v: 1, t: 'busy' });
    expect(t.manager.linkTried(first!)).toBe(false);
  });

  it('a non-initiator tried once its dial request is sent (after the grace), not before', async () => {
    const t = roomOf('z', members, 2); // 'z' > 'm…': it waits for their offers, then asks
    expect(members.filter((id) => t.manager.linkTried(id))).toHaveLength(0);
    await until(() => members.filter((id) => t.manager.linkTried(id)).length === 2, 2_000, 'dial requests');
    expect(members.filter((id) => t.manager.linkTried(id))).toHaveLength(2);
  });
});
