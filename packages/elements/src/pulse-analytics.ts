import { css, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { PeerId, PeerReport } from '@pulsemesh/core';
import { MeshElement, type PeerSelectDetail } from './mesh-element.js';
import { peerButtonStyles, themeStyles } from './theme.js';
import { formatDuration, formatNumber, formatRatio } from './format.js';

/** Rows shown at most. */
const limitMax = 500;

/**
 * The seed's reliability report: cluster availability, MTBF, MTTR, failures and recoveries, and
 * per peer the same figures plus failures per day and downtime, least available peers first.
 *
 * @fires peer-select - A peer in the table was activated. Detail: `{ peer }`.
 * @csspart summary - The cluster summary cards.
 * @csspart card - One summary card.
 * @csspart table - The per-peer table.
 */
@customElement('pulse-analytics')
export class PulseAnalytics extends MeshElement {
  static override styles = [
    themeStyles,
    peerButtonStyles,
    css`
      .summary {
        display: grid;
        grid-template-columns: repeat(auto-fit, minmax(9.5rem, 1fr));
        gap: 10px;
        margin: 0 0 12px;
      }
      .card {
        margin: 0;
        padding: 12px 14px;
        border: 1px solid var(--_border);
        border-radius: 10px;
        background: var(--_surface);
      }
      dt {
        color: var(--_muted);
        font-size: 0.78em;
        font-weight: 650;
        letter-spacing: 0.05em;
        text-transform: uppercase;
      }
      dd {
        margin: 4px 0 0;
        font-size: 1.35em;
        font-weight: 650;
      }
      .wrap {
        overflow: auto;
        border: 1px solid var(--_border);
        border-radius: 10px;
        background: var(--_bg);
      }
      table {
        width: 100%;
        min-width: 44rem;
        border-collapse: collapse;
      }
      caption {
        padding: 10px 12px;
        color: var(--_muted);
        text-align: left;
        font-size: 0.9em;
      }
      th,
      td {
        padding: 7px 12px;
        border-top: 1px solid var(--_border);
        text-align: right;
        white-space: nowrap;
      }
      thead th {
        color: var(--_muted);
        font-size: 0.78em;
        font-weight: 650;
        letter-spacing: 0.05em;
        text-transform: uppercase;
        background: var(--_surface);
      }
      th:first-child {
        text-align: left;
      }
      tbody th {
        font-weight: 400;
      }
      .avail {
        display: inline-flex;
        align-items: center;
        gap: 8px;
      }
      .bar {
        width: 60px;
        height: 6px;
        border-radius: 3px;
        background: var(--_border);
        overflow: hidden;
      }
      .bar > span {
        display: block;
        height: 100%;
      }
    `,
  ];
  protected static override pollIntervalMs = 5_000;

  /** Peers listed (least available first). Default 10, at most 500. */
  @property({ type: Number }) limit = 10;

  override render() {
    const mesh = this.mesh;
    if (!mesh) return html`<p>No mesh connected.</p>`;
    const report = mesh.analytics();
    const c = report.cluster;
    const perDay = report.peers.reduce((sum, p) => sum + p.failuresPerDay, 0);
    const worst = [...report.peers]
      .sort(
        (a, b) => a.availability - b.availability || b.failures - a.failures || (a.peer < b.peer ? -1 : 1),
      )
      .slice(0, Math.min(this.limit, limitMax));
    const card = (label: string, value: string) =>
      html`<div class="card" part="card">
        <dt>${label}</dt>
        <dd>${value}</dd>
      </div>`;
    return html`
      <dl class="summary" part="summary">
        ${card('Availability', formatRatio(c.availability, 2))} ${card('MTBF', formatDuration(c.mtbfMs))}
        ${card('MTTR', formatDuration(c.mttrMs))} ${card('Failures', String(c.failures))}
        ${card('Recoveries', String(c.recoveries))} ${card('Failures / day', formatNumber(perDay))}
      </dl>
      <div class="wrap">
        <table part="table">
          <caption>
            Least available peers (${worst.length} of ${report.peers.length})
          </caption>
          <thead>
            <tr>
              <th scope="col">Peer</th>
              <th scope="col">Availability</th>
              <th scope="col">Failures</th>
              <th scope="col">Per day</th>
              <th scope="col">MTBF</th>
              <th scope="col">MTTR</th>
              <th scope="col">Downtime</th>
            </tr>
          </thead>
          <tbody>
            ${worst.map((p) => this.renderRow(p))}
          </tbody>
        </table>
      </div>
    `;
  }

  private renderRow(p: PeerReport) {
    const color =
      p.availability >= 0.999
        ? 'var(--_healthy)'
        : p.availability >= 0.99
          ? 'var(--_suspected)'
          : 'var(--_failed)';
    return html`<tr data-peer=${p.peer}>
      <th scope="row"><button class="peer" @click=${() => this.select(p.peer)}>${p.peer}</button></th>
      <td>
        <span class="avail"
          ><span class="bar" aria-hidden="true"
            ><span style="width:${(p.availability * 100).toFixed(1)}%;background:${color}"></span></span
          >${formatRatio(p.availability, 2)}</span
        >
      </td>
      <td>${p.failures}</td>
      <td>${formatNumber(p.failuresPerDay)}</td>
      <td>${formatDuration(p.mtbfMs)}</td>
      <td>${formatDuration(p.mttrMs)}</td>
      <td>${formatDuration(p.downtimeMs)}</td>
    </tr>`;
  }

  private select(peer: PeerId): void {
    this.emit<PeerSelectDetail>('peer-select', { peer });
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'pulse-analytics': PulseAnalytics;
  }
}
