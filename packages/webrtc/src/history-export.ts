/**
 * The durable history as files: JSON (analytics over a window, past members, every record) and
 * CSV (one row per record; one row per peer of a window's analytics). The edge peer serves them
 * over HTTP (`/history.json`, `/history.csv`, `/analytics.csv`); the dashboard's export buttons
 * download them ({@link DurableHistory.exportFile}). Pure formatting, no I/O.
 */
import type { AnalyticsWindow, HistoryPast, HistoryRecord, WindowReport } from '@pulsemesh/core';
import { wallNow } from './wall-clock.js';

/** What an export reads: a `DurableHistory` or anything shaped like one. */
export interface ExportSource {
  analytics(window: AnalyticsWindow, nowMs?: number): WindowReport;
  pastMembers(): readonly HistoryPast[];
  records(): readonly HistoryRecord[];
}

/** The three exports (the edge peer's routes, the dashboard's buttons). */
export const ExportKind = {
  /** `historyToJson`: analytics over the window, past members and every record. */
  json: 'json',
  /** `historyToCsv`: one row per record. */
  historyCsv: 'history-csv',
  /** `analyticsToCsv`: one row per peer over the window. */
  analyticsCsv: 'analytics-csv',
} as const;
export type ExportKind = (typeof ExportKind)[keyof typeof ExportKind];

/** One exported file: a suggested name, its media type and its text. */
export interface ExportFile {
  name: string;
  type: string;
  body: string;
}

const csvType = 'text/csv; charset=utf-8; header=present';

/**
 * The export `kind` of `source` as a file. `observer` (this peer's id) goes into the name:
 * `pulsemesh-history-<observer>-<window>.json`, `pulsemesh-history-<observer>.csv`,
 * `pulsemesh-analytics-<observer>-<window>.csv` (characters unsafe in a file name become `_`).
 */
export function historyFile(
  source: ExportSource,
  kind: ExportKind,
  window: AnalyticsWindow,
  observer: string,
  nowMs = wallNow(),
): ExportFile {
  const who = observer.replace(/[^\w.-]/g, '_');
  if (kind === ExportKind.json)
    return {
      name: `pulsemesh-history-${who}-${window}.json`,
      type: 'application/json',
      body: `${historyToJson(source, window, nowMs)}\n`,
    };
  if (kind === ExportKind.historyCsv)
    return { name: `pulsemesh-history-${who}.csv`, type: csvType, body: historyToCsv(source.records()) };
  return {
    name: `pulsemesh-analytics-${who}-${window}.csv`,
    type: csvType,
    body: analyticsToCsv(source.analytics(window, nowMs)),
  };
}

/** RFC 4180 field: quoted when it holds a comma, quote or line break. */
function csvField(v: string): string {
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

const csv = (rows: string[][]): string => `${rows.map((r) => r.map(csvField).join(',')).join('\r\n')}\r\n`;

/** The history as CSV: `kind,atMs,atIso,peer,event,from,to,reason`, one row per record. */
export function historyToCsv(records: readonly HistoryRecord[]): string {
  const rows = [['kind', 'atMs', 'atIso', 'peer', 'event', 'from', 'to', 'reason']];
  for (const r of records) {
    const at = [String(Math.round(r.atMs)), new Date(r.atMs).toISOString()];
    if (r.k === 'entry')
      rows.push(['entry', ...at, r.peer, r.kind, r.from ?? '', r.to ?? '', r.reason ?? '']);
    else if (r.k === 'reap') rows.push(['reap', ...at, r.peer, 'reap', '', r.ended, r.reason]);
    else if (r.k === 'session') rows.push(['session', ...at, r.observer, 'session', '', '', '']);
    else rows.push(['mark', ...at, '', 'mark', '', '', '']);
  }
  return csv(rows);
}

/**
 * A window report as CSV, one row per peer, after a `# window from .. to` comment line. Figures
 * resting on less than the minimum observation time are left empty (the dashboard shows "—").
 */
export function analyticsToCsv(report: WindowReport): string {
  const head = `# window ${new Date(report.fromMs).toISOString()} .. ${new Date(report.toMs).toISOString()}\r\n`;
  const rows = [
    [
      'peer',
      'observedMs',
      'failures',
      'recoveries',
      'downtimeMs',
      'availability',
      'mtbfMs',
      'mttrMs',
      'failuresPerDay',
    ],
  ];
  for (const p of report.peers) {
    const ok = report.claims[p.peer] === true;
    const claim = (v: number | undefined): string => (ok && v !== undefined ? String(v) : '');
    rows.push([
      p.peer,
      String(Math.round(p.observedMs)),
      String(p.failures),
      String(p.recoveries),
      String(Math.round(p.downtimeMs)),
      claim(p.availability),
      claim(p.mtbfMs),
      claim(p.mttrMs),
      claim(p.failuresPerDay),
    ]);
  }
  return head + csv(rows);
}

/** The export as one JSON document: the window's analytics, past members and every record. */
export function historyToJson(history: ExportSource, window: AnalyticsWindow, nowMs = wallNow()): string {
  return JSON.stringify(
    {
      format: 'pulsemesh-history-v1',
      exportedAt: new Date(nowMs).toISOString(),
      window,
      analytics: history.analytics(window, nowMs),
      pastMembers: history.pastMembers(),
      records: history.records(),
    },
    null,
    2,
  );
}
