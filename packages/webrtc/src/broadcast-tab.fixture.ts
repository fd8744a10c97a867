// A second tab for broadcast-mesh.browser.test.ts, opened in the test page's browser profile by
// scripts/wtr-pages.js: one mesh on the defaults with `broadcastChannel: true`, in the room the query
// names; the test reads and drives it through `globalThis.tab`.
import { createMesh, type Mesh } from './mesh.js';

const query = new URL(location.href).searchParams;
const mesh: Mesh = createMesh({
  signalUrl: query.get('signalUrl')!,
  room: query.get('room')!,
  peerId: query.get('peerId')!,
  broadcastChannel: true,
});

/** What the test reads. */
(globalThis as unknown as { tab: unknown }).tab = {
  mesh,
  stateOf: (peer: string) => mesh.peers().find((p) => p.id === peer)?.state,
  webrtcLinks: () => mesh.transport.manager.linkCount(),
  webrtcLinksCreated: () => mesh.transport.manager.counters.linksCreated,
};
