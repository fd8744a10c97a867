// Services for browser tests, run as a child process of web-test-runner (scripts/wtr-services.js):
// a real signaling server on 127.0.0.1:0 and a Node edge peer (real WebRTC over node-datachannel)
// in room `wtr-edge`. Prints one JSON line with the URLs, then runs until stdin closes or SIGTERM.
import { WebSocket } from 'ws';
import { createSignalServer } from '@pulsemesh/signal-server';
import { createMesh, type MeshOptions } from './mesh.js';
import { fastConfig } from './test-config.js';

const server = createSignalServer({ logLevel: 'silent' });
const { url } = await server.listen(0, '127.0.0.1');
const edgeRoom = 'wtr-edge';
const edgePeerId = 'wtr-edge-peer';
const mesh = createMesh({
  signalUrl: url,
  room: edgeRoom,
  peerId: edgePeerId,
  bindAddress: '127.0.0.1',
  WebSocket: WebSocket as unknown as NonNullable<MeshOptions['WebSocket']>,
  config: fastConfig,
});

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  mesh.close();
  await server.close();
  process.exit(0);
}
process.on('SIGTERM', () => void stop());
process.stdin.on('end', () => void stop());
process.stdin.resume();
process.stdout.write(`${JSON.stringify({ signalUrl: url, edgeRoom, edgePeerId })}\n`);
