import { css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import {
  isCanonicalPeerId,
  MIN_OBSERVED_MS,
  type AnalyticsReport,
  type AnalyticsWindow,
  type PeerId,
  type PeerReport,
} from '@pulsemesh/core';
import { MeshElement, type PeerSelectDetail } from './mesh-element.js';
import {
  moreColumnsHint,
  moreColumnsStyles,
  peerButtonStyles,
  reportTableStyles,
  themeStyles,
} from './theme.js';
import { formatDuration, formatNumber, formatRatio, NONE } from './format.js';
import {
  AnalyticsSpan,
  exportLabels,
  spanLabels,
  type ExportKind,
  type HistoryView,
} from './history-view.js';

/** Rows shown at most. */
const limitMax = 500;

/** Detail of the `window-change` event. */
export interface WindowChangeDetail {
  window: AnalyticsSpan;
}

/** A report with what it may claim: figures under {@link MIN_OBSERVED_MS} of observation show "—". */
interface Shown {
  report: AnalyticsReport;
  claims: (p: PeerReport) => boolean;
  clusterClaims: boolean;
  /** The window (epoch ms), for kept-history spans. */
  fromMs?: number;
  toMs?: number;
}

const goneText = 'failed and not back since: its time away is not counted, observation ended when it failed';
const unclaimed = `observed less than ${MIN_OBSERVED_MS / 60_000} min: too little to claim a rate`;

/**
 * The reliability report: cluster availability, MTBF, MTTR, failures and recoveries, and per peer
 * the same figures plus failures per day and downtime, least available peers first. Over this
 * session (from the mesh) or, given a kept `history`, over the last hour, day or week (a selector
 * offers them and the window is shown). Availability, MTBF, MTTR and failures per day resting on
 * less than 10 minutes of observation (`MIN_OBSERVED_MS`) show "—": one failure in a minute is not
 * "1,440 a day".
 *
 * @fires peer-select - A peer in the table was activated. Detail: `{ peer }`.
 * @fires window-change - The user picked another window. Detail: `{ window }`.
 * With a kept `history` that exports (`DurableHistory`), the window bar offers the history as
 * JSON, the history as CSV and the analytics as CSV, downloaded as files (analytics over the
 * window shown; the last day for the session).
 *
 * @csspart window - The window selector and the window shown.
 * @csspart export - The export buttons (with a kept history).
 * @csspart summary - The cluster summary cards.
 * @csspart card - One summary card.
 * @csspart table - The per-peer table.
 * @csspart hint - "More columns to the right", shown while the element is narrower than the table.
 */
@customElement('pulse-analytics')
export class PulseAnalytics extends MeshElement {
  static override styles = [
    themeStyles,
    peerButtonStyles,
    reportTableStyles,
    moreColumnsStyles('44.2rem'), // the table's 44rem and the box's border
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
        min-width: 44rem;
      }
      .cap {
        position: sticky;
        left: 0;
        margin: 0;
        padding: 10px 12px;
        color: var(--_muted);
        font-size: 0.9em;
      }
      th,
      td {
        text-align: right;
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
      .window {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        gap: 6px 12px;
        margin: 0 0 10px;
        padding: 8px 12px;
        border: 1px solid var(--_border);
        border-radius: 10px;
        background: var(--_bg);
        color: var(--_text);
        font-size: 0.9em;
      }
      .window select,
      .window button {
        margin-left: 6px;
        font: inherit;
        color: var(--_text);
        background: var(--_surface);
        border: 1px solid var(--_border);
        border-radius: 6px;
        padding: 2px 6px;
      }
    `,
  ];
  protected static override pollIntervalMs = 5_000;

  /** Peers listed (least available first). Default 10, at most 500. */
  @property({ type: Number }) limit = 10;

  /** A kept history (`DurableHistory`): enables the hour, day and week windows. */
  @property({ attribute: false }) history: HistoryView | undefined;

  /**
   * What the report covers: `session` (default; this run, from the mesh) or `hour`, `day`, `week`
   * of the kept `history` (without one, the session).
   */
  @property({ reflect: true }) window: AnalyticsSpan = 'session';

  /** The object URL of the last export (revoked at the next one or when removed). */
  private exportUrl = '';

  private shown(): Shown | undefined {
    const span = this.history && this.window !== 'session' ? this.window : 'session';
    if (span !== 'session' && this.history) {
      const w = this.history.analytics(span);
      return {
        report: w,
        claims: (p) => w.claims[p.peer] === true,
        clusterClaims: w.clusterClaims,
        fromMs: w.fromMs,
        toMs: w.toMs,
      };
    }
    const report = this.mesh?.analytics();
    if (!report) return undefined;
    return {
      report,
      claims: (p) => p.observedMs >= MIN_OBSERVED_MS,
      clusterClaims: report.cluster.observedMs >= MIN_OBSERVED_MS,
    };
  }

  override render() {
    const shown = this.shown();
    if (!shown) return html`<p>No mesh connected.</p>`;
    const { report, claims, clusterClaims } = shown;
    const c = report.cluster;
    const perDay = report.peers.reduce((sum, p) => sum + p.failuresPerDay, 0);
    // Peers with a claim first (least available first), then the rest by failures; a
    // non-canonical id (a look-alike, see `member-evidence.ts`) is not listed.
    const worst = report.peers
      .filter((p) => isCanonicalPeerId(p.peer))
      .sort(
        (a, b) =>
          Number(claims(b)) - Number(claims(a)) ||
          (claims(a) ? a.availability - b.availability : 0) ||
          b.failures - a.failures ||
          (a.peer < b.peer ? -1 : 1),
      )
      .slice(0, Math.min(this.limit, limitMax));
    const card = (label: string, value: string, claimed = true) =>
      html`<div class="card" part="card">
        <dt>${label}</dt>
        <dd title=${claimed ? nothing : unclaimed}>${claimed ? value : NONE}</dd>
      </div>`;
    // Peers that failed and were reaped without coming back: observation ends when they failed, so
    // their downtime stops there (decision 0018); "0 ms" alone read as if the failure cost nothing.
    const gone = new Set<PeerId>();
    for (const p of this.mesh?.pastMembers?.() ?? []) if (p.ended === 'failed') gone.add(p.id);
    for (const p of this.history?.pastMembers() ?? []) if (p.ended === 'failed') gone.add(p.peer);
    return html`
      ${this.renderWindow(shown)}
      <dl class="summary" part="summary">
        ${card('Availability', formatRatio(c.availability, 2), clusterClaims)}
        ${card('MTBF', formatDuration(c.mtbfMs), clusterClaims)}
        ${card('MTTR', formatDuration(c.mttrMs), clusterClaims)} ${card('Failures', String(c.failures))}
        ${card('Recoveries', String(c.recoveries))}
        ${card('Failures / day', formatNumber(perDay), clusterClaims)}
      </dl>
      <div class="wrap">
        <p class="cap" id="cap">
          Least available peers (${worst.length} of ${report.peers.length}). ${NONE}: observed less than
          ${MIN_OBSERVED_MS / 60_000} min, too little to claim a rate. Gone: failed and not back since.
        </p>
        <table part="table" aria-labelledby="cap">
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
            ${worst.map((p) => this.renderRow(p, claims(p), gone.has(p.peer)))}
          </tbody>
        </table>
      </div>
      ${moreColumnsHint}
    `;
  }

  private renderWindow(shown: Shown) {
    const spans = this.history ? Object.values(AnalyticsSpan) : [AnalyticsSpan.session];
    const current = this.history ? this.window : AnalyticsSpan.session;
    const range =
      shown.fromMs === undefined || shown.toMs === undefined
        ? html`since this peer started, ${formatDuration(shown.report.cluster.observedMs)} observed in all`
        : html`<time datetime=${new Date(shown.fromMs).toISOString()}>${formatWhen(shown.fromMs)}</time> –
            <time datetime=${new Date(shown.toMs).toISOString()}>${formatWhen(shown.toMs)}</time>, every kept
            session`;
    return html`<div class="window" part="window">
      <label
        >Window
        <select @change=${this.onWindow} ?disabled=${spans.length === 1}>
          ${spans.map((s) => html`<option value=${s} ?selected=${s === current}>${spanLabels[s]}</option>`)}
        </select></label
      >
      <span class="range">${range}</span>
      ${
        this.history?.exportFile
          ? html`<span
              part="export"
              title="the kept history; analytics over ${spanLabels[this.exportWindow()]}"
              >Export
              ${Object.entries(exportLabels).map(
                ([kind, label]) =>
                  html`<button data-export=${kind} @click=${() => this.download(kind as ExportKind)}>
                    ${label}
                  </button>`,
              )}</span
            >`
          : nothing
      }
    </div>`;
  }

  /** The window an export's analytics cover: the one shown, or the last day for the session. */
  private exportWindow(): AnalyticsWindow {
    return this.window === AnalyticsSpan.session ? AnalyticsSpan.day : this.window;
  }

  /** Downloads an export of the kept history (a link to a Blob, clicked). */
  private download(kind: ExportKind): void {
    const file = this.history?.exportFile?.(kind, this.exportWindow());
    if (!file) return;
    URL.revokeObjectURL(this.exportUrl); // the previous download's, kept until now so it can finish
    this.exportUrl = URL.createObjectURL(new Blob([file.body], { type: file.type }));
    const link = document.createElement('a');
    link.href = this.exportUrl;
    link.download = file.name;
    this.renderRoot.append(link);
    link.click();
    link.remove();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    URL.revokeObjectURL(this.exportUrl);
  }

  private readonly onWindow = (e: Event): void => {
    this.window = (e.currentTarget as HTMLSelectElement).value as AnalyticsSpan;
    this.emit<WindowChangeDetail>('window-change', { window: this.window });
  };

  private renderRow(p: PeerReport, claimed: boolean, gone: boolean) {
    const color =
      p.availability >= 0.999
        ? 'var(--_healthy)'
        : p.availability >= 0.99
          ? 'var(--_suspected)'
          : 'var(--_failed)';
    const claim = (text: string) => (claimed ? text : html`<span title=${unclaimed}>${NONE}</span>`);
    return html`<tr data-peer=${p.peer} data-claimed=${claimed}>
      <th scope="row"><button class="peer" @click=${() => this.select(p.peer)}>${p.peer}</button></th>
      <td>
        ${
          claimed
            ? html`<span class="avail"
                ><span class="bar" aria-hidden="true"
                  ><span style="width:${(p.availability * 100).toFixed(1)}%;background:${color}"></span></span
                >${formatRatio(p.availability, 2)}</span
              >`
            : claim('')
        }
      </td>
      <td>${p.failures}</td>
      <td>${claim(formatNumber(p.failuresPerDay))}</td>
      <td>${claim(formatDuration(p.mtbfMs))}</td>
      <td>${claim(formatDuration(p.mttrMs))}</td>
      <td title=${gone ? goneText : nothing}>
        ${gone ? (p.downtimeMs > 0 ? `${formatDuration(p.downtimeMs)} + gone` : 'gone') : formatDuration(p.downtimeMs)}
      </td>
    </tr>`;
  }

  private select(peer: PeerId): void {
    this.emit<PeerSelectDetail>('peer-select', { peer });
  }
}

/** An epoch time as the window line shows it: date and time to the minute, in the page's locale. */
function formatWhen(ms: number): string {
  return new Date(ms).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

declare global {
  interface HTMLElementTagNameMap {
    'pulse-analytics': PulseAnalytics;
  }
}
