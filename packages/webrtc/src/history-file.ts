/**
 * A {@link HistoryBackend} in files (Node only; import `@pulsemesh/webrtc/history-file`): records
 * as JSON lines appended to `path` (mode 0600: who a peer talks to is nobody else's business), the
 * last incarnation in `path.incarnation`. Compaction writes a temporary file and renames it over
 * the old one, so a crash mid-way leaves either the old or the new history, never half of one.
 * Lines that do not parse (a torn last write) are skipped and counted in the warning.
 */
import { appendFileSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { HistoryRecord } from '@pulsemesh/core';
import type { HistoryBackend } from './durable-history.js';

const KINDS = new Set(['session', 'mark', 'entry', 'reap']);

function parse(text: string): { records: HistoryRecord[]; bad: number } {
  const records: HistoryRecord[] = [];
  let bad = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const r = JSON.parse(line) as { k?: unknown; atMs?: unknown };
      if (typeof r.k === 'string' && KINDS.has(r.k) && typeof r.atMs === 'number' && Number.isFinite(r.atMs))
        records.push(r as HistoryRecord);
      else bad++;
    } catch {
      bad++;
    }
  }
  return { records, bad };
}

const lines = (records: readonly HistoryRecord[]): string =>
  records.map((r) => `${JSON.stringify(r)}\n`).join('');

/** The history kept in `path` (created with its directory when missing). */
export function fileHistoryBackend(path: string): HistoryBackend {
  const incPath = `${path}.incarnation`;
  const warn = (what: string, e: unknown): void =>
    console.warn(`pulsemesh: history ${what} failed (${path}):`, e);
  return {
    load: () => {
      let text = '';
      try {
        text = readFileSync(path, 'utf8');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') warn('load', e);
      }
      const { records, bad } = parse(text);
      if (bad > 0) console.warn(`pulsemesh: history ${path}: skipped ${bad} unreadable line(s)`);
      let incarnation: number | undefined;
      try {
        const n = Number(readFileSync(incPath, 'utf8').trim());
        if (Number.isInteger(n) && n >= 0) incarnation = n;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') warn('incarnation load', e);
      }
      return Promise.resolve({ records, incarnation });
    },
    append: (records) => {
      try {
        mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
        appendFileSync(path, lines(records), { mode: 0o600 });
      } catch (e) {
        warn('append', e);
      }
      return Promise.resolve();
    },
    rewrite: (records) => {
      try {
        mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
        writeFileSync(`${path}.tmp`, lines(records), { mode: 0o600 });
        renameSync(`${path}.tmp`, path);
      } catch (e) {
        warn('rewrite', e);
      }
      return Promise.resolve();
    },
    saveIncarnation: (incarnation) => {
      try {
        mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
        writeFileSync(`${incPath}.tmp`, `${incarnation}\n`, { mode: 0o600 });
        renameSync(`${incPath}.tmp`, incPath);
      } catch (e) {
        warn('incarnation save', e);
      }
      return Promise.resolve();
    },
  };
}
