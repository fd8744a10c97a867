/**
 * The edge peer's history export over HTTP (next to `/metrics`): what this peer saw, kept across
 * restarts with `--history-file`, as JSON or CSV, and its analytics over a window.
 *
 * - `GET /history.json?window=hour|day|week` (default `day`): analytics over the window, past
 *   members and every kept record (`historyToJson`, format `pulsemesh-history-v1`).
 * - `GET /history.csv`: one row per record (`kind,atMs,atIso,peer,event,from,to,reason`).
 * - `GET /analytics.csv?window=hour|day|week` (default `day`): one row per peer; figures resting on
 *   less than the minimum observation time (10 min) are empty.
 *
 * A bad `window` gets a 400 naming the accepted values; the query is otherwise ignored.
 */
import { AnalyticsWindow } from '@pulsemesh/core';
import { ExportKind, type DurableHistory } from '@pulsemesh/webrtc';

/** What a route answers. */
export interface RouteReply {
  status: number;
  type: string;
  body: string;
}

/** Window an export covers unless `?window=` says otherwise. */
export const defaultExportWindow: AnalyticsWindow = 'day';

const windows = Object.values(AnalyticsWindow) as string[];

/** The routes and what each serves (the same files as the dashboard's export buttons). */
const routes: Record<string, ExportKind> = {
  '/history.json': ExportKind.json,
  '/history.csv': ExportKind.historyCsv,
  '/analytics.csv': ExportKind.analyticsCsv,
};

/** Answers `path` (without the query) from `history`; undefined when the path is not a history route. */
export function historyRoute(
  history: DurableHistory,
  path: string,
  query: URLSearchParams,
): RouteReply | undefined {
  const kind = Object.hasOwn(routes, path) ? routes[path] : undefined;
  if (kind === undefined) return undefined;
  const asked = query.get('window') ?? defaultExportWindow;
  if (!windows.includes(asked))
    return {
      status: 400,
      type: 'text/plain; charset=utf-8',
      body: `window must be one of ${windows.join(', ')}\n`,
    };
  const { type, body } = history.exportFile(kind, asked as AnalyticsWindow);
  return { status: 200, type, body };
}
