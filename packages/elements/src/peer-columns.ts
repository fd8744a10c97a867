import { html, type TemplateResult } from 'lit';
import type { PeerId, PeerSnapshot, PeerState } from '@pulsemesh/core';
import { formatDuration, formatMs, formatNumber, formatRatio, NONE } from './format.js';
import { sparkline } from './sparkline.js';
import { stateDisplay, stateIcon } from './state-display.js';
import { admissionHelp, memberEvidence, type EvidenceView } from './member-evidence.js';

/** Keys of the peer table's columns; also the values of its `sort-by` attribute. */
export const PeerColumn = {
  id: 'id',
  state: 'state',
  since: 'since',
  rtt: 'rtt',
  jitter: 'jitter',
  loss: 'loss',
  path: 'path',
  phi: 'phi',
  lifecycle: 'lifecycle',
  incarnation: 'incarnation',
  load: 'load',
  uptime: 'uptime',
} as const;
export type PeerColumn = (typeof PeerColumn)[keyof typeof PeerColumn];

/**
 * How the direct link to a peer travels (`LinkPath` of `@pulsemesh/webrtc`): `kind` host, prflx,
 * srflx or relay; `protocol` udp or tcp; the candidate types of both ends; for a link this peer
 * relays, how it reaches TURN (`relayProtocol`).
 */
export interface LinkPathView {
  kind: string;
  protocol: string;
  local: string;
  remote: string;
  relayProtocol?: string | undefined;
}

/** A mesh that knows its links' paths (`@pulsemesh/webrtc`'s `Mesh` does; recordings do not). */
export interface LinkPathSource {
  linkPath(peer: PeerId): LinkPathView | undefined;
}

/** True when `mesh` can tell link paths. */
export function hasLinkPaths(mesh: object): mesh is LinkPathSource {
  return typeof (mesh as Partial<LinkPathSource>).linkPath === 'function';
}

/** A mesh that knows who holds a live signaling session (`@pulsemesh/webrtc`'s `Mesh` does). */
export interface SignalPresenceSource {
  signalPresent(peer: PeerId): boolean;
}

/** True when `mesh` can tell signaling presence. */
export function hasSignalPresence(mesh: object): mesh is SignalPresenceSource {
  return typeof (mesh as Partial<SignalPresenceSource>).signalPresent === 'function';
}

/**
 * A table row: the peer's snapshot plus, when the mesh knows it, its direct link's path, and
 * `unreachable` when the detector says `failed` but the signaling server still holds the peer's
 * session: alive, with no path from here (a dead relay, a cut route), not a crash. `admission`:
 * a live member the signaling room admitted but this peer never linked to nor heard from
 * (`memberEvidence`), `joining` for one stall tolerance, then `unreachable`, or `far` when the mesh
 * never tried to link to it; its state is gossip's word, so the table shows this instead.
 */
export type PeerRow = PeerSnapshot & {
  path?: LinkPathView | undefined;
  unreachable?: boolean;
  admission?: 'joining' | 'unreachable' | 'far';
};

/** The row for `peer` in `mesh`: path and reachability added where the mesh can tell them. */
export function peerRow(mesh: EvidenceView, peer: PeerSnapshot): PeerRow {
  const row: PeerRow = hasLinkPaths(mesh) ? { ...peer, path: mesh.linkPath(peer.id) } : { ...peer };
  if (peer.state === 'failed' && hasSignalPresence(mesh) && mesh.signalPresent(peer.id))
    row.unreachable = true;
  const evidence = peer.state === 'failed' || peer.state === 'left' ? 'heard' : memberEvidence(mesh, peer);
  if (evidence === 'joining' || evidence === 'unreachable' || evidence === 'far') row.admission = evidence;
  return row;
}

/** Sort rank of a path kind: the most direct first. */
const pathRank: Record<string, number> = { host: 0, prflx: 1, srflx: 2, relay: 3 };

/** How one column reads, sorts and renders a peer. */
export interface ColumnSpec {
  key: PeerColumn;
  label: string;
  /** Column width (CSS length); the table uses a fixed layout so rows never reflow. */
  width: string;
  numeric: boolean;
  /** Sort key; `undefined` sorts last in either direction. */
  value: (peer: PeerRow, nowMs: number) => number | string | undefined;
  cell: (peer: PeerRow, nowMs: number) => TemplateResult | string;
}

/** What each column means, shown as its header's tooltip (a first-time reader needs it). */
export const columnHelp: Record<PeerColumn, string> = {
  id: "The peer's id. “gossip”: no direct link from here; known through other peers' reports",
  state: 'What this peer concluded: healthy, suspected (missed probes), failed, recovering, left',
  since: 'How long it has been in this state',
  rtt: 'Round-trip time of the probes over the direct link (smoothed), with its recent history',
  jitter: 'How much the round-trip time varies from probe to probe',
  loss: 'Share of heartbeats from this peer that never arrived',
  path: 'Network path of the direct link: host (LAN), srflx (through a NAT), relay (through TURN)',
  phi: 'Phi accrual suspicion: how unusual the silence since its last heartbeat is (above ~8: very)',
  lifecycle: "The peer's page state as it reports it: visible, hidden, frozen; “process” for a Node peer",
  incarnation: 'Raised by the peer each time it refutes a suspicion or comes back: same id, newer life',
  load: 'How busy the peer is, as it reports it: its event-loop lag (ms)',
  uptime: 'How long the peer has been running, as it reports it',
};

/** How the state cell reads a member it cannot vouch for: colour and icon of a state, and a label. */
const reachDisplay: Record<
  'joining' | 'unreachable' | 'far',
  { color: PeerState; icon: PeerState; label: string }
> = {
  joining: { color: 'recovering', icon: 'recovering', label: 'Joining' },
  unreachable: { color: 'suspected', icon: 'failed', label: 'Unreachable' },
  far: { color: 'left', icon: 'left', label: 'Not linked (far)' },
};

/** Tooltip of the state of a failed peer whose signaling session is live (`PeerRow.unreachable`). */
const unreachableHelp =
  "No path from here, but the signaling server still holds this peer's session: alive, unreachable from here";
/** Tooltip of the badge on a peer flagged as a liar (`PeerSnapshot.liar`). */
export const liarHelp = 'Its accusations were refuted, or it forged signatures';
/** Tooltip of the badge on a verdict known only through gossip (`PeerSnapshot.secondHand`). */
export const secondHandHelp = 'Reported by others, not checked from here (no link)';

/** How a lifecycle value reads: a Node peer has no page (its value `server` reads “process”). */
const lifecycleLabel = (lifecycle: string): string => (lifecycle === 'server' ? 'process' : lifecycle);

/** The peer table's columns, in display order. */
export const peerColumns: readonly ColumnSpec[] = [
  {
    key: 'id',
    label: 'Peer',
    width: '13rem',
    numeric: false,
    value: (p) => p.id,
    cell: (p) =>
      html`<span class="id" title=${p.id}>${p.id}</span
        >${p.direct ? '' : html` <span class="tag" title=${columnHelp.id}>gossip</span>`}${
          p.liar ? html` <span class="tag liar" title=${liarHelp}>liar</span>` : ''
        }`,
  },
  {
    key: 'state',
    label: 'State',
    width: '8.5rem',
    numeric: false,
    value: (p) => stateDisplay[p.state].rank,
    cell: (p) => {
      const reach = p.admission ?? (p.unreachable ? 'unreachable' : undefined);
      if (reach === undefined)
        return html`<span class="state" style="color:${stateDisplay[p.state].color}"
          >${stateIcon(p.state)}<span>${stateDisplay[p.state].label}</span>${
            p.secondHand ? html`<span class="tag" title=${secondHandHelp}>2nd-hand</span>` : ''
          }</span
        >`;
      const look = reachDisplay[reach];
      return html`<span
        class="state ${reach}"
        style="color:${stateDisplay[look.color].color}"
        title=${p.admission ? admissionHelp[p.admission] : unreachableHelp}
        >${stateIcon(look.icon)}<span>${look.label}</span></span
      >`;
    },
  },
  {
    key: 'since',
    label: 'Since',
    width: '6.5rem',
    numeric: true,
    value: (p, now) => now - p.sinceMs,
    cell: (p, now) => formatDuration(now - p.sinceMs),
  },
  {
    key: 'rtt',
    label: 'RTT',
    width: '9.5rem',
    numeric: true,
    value: (p) => p.link.rttMs,
    cell: (p) =>
      html`<span class="rtt">${sparkline(p.link.rttSamplesMs)}<span>${formatMs(p.link.rttMs)}</span></span>`,
  },
  {
    key: 'jitter',
    label: 'Jitter',
    width: '5.5rem',
    numeric: true,
    value: (p) => p.link.rttVarMs,
    cell: (p) => formatMs(p.link.rttVarMs),
  },
  {
    key: 'loss',
    label: 'Loss',
    width: '5rem',
    numeric: true,
    value: (p) => p.link.loss,
    cell: (p) => formatRatio(p.link.loss),
  },
  {
    key: 'path',
    label: 'Path',
    width: '7rem',
    numeric: false,
    value: (p) =>
      p.path ? (pathRank[p.path.kind] ?? 4) * 2 + (p.path.protocol === 'tcp' ? 1 : 0) : undefined,
    cell: (p) =>
      p.path
        ? html`<span
            class="path path-${p.path.kind}"
            data-path=${p.path.kind}
            title="local ${p.path.local} ↔ remote ${p.path.remote}, ${p.path.protocol}${
              p.path.relayProtocol ? `, TURN over ${p.path.relayProtocol}` : ''
            }"
            >${p.path.kind}/${p.path.relayProtocol ?? p.path.protocol}</span
          >`
        : NONE,
  },
  {
    key: 'phi',
    label: 'Phi',
    width: '4.5rem',
    numeric: true,
    value: (p) => p.phi,
    cell: (p) => formatNumber(p.phi),
  },
  {
    key: 'lifecycle',
    label: 'Lifecycle',
    width: '6.5rem',
    numeric: false,
    value: (p) => p.vitals?.lifecycle,
    cell: (p) =>
      p.vitals
        ? html`<span class="life life-${p.vitals.lifecycle}">${lifecycleLabel(p.vitals.lifecycle)}</span>`
        : NONE,
  },
  {
    key: 'incarnation',
    label: 'Inc.',
    width: '4rem',
    numeric: true,
    value: (p) => p.incarnation,
    cell: (p) => String(p.incarnation),
  },
  {
    key: 'load',
    label: 'Load',
    width: '5.5rem',
    numeric: true,
    value: (p) => p.vitals?.loadMs,
    cell: (p) => formatMs(p.vitals?.loadMs),
  },
  {
    key: 'uptime',
    label: 'Uptime',
    width: '6.5rem',
    numeric: true,
    value: (p) => p.vitals?.uptimeMs,
    cell: (p) => formatDuration(p.vitals?.uptimeMs),
  },
];

/** Sorts peers by a column; ties (and equal values) fall back to the id, so order is stable. */
export function sortPeers<P extends PeerRow>(
  peers: P[],
  column: ColumnSpec,
  descending: boolean,
  nowMs: number,
): P[] {
  const keyed = peers.map((peer) => ({ peer, key: column.value(peer, nowMs) }));
  const sign = descending ? -1 : 1;
  keyed.sort((a, b) => {
    if (a.key === undefined || b.key === undefined) {
      if (a.key !== b.key) return a.key === undefined ? 1 : -1;
    } else if (a.key !== b.key) {
      return (a.key < b.key ? -1 : 1) * sign;
    }
    return a.peer.id < b.peer.id ? -1 : a.peer.id > b.peer.id ? 1 : 0;
  });
  return keyed.map((k) => k.peer);
}
