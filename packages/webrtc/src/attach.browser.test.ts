// attach() on bare RTCPeerConnections the app made itself (no simple-peer), in real Chromium and
// Firefox, default detector settings: the app's in-band channel carries only the app's messages,
// no RTCPeerConnection is added and nothing is renegotiated; a far side without pulsemesh is
// `unmonitored`, never failed; closing the app's connection takes the link down; and
// keepAwarenessHonest removes a hung peer's y-protocols awareness state once it is failed.
import { expect } from '@open-wc/testing';
import * as Y from 'yjs';
import {
  applyAwarenessUpdate,
  Awareness,
  encodeAwarenessUpdate,
  removeAwarenessStates,
} from 'y-protocols/awareness';
import { attach, createAttachedMesh, type AttachedMesh } from './attach.js';
import { generateIdentity, trustFor } from './identity.js';
import { until } from './test-helpers.js';
import { keepAwarenessHonest } from './y-webrtc.js';

const suffix = Math.random().toString(36).slice(2, 8);
const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const f of cleanup.splice(0).reverse()) f();
});

/** Counts RTCPeerConnections constructed from now on, until the test ends. */
function countConnections(): { created: () => number } {
  const Native = globalThis.RTCPeerConnection;
  let created = 0;
  globalThis.RTCPeerConnection = new Proxy(Native, {
    construct(target, args: ConstructorParameters<typeof RTCPeerConnection>) {
      created += 1;
      return Reflect.construct(target, args) as object;
    },
  });
  cleanup.push(() => (globalThis.RTCPeerConnection = Native));
  return { created: () => created };
}

/** Two of the app's own connections, and the app's own in-band channel, negotiated in the page. */
async function appConnections(): Promise<{
  pc1: RTCPeerConnection;
  pc2: RTCPeerConnection;
  app1: RTCDataChannel;
  app2: Promise<RTCDataChannel>;
  inBandLabels: string[];
  negotiate: () => Promise<void>;
}> {
  const pc1 = new RTCPeerConnection({ iceServers: [] });
  const pc2 = new RTCPeerConnection({ iceServers: [] });
  cleanup.push(() => (pc1.close(), pc2.close()));
  pc1.onicecandidate = (e) => void (e.candidate && pc2.addIceCandidate(e.candidate));
  pc2.onicecandidate = (e) => void (e.candidate && pc1.addIceCandidate(e.candidate));
  const inBandLabels: string[] = [];
  const app2 = new Promise<RTCDataChannel>((resolve) => {
    pc2.ondatachannel = (e) => {
      inBandLabels.push(e.channel.label);
      resolve(e.channel);
    };
  });
  const app1 = pc1.createDataChannel('app');
  const negotiate = async (): Promise<void> => {
    await pc1.setLocalDescription(await pc1.createOffer());
    await pc2.setRemoteDescription(pc1.localDescription!);
    await pc2.setLocalDescription(await pc2.createAnswer());
    await pc1.setRemoteDescription(pc2.localDescription!);
  };
  return { pc1, pc2, app1, app2, inBandLabels, negotiate };
}

function meshes(): { a: AttachedMesh; b: AttachedMesh } {
  const a = createAttachedMesh({ peerId: `a-${suffix}` });
  const b = createAttachedMesh({ peerId: `b-${suffix}` });
  cleanup.push(() => (a.close(), b.close()));
  return { a, b };
}

const stateOf = (viewer: AttachedMesh, peer: string): string | undefined =>
  viewer.peers().find((p) => p.id === peer)?.state;

const opened = (channel: RTCDataChannel): Promise<void> =>
  channel.readyState === 'open'
    ? Promise.resolve()
    : new Promise((resolve) => channel.addEventListener('open', () => resolve(), { once: true }));

describe('attach() on bare RTCPeerConnections', () => {
  it('with identities under plain app ids: each side proves its key (decision 0049) and is known by it', async () => {
    const [ia, ib] = [generateIdentity(), generateIdentity()];
    const a = createAttachedMesh({ peerId: ia.id, trust: trustFor(ia) });
    const b = createAttachedMesh({ peerId: ib.id, trust: trustFor(ib) });
    cleanup.push(() => (a.close(), b.close()));
    const app = await appConnections();
    attach(a, `app-b-${suffix}`, app.pc1);
    attach(b, `app-a-${suffix}`, app.pc2);
    await app.negotiate();
    await until(
      () => stateOf(a, ib.id) === 'healthy' && stateOf(b, ia.id) === 'healthy',
      20_000,
      'healthy both ways, by key ids',
    );
    const seen = a.connections().map((c) => [c.peer, c.identity, c.state, c.proven]);
    expect(seen).to.deep.equal([[`app-b-${suffix}`, ib.id, 'monitored', true]]);
    expect(b.proofCounters.proven).to.equal(1);
    expect(a.peers().map((p) => p.id)).to.not.include(`app-b-${suffix}`);
  });

  it('attached before negotiation: monitored both ways, the app channel untouched, no connection added', async () => {
    const { a, b } = meshes();
    const conns = countConnections();
    const app = await appConnections();
    attach(a, b.localId, app.pc1);
    attach(b, a.localId, app.pc2);
    await app.negotiate();
    await until(
      () => stateOf(a, b.localId) === 'healthy' && stateOf(b, a.localId) === 'healthy',
      20_000,
      'healthy both ways',
    );
    expect(a.connections().map((c) => c.state)).to.deep.equal(['monitored']);
    expect(b.connections().map((c) => c.state)).to.deep.equal(['monitored']);

    // The app's own channel: only the app's messages arrive on it, both ways.
    const app2 = await app.app2;
    await Promise.all([opened(app.app1), opened(app2)]);
    const got1: unknown[] = [];
    const got2: unknown[] = [];
    app.app1.onmessage = (e) => got1.push(e.data);
    app2.onmessage = (e) => got2.push(e.data);
    app.app1.send('from app 1');
    app2.send('from app 2');
    await until(() => got1.length === 1 && got2.length === 1, 5_000, 'app messages');
    await new Promise((r) => setTimeout(r, 500)); // time for anything else to (wrongly) arrive
    expect(got1).to.deep.equal(['from app 2']);
    expect(got2).to.deep.equal(['from app 1']);
    // Our channels are negotiated out of band: the app never sees them announced.
    expect(app.inBandLabels).to.deep.equal(['app']);
    expect(conns.created()).to.equal(2); // the app's two, none of ours
    const counters = a.connections()[0]!.counters;
    expect(counters.heartbeatsReceived).to.be.greaterThan(0);
  });

  it('attached to an established connection: no renegotiation; closing the connection takes the link down', async () => {
    const { a, b } = meshes();
    const app = await appConnections();
    await app.negotiate();
    await opened(app.app1);
    let negotiationNeeded = 0;
    for (const pc of [app.pc1, app.pc2]) pc.addEventListener('negotiationneeded', () => negotiationNeeded++);
    attach(a, b.localId, app.pc1);
    attach(b, a.localId, app.pc2);
    await until(
      () => stateOf(a, b.localId) === 'healthy' && stateOf(b, a.localId) === 'healthy',
      20_000,
      'healthy both ways',
    );
    expect(negotiationNeeded).to.equal(0);
    expect([app.pc1.signalingState, app.pc2.signalingState]).to.deep.equal(['stable', 'stable']);

    app.pc2.close(); // the app drops its connection
    await until(() => a.connections().length === 0, 20_000, "a's attachment closed");
    await until(() => b.connections().length === 0, 5_000, "b's attachment closed");
    expect([...a.transport.linkedPeers()]).to.deep.equal([]);
  });

  it('a far side without pulsemesh is unmonitored, never failed', async () => {
    const { a } = meshes();
    const app = await appConnections();
    attach(a, `plain-${suffix}`, app.pc1); // the other side runs no pulsemesh
    await app.negotiate();
    await until(() => a.connections()[0]?.state === 'unmonitored', 15_000, 'unmonitored');
    await new Promise((r) => setTimeout(r, 1_000));
    expect(a.connections()[0]?.state).to.equal('unmonitored');
    expect(a.peers()).to.deep.equal([]); // the detector never heard of it
    expect(a.connections()[0]!.counters.hellosSent).to.be.greaterThan(0);
  });

  it('keepAwarenessHonest removes a hung peer from y-protocols awareness once it is failed', async () => {
    const { a, b } = meshes();
    const app = await appConnections();
    attach(a, b.localId, app.pc1);
    attach(b, a.localId, app.pc2);
    await app.negotiate();
    await until(() => stateOf(a, b.localId) === 'healthy', 20_000, 'healthy');

    // Each side's awareness carries its pulsemesh id (what monitorWebrtcProvider sets); b's state
    // reaches a as the app's sync would carry it, and so does a third client's (not a mesh peer).
    const awareness = (name: string, peer: string): Awareness => {
      const aw = new Awareness(new Y.Doc());
      aw.setLocalState({ name, pulsemesh: peer });
      cleanup.push(() => aw.destroy());
      return aw;
    };
    const awA = awareness('alice', a.localId);
    const awB = awareness('bob', b.localId);
    const awC = awareness('carol', `c-${suffix}`);
    for (const aw of [awB, awC]) applyAwarenessUpdate(awA, encodeAwarenessUpdate(aw, [aw.clientID]), 'sync');
    expect([...awA.getStates().keys()].sort()).to.deep.equal(
      [awA.clientID, awB.clientID, awC.clientID].sort(),
    );
    cleanup.push(keepAwarenessHonest(a, awA, removeAwarenessStates));

    b.faults.hang(); // no goodbye, the connection stays open
    // y-protocols alone would keep bob's state 30 s (outdatedTimeout); awA is never updated, so
    // only the helper can remove it (awA's own check removes nothing before those 30 s).
    await until(() => !awA.getStates().has(awB.clientID), 25_000, "bob's state removed");
    expect(stateOf(a, b.localId)).to.equal('failed');
    expect(awA.getStates().has(awA.clientID)).to.equal(true);
    expect(awA.getStates().has(awC.clientID)).to.equal(true);
  });
});
