import { LitElement } from 'lit';
import { property } from 'lit/decorators.js';
import type { MeshView, PeerId } from '@pulsemesh/core';
import { MeshController } from './mesh-controller.js';
import type { Theme } from './theme.js';

/** Detail of the `peer-select` event that every element fires when a peer is activated. */
export interface PeerSelectDetail {
  peer: PeerId;
}

/**
 * Base class of the `pulse-*` elements that render one {@link MeshView}: the `mesh` property,
 * the `theme` attribute and a {@link MeshController} that re-renders on mesh events.
 *
 * Every element reads the same palette. Set any of these on an element or an ancestor (they
 * inherit into nested shadow roots); unset ones fall back to the light or dark default.
 *
 * @cssprop --pulse-color-bg - Background.
 * @cssprop --pulse-color-surface - Card and header background.
 * @cssprop --pulse-color-text - Text colour.
 * @cssprop --pulse-color-muted - Secondary text, links in the graph.
 * @cssprop --pulse-color-border - Borders and tracks.
 * @cssprop --pulse-color-accent - Focus ring, selection, the local peer.
 * @cssprop --pulse-color-row-hover - Hovered rows and buttons.
 * @cssprop --pulse-color-healthy - Healthy peers (green by default).
 * @cssprop --pulse-color-suspected - Suspected peers (amber).
 * @cssprop --pulse-color-failed - Failed peers (red).
 * @cssprop --pulse-color-recovering - Recovering peers (blue).
 * @cssprop --pulse-color-left - Peers that left (grey).
 * @cssprop --pulse-font-family - Font stack.
 * @cssprop --pulse-font-size - Base font size. Default 14px.
 * @cssprop --pulse-font-mono - Monospace stack for peer ids.
 */
export class MeshElement extends LitElement {
  /** The mesh to render (a `Detector`, a WebRTC mesh, or any other `MeshView`). */
  @property({ attribute: false }) mesh: MeshView | undefined;

  /** `auto` (default) follows `prefers-color-scheme`; `light` or `dark` forces a palette. */
  @property({ reflect: true }) theme: Theme = 'auto';

  /**
   * Minimum time between two event-driven renders (ms). Default 250, i.e. at most 4 renders/s.
   * Read once when the element is created.
   */
  protected static renderIntervalMsMin = 250;
  /** Re-render this often without events (ms), for values that change silently. 0 = never. */
  protected static pollIntervalMs = 0;

  /** Subscribes to the mesh's events while connected; exposed for tests and benchmarks. */
  readonly meshController: MeshController = new MeshController(this, {
    mesh: () => this.mesh,
    renderIntervalMsMin: (this.constructor as typeof MeshElement).renderIntervalMsMin,
    pollIntervalMs: (this.constructor as typeof MeshElement).pollIntervalMs,
  });

  /** Dispatches a bubbling, composed `CustomEvent` (it crosses shadow roots up to the page). */
  protected emit<T>(type: string, detail: T): void {
    this.dispatchEvent(new CustomEvent<T>(type, { detail, bubbles: true, composed: true }));
  }
}
