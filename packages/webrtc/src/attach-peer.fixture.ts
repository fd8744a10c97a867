// A Node process with an app's own simple-peer connection and pulsemesh attached to it, for
// `attach.test.ts` (run with `node --conditions=source --import tsx`). This is the code the README
// section "Already using y-webrtc or simple-peer?" shows, plus a line protocol on stdio:
//   argv: <classic|fork> <initiator|responder> <my id> <remote id>
//   stdout lines (JSON): {signal} | {connected} | {app} | {status: {peer, to}} | {pcs} | {left}
//   stdin lines (JSON):  {signal} | {send: string} | {leave: true}
import { createInterface } from 'node:readline';
import ClassicPeer from 'simple-peer';
import ForkPeer from '@thaunknown/simple-peer';
import * as wrtc from 'webrtc-polyfill';
import { attach, createAttachedMesh } from '@pulsemesh/webrtc';

const [kind, role, myId, remoteId] = process.argv.slice(2) as [string, string, string, string];
const out = (line: object): void => void process.stdout.write(`${JSON.stringify(line)}\n`);

// Count every RTCPeerConnection this process creates (attach must add none).
let pcs = 0;
class CountingPeerConnection extends wrtc.RTCPeerConnection {
  constructor(config?: RTCConfiguration) {
    super(config);
    pcs += 1;
  }
}
const counted = { ...wrtc, RTCPeerConnection: CountingPeerConnection };
// Loopback only: node-datachannel gathers no loopback candidate without a bind address.
const config = { iceServers: [], bindAddress: '127.0.0.1' } as RTCConfiguration;
const initiator = role === 'initiator';

// --- the app's own connection ---
const peer =
  kind === 'classic'
    ? new ClassicPeer({ initiator, wrtc: counted, config })
    : new ForkPeer({ initiator, config: config as RTCConfiguration & { bindAddress?: string } });
if (kind === 'fork') pcs += 1; // the fork builds its connection from webrtc-polyfill directly
const pcsBefore = pcs;

// --- pulsemesh, attached to it (the README's code) ---
const mesh = createAttachedMesh({ peerId: myId });
attach(mesh, remoteId, peer);
mesh.addEventListener('status-change', (e) => {
  const { peer: p, to } = (e as CustomEvent<{ peer: string; to: string }>).detail;
  out({ status: { peer: p, to }, atMs: Date.now() });
});
mesh.addEventListener('connection', (e) => out({ connection: (e as CustomEvent).detail }));

peer.on('signal', (signal: unknown) => out({ signal }));
peer.on('connect', () => {
  out({ connected: true, pcsBefore, pcsAfter: pcs });
  peer.send(`app hello from ${myId}`);
});
peer.on('data', (data: Uint8Array) => out({ app: new TextDecoder().decode(data) }));
peer.on('error', (err: Error) => out({ error: err.message }));

createInterface({ input: process.stdin }).on('line', (line) => {
  const msg = JSON.parse(line) as { signal?: unknown; leave?: boolean; report?: boolean };
  if (msg.signal) peer.signal(msg.signal as never);
  if (msg.report) out({ report: mesh.connections(), pcs, peers: mesh.peers().map((p) => [p.id, p.state]) });
  if (msg.leave)
    void mesh.leave().then(() => {
      out({ left: true });
      peer.destroy();
      setTimeout(() => process.exit(0), 200);
    });
});
