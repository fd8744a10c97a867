import { html, type PropertyValues } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { PeerId, PeerState } from '@pulsemesh/core';
import { MeshElement, type PeerSelectDetail } from './mesh-element.js';
import { TopologyLayout, type TopologyNode } from './topology-layout.js';
import {
  drawTopology,
  fitViewport,
  nodeRadius,
  type TopologyPalette,
  type Viewport,
} from './topology-draw.js';
import { stateDisplay, stateIcon, stateOrder } from './state-display.js';
import { cardStyles, themeStyles } from './theme.js';
import { topologyStyles } from './pulse-topology-styles.js';
import { formatMs } from './format.js';
import { dashboardHealth, listedPeers } from './member-evidence.js';

/** Wall-clock budget of layout ticks per animation frame (ms), so layout never blocks input. */
const layoutBudgetMs = 6;

/**
 * The mesh as a graph on a canvas: the local peer in the middle, a link to every peer it probes
 * directly (fainter for higher RTT), peers coloured and shaped by state. The layout (d3-force)
 * keeps nodes by id, so a state change repaints without moving anything and a join or leave
 * only nudges the neighbours. Layout ticks run in small per-frame slices; drawing batches nodes
 * by state, so hundreds or thousands of peers stay smooth.
 *
 * Keyboard: focus the graph, then Arrow keys move between peers (around the circle), Home/End
 * jump, Enter or Space selects. The focused peer is announced.
 *
 * @fires peer-select - A node was clicked or activated by keyboard. Detail: `{ peer }`.
 * @csspart canvas - The drawing surface (inside a focusable group).
 * @csspart legend - The state legend under the graph.
 * @cssprop --pulse-topology-height - Height of the graph. Default 360px.
 */
@customElement('pulse-topology')
export class PulseTopology extends MeshElement {
  static override styles = [themeStyles, cardStyles, topologyStyles];
  protected static override pollIntervalMs = 1_000;

  /** Id of the selected peer (ringed). */
  @property({ reflect: true }) selected: PeerId | undefined;

  @state() private focusedId: PeerId | undefined;
  private get canvas(): HTMLCanvasElement | null {
    return this.renderRoot.querySelector('canvas');
  }
  private layout: TopologyLayout | undefined;
  private view: Viewport | undefined;
  private hoveredId: PeerId | undefined;
  private frame = 0;
  private widthPx = 0;
  private heightPx = 0;
  private readonly resizeObserver = new ResizeObserver((entries) => {
    const box = entries[0]?.contentRect;
    if (!box) return;
    this.widthPx = box.width;
    this.heightPx = box.height;
    this.view = undefined;
    this.scheduleFrame();
  });

  /** The layout, for tests: positions by peer id. */
  get graph(): TopologyLayout | undefined {
    return this.layout;
  }

  /** Where a peer is drawn, in CSS px relative to the canvas (for tests and overlays). */
  screenPosition(id: PeerId): { x: number; y: number } | undefined {
    const position = this.layout?.position(id);
    if (!position || !this.view) return undefined;
    return {
      x: position.x * this.view.scale + this.view.offsetX,
      y: position.y * this.view.scale + this.view.offsetY,
    };
  }

  /** Resolves when the layout has settled and the last frame is drawn. */
  async settled(timeoutMs = 10_000): Promise<void> {
    const start = performance.now();
    await this.updateComplete;
    while (this.layout?.running || this.frame !== 0 || !this.view) {
      if (performance.now() - start > timeoutMs) throw new Error('topology layout did not settle');
      await new Promise((resolve) => requestAnimationFrame(resolve));
    }
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.resizeObserver.disconnect();
    cancelAnimationFrame(this.frame);
    this.frame = 0;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    if (this.hasUpdated) this.observeSize();
  }

  protected override firstUpdated(): void {
    this.observeSize();
  }

  private observeSize(): void {
    const surface = this.renderRoot.querySelector('.surface');
    if (surface) this.resizeObserver.observe(surface);
  }

  protected override updated(_changed: PropertyValues<this>): void {
    const mesh = this.mesh;
    if (!mesh) return;
    if (!this.layout || _changed.has('mesh')) {
      this.layout = new TopologyLayout(mesh.localId);
      this.view = undefined;
    }
    this.layout.sync(listedPeers(mesh));
    this.scheduleFrame();
  }

  override render() {
    const mesh = this.mesh;
    const health = mesh ? dashboardHealth(mesh).health : undefined;
    const focused = this.focusedId
      ? mesh && listedPeers(mesh).find((p) => p.id === this.focusedId)
      : undefined;
    const summary = health
      ? `Mesh topology: ${health.total} peers, ` +
        stateOrder.map((s) => `${health.counts[s]} ${stateDisplay[s].label.toLowerCase()}`).join(', ')
      : 'Mesh topology: no mesh connected';
    return html`
      <div
        class="surface"
        role="group"
        tabindex="0"
        aria-label="${summary}. Use arrow keys to move between peers, Enter to select."
        @keydown=${this.onKeydown}
        @focus=${this.onFocus}
        @blur=${() => (this.focusedId = undefined)}
      >
        <canvas
          part="canvas"
          aria-hidden="true"
          @click=${this.onClick}
          @pointermove=${this.onPointerMove}
          @pointerleave=${() => this.hover(undefined)}
        ></canvas>
        <span class="visually-hidden" aria-live="polite"
          >${
            focused
              ? `${focused.id}, ${stateDisplay[focused.state].label}, RTT ${formatMs(focused.link.rttMs)}`
              : ''
          }</span
        >
      </div>
      <ul class="legend" part="legend" aria-label="Legend">
        ${stateOrder.map(
          (s: PeerState) =>
            html`<li>
              <span style="color:${stateDisplay[s].color};display:inline-flex">${stateIcon(s)}</span
              >${stateDisplay[s].label}
            </li>`,
        )}
        <li>Ring: frozen tab, dashed: hidden tab</li>
        <li>Line: direct link (darker = lower RTT)</li>
      </ul>
    `;
  }

  private scheduleFrame(): void {
    if (this.frame || !this.isConnected) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      // The first frame only draws (its style and canvas setup are costly); ticks start after.
      const running = this.view ? (this.layout?.step(layoutBudgetMs) ?? false) : true;
      this.draw(running);
      if (running) this.scheduleFrame();
    });
  }

  private draw(layoutRunning: boolean): void {
    const layout = this.layout;
    const canvas = this.canvas;
    if (!layout || !canvas || this.widthPx === 0) return;
    const dpr = window.devicePixelRatio || 1;
    const w = Math.round(this.widthPx * dpr);
    const h = Math.round(this.heightPx * dpr);
    if (canvas.width !== w || canvas.height !== h) {
      canvas.width = w;
      canvas.height = h;
    }
    if (layoutRunning || !this.view) this.view = fitViewport(layout, this.widthPx, this.heightPx);
    const ctx = canvas.getContext('2d');
    if (!ctx) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    drawTopology(ctx, layout, this.view, this.palette(), {
      selected: this.selected,
      focused: this.focusedId,
      hovered: this.hoveredId,
    });
  }

  private palette(): TopologyPalette {
    const style = getComputedStyle(this);
    const v = (name: string) => style.getPropertyValue(name).trim();
    return {
      bg: v('--_bg'),
      text: v('--_text'),
      muted: v('--_muted'),
      border: v('--_border'),
      accent: v('--_accent'),
      states: {
        healthy: v('--_healthy'),
        suspected: v('--_suspected'),
        failed: v('--_failed'),
        recovering: v('--_recovering'),
        left: v('--_left'),
      },
    };
  }

  private nodeAt(e: MouseEvent): TopologyNode | undefined {
    const canvas = e.currentTarget as HTMLCanvasElement;
    if (!this.layout || !this.view) return undefined;
    const rect = canvas.getBoundingClientRect();
    const x = (e.clientX - rect.left - this.view.offsetX) / this.view.scale;
    const y = (e.clientY - rect.top - this.view.offsetY) / this.view.scale;
    const node = this.layout.find(x, y, Math.max(nodeRadius * 1.5, 8 / this.view.scale));
    return node && !node.local ? node : undefined;
  }

  private readonly onClick = (e: MouseEvent): void => {
    const node = this.nodeAt(e);
    if (node) this.select(node.id);
  };

  private readonly onPointerMove = (e: PointerEvent): void => {
    this.hover(this.nodeAt(e)?.id);
  };

  private hover(id: PeerId | undefined): void {
    if (id === this.hoveredId) return;
    this.hoveredId = id;
    this.canvas?.classList.toggle('pointer', id !== undefined);
    this.scheduleFrame();
  }

  private readonly onFocus = (): void => {
    this.focusedId ??= this.selected ?? this.ordered()[0]?.id;
    this.scheduleFrame();
  };

  /** Peers in keyboard order: clockwise around the local peer, starting at 12 o'clock. */
  private ordered(): TopologyNode[] {
    const nodes = (this.layout?.nodes ?? []).filter((n) => !n.local);
    const angle = (n: TopologyNode) => (Math.atan2(n.x ?? 0, -(n.y ?? 0)) + Math.PI * 2) % (Math.PI * 2);
    return nodes.sort((a, b) => angle(a) - angle(b));
  }

  private readonly onKeydown = (e: KeyboardEvent): void => {
    const order = this.ordered();
    if (order.length === 0) return;
    const index = Math.max(
      0,
      order.findIndex((n) => n.id === this.focusedId),
    );
    const moves: Record<string, number> = {
      ArrowRight: index + 1,
      ArrowDown: index + 1,
      ArrowLeft: index - 1 + order.length,
      ArrowUp: index - 1 + order.length,
      Home: 0,
      End: order.length - 1,
    };
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      if (this.focusedId) this.select(this.focusedId);
      return;
    }
    const target = moves[e.key];
    if (target === undefined) return;
    e.preventDefault();
    this.focusedId = order[target % order.length]?.id;
    this.scheduleFrame();
  };

  private select(peer: PeerId): void {
    this.selected = peer;
    this.emit<PeerSelectDetail>('peer-select', { peer });
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'pulse-topology': PulseTopology;
  }
}
