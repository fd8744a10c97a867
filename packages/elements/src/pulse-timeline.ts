import { css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { isCanonicalPeerId, type HistoryEntry, type MeshView, type PeerId } from '@pulsemesh/core';
import { MeshElement, type PeerSelectDetail } from './mesh-element.js';
import { stateDisplay, stateIcon } from './state-display.js';
import { cardStyles, peerButtonStyles, themeStyles } from './theme.js';
import { formatAgo, formatDuration } from './format.js';
import { listedPeers } from './member-evidence.js';

/** Detail of the `filter-change` event. */
export interface FilterChangeDetail {
  peer: string;
}

/** Entries shown at most, newest first. */
const limitMax = 1_000;

/**
 * The event history, newest first: joins, suspicions, failures, recoveries, leaves and protocol
 * interval changes, each with its time. Filter by peer with the search box or the `peer`
 * attribute (exact id, or any part of one).
 *
 * @fires peer-select - A peer id in an entry was activated. Detail: `{ peer }`.
 * @fires filter-change - The peer filter was edited. Detail: `{ peer }` (empty: all).
 * @csspart filter - The peer filter input.
 * @csspart list - The list of entries.
 * @csspart entry - One entry.
 * @cssprop --pulse-timeline-height - Height of the scrolling list. Default 320px.
 */
@customElement('pulse-timeline')
export class PulseTimeline extends MeshElement {
  static override styles = [
    themeStyles,
    peerButtonStyles,
    cardStyles,
    css`
      .bar {
        display: flex;
        align-items: center;
        justify-content: space-between;
        gap: 8px;
        padding: 8px 12px;
        border-bottom: 1px solid var(--_border);
        background: var(--_surface);
        color: var(--_muted);
        font-size: 0.9em;
      }
      input {
        min-width: 0;
        width: 14rem;
        padding: 5px 9px;
        border: 1px solid var(--_border);
        border-radius: 6px;
        background: var(--_bg);
        color: var(--_text);
        font: inherit;
      }
      :host {
        display: flex;
        flex-direction: column;
      }
      ol {
        flex: 1 1 auto;
        height: var(--pulse-timeline-height, 320px);
        margin: 0;
        padding: 0;
        overflow: auto;
        list-style: none;
      }
      li {
        display: grid;
        grid-template-columns: 16px 1fr auto;
        gap: 2px 10px;
        align-items: baseline;
        padding: 7px 12px;
        border-bottom: 1px solid var(--_border);
      }
      li .icon {
        align-self: center;
      }
      .what {
        min-width: 0;
        overflow: hidden;
        text-overflow: ellipsis;
        white-space: nowrap;
      }
      .when {
        color: var(--_muted);
        font-size: 0.85em;
        white-space: nowrap;
      }
      .why {
        grid-column: 2 / 4;
        color: var(--_muted);
        font-size: 0.85em;
      }
      .empty {
        padding: 16px 12px;
        color: var(--_muted);
      }
    `,
  ];
  protected static override pollIntervalMs = 5_000;

  /** Show only entries whose peer id contains this text (empty: all). */
  @property() peer = '';
  /** Entries shown at most (newest first). Default 100, at most 1,000. */
  @property({ type: Number }) limit = 100;

  @state() private rovingIndex = 0;

  /** The entries as last rendered, newest first. */
  entries: HistoryEntry[] = [];

  protected override willUpdate(): void {
    this.entries = this.mesh ? pickEntries(this.mesh, this.peer, Math.min(this.limit, limitMax)) : [];
  }

  override render() {
    const nowMs = this.mesh?.nowMs() ?? 0;
    const peers = this.mesh ? listedPeers(this.mesh) : [];
    // One tab stop in the list (roving): the entry last moved to, or the first with a peer.
    const hasPeer = (e: HistoryEntry | undefined) => e !== undefined && e.kind !== 'interval-change';
    const tabStop = hasPeer(this.entries[this.rovingIndex])
      ? this.rovingIndex
      : this.entries.findIndex(hasPeer);
    return html`
      <div class="bar">
        <span>${this.entries.length} event${this.entries.length === 1 ? '' : 's'}</span>
        <input
          part="filter"
          type="search"
          aria-label="Filter events by peer"
          placeholder="Filter by peer…"
          list="timeline-peers"
          .value=${this.peer}
          @input=${this.onInput}
        />
        <datalist id="timeline-peers">
          ${peers.length <= 200 ? peers.map((p) => html`<option value=${p.id}></option>`) : nothing}
        </datalist>
      </div>
      ${
        this.entries.length === 0
          ? html`<p class="empty">${this.mesh ? 'No events yet.' : 'No mesh connected.'}</p>`
          : html`<ol part="list" aria-label="Mesh events, newest first" @keydown=${this.onKeydown}>
              ${this.entries.map((entry, i) => this.renderEntry(entry, nowMs, i === tabStop))}
            </ol>`
      }
    `;
  }

  private renderEntry(entry: HistoryEntry, nowMs: number, tabStop: boolean) {
    const when = html`<time class="when" title="t = ${formatDuration(entry.atMs)}"
      >${formatAgo(entry.atMs, nowMs)}</time
    >`;
    const peer = html`<button
      class="peer"
      tabindex=${tabStop ? 0 : -1}
      @click=${() => this.select(entry.peer)}
    >
      ${entry.peer}
    </button>`;
    switch (entry.kind) {
      case 'interval-change':
        return html`<li part="entry">
          <span></span><span class="what">Probe period changed</span>${when}
          ${entry.reason ? html`<span class="why">${entry.reason}</span>` : nothing}
        </li>`;
      case 'join':
        return html`<li part="entry">
          <span style="color:var(--_healthy);display:inline-flex">${stateIcon('healthy')}</span>
          <span class="what">${peer} joined</span>${when}
        </li>`;
      case 'leave':
        return html`<li part="entry">
          <span style="color:var(--_left);display:inline-flex">${stateIcon('left')}</span>
          <span class="what">${peer} left</span>${when}
        </li>`;
      case 'status-change': {
        const to = entry.to ?? 'healthy';
        return html`<li part="entry">
          <span style="color:${stateDisplay[to].color};display:inline-flex">${stateIcon(to)}</span>
          <span class="what"
            >${peer} ${entry.from ? stateDisplay[entry.from].label.toLowerCase() : ''} →
            <strong>${stateDisplay[to].label.toLowerCase()}</strong></span
          >${when} ${entry.reason ? html`<span class="why">${entry.reason}</span>` : nothing}
        </li>`;
      }
    }
  }

  /** Arrow keys, Home and End move focus between the entries' peer buttons. */
  private readonly onKeydown = (e: KeyboardEvent): void => {
    const buttons = [...this.renderRoot.querySelectorAll<HTMLButtonElement>('ol button.peer')];
    const current = buttons.indexOf(e.target as HTMLButtonElement);
    if (current < 0) return;
    const moves: Record<string, number> = {
      ArrowDown: current + 1,
      ArrowUp: current - 1,
      Home: 0,
      End: buttons.length - 1,
    };
    const target = buttons[Math.max(0, Math.min(buttons.length - 1, moves[e.key] ?? -2))];
    if (moves[e.key] === undefined || !target) return;
    e.preventDefault();
    target.focus();
    const li = target.closest('li');
    this.rovingIndex = li ? [...li.parentElement!.children].indexOf(li) : 0;
  };

  private readonly onInput = (e: Event): void => {
    this.peer = (e.target as HTMLInputElement).value.trim();
    this.emit<FilterChangeDetail>('filter-change', { peer: this.peer });
  };

  private select(peer: PeerId): void {
    this.emit<PeerSelectDetail>('peer-select', { peer });
  }
}

/**
 * Newest `limit` entries whose peer id contains `filter`; interval changes only unfiltered. Entries
 * about a non-canonical id (a look-alike, see `member-evidence.ts`) are left out.
 */
export function pickEntries(mesh: MeshView, filter: string, limit: number): HistoryEntry[] {
  const known = filter ? mesh.peers().some((p) => p.id === filter) : false;
  const history = known ? mesh.history(filter) : mesh.history();
  const out: HistoryEntry[] = [];
  for (let i = history.length - 1; i >= 0 && out.length < limit; i--) {
    const entry = history[i];
    if (!entry) continue;
    if (filter && (entry.kind === 'interval-change' || !entry.peer.includes(filter))) continue;
    if (entry.kind !== 'interval-change' && !isCanonicalPeerId(entry.peer)) continue;
    out.push(entry);
  }
  return out;
}

declare global {
  interface HTMLElementTagNameMap {
    'pulse-timeline': PulseTimeline;
  }
}
