import { css } from 'lit';

/** Styles of `<pulse-topology>`: the focusable canvas surface and the legend. */
export const topologyStyles = css`
  .surface {
    position: relative;
    height: var(--pulse-topology-height, 360px);
    border-radius: 12px 12px 0 0;
  }
  canvas {
    display: block;
    width: 100%;
    height: 100%;
    cursor: default;
  }
  canvas.pointer {
    cursor: pointer;
  }
  .legend {
    display: flex;
    flex-wrap: wrap;
    gap: 4px 14px;
    margin: 0;
    padding: 8px 14px;
    border-top: 1px solid var(--_border);
    background: var(--_surface);
    color: var(--_muted);
    font-size: 0.85em;
    list-style: none;
  }
  .legend li {
    display: inline-flex;
    align-items: center;
    gap: 5px;
  }
`;
