// Shared by the reviews of a `createMesh` peer's own links from a room member's side
// (review-input-s19-mesh, review-s20-mesh): a real signaling room where victim and an honest peer
// are linked, Mallory's bare signaling clients in it and her bare connection's offer, all undone
// after each test.
import { afterEach } from 'vitest';
import * as wrtc from 'webrtc-polyfill';
import { WebSocket } from 'ws';
import { SignalClient, type WebSocketConstructorLike } from '@pulsemesh/signal';
import type { Mesh } from './mesh.js';
import { stateOf, TestRoom } from './mesh-test-support.js';
import { until } from './test-helpers.js';

/** What to undo after each test, undone last first (registers its own `afterEach`). */
export function undoAfterEach(): (() => unknown)[] {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const undo of cleanups.splice(0).reverse()) await undo();
  });
  return cleanups;
}

/** A fresh room with victim and honest (default detector settings) linked both ways. */
export async function victimAndHonest(
  cleanups: (() => unknown)[],
): Promise<{ room: TestRoom; victim: Mesh; honest: Mesh }> {
  const room = await TestRoom.start();
  cleanups.push(() => room.close());
  const victim = room.join('victim', { config: {} });
  const honest = room.join('honest', { config: {} });
  await until(
    () => stateOf(victim, 'honest') === 'healthy' && stateOf(honest, 'victim') === 'healthy',
    15_000,
    'victim and honest linked',
  );
  return { room, victim, honest };
}

/** A bare signaling client of `room` as `peerId` (a member driven by hand), connecting. */
export function memberClient(cleanups: (() => unknown)[], room: TestRoom, peerId: string): SignalClient {
  const client = new SignalClient({
    url: room.url,
    room: room.room,
    peerId,
    WebSocket: WebSocket as unknown as WebSocketConstructorLike,
  });
  cleanups.push(() => client.close());
  client.connect();
  return client;
}

/** Mallory's bare connection, with its offer (candidates included) ready to send. */
export async function malloryConnection(
  cleanups: (() => unknown)[],
): Promise<{ pc: RTCPeerConnection; offer: string }> {
  const config = { iceServers: [], bindAddress: '127.0.0.1' } as RTCConfiguration;
  const pc = new wrtc.RTCPeerConnection(config) as RTCPeerConnection;
  cleanups.push(() => pc.close());
  pc.createDataChannel('pulsemesh'); // what simple-peer on the victim's side expects to receive
  await pc.setLocalDescription(await pc.createOffer());
  await until(() => pc.iceGatheringState === 'complete', 5_000, 'offer candidates');
  return { pc, offer: pc.localDescription!.sdp };
}
