// Page peers (real Chromium WebRTC) and a Node edge peer (node-datachannel, started by
// scripts/wtr-services.js) in one mesh, through the real signaling server.
import { expect } from '@open-wc/testing';
import { testServices } from './browser-test-support.js';
import { createMesh, type Mesh } from './mesh.js';
import { fastConfig } from './test-config.js';
import { until } from './test-helpers.js';

const suffix = Math.random().toString(36).slice(2, 8);
let meshes: Mesh[] = [];

function stateOf(viewer: Mesh, peer: string): string | undefined {
  return viewer.peers().find((p) => p.id === peer)?.state;
}

afterEach(() => {
  for (const m of meshes) m.close();
  meshes = [];
});

describe('Mesh in the browser', () => {
  it('page peers and a Node edge peer connect and agree; pagehide shows as left', async () => {
    const { signalUrl, edgeRoom, edgePeerId } = await testServices();
    const a = createMesh({
      signalUrl,
      room: edgeRoom,
      peerId: `tab-a-${suffix}`,
      config: fastConfig,
      pageLifecycle: false,
    });
    const b = createMesh({ signalUrl, room: edgeRoom, peerId: `tab-b-${suffix}`, config: fastConfig });
    meshes = [a, b];
    expect(a.clockKind).to.equal('worker');
    await until(
      () =>
        stateOf(a, b.localId) === 'healthy' &&
        stateOf(a, edgePeerId) === 'healthy' &&
        stateOf(b, edgePeerId) === 'healthy',
      20_000,
      'tabs and edge peer healthy',
    );
    expect(a.signalState()).to.equal('connected');
    // A peer can be healthy (heard through the others) a moment before its direct link opens.
    await until(() => [...a.transport.linkedPeers()].length === 2, 10_000, 'direct links to both');
    expect([...a.transport.linkedPeers()].sort()).to.deep.equal([b.localId, edgePeerId].sort());

    await until(
      () => (a.transport.manager.link(edgePeerId)?.counters.heartbeatsReceived ?? 0) >= 3,
      5_000,
      'probes over the heartbeat channel',
    );
    const reports = await a.linkReports();
    const toEdge = reports.find((r) => r.peer === edgePeerId)!;
    expect(toEdge.rttMs, 'getStats currentRoundTripTime').to.be.a('number');
    expect(toEdge.rttMs!).to.be.below(100);
    expect(['127.0.0.1', '::1']).to.include(toEdge.remoteAddress);
    expect(toEdge.heartbeatsReceived).to.be.at.least(3);
    expect(toEdge.heartbeatLoss).to.equal(0);
    // Loopback: host candidates (prflx when a check beats the trickled candidate), UDP, in
    // Chromium and Firefox alike; kept on the mesh for tables.
    expect(toEdge.path).to.deep.include({ protocol: 'udp', local: 'host' });
    expect(['host', 'prflx']).to.include(toEdge.path?.kind);
    expect(a.linkPath(edgePeerId)?.kind).to.equal(toEdge.path?.kind);

    // pagehide (b follows the page lifecycle; a does not): b says goodbye on every channel.
    const started = performance.now();
    window.dispatchEvent(new PageTransitionEvent('pagehide', { persisted: false }));
    expect(b.status).to.equal('closed');
    await until(() => stateOf(a, b.localId) === 'left', 2_000, 'a marks b left');
    expect(performance.now() - started).to.be.below(1_000);
  });

  it('links two page transports over real RTCPeerConnections with an in-page signal bus', async () => {
    const { SignalBus, linkedCount } = await import('./test-helpers.js');
    const bus = new SignalBus();
    const x = bus.add(`x-${suffix}`);
    const y = bus.add(`y-${suffix}`);
    bus.announce();
    try {
      await until(() => linkedCount(x) === 1 && linkedCount(y) === 1, 10_000, 'link');
      const got: number[] = [];
      y.onMessage((_from, bytes) => got.push(bytes.length));
      x.send(y.localId, new Uint8Array(10));
      x.send(y.localId, new Uint8Array(40_000));
      await until(() => got.length === 2, 5_000, 'messages');
      expect(got.sort((p, q) => p - q)).to.deep.equal([10, 40_000]);
    } finally {
      bus.closeAll();
    }
  });
});
