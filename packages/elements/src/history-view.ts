/**
 * What the elements read from a kept history: `DurableHistory` of `@pulsemesh/webrtc` fits (its
 * records live in IndexedDB or a file and span reloads and restarts). Without one, the elements
 * show this session only, from the mesh.
 */
import type { AnalyticsWindow, HistoryPast, WindowReport } from '@pulsemesh/core';

/** A durable history the dashboard can read. */
export interface HistoryView {
  /** Analytics over the last `window` (ending now), replayed from every kept session. */
  analytics(window: AnalyticsWindow): WindowReport;
  /** Past members from earlier sessions too (reaped and not seen since). */
  pastMembers(): readonly HistoryPast[];
  /**
   * The history as a file (`DurableHistory.exportFile`: the edge peer's `/history.json`,
   * `/history.csv` and `/analytics.csv`). When present, the reliability report offers the three
   * as downloads.
   */
  exportFile?(kind: ExportKind, window: AnalyticsWindow): { name: string; type: string; body: string };
}

/** The exports a kept history offers, as the buttons label them. */
export const exportLabels = { json: 'JSON', 'history-csv': 'History CSV', 'analytics-csv': 'Analytics CSV' };
export type ExportKind = keyof typeof exportLabels;

/** Analytics spans the dashboard offers: this session (from the mesh) or a kept-history window. */
export const AnalyticsSpan = { session: 'session', hour: 'hour', day: 'day', week: 'week' } as const;
export type AnalyticsSpan = (typeof AnalyticsSpan)[keyof typeof AnalyticsSpan];

/** Labels of the spans, as the selector shows them. */
export const spanLabels: Record<AnalyticsSpan, string> = {
  session: 'This session',
  hour: 'Last hour',
  day: 'Last 24 hours',
  week: 'Last 7 days',
};
