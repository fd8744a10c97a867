import { css } from 'lit';

/** Styles of `<pulse-mesh>`: header, responsive grid (one column below 880px of its own width), placeholders. */
export const meshStyles = css`
  :host {
    container-type: inline-size;
    padding: var(--pulse-gap, 16px);
    background: var(--_bg);
  }
  .header {
    display: flex;
    flex-wrap: wrap;
    align-items: baseline;
    justify-content: space-between;
    gap: 4px 16px;
    margin-bottom: var(--pulse-gap, 16px);
  }
  h2 {
    margin: 0;
    font-size: 1.3em;
    font-weight: 700;
  }
  .who {
    color: var(--_muted);
    font-size: 0.9em;
  }
  .who code {
    color: var(--_text);
    font-family: var(--pulse-font-mono, ui-monospace, 'DejaVu Sans Mono', monospace);
  }
  .grid {
    display: grid;
    grid-template-columns: minmax(0, 1fr);
    gap: var(--pulse-gap, 16px);
  }
  @container (min-width: 880px) {
    .grid {
      grid-template-columns: minmax(0, 3fr) minmax(0, 2fr);
    }
    .wide {
      grid-column: 1 / -1;
    }
  }
  section {
    display: flex;
    flex-direction: column;
    min-width: 0;
  }
  /* Side by side, the timeline grows to the graph's height. */
  section > pulse-timeline {
    flex: 1 1 auto;
  }
  h3 {
    display: flex;
    align-items: center;
    gap: 8px;
    margin: 0 0 8px;
    color: var(--_muted);
    font-size: 0.8em;
    font-weight: 650;
    letter-spacing: 0.06em;
    text-transform: uppercase;
  }
  .chip {
    display: inline-flex;
    align-items: center;
    gap: 4px;
    padding: 1px 8px;
    border: 1px solid var(--_border);
    border-radius: 999px;
    background: var(--_surface);
    color: var(--_text);
    font: inherit;
    letter-spacing: 0;
    text-transform: none;
    cursor: pointer;
  }
  .placeholder {
    border: 1px solid var(--_border);
    border-radius: 12px;
    background: var(--_surface);
  }
  .part-1 {
    height: calc(var(--pulse-table-height, 420px) + 2px);
  }
  .part-2 {
    height: calc(var(--pulse-topology-height, 360px) + 38px);
  }
  .part-3 {
    height: calc(var(--pulse-timeline-height, 320px) + 48px);
  }
  .part-4 {
    height: 480px;
  }
  .status {
    padding: 24px;
    border: 1px dashed var(--_border);
    border-radius: 12px;
    color: var(--_muted);
  }
  .status.error {
    border-color: var(--_failed);
    color: var(--_text);
  }
`;
