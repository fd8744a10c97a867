import { css, html, nothing } from 'lit';
import { customElement } from 'lit/decorators.js';
import type { PeerState, SignalState } from '@pulsemesh/core';
import { MeshElement } from './mesh-element.js';
import { stateDisplay, stateIcon, stateOrder, tierDisplay } from './state-display.js';
import { themeStyles } from './theme.js';
import { formatMs, formatNumber } from './format.js';
import { admissionHelp, dashboardHealth, listedPeers } from './member-evidence.js';

/** Detail of the `state-select` event. */
export interface StateSelectDetail {
  state: PeerState;
}

const signalLabel: Record<SignalState, string> = {
  connecting: 'connecting',
  connected: 'connected',
  reconnecting: 'reconnecting',
  offline: 'offline',
};

const unverifiedHelp =
  'Announced by other members only: no link, no message from them, not admitted by signaling';
const stallHelp = 'Longest silence a live peer may take without being declared failed';
const refusedHelp = 'Ids outside the canonical form (look-alikes of other ids): not listed';

/** Lifeguard scores above this are shown as a warning (the default `localHealthMax` is 8). */
const localHealthWarnMin = 2;

/**
 * The cluster's health at a glance: tier (HEALTHY / DEGRADED / CRITICAL / FAILED), healthy share,
 * counts per state, the local peer's Lifeguard score, the signaling state and the
 * minority-partition warning.
 *
 * The verdict counts only members this peer has first-hand evidence of (linked or heard from
 * directly: `dashboardHealth`). Members the signaling room admitted but that were not linked nor
 * heard yet are shown as "joining" for one stall tolerance, then as "unreachable" (or, when the mesh
 * says it never tried to link to them, `linkTried`, as "not linked (far)"); members known
 * through gossip alone as "unverified"; ids that are not canonical (look-alikes) as "refused".
 * None of them is counted.
 *
 * @fires state-select - A state count was activated (click, Enter or Space). Detail: `{ state }`.
 * @csspart tier - The tier badge.
 * @csspart meter - The healthy-share bar.
 * @csspart counts - The list of counts per state.
 * @csspart count - One count button.
 * @csspart meta - The line with local health, signaling, probe period and, for a mesh that runs
 *   a detector (`stallToleranceMs()`), its stall tolerance: the longest silence a live peer may take
 *   without being declared failed, from the detector's config at the current mesh size.
 * @csspart warning - The minority-partition warning.
 * @csspart unverified - Members known through gossip only, left out of the verdict (when any).
 * @csspart joining - Members admitted by signaling, not yet linked nor heard: not counted (when any).
 * @csspart unreachable - Members admitted by signaling, never linked nor heard within the stall
 *   tolerance: not counted (when any).
 * @csspart far - Members admitted by signaling that this peer never tried to link to (a room larger
 *   than its link budget): not counted (when any).
 * @csspart refused - Members with a non-canonical id, neither listed nor counted (when any).
 * @csspart stall-tolerance - The stall tolerance (for meshes that tell it).
 */
@customElement('pulse-health')
export class PulseHealth extends MeshElement {
  /**
   * Re-rendered each second without events: a joining member turns unreachable with time alone,
   * and a link to a member already known opens without an event (`Detector.linkUp`).
   */
  protected static override pollIntervalMs = 1_000;
  static override styles = [
    themeStyles,
    css`
      :host {
        background: var(--_surface);
        border: 1px solid var(--_border);
        border-radius: 12px;
        padding: 16px 18px;
      }
      .top {
        display: flex;
        flex-wrap: wrap;
        align-items: baseline;
        justify-content: space-between;
        gap: 8px 16px;
      }
      .tier {
        display: inline-flex;
        align-items: center;
        gap: 8px;
        font-size: 1.45em;
        font-weight: 700;
        letter-spacing: 0.04em;
      }
      .tier .icon {
        width: 20px;
        height: 20px;
      }
      .percent {
        font-size: 1.05em;
        color: var(--_muted);
      }
      .percent strong {
        color: var(--_text);
        font-size: 1.3em;
      }
      .meter {
        height: 8px;
        margin: 12px 0 14px;
        border-radius: 4px;
        background: var(--_border);
        overflow: hidden;
      }
      .meter > div {
        height: 100%;
        border-radius: 4px;
        transition: width 300ms ease;
      }
      ul {
        display: flex;
        flex-wrap: wrap;
        gap: 6px;
        margin: 0;
        padding: 0;
        list-style: none;
      }
      button {
        display: inline-flex;
        align-items: center;
        gap: 6px;
        padding: 4px 10px;
        border: 1px solid var(--_border);
        border-radius: 999px;
        background: var(--_bg);
        color: var(--_text);
        font: inherit;
        cursor: pointer;
      }
      button:hover {
        background: var(--_row-hover);
      }
      button .n {
        font-weight: 650;
      }
      .meta {
        display: flex;
        flex-wrap: wrap;
        gap: 4px 18px;
        margin-top: 12px;
        color: var(--_muted);
        font-size: 0.92em;
      }
      .meta b {
        color: var(--_text);
        font-weight: 600;
      }
      .meta .warn {
        color: var(--_suspected);
      }
      .dot {
        display: inline-block;
        width: 8px;
        height: 8px;
        margin-right: 4px;
        border-radius: 50%;
        vertical-align: 1px;
      }
      .warning {
        display: flex;
        gap: 8px;
        align-items: center;
        margin-top: 12px;
        padding: 8px 12px;
        border-radius: 8px;
        border: 1px solid var(--_failed);
        border-left-width: 4px;
        color: var(--_text);
        background: var(--_bg);
        font-weight: 600;
      }
      .warning .icon {
        flex: none;
        color: var(--_failed);
      }
      .empty {
        color: var(--_muted);
      }
    `,
  ];

  override render() {
    const mesh = this.mesh;
    if (!mesh) return html`<p class="empty">No mesh connected.</p>`;
    const { health, unverified, joining, unreachable, far, nonCanonical } = dashboardHealth(mesh);
    const tier = tierDisplay[health.tier];
    const color = stateDisplay[tier.state].color;
    const percent = Math.round(health.healthPercent * 10) / 10;
    const score = mesh.localHealthScore();
    const signal = mesh.signalState?.();
    return html`
      <section aria-label="Cluster health">
        <div class="top">
          <span class="tier" part="tier" style="color:${color}" role="status">
            ${stateIcon(tier.state)}${health.tier}
          </span>
          <span class="percent"
            ><strong>${percent}%</strong> healthy · ${health.total} peers, you included</span
          >
        </div>
        <div
          class="meter"
          part="meter"
          role="meter"
          aria-label="Healthy peers"
          aria-valuemin="0"
          aria-valuemax="100"
          aria-valuenow=${percent}
          aria-valuetext="${percent}% healthy"
        >
          <div style="width:${percent}%;background:${color}"></div>
        </div>
        <ul part="counts" aria-label="Peers by state">
          ${stateOrder.map((state) => {
            const display = stateDisplay[state];
            const n = health.counts[state];
            return html`<li>
              <button
                part="count"
                data-state=${state}
                aria-label="${n} ${display.label.toLowerCase()}, show them"
                @click=${() => this.select(state)}
              >
                <span style="color:${display.color};display:inline-flex">${stateIcon(state)}</span>
                <span class="n">${n}</span> ${display.label}
              </button>
            </li>`;
          })}
        </ul>
        <div class="meta" part="meta">
          <span class=${score >= localHealthWarnMin ? 'warn' : ''}
            >Local health
            <b>${score}</b>
            ${score === 0 ? '(good)' : score >= localHealthWarnMin ? '(degraded)' : '(elevated)'}</span
          >
          ${
            signal
              ? html`<span
                  >Signaling
                  <b
                    ><span
                      class="dot"
                      style="background:${signal === 'connected' ? 'var(--_healthy)' : signal === 'offline' ? 'var(--_failed)' : 'var(--_suspected)'}"
                    ></span
                    >${signalLabel[signal]}</b
                  ></span
                >`
              : nothing
          }
          <span>Probe period <b>${formatMs(mesh.protocolPeriodMs())}</b></span>
          ${this.renderStallTolerance()} ${this.renderLifecycles()}
          ${apartNote('joining', '', admissionHelp.joining, joining, 'joining (not counted)')}
          ${apartNote('unreachable', 'warn', admissionHelp.unreachable, unreachable, 'unreachable (never heard, not counted)')}
          ${apartNote('far', '', admissionHelp.far, far, 'not linked (far, not counted)')}
          ${apartNote('unverified', 'warn', unverifiedHelp, unverified, 'unverified (gossip only, not counted)')}
          ${apartNote('refused', 'warn', refusedHelp, nonCanonical, 'refused (non-canonical id)')}
        </div>
        ${
          health.minorityPartition
            ? html`<div class="warning" part="warning" role="alert">
                ${stateIcon('suspected')} This peer is probably in the minority partition: it reaches fewer
                than half of the peers it last knew alive.
              </div>`
            : nothing
        }
      </section>
    `;
  }

  /** The detector's stall tolerance (`stallToleranceMs`), for meshes that tell it. */
  private renderStallTolerance() {
    const ms = this.mesh?.stallToleranceMs?.();
    if (ms === undefined) return nothing;
    return html`<span part="stall-tolerance" title=${stallHelp}
      >Stall tolerance <b>${formatNumber(ms / 1_000, 2)} s</b></span
    >`;
  }

  /** Background and frozen tabs among present peers: they answer late or not at all. */
  private renderLifecycles() {
    let hidden = 0;
    let frozen = 0;
    for (const peer of this.mesh ? listedPeers(this.mesh) : []) {
      if (peer.state === 'left') continue;
      if (peer.vitals?.lifecycle === 'hidden') hidden++;
      else if (peer.vitals?.lifecycle === 'frozen') frozen++;
    }
    if (hidden + frozen === 0) return nothing;
    return html`<span>Tabs <b>${hidden}</b> hidden · <b>${frozen}</b> frozen</span>`;
  }

  private select(state: PeerState): void {
    this.emit<StateSelectDetail>('state-select', { state });
  }
}

/** A count of members left out of the verdict, as part `name` (nothing when there are none). */
function apartNote(name: string, cls: string, help: string, n: number, text: string) {
  return n > 0 ? html`<span part=${name} class=${cls} title=${help}><b>${n}</b> ${text}</span>` : nothing;
}

declare global {
  interface HTMLElementTagNameMap {
    'pulse-health': PulseHealth;
  }
}
