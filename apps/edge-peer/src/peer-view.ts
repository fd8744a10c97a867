import type { DetectorEventMap, PeerSnapshot } from '@pulsemesh/core';
import type { Mesh } from '@pulsemesh/webrtc';

/**
 * What the edge peer's outputs show for a peer: the detector's state, except that a `failed` peer
 * whose signaling session is still open (`Mesh.signalPresent`) is `unreachable`: alive, no path
 * from here (e.g. its relay died). The same rule as `<pulse-peer-table>`'s `data-reach`.
 */
export type PeerView = PeerSnapshot['state'] | 'unreachable';

/** The view of a peer in `state`, given whether its signaling session is open. */
export function peerView(state: PeerSnapshot['state'], signalPresent: boolean): PeerView {
  return state === 'failed' && signalPresent ? 'unreachable' : state;
}

/** A view change with no detector status change (the peer's signaling session opened or ended). */
export interface ViewChange {
  peer: string;
  /** The detector's verdict, unchanged. */
  state: PeerSnapshot['state'];
  from: PeerView;
  to: PeerView;
}

/**
 * Follows every peer's {@link PeerView}. `viewOnStatus` gives the view that goes with a detector
 * status change (and records it); `onChange` is called when a view changes without one: when the
 * signaling server's word on a failed peer changes (`presence`), or this peer's signaling
 * connection is lost or back (`signal-state`).
 */
export function watchPeerViews(
  mesh: Mesh,
  onChange: (change: ViewChange) => void,
): { viewOnStatus(detail: DetectorEventMap['status-change']): PeerView } {
  const views = new Map<string, PeerView>();
  const recheck = (): void => {
    for (const p of mesh.peers()) {
      const from = views.get(p.id);
      const to = peerView(p.state, mesh.signalPresent(p.id));
      if (from === undefined || from === to) continue;
      views.set(p.id, to);
      onChange({ peer: p.id, state: p.state, from, to });
    }
  };
  mesh.addEventListener('presence', recheck);
  mesh.addEventListener('signal-state', recheck);
  const forget = (e: Event): boolean => views.delete((e as CustomEvent<{ peer: string }>).detail.peer);
  mesh.addEventListener('reap', forget);
  mesh.addEventListener('evict', forget);
  return {
    viewOnStatus(detail) {
      const view = peerView(detail.to, mesh.signalPresent(detail.peer));
      views.set(detail.peer, view);
      return view;
    },
  };
}
