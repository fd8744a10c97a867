import { css } from 'lit';

/** Styles of `<pulse-peer-table>` (row height must match `rowHeightPx`: 36px). */
export const tableStyles = css`
  .scroller {
    /* At most this tall; a short list does not leave an empty box under its rows. */
    max-height: var(--pulse-table-height, 420px);
    overflow: auto;
    overscroll-behavior: contain;
  }
  table {
    width: 100%;
    min-width: 76rem;
    table-layout: fixed;
    border-collapse: separate;
    border-spacing: 0;
  }
  thead th {
    position: sticky;
    top: 0;
    z-index: 1;
    height: 38px;
    padding: 0 4px;
    background: var(--_surface);
    border-bottom: 1px solid var(--_border);
    text-align: left;
    font-weight: 600;
    white-space: nowrap;
  }
  th.num,
  td.num {
    text-align: right;
  }
  button.sort {
    width: 100%;
    padding: 6px 8px;
    border: 0;
    border-radius: 6px;
    background: none;
    color: var(--_muted);
    font: inherit;
    font-size: 0.8em;
    font-weight: 650;
    letter-spacing: 0.05em;
    text-transform: uppercase;
    text-align: inherit;
    cursor: pointer;
  }
  th[aria-sort='ascending'] button.sort,
  th[aria-sort='descending'] button.sort {
    color: var(--_text);
  }
  button.sort:hover {
    background: var(--_row-hover);
  }
  th[aria-sort='ascending'] .arrow::after {
    content: '▲';
  }
  th[aria-sort='descending'] .arrow::after {
    content: '▼';
  }
  .arrow {
    display: inline-block;
    width: 1em;
    margin-left: 2px;
    font-size: 0.85em;
  }
  tbody tr {
    height: 36px;
    cursor: pointer;
  }
  tbody tr:hover {
    background: var(--_row-hover);
  }
  tbody tr.selected {
    background: color-mix(in srgb, var(--_accent) 14%, transparent);
  }
  tbody tr.spacer {
    cursor: default;
    background: none;
  }
  tbody tr.spacer td {
    padding: 0;
    border: 0;
  }
  tbody th,
  tbody td {
    height: 36px;
    padding: 0 12px;
    border-bottom: 1px solid var(--_border);
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
    font-weight: 400;
    text-align: left;
  }
  tbody td.num {
    text-align: right;
  }
  tbody th {
    padding: 0 4px;
  }
  .row-button {
    display: flex;
    align-items: center;
    gap: 6px;
    width: 100%;
    padding: 4px 8px;
    border: 0;
    border-radius: 6px;
    background: none;
    color: var(--_text);
    font: inherit;
    text-align: left;
    cursor: pointer;
  }
  .id {
    overflow: hidden;
    text-overflow: ellipsis;
    font-family: var(--pulse-font-mono, ui-monospace, 'DejaVu Sans Mono', monospace);
    font-size: 0.92em;
  }
  .tag {
    flex: none;
    padding: 0 6px;
    border-radius: 4px;
    background: var(--_surface);
    color: var(--_muted);
    font-size: 0.75em;
  }
  .tag.liar {
    border: 1px solid var(--_failed);
    color: var(--_failed);
  }
  .life-hidden,
  .life-frozen {
    padding: 1px 7px;
    border: 1px dashed var(--_muted);
    border-radius: 4px;
    font-size: 0.9em;
  }
  .life-frozen {
    border-style: solid;
    font-weight: 600;
  }
  .state {
    display: inline-flex;
    align-items: center;
    gap: 6px;
    font-weight: 600;
  }
  .rtt {
    display: inline-flex;
    align-items: center;
    justify-content: flex-end;
    gap: 8px;
    width: 100%;
  }
  .spark {
    flex: none;
    color: var(--_accent);
  }
  .empty {
    margin: 16px;
    color: var(--_muted);
  }
`;
