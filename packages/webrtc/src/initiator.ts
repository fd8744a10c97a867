import type { PeerId } from '@pulsemesh/core';

/**
 * Who opens the connection between two peers: the one whose id sorts first (UTF-16 code units).
 * Both sides compute the same answer, so there is never glare (two offers crossing).
 */
export function isInitiator(localId: PeerId, remoteId: PeerId): boolean {
  if (localId === remoteId) throw new Error(`a peer cannot link to itself (${localId})`);
  return localId < remoteId;
}
