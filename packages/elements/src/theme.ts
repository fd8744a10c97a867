import { css, html, unsafeCSS } from 'lit';

/**
 * Theme selection for every `pulse-*` element: `auto` follows `prefers-color-scheme`,
 * `light` and `dark` force one palette.
 */
export const Theme = { auto: 'auto', light: 'light', dark: 'dark' } as const;
export type Theme = (typeof Theme)[keyof typeof Theme];

/*
 * Public custom properties (`--pulse-*`) are never set by the elements themselves, so a value set
 * on an ancestor (or on `<pulse-mesh>`) inherits into every nested shadow root. Each element
 * resolves them into private `--_*` properties with the palette's default as the fallback.
 */
const light = css`
  --_bg: var(--pulse-color-bg, #ffffff);
  --_surface: var(--pulse-color-surface, #f6f7f9);
  --_text: var(--pulse-color-text, #1b1f24);
  --_muted: var(--pulse-color-muted, #5b6470);
  --_border: var(--pulse-color-border, #dde1e6);
  --_accent: var(--pulse-color-accent, #3a5bd9);
  --_healthy: var(--pulse-color-healthy, #1a7f37);
  --_suspected: var(--pulse-color-suspected, #9a6700);
  --_failed: var(--pulse-color-failed, #cf222e);
  --_recovering: var(--pulse-color-recovering, #0969da);
  --_left: var(--pulse-color-left, #6e7781);
  --_row-hover: var(--pulse-color-row-hover, #eef1f5);
  color-scheme: light;
`;

const dark = css`
  --_bg: var(--pulse-color-bg, #14171c);
  --_surface: var(--pulse-color-surface, #1c2027);
  --_text: var(--pulse-color-text, #e6e9ee);
  --_muted: var(--pulse-color-muted, #9aa4b1);
  --_border: var(--pulse-color-border, #2e343e);
  --_accent: var(--pulse-color-accent, #7c9cff);
  --_healthy: var(--pulse-color-healthy, #3fb950);
  --_suspected: var(--pulse-color-suspected, #d29922);
  --_failed: var(--pulse-color-failed, #f85149);
  --_recovering: var(--pulse-color-recovering, #58a6ff);
  --_left: var(--pulse-color-left, #8b949e);
  --_row-hover: var(--pulse-color-row-hover, #232833);
  color-scheme: dark;
`;

/** Shared host styles: palette, typography and focus ring for every `pulse-*` element. */
export const themeStyles = css`
  :host {
    ${light}
    display: block;
    box-sizing: border-box;
    color: var(--_text);
    font-family: var(
      --pulse-font-family,
      system-ui,
      -apple-system,
      'Segoe UI',
      Roboto,
      'Liberation Sans',
      Arial,
      sans-serif
    );
    font-size: var(--pulse-font-size, 14px);
    line-height: 1.4;
    font-variant-numeric: tabular-nums;
  }
  @media (prefers-color-scheme: dark) {
    :host(:not([theme='light'])) {
      ${dark}
    }
  }
  :host([theme='dark']) {
    ${dark}
  }
  :host([hidden]) {
    display: none;
  }
  *,
  *::before,
  *::after {
    box-sizing: border-box;
  }
  :focus-visible {
    outline: 2px solid var(--_accent);
    outline-offset: 2px;
  }
  .visually-hidden {
    position: absolute;
    width: 1px;
    height: 1px;
    margin: -1px;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
    border: 0;
  }
`;

/** A bordered card: the host style of the table, graph and timeline. */
export const cardStyles = css`
  :host {
    border: 1px solid var(--_border);
    border-radius: 12px;
    background: var(--_bg);
    overflow: hidden;
  }
`;

/** Tables of figures (analytics, past members): header row and cell rhythm. */
export const reportTableStyles = css`
  table {
    width: 100%;
    border-collapse: collapse;
  }
  th,
  td {
    padding: 7px 12px;
    border-top: 1px solid var(--_border);
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
`;

/** A peer id that is also a button (timeline entries, analytics rows). */
export const peerButtonStyles = css`
  button.peer {
    padding: 0;
    border: 0;
    background: none;
    color: var(--_text);
    font: inherit;
    font-family: var(--pulse-font-mono, ui-monospace, 'DejaVu Sans Mono', monospace);
    font-size: 0.92em;
    text-decoration: underline dotted var(--_muted);
    cursor: pointer;
  }
`;

/**
 * The "more columns to the right" hint of a table wider than its element (the peer table, the
 * reliability table): the host is a size container, and the hint shows while the host is at most
 * `widthMax` wide (the table's min-width plus whatever box surrounds it).
 */
export const moreColumnsStyles = (widthMax: string) => css`
  :host {
    container-type: inline-size;
  }
  .more {
    display: none;
    margin: 6px 12px 0;
    color: var(--_muted);
    font-size: 0.85em;
  }
  @container (max-width: ${unsafeCSS(widthMax)}) {
    .more {
      display: block;
    }
  }
`;

/** The hint itself (`part="hint"`), after the table's scrolling box. */
export const moreColumnsHint = html`<p class="more" part="hint">
  More columns to the right: scroll the table sideways →
</p>`;
