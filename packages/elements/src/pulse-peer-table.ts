import { html, nothing, type PropertyValues } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { PeerId, PeerState } from '@pulsemesh/core';
import { MeshElement, type PeerSelectDetail } from './mesh-element.js';
import {
  columnHelp,
  peerColumns,
  peerRow,
  sortPeers,
  type PeerColumn,
  type PeerRow,
} from './peer-columns.js';
import { cardStyles, moreColumnsHint, moreColumnsStyles, themeStyles } from './theme.js';
import { tableStyles } from './peer-table-styles.js';
import { listedPeers } from './member-evidence.js';

export type { PeerSelectDetail };

/** Detail of the `sort-change` event. */
export interface SortChangeDetail {
  sortBy: PeerColumn;
  descending: boolean;
}

/** Row height (px); fixed so the visible window is computed, not measured. */
const rowHeightPx = 36;
/** Height of the sticky header row (px), see `tableStyles`. */
const headerHeightPx = 38;
/** Rows rendered above and below the viewport. */
const overscanRows = 6;

/**
 * Sortable, virtualised list of every peer: id, state and since when, RTT (with a sparkline) and
 * jitter, loss, the direct link's network path (host, srflx or relay and UDP/TCP, when the mesh
 * reports it: `linkPath(peer)`), phi, lifecycle, incarnation, load and uptime. Only the rows in view (plus a few)
 * are in the DOM, so thousands of peers cost the same as thirty.
 *
 * Keyboard: Tab reaches the sort buttons and the current row; Arrow keys, Home, End, Page Up and
 * Page Down move between rows; Enter or Space selects the row.
 *
 * @fires peer-select - A row was clicked or activated by keyboard. Detail: `{ peer }`.
 * @fires sort-change - The sort column or direction changed. Detail: `{ sortBy, descending }`.
 * @csspart scroller - The scrolling box around the table (set its height with `--pulse-table-height`).
 * @csspart table - The `<table>`.
 * @csspart hint - "More columns to the right", shown while the element is narrower than the table.
 * A `failed` peer whose signaling session the mesh still sees open (`signalPresent(peer)`) is
 * shown as **Unreachable**: alive, no path from here (its relay died, a route was cut), not a crash.
 *
 * @csspart row - A peer row (also `row selected` for the selected one); it carries `data-peer`
 *   (the id), `data-state` (the detector's state) and, for such a peer, `data-reach="unreachable"`
 *   (also for a member the signaling room admitted but never linked nor heard within the stall
 *   tolerance; `data-reach="joining"` before that: its state reads Joining, not counted; and
 *   `data-reach="far"` for one the mesh never tried to link to: it reads Not linked (far)),
 *   for tests and styling; a peer flagged as a liar (`PeerSnapshot.liar`) has `data-liar="true"`
 *   and a “liar” badge by its id; a `failed` known only through gossip (`secondHand`) has a
 *   “2nd-hand” badge by its state (each badge explains itself in its tooltip).
 * @cssprop --pulse-table-height - Height of the scrolling box. Default 420px.
 */
@customElement('pulse-peer-table')
export class PulsePeerTable extends MeshElement {
  // The hint shows while the host's content box is narrower than the table's 76rem.
  static override styles = [themeStyles, cardStyles, tableStyles, moreColumnsStyles('76rem')];
  protected static override pollIntervalMs = 1_000;

  /** Column to sort by. Default `state` (most urgent first). */
  @property({ attribute: 'sort-by' }) sortBy: PeerColumn = 'state';
  /** Sort in descending order. */
  @property({ type: Boolean, reflect: true }) descending = false;
  /** Id of the selected peer, highlighted in the table. */
  @property({ reflect: true }) selected: PeerId | undefined;
  /** Show only peers in this state (empty: all). */
  @property({ attribute: 'state-filter' }) stateFilter: PeerState | '' = '';

  @state() private scrollTopPx = 0;
  @state() private viewportPx = 600;
  /** Index (in sorted order) of the row that holds the roving tab stop. */
  @state() private activeIndex = 0;
  private rows: PeerRow[] = [];
  private focusAfterUpdate = false;
  private syncScroll = false;
  private scrollFrame = 0;
  private readonly resizeObserver = new ResizeObserver((entries) => {
    const height = entries[0]?.contentRect.height;
    if (height && height !== this.viewportPx) this.viewportPx = height;
  });

  /** The peers in the current sort and filter order (as last rendered). */
  get sortedPeers(): readonly PeerRow[] {
    return this.rows;
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.resizeObserver.disconnect();
    cancelAnimationFrame(this.scrollFrame);
  }

  protected override firstUpdated(): void {
    const scroller = this.renderRoot.querySelector('.scroller');
    if (scroller) this.resizeObserver.observe(scroller);
  }

  protected override willUpdate(_changed: PropertyValues<this>): void {
    const mesh = this.mesh;
    const column = peerColumns.find((c) => c.key === this.sortBy) ?? peerColumns[1];
    if (!mesh || !column) {
      this.rows = [];
      return;
    }
    const listed = listedPeers(mesh);
    const peers = this.stateFilter ? listed.filter((p) => p.state === this.stateFilter) : listed;
    const rows: PeerRow[] = peers.map((p) => peerRow(mesh, p));
    this.rows = sortPeers(rows, column, this.descending, mesh.nowMs());
    if (this.selected !== undefined && _changed.has('selected')) {
      const index = this.rows.findIndex((p) => p.id === this.selected);
      if (index >= 0) {
        this.activeIndex = index;
        this.scrollToRow(index);
      }
    }
    this.activeIndex = Math.min(this.activeIndex, Math.max(0, this.rows.length - 1));
  }

  protected override updated(): void {
    if (this.syncScroll) {
      // A row revealed by keyboard or by a selection made elsewhere (graph, timeline).
      this.syncScroll = false;
      const scroller = this.renderRoot.querySelector<HTMLElement>('.scroller');
      if (scroller) scroller.scrollTop = this.scrollTopPx;
    }
    if (!this.focusAfterUpdate) return;
    this.focusAfterUpdate = false;
    this.renderRoot.querySelector<HTMLElement>('tbody button[tabindex="0"]')?.focus();
  }

  override render() {
    const nowMs = this.mesh?.nowMs() ?? 0;
    const total = this.rows.length;
    const first = Math.max(0, Math.floor(this.scrollTopPx / rowHeightPx) - overscanRows);
    const last = Math.min(
      total,
      Math.ceil((this.scrollTopPx + this.viewportPx) / rowHeightPx) + overscanRows,
    );
    // The tab stop lives on the active row if it is rendered, else on the first rendered row.
    const tabIndex = this.activeIndex >= first && this.activeIndex < last ? this.activeIndex : first;
    return html`
      <div class="scroller" part="scroller" @scroll=${this.onScroll}>
        <table part="table" aria-label="Peers" aria-rowcount=${total + 1}>
          <colgroup>
            ${peerColumns.map((c) => html`<col style="width:${c.width}" />`)}
          </colgroup>
          <thead>
            <tr aria-rowindex="1">
              ${peerColumns.map((c) => this.renderHeader(c.key, c.label, c.numeric))}
            </tr>
          </thead>
          <tbody @keydown=${this.onKeydown}>
            ${first > 0 ? this.spacer(first * rowHeightPx) : nothing}
            ${this.rows.slice(first, last).map((peer, offset) => {
              const index = first + offset;
              const selected = peer.id === this.selected;
              return html`<tr
                part=${selected ? 'row selected' : 'row'}
                class=${selected ? 'selected' : ''}
                aria-rowindex=${index + 2}
                data-peer=${peer.id}
                data-state=${peer.state}
                data-reach=${peer.unreachable ? 'unreachable' : (peer.admission ?? nothing)}
                data-liar=${peer.liar ? 'true' : nothing}
                @click=${() => this.select(peer.id, index)}
              >
                ${peerColumns.map((c, i) =>
                  i === 0
                    ? html`<th scope="row">
                        <button
                          class="row-button"
                          tabindex=${index === tabIndex ? 0 : -1}
                          aria-current=${selected ? 'true' : 'false'}
                          @click=${(e: Event) => {
                            e.stopPropagation();
                            this.select(peer.id, index);
                          }}
                        >
                          ${c.cell(peer, nowMs)}
                        </button>
                      </th>`
                    : html`<td class=${c.numeric ? 'num' : ''}>${c.cell(peer, nowMs)}</td>`,
                )}
              </tr>`;
            })}
            ${last < total ? this.spacer((total - last) * rowHeightPx) : nothing}
          </tbody>
        </table>
        ${
          total === 0
            ? html`<p class="empty">${this.mesh ? 'No peers to show.' : 'No mesh connected.'}</p>`
            : nothing
        }
      </div>
      ${moreColumnsHint}
    `;
  }

  private renderHeader(key: PeerColumn, label: string, numeric: boolean) {
    const active = key === this.sortBy;
    const sort = active ? (this.descending ? 'descending' : 'ascending') : 'none';
    return html`<th scope="col" aria-sort=${sort} class=${numeric ? 'num' : ''}>
      <button class="sort" data-column=${key} title=${columnHelp[key]} @click=${() => this.sortOn(key)}>
        ${label}<span class="arrow" aria-hidden="true"></span>
      </button>
    </th>`;
  }

  private spacer(heightPx: number) {
    return html`<tr class="spacer" aria-hidden="true">
      <td colspan=${peerColumns.length} style="height:${heightPx}px"></td>
    </tr>`;
  }

  private sortOn(key: PeerColumn): void {
    if (key === this.sortBy) this.descending = !this.descending;
    else {
      this.sortBy = key;
      this.descending = false;
    }
    this.emit<SortChangeDetail>('sort-change', { sortBy: this.sortBy, descending: this.descending });
  }

  private select(peer: PeerId, index: number): void {
    this.selected = peer;
    this.activeIndex = index;
    this.emit<PeerSelectDetail>('peer-select', { peer });
  }

  private readonly onScroll = (e: Event): void => {
    const target = e.currentTarget as HTMLElement;
    cancelAnimationFrame(this.scrollFrame);
    this.scrollFrame = requestAnimationFrame(() => {
      this.scrollTopPx = target.scrollTop;
    });
  };

  private readonly onKeydown = (e: KeyboardEvent): void => {
    const pageRows = Math.max(1, Math.floor(this.viewportPx / rowHeightPx) - 1);
    const moves: Record<string, number> = {
      ArrowDown: this.activeIndex + 1,
      ArrowUp: this.activeIndex - 1,
      PageDown: this.activeIndex + pageRows,
      PageUp: this.activeIndex - pageRows,
      Home: 0,
      End: this.rows.length - 1,
    };
    const target = moves[e.key];
    if (target === undefined) return;
    e.preventDefault();
    this.activeIndex = Math.max(0, Math.min(this.rows.length - 1, target));
    this.scrollToRow(this.activeIndex);
    this.focusAfterUpdate = true;
  };

  /**
   * Sets `scrollTopPx` so row `index` is fully visible below the sticky header (a state change
   * inside `willUpdate` or an event handler: no extra update); `updated` writes it to the DOM.
   */
  private scrollToRow(index: number): void {
    const topPx = index * rowHeightPx;
    // Measured now: the ResizeObserver may not have reported the first size yet.
    const viewportPx =
      this.renderRoot.querySelector<HTMLElement>('.scroller')?.clientHeight || this.viewportPx;
    const visiblePx = viewportPx - headerHeightPx;
    if (topPx < this.scrollTopPx) this.scrollTopPx = topPx;
    else if (topPx + rowHeightPx > this.scrollTopPx + visiblePx) {
      this.scrollTopPx = topPx + rowHeightPx - visiblePx;
    }
    this.syncScroll = true;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'pulse-peer-table': PulsePeerTable;
  }
}
