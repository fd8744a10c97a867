import type { ClusterHealth, PeerSnapshot, SignalState } from '@pulsemesh/core';
import { formatLinkPath, type LinkReport } from '@pulsemesh/webrtc';
import { peerView } from './peer-view.js';

/** Everything one frame of the live view shows. */
export interface ViewModel {
  id: string;
  room: string;
  signal: SignalState;
  health: ClusterHealth;
  localHealthScore: number;
  protocolPeriodMs: number;
  timerLateMs: number;
  peers: readonly PeerSnapshot[];
  links: ReadonlyMap<string, LinkReport>;
  /** Whether the signaling server still holds a peer's session (`Mesh.signalPresent`): a failed
   * peer that is reads "unreachable" (alive, no path from here), not "failed". */
  signalPresent?: (peer: string) => boolean;
  nowMs: number;
}

const stateMarks: Record<PeerSnapshot['state'], string> = {
  healthy: '●',
  suspected: '◐',
  failed: '✖',
  recovering: '◑',
  left: '○',
};

/** Renders one frame as lines (no escape codes; `frame()` adds them). */
export function renderView(v: ViewModel): string[] {
  const c = v.health.counts;
  const lines = [
    `pulsemesh edge peer ${v.id}  room ${v.room}  signaling ${v.signal}`,
    `cluster ${v.health.tier} ${v.health.healthPercent.toFixed(0)}%  ` +
      `healthy ${c.healthy}  suspected ${c.suspected}  failed ${c.failed}  recovering ${c.recovering}  left ${c.left}` +
      (v.health.minorityPartition ? '  MINORITY PARTITION' : ''),
    `period ${v.protocolPeriodMs.toFixed(0)} ms  local health ${v.localHealthScore}  timer late ${v.timerLateMs.toFixed(0)} ms`,
    '',
    row(['PEER', 'STATE', 'SINCE', 'RTT ms', 'ICE RTT', 'LOSS', 'PHI', 'LINK', 'PATH', 'LIFECYCLE']),
  ];
  const peers = [...v.peers].sort((a, b) => a.id.localeCompare(b.id));
  for (const p of peers) {
    const link = v.links.get(p.id);
    lines.push(
      row([
        p.id,
        peerView(p.state, v.signalPresent?.(p.id) === true) === 'unreachable'
          ? '⊘ unreachable'
          : `${stateMarks[p.state]} ${p.state}`,
        `${Math.max(0, (v.nowMs - p.sinceMs) / 1000).toFixed(0)}s`,
        p.link.rttMs === undefined ? '-' : p.link.rttMs.toFixed(1),
        link?.rttMs === undefined ? '-' : link.rttMs.toFixed(1),
        `${(p.link.loss * 100).toFixed(1)}%`,
        p.phi.toFixed(1),
        p.direct ? 'direct' : 'gossip',
        formatLinkPath(link?.path),
        p.vitals?.lifecycle ?? '-',
      ]),
    );
  }
  if (peers.length === 0) lines.push('(no peers yet)');
  return lines;
}

const widths = [20, 15, 7, 8, 8, 7, 6, 7, 10, 10];

function row(cells: string[]): string {
  return cells
    .map((cell, i) => cell.slice(0, (widths[i] ?? 10) - 1).padEnd(widths[i] ?? 10))
    .join('')
    .trimEnd();
}

/** A frame for a terminal: cursor home, the lines (each cleared to the end), clear below. */
export function frame(lines: readonly string[]): string {
  return `\x1b[H${lines.map((l) => `${l}\x1b[K`).join('\n')}\n\x1b[J`;
}
