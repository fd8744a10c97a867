import { css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { isCanonicalPeerId, type PeerId } from '@pulsemesh/core';
import { MeshElement, type PeerSelectDetail } from './mesh-element.js';
import { stateDisplay, stateIcon } from './state-display.js';
import { cardStyles, peerButtonStyles, reportTableStyles, themeStyles } from './theme.js';
import { formatDuration } from './format.js';
import type { HistoryView } from './history-view.js';

/** Rows shown at most. */
const limitMax = 256;

/** One past member as listed. */
export interface PastRow {
  peer: PeerId;
  ended: 'failed' | 'left';
  reason: string;
  /** How long ago it ended (ms). */
  agoMs: number;
  /** `session`: reaped by this run's detector; `kept`: from the kept history of earlier sessions. */
  source: 'session' | 'kept';
}

/**
 * Merges the live detector's past members (`mesh.pastMembers()`, detector clock) with a kept
 * history's (epoch ms), newest end first; the live record wins for a peer in both. Pure.
 */
export function pastRows(
  live: readonly { id: PeerId; ended: 'failed' | 'left'; reason: string; endedAtMs: number }[],
  meshNowMs: number,
  kept: readonly { peer: PeerId; ended: 'failed' | 'left'; reason: string; endedAtMs: number }[],
  epochNowMs: number,
): PastRow[] {
  const rows = new Map<PeerId, PastRow>();
  for (const p of kept)
    rows.set(p.peer, {
      peer: p.peer,
      ended: p.ended,
      reason: p.reason,
      agoMs: epochNowMs - p.endedAtMs,
      source: 'kept',
    });
  for (const p of live)
    rows.set(p.id, {
      peer: p.id,
      ended: p.ended,
      reason: p.reason,
      agoMs: meshNowMs - p.endedAtMs,
      source: 'session',
    });
  return [...rows.values()].sort((a, b) => a.agoMs - b.agoMs || (a.peer < b.peer ? -1 : 1));
}

/** Plain words for the detector's reasons; unknown ones are shown as they are. */
const reasonText: Record<string, string> = {
  'graceful-leave': 'said goodbye',
  'gossip-leave': 'said goodbye (heard from others)',
  'suspicion-timeout': 'silent past its suspicion',
  witnessed: 'its signaling socket closed, then it stayed silent',
  'gossip-failed': 'declared failed by others',
};

/**
 * Past members: peers that failed or left and were then reaped from the live view (after
 * `reapAfterMs`, 30 s by default), with how and when each ended. The live view, the health
 * percentage and the tier count only the present; this list keeps the past apart. With a kept
 * `history` (`DurableHistory`), peers that ended in earlier sessions of this peer are listed too.
 * A past member that comes back (same id) leaves the list and is live again.
 *
 * @fires peer-select - A peer was activated. Detail: `{ peer }`.
 * @csspart list - The table of past members.
 */
@customElement('pulse-past-members')
export class PulsePastMembers extends MeshElement {
  static override styles = [
    themeStyles,
    peerButtonStyles,
    cardStyles,
    reportTableStyles,
    css`
      th,
      td {
        text-align: left;
      }
      thead th {
        border-top: 0;
      }
      td.how {
        display: flex;
        align-items: center;
        gap: 6px;
        white-space: normal;
      }
      td.how .icon {
        flex: none;
      }
      .why,
      .empty,
      .more {
        color: var(--_muted);
      }
      .empty,
      .more {
        margin: 0;
        padding: 10px 12px;
      }
    `,
  ];
  protected static override pollIntervalMs = 5_000;

  /** A kept history (`DurableHistory`): lists peers that ended in earlier sessions too. */
  @property({ attribute: false }) history: HistoryView | undefined;

  /** Rows shown at most (newest end first). Default 20, at most 256. */
  @property({ type: Number }) limit = 20;

  override render() {
    const mesh = this.mesh;
    if (!mesh) return html`<p class="empty">No mesh connected.</p>`;
    const rows = pastRows(
      (mesh.pastMembers?.() ?? []).filter((p) => isCanonicalPeerId(p.id)),
      mesh.nowMs(),
      (this.history?.pastMembers() ?? []).filter((p) => isCanonicalPeerId(p.peer)),
      Date.now(),
    );
    if (rows.length === 0)
      return html`<p class="empty">None yet: every peer seen is in the live view above.</p>`;
    const shown = rows.slice(0, Math.min(this.limit, limitMax));
    return html`<div class="card">
      <table part="list">
        <thead>
          <tr>
            <th scope="col">Peer</th>
            <th scope="col">How it ended</th>
            <th scope="col">When</th>
          </tr>
        </thead>
        <tbody>
          ${shown.map(
            (r) =>
              html`<tr data-peer=${r.peer} data-ended=${r.ended} data-source=${r.source}>
                <th scope="row">
                  <button class="peer" @click=${() => this.select(r.peer)}>${r.peer}</button>
                </th>
                <td class="how" style="color:${stateDisplay[r.ended].color}">
                  ${stateIcon(r.ended)}<span>${stateDisplay[r.ended].label}</span>
                  <span class="why">${reasonText[r.reason] ?? r.reason}</span>
                </td>
                <td title=${r.source === 'kept' ? 'in an earlier session (kept history)' : nothing}>
                  ${formatDuration(r.agoMs)} ago
                </td>
              </tr>`,
          )}
        </tbody>
      </table>
      ${rows.length > shown.length ? html`<p class="more">and ${rows.length - shown.length} more</p>` : nothing}
    </div>`;
  }

  private select(peer: PeerId): void {
    this.emit<PeerSelectDetail>('peer-select', { peer });
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'pulse-past-members': PulsePastMembers;
  }
}
