// Link proofs in the browser engines (decision 0012, trust model): keyed page peers sign their DTLS
// fingerprints with the runtime's Ed25519 (noble in pages) over the engine's own SDP, and a link
// whose offer or answer had its fingerprint swapped in transit never counts.
import { expect } from '@open-wc/testing';
import { testServices } from './browser-test-support.js';
import { generateIdentity } from './identity.js';
import type { LinkSignal } from './link-signal.js';
import { createMesh, type Mesh } from './mesh.js';
import { fastConfig } from './test-config.js';
import { until } from './test-helpers.js';

let meshes: Mesh[] = [];

afterEach(() => {
  for (const m of meshes) m.close();
  meshes = [];
});

/** Swaps the first byte of every fingerprint in an sdp signal (what a relay in the middle does). */
function swapFingerprints(payload: LinkSignal): LinkSignal {
  if (payload.t !== 'sdp') return payload;
  const d = payload.d.map((s) =>
    s.sdp
      ? {
          ...s,
          sdp: s.sdp.replace(
            /(a=fingerprint:\S+ )([0-9A-F]{2})/gi,
            (_m, p: string, h: string) => `${p}${h === '00' ? '01' : '00'}`,
          ),
        }
      : s,
  );
  return { ...payload, d };
}

describe('link proofs in the browser', () => {
  it('keyed peers link with proofs; a swapped fingerprint is refused and never counts', async () => {
    const { signalUrl } = await testServices();
    const room = `link-proof-${Math.random().toString(36).slice(2, 8)}`;
    const join = (): Mesh => {
      const m = createMesh({
        signalUrl,
        room,
        identity: generateIdentity(),
        config: fastConfig,
        pageLifecycle: false,
      });
      meshes.push(m);
      return m;
    };
    const [a, b, c] = [join(), join(), join()] as [Mesh, Mesh, Mesh];
    // C's signals to A are altered on the way (before any is sent: the socket opens asynchronously).
    const real = c.signalClient.signal.bind(c.signalClient);
    c.signalClient.signal = (to, payload) =>
      real(to, to === a.localId ? swapFingerprints(payload as LinkSignal) : payload);
    const errors: string[] = [];
    a.transport.onError((peer, e) => {
      if (peer === c.localId) errors.push(e);
    });
    await until(
      () =>
        [...a.transport.linkedPeers()].includes(b.localId) &&
        [...c.transport.linkedPeers()].includes(b.localId) &&
        errors.includes('link-proof: bad-signature'),
      20_000,
      'A–B and B–C linked, and C’s altered signal refused by A',
    );
    expect(a.transport.manager.counters.linkProofsRefused).to.be.at.least(1);
    expect(b.transport.manager.counters.linkProofsRefused).to.equal(0);
    expect([...a.transport.linkedPeers()]).not.to.include(c.localId);
    expect([...c.transport.linkedPeers()]).not.to.include(a.localId);
  });
});
