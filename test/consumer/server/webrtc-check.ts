// A Node project running its own WebRTC peer (the edge peer's packages), type-checked like
// node-check.ts but with the DOM lib: WebRTC's types (RTCPeerConnection, RTCIceServer) live
// there, as the README says. Never run.
import { createSignalServer, WebSocket } from '@pulsemesh/signal-server';
import { createMesh, type Mesh } from '@pulsemesh/webrtc';
import { loadFileIdentity } from '@pulsemesh/webrtc/identity-file';
import type { EdgePeer, startEdgePeer } from '@pulsemesh/edge-peer';

export async function typesCompile(): Promise<Mesh> {
  const { url } = await createSignalServer().listen(0, '127.0.0.1');
  const identity = loadFileIdentity('/tmp/identity.json');
  return createMesh({ signalUrl: url, room: 'r', identity, WebSocket, bindAddress: '127.0.0.1' });
}

export type StartEdgePeer = (...args: Parameters<typeof startEdgePeer>) => Promise<EdgePeer>;
