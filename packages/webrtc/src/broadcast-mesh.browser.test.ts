// createMesh with `broadcastChannel: true` in tabs of one browser profile (the test page and two
// more pages opened by scripts/wtr-pages.js), through the real signaling server, default detector
// settings: the tabs link over BroadcastChannel and open no RTCPeerConnection between them; a mesh
// without the option is linked to them over WebRTC; a hung tab is failed, a closed one left.
import { expect } from '@open-wc/testing';
import { closePage, evalInPage, openPage, testServices } from './browser-test-support.js';
import { createMesh, type Mesh } from './mesh.js';
import { until } from './test-helpers.js';

let attempt = 0;
const meshes: Mesh[] = [];
const pages: string[] = [];

afterEach(async () => {
  for (const m of meshes.splice(0)) m.close();
  for (const id of pages.splice(0)) await closePage(id, false).catch(() => undefined);
});

async function untilIn(page: string, expression: string, timeoutMs: number, what: string): Promise<void> {
  const start = performance.now();
  while (!(await evalInPage<boolean>(page, expression))) {
    if (performance.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const stateOf = (viewer: Mesh, peer: string): string | undefined =>
  viewer.peers().find((p) => p.id === peer)?.state;

describe('createMesh over BroadcastChannel between tabs of one browser', () => {
  it('tabs link over BroadcastChannel (no RTCPeerConnection), a WebRTC-only mesh over WebRTC; hung → failed, closed → left', async () => {
    const { signalUrl } = await testServices();
    const suffix = `${Math.random().toString(36).slice(2, 8)}${String(attempt++)}`;
    const room = `bc-${suffix}`;
    const ids = { a: `bc-a-${suffix}`, b: `bc-b-${suffix}`, c: `bc-c-${suffix}`, d: `rtc-d-${suffix}` };
    const a = createMesh({ signalUrl, room, peerId: ids.a, broadcastChannel: true });
    // Same page, but without the option: it must be linked over WebRTC like any other peer.
    const d = createMesh({ signalUrl, room, peerId: ids.d, pageLifecycle: false });
    meshes.push(a, d);
    const module = '/packages/webrtc/src/broadcast-tab.fixture.ts';
    const b = await openPage(module, { signalUrl, room, peerId: ids.b });
    const c = await openPage(module, { signalUrl, room, peerId: ids.c });
    pages.push(b, c);

    await until(
      () => [ids.b, ids.c, ids.d].every((p) => stateOf(a, p) === 'healthy'),
      30_000,
      'a sees b, c, d healthy',
    );
    for (const [page, others] of [
      [b, [ids.a, ids.c, ids.d]],
      [c, [ids.a, ids.b, ids.d]],
    ] as const)
      await untilIn(
        page,
        `${JSON.stringify(others)}.every((p) => tab.stateOf(p) === 'healthy')`,
        30_000,
        `${page} sees the three others healthy`,
      );
    // Healthy can come through the others a moment before a direct link opens.
    await until(() => [...a.transport.linkedPeers()].length === 3, 15_000, 'a linked to b, c, d');
    await until(() => d.transport.manager.openLinks().length === 3, 15_000, 'd linked to a, b, c');

    // a's links: b and c over the BroadcastChannel, d over WebRTC, and no WebRTC link to b or c.
    expect(a.broadcastPeers().sort()).to.deep.equal([ids.b, ids.c].sort());
    expect(a.transport.manager.openLinks().map((l) => l.remoteId)).to.deep.equal([ids.d]);
    expect(d.broadcastPeers()).to.deep.equal([]);
    expect(
      d.transport.manager
        .openLinks()
        .map((l) => l.remoteId)
        .sort(),
    ).to.deep.equal([ids.a, ids.b, ids.c].sort());
    for (const page of [b, c]) expect(await evalInPage<number>(page, 'tab.webrtcLinks()')).to.equal(1);

    // b hangs (no goodbye; its signaling socket and BroadcastChannel stay open): failed everywhere.
    await evalInPage(b, 'tab.mesh.faults.hang(), true');
    await until(() => stateOf(a, ids.b) === 'failed', 30_000, 'a marks the hung b failed');
    await untilIn(c, `tab.stateOf(${JSON.stringify(ids.b)}) === 'failed'`, 30_000, 'c marks b failed');
    await until(() => stateOf(d, ids.b) === 'failed', 30_000, 'd marks b failed');

    // c's tab closes (its pagehide says goodbye over the BroadcastChannel): left, never failed, and
    // its signaling session ends with a leave (its close ran to the end), not as a crash.
    const ended: string[] = [];
    a.signalClient.addEventListener('session-ended', (e) => {
      if (e.detail.peer === ids.c) ended.push(e.detail.kind);
    });
    pages.splice(pages.indexOf(c), 1);
    await closePage(c, true);
    await until(() => stateOf(a, ids.c) === 'left', 15_000, 'a marks the closed c left').catch((e) => {
      throw new Error(`${e}; history: ${JSON.stringify(a.history(ids.c))}`);
    });
    expect(a.history(ids.c).map((h) => h.to)).to.not.include('failed');
    expect(stateOf(a, ids.d)).to.equal('healthy');
    await until(() => ended.length > 0, 15_000, "the server reports the end of c's session");
    expect(ended).to.deep.equal(['left']);
  });
  // No retry. Firefox, closing a window under CPU load, can cut the closing page's script off in
  // the middle of its pagehide listener (uncatchable: no catch, no finally) and still run the next
  // listener; before the fix the goodbye was then half sent or not at all and the signaling socket
  // closed without a leave, so c was failed (2 of 56 runs under load, 3 cut-offs seen; this test's
  // CI failures). The mesh now finishes its goodbye and close from a second pagehide listener
  // (page-lifecycle.ts; pagehide-cutoff.test.ts reproduces the cut-off with a V8 termination).
});
