import { svg, type SVGTemplateResult } from 'lit';
import type { HealthTier, PeerState } from '@pulsemesh/core';

/** How each peer state is shown: label, severity order (worst first when sorting) and icon. */
export interface StateDisplay {
  label: string;
  /** Sort rank: 0 is the most urgent. */
  rank: number;
  /** CSS colour expression (a themed custom property). */
  color: string;
}

/** Display data for every {@link PeerState}. Colour is never the only cue: each has a shape too. */
export const stateDisplay: Record<PeerState, StateDisplay> = {
  failed: { label: 'Failed', rank: 0, color: 'var(--_failed)' },
  suspected: { label: 'Suspected', rank: 1, color: 'var(--_suspected)' },
  recovering: { label: 'Recovering', rank: 2, color: 'var(--_recovering)' },
  healthy: { label: 'Healthy', rank: 3, color: 'var(--_healthy)' },
  left: { label: 'Left', rank: 4, color: 'var(--_left)' },
};

/** Peer states in display order (healthy first, as a legend reads). */
export const stateOrder: readonly PeerState[] = ['healthy', 'suspected', 'failed', 'recovering', 'left'];

/** Colour and shape of each cluster tier. */
export const tierDisplay: Record<HealthTier, { state: PeerState; label: string }> = {
  HEALTHY: { state: 'healthy', label: 'Healthy' },
  DEGRADED: { state: 'suspected', label: 'Degraded' },
  CRITICAL: { state: 'failed', label: 'Critical' },
  FAILED: { state: 'failed', label: 'Failed' },
};

/**
 * A 12×12 icon per state, drawn in `currentColor`: check (healthy), triangle with bang
 * (suspected), cross (failed), circular arrow (recovering), dash (left). Decorative: the label
 * next to it carries the meaning.
 */
export function stateIcon(state: PeerState): SVGTemplateResult {
  return svg`<svg class="icon" viewBox="0 0 12 12" width="12" height="12" aria-hidden="true"
    focusable="false">${iconPath[state]}</svg>`;
}

const iconPath: Record<PeerState, SVGTemplateResult> = {
  healthy: svg`<circle cx="6" cy="6" r="6" fill="currentColor"/>
    <path d="M3.2 6.2l1.9 1.9 3.7-4" fill="none" stroke="var(--_bg)" stroke-width="1.6"
      stroke-linecap="round" stroke-linejoin="round"/>`,
  suspected: svg`<path d="M6 0.6L11.6 11H0.4z" fill="currentColor"/>
    <path d="M6 4.4v3" stroke="var(--_bg)" stroke-width="1.5" stroke-linecap="round"/>
    <circle cx="6" cy="9.2" r="0.85" fill="var(--_bg)"/>`,
  failed: svg`<rect x="0.5" y="0.5" width="11" height="11" rx="2.5" fill="currentColor"/>
    <path d="M3.8 3.8l4.4 4.4M8.2 3.8l-4.4 4.4" stroke="var(--_bg)" stroke-width="1.6"
      stroke-linecap="round"/>`,
  recovering: svg`<path d="M6 0.3L11.7 6 6 11.7 0.3 6z" fill="currentColor"/>
    <path d="M6 3.6v4.8M3.6 6h4.8" stroke="var(--_bg)" stroke-width="1.5" stroke-linecap="round"/>`,
  left: svg`<circle cx="6" cy="6" r="5.2" fill="none" stroke="currentColor" stroke-width="1.6"/>
    <path d="M3.6 6h4.8" stroke="currentColor" stroke-width="1.6" stroke-linecap="round"/>`,
};
