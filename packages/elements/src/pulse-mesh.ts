import { html, nothing, type PropertyValues, type TemplateResult } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { PeerId, PeerState } from '@pulsemesh/core';
import { MeshElement, type PeerSelectDetail } from './mesh-element.js';
import { startOwnMesh, type OwnedMesh } from './own-mesh.js';
import { stateDisplay } from './state-display.js';
import { themeStyles } from './theme.js';
import { meshStyles } from './pulse-mesh-styles.js';
import type { StateSelectDetail } from './pulse-health.js';
import type { AnalyticsSpan, HistoryView } from './history-view.js';
import type { WindowChangeDetail } from './pulse-analytics.js';
import './pulse-health.js';
import './pulse-past-members.js';
import './pulse-topology.js';
import './pulse-peer-table.js';
import './pulse-timeline.js';
import './pulse-analytics.js';

/** Index of the last part mounted (0 health, 1 table, 2 topology, 3 timeline, 4 past members
 * and analytics). */
const stageLast = 4;

/** Detail of the `mesh-error` event. */
export interface MeshErrorDetail {
  message: string;
}

/**
 * The all-in-one dashboard: cluster health, topology, event timeline, peer table, past members
 * and reliability report of one mesh, in a grid that goes from one column (narrow) to two (wide).
 * The health, the table and the graph show the present (live members); peers that failed or left
 * are reaped after `reapAfterMs` into "Past members". Give it a kept `history`
 * (`DurableHistory`) and the past members and analytics span reloads and restarts, over a window
 * the user picks (`analytics-window`).
 *
 * Give it a mesh through the `mesh` property (a `Detector` or any `MeshView` the app already
 * runs), or connection attributes (`signal-url`, `room`, optional `token` and `preset`) and it
 * starts its own peer with `@pulsemesh/webrtc` (loaded on demand) and closes it when removed.
 *
 * Selecting a peer anywhere highlights it in the graph and table and filters the timeline;
 * activating a state count in the health card filters the table to that state.
 *
 * @fires peer-select - Bubbled from the inner elements when a peer is activated. Detail: `{ peer }`.
 * @fires mesh-ready - Its own peer started (attribute mode). Detail: `{ localId }`.
 * @fires mesh-error - Its own peer could not start. Detail: `{ message }`.
 * @fires window-change - The analytics window was changed by the user. Detail: `{ window }`.
 * @csspart header - The title bar.
 * @csspart health - The `<pulse-health>` card.
 * @csspart topology - The `<pulse-topology>` graph.
 * @csspart timeline - The `<pulse-timeline>` list.
 * @csspart table - The `<pulse-peer-table>`.
 * @csspart past - The `<pulse-past-members>` list.
 * @csspart analytics - The `<pulse-analytics>` report.
 * @cssprop --pulse-gap - Space between cards. Default 16px.
 */
@customElement('pulse-mesh')
export class PulseMesh extends MeshElement {
  static override styles = [themeStyles, meshStyles];

  /** Heading of the dashboard. */
  @property() heading = 'Mesh health';
  /** Signaling server URL (`ws://` or `wss://`); with `room`, the element runs its own peer. */
  @property({ attribute: 'signal-url' }) signalUrl = '';
  /** Room to join on the signaling server. */
  @property() room = '';
  /** Optional signaling token. */
  @property() token = '';
  /** Optional detector preset name (`lan`, `wan`, `browser`). */
  @property() preset = '';
  /** A kept history (`DurableHistory`): past members of earlier sessions, windowed analytics. */
  @property({ attribute: false }) history: HistoryView | undefined;
  /** The analytics window: `session` (default), or `hour`, `day`, `week` of the kept `history`. */
  @property({ attribute: 'analytics-window', reflect: true }) analyticsWindow: AnalyticsSpan = 'session';
  /** Selected peer, shared by the graph, the table and the timeline filter. */
  @property({ reflect: true }) selected: PeerId | undefined;

  @state() private stateFilter: PeerState | '' = '';
  /** How many parts are mounted: they mount one per frame, so no single task renders them all. */
  @state() private stage = 0;
  private stageFrame = 0;
  @state() private startError = '';
  @state() private starting = false;
  private owned: OwnedMesh | undefined;
  private startGeneration = 0;

  override connectedCallback(): void {
    super.connectedCallback();
    void this.startIfWanted();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    cancelAnimationFrame(this.stageFrame);
    this.stageFrame = 0;
    this.stopOwn();
  }

  /** Resolves once every part of the dashboard is mounted and rendered. */
  async partsReady(): Promise<void> {
    while (this.mesh && this.stage < stageLast) {
      await this.updateComplete;
      await new Promise((resolve) => requestAnimationFrame(resolve));
    }
    await this.updateComplete;
  }

  protected override updated(): void {
    if (this.mesh && this.stage < stageLast && this.stageFrame === 0) {
      this.stageFrame = requestAnimationFrame(() => {
        this.stageFrame = 0;
        this.stage++;
      });
    }
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('mesh')) this.stage = 0;
    if (changed.has('mesh') && this.owned && this.mesh !== this.owned) this.stopOwn(false);
    const connection = ['signalUrl', 'room', 'token', 'preset'] as const;
    // Before the first update, connectedCallback may have started already (attributes in the
    // markup); attributes set by script after connecting (and before the first render) start here.
    const startedOnConnect = !this.hasUpdated && this.starting;
    if (!startedOnConnect && connection.some((k) => changed.has(k))) {
      if (this.owned) this.stopOwn();
      void this.startIfWanted();
    }
  }

  private async startIfWanted(): Promise<void> {
    if (this.mesh || !this.signalUrl || !this.room || !this.isConnected) return;
    const generation = ++this.startGeneration;
    this.starting = true;
    this.startError = '';
    const result = await startOwnMesh({
      signalUrl: this.signalUrl,
      room: this.room,
      ...(this.token ? { token: this.token } : {}),
      ...(this.preset ? { preset: this.preset } : {}),
    });
    if (generation !== this.startGeneration || !this.isConnected) {
      if (!(result instanceof Error)) void result.close();
      return;
    }
    this.starting = false;
    if (result instanceof Error) {
      this.startError = result.message;
      this.dispatchEvent(
        new CustomEvent<MeshErrorDetail>('mesh-error', { detail: { message: result.message } }),
      );
      return;
    }
    this.owned = result;
    this.mesh = result;
    this.dispatchEvent(new CustomEvent('mesh-ready', { detail: { localId: result.localId } }));
  }

  private stopOwn(clearMesh = true): void {
    this.startGeneration++;
    this.starting = false;
    const owned = this.owned;
    this.owned = undefined;
    if (!owned) return;
    if (clearMesh && this.mesh === owned) this.mesh = undefined;
    void owned.close();
  }

  override render() {
    const mesh = this.mesh;
    return html`
      <div class="header" part="header">
        <h2>${this.heading}</h2>
        ${
          mesh
            ? html`<span class="who"
                >You are
                <code>${mesh.localId}</code
                >${this.room ? html` · room <code>${this.room}</code>` : nothing}</span
              >`
            : nothing
        }
      </div>
      ${mesh ? this.renderGrid() : this.renderStatus()}
    `;
  }

  private renderStatus() {
    if (this.startError) {
      return html`<p class="status error" role="alert">Could not start the mesh: ${this.startError}</p>`;
    }
    if (this.starting) return html`<p class="status" role="status">Connecting to ${this.signalUrl}…</p>`;
    return html`<p class="status">
      No mesh: set the <code>mesh</code> property, or <code>signal-url</code> and <code>room</code>.
    </p>`;
  }

  private renderGrid() {
    const theme = this.theme;
    const filter = this.stateFilter;
    return html`<div
      class="grid"
      @peer-select=${this.onPeerSelect}
      @state-select=${this.onStateSelect}
      @filter-change=${this.onFilterChange}
    >
      <pulse-health class="wide" part="health" theme=${theme} .mesh=${this.mesh}></pulse-health>
      <section aria-labelledby="h-topology">
        <h3 id="h-topology">Topology</h3>
        ${this.staged(
          2,
          html`<pulse-topology
            part="topology"
            theme=${theme}
            .mesh=${this.mesh}
            .selected=${this.selected}
          ></pulse-topology>`,
        )}
      </section>
      <section aria-labelledby="h-timeline">
        <h3 id="h-timeline">Events</h3>
        ${this.staged(
          3,
          html`<pulse-timeline
            part="timeline"
            theme=${theme}
            .mesh=${this.mesh}
            .peer=${this.selected ?? ''}
          ></pulse-timeline>`,
        )}
      </section>
      <section class="wide" aria-labelledby="h-peers">
        <h3 id="h-peers">
          Peers
          ${
            filter
              ? html`<button
                  class="chip"
                  @click=${() => (this.stateFilter = '')}
                  aria-label="Clear filter: ${stateDisplay[filter].label}"
                >
                  ${stateDisplay[filter].label} only <span aria-hidden="true">✕</span>
                </button>`
              : nothing
          }
        </h3>
        ${this.staged(
          1,
          html`<pulse-peer-table
            part="table"
            theme=${theme}
            .mesh=${this.mesh}
            .selected=${this.selected}
            .stateFilter=${filter}
          ></pulse-peer-table>`,
        )}
      </section>
      <section class="wide" aria-labelledby="h-past">
        <h3 id="h-past">Past members</h3>
        ${this.staged(
          4,
          html`<pulse-past-members
            part="past"
            theme=${theme}
            .mesh=${this.mesh}
            .history=${this.history}
          ></pulse-past-members>`,
        )}
      </section>
      <section class="wide" aria-labelledby="h-analytics">
        <h3 id="h-analytics">Reliability</h3>
        ${this.staged(
          4,
          html`<pulse-analytics
            part="analytics"
            theme=${theme}
            .mesh=${this.mesh}
            .history=${this.history}
            .window=${this.analyticsWindow}
            @window-change=${this.onWindowChange}
          ></pulse-analytics>`,
        )}
      </section>
    </div>`;
  }

  private staged(stage: number, part: TemplateResult) {
    return this.stage >= stage ? part : html`<div class="placeholder part-${stage}"></div>`;
  }

  private readonly onWindowChange = (e: CustomEvent<WindowChangeDetail>): void => {
    this.analyticsWindow = e.detail.window;
  };

  private readonly onPeerSelect = (e: CustomEvent<PeerSelectDetail>): void => {
    this.selected = e.detail.peer;
  };

  private readonly onFilterChange = (e: CustomEvent<{ peer: string }>): void => {
    if (e.detail.peer === '') this.selected = undefined;
  };

  private readonly onStateSelect = (e: CustomEvent<StateSelectDetail>): void => {
    this.stateFilter = this.stateFilter === e.detail.state ? '' : e.detail.state;
  };
}

declare global {
  interface HTMLElementTagNameMap {
    'pulse-mesh': PulseMesh;
  }
}
