// Shared by the tests of attached meshes with identities on real node-datachannel connections made
// in this process: plain app id pins (decisions 0057, 0061) and their reviews, key proof (0049).
import type { PeerId } from '@pulsemesh/core';
import { createAttachedMesh, type AttachedMesh, type AttachedMeshOptions } from './attach.js';
import { generateIdentity, trustFor } from './identity.js';
import { closePairs, connectedPair } from './review-s19-test-support.js';

const meshes: AttachedMesh[] = [];

/** Closes every mesh made by {@link meshWithIdentity} and every connected pair (an `afterEach`). */
export function closeAll(): void {
  for (const m of meshes.splice(0)) m.close();
  closePairs();
}

/** An attached mesh with its own key (proof timeout 2 s), closed by {@link closeAll}. */
export function meshWithIdentity(options: AttachedMeshOptions = {}): AttachedMesh {
  const identity = generateIdentity();
  const mesh = createAttachedMesh({
    peerId: identity.id,
    trust: trustFor(identity),
    proofTimeoutMs: 2_000,
    pageLifecycle: false,
    ...options,
  });
  meshes.push(mesh);
  return mesh;
}

/** `viewer`'s verdict about `peer`, if it tracks it. */
export const stateAt = (viewer: AttachedMesh, peer: PeerId): string | undefined =>
  viewer.peers().find((p) => p.id === peer)?.state;

/** `victim` attaches `other` under `appId` (the app's label for it); `other` attaches victim. */
export async function attachAs(
  victim: AttachedMesh,
  appId: string,
  other: AttachedMesh,
): Promise<RTCPeerConnection[]> {
  const pair = await connectedPair();
  victim.attach(appId, pair[0]);
  other.attach('victim-app', pair[1]);
  return pair;
}

/** Victim's monitored connections under `appId`, as [identity, proven]. */
export const monitoredUnder = (victim: AttachedMesh, appId: string): [string, boolean][] =>
  victim
    .connections()
    .filter((c) => c.peer === appId && c.state === 'monitored')
    .map((c) => [c.identity, c.proven]);
