import { html, type TemplateResult } from 'lit';
import type { PeerSnapshot } from '@pulsemesh/core';
import { formatDuration, formatMs, formatNumber, formatRatio } from './format.js';
import { sparkline } from './sparkline.js';
import { stateDisplay, stateIcon } from './state-display.js';

/** Keys of the peer table's columns; also the values of its `sort-by` attribute. */
export const PeerColumn = {
  id: 'id',
  state: 'state',
  since: 'since',
  rtt: 'rtt',
  jitter: 'jitter',
  loss: 'loss',
  phi: 'phi',
  lifecycle: 'lifecycle',
  incarnation: 'incarnation',
  load: 'load',
  uptime: 'uptime',
} as const;
export type PeerColumn = (typeof PeerColumn)[keyof typeof PeerColumn];

/** How one column reads, sorts and renders a peer. */
export interface ColumnSpec {
  key: PeerColumn;
  label: string;
  /** Column width (CSS length); the table uses a fixed layout so rows never reflow. */
  width: string;
  numeric: boolean;
  /** Sort key; `undefined` sorts last in either direction. */
  value: (peer: PeerSnapshot, nowMs: number) => number | string | undefined;
  cell: (peer: PeerSnapshot, nowMs: number) => TemplateResult | string;
}

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
        >${p.direct ? '' : html` <span class="tag">gossip</span>`}`,
  },
  {
    key: 'state',
    label: 'State',
    width: '8.5rem',
    numeric: false,
    value: (p) => stateDisplay[p.state].rank,
    cell: (p) =>
      html`<span class="state" style="color:${stateDisplay[p.state].color}"
        >${stateIcon(p.state)}<span>${stateDisplay[p.state].label}</span></span
      >`,
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
      p.vitals ? html`<span class="life life-${p.vitals.lifecycle}">${p.vitals.lifecycle}</span>` : '–',
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
export function sortPeers(
  peers: PeerSnapshot[],
  column: ColumnSpec,
  descending: boolean,
  nowMs: number,
): PeerSnapshot[] {
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
