/**
 * Durable history: what this peer saw (joins, state changes, leaves, reaps), on the wall clock,
 * kept across reloads and restarts in a {@link HistoryBackend} (IndexedDB in tabs,
 * `history-store.ts`; an append-only file for edge peers, `history-file.ts`), bounded by count and
 * age. Analytics over a window (hour, day, week) are replayed from it with core's `replayWindow`,
 * so they cover every session of this peer, not only the current one. It also keeps the peer's
 * last incarnation: a restarted peer resumes above it (see decision 0018).
 */
import {
  pastFromHistory,
  replayWindow,
  WINDOW_MS,
  type AnalyticsWindow,
  type DetectorEventMap,
  type HistoryRecord,
  type PeerId,
  type WindowReport,
} from '@pulsemesh/core';
import { historyFile, type ExportFile, type ExportKind } from './history-export.js';
import { epochOf, wallNow } from './wall-clock.js';

/** Where records are kept. Implementations never throw across this boundary for I/O errors:
 * they log and go on (history is worth keeping, not worth crashing a peer for). */
export interface HistoryBackend {
  /** Every kept record, oldest first, and the last stored incarnation. */
  load(): Promise<{ records: HistoryRecord[]; incarnation: number | undefined }>;
  append(records: readonly HistoryRecord[]): Promise<void>;
  /** Replaces all records (compaction after the bounds dropped some). */
  rewrite(records: readonly HistoryRecord[]): Promise<void>;
  saveIncarnation(incarnation: number): Promise<void>;
}

/**
 * A backend that keeps nothing across restarts: the records live only in the `DurableHistory`
 * itself (exports and windowed analytics of the running session, nothing persisted).
 */
export function memoryHistoryBackend(): HistoryBackend {
  const done = (): Promise<void> => Promise.resolve();
  return {
    load: () => Promise.resolve({ records: [], incarnation: undefined }),
    append: done,
    rewrite: done,
    saveIncarnation: done,
  };
}

/** Bounds and cadence; defaults in {@link durableHistoryDefaults}. */
export interface DurableHistoryOptions {
  /**
   * Records kept at most (oldest dropped), "still observing" marks aside: those are bounded by age
   * alone (a week at the default cadence is 40,320), so an idle peer's marks never push a week of
   * transitions out of the history.
   */
  recordsMax: number;
  /** Records older than this are dropped (ms); a week, the longest analytics window. */
  ageMaxMs: number;
  /** How often a "still observing" mark is written and the incarnation checked (ms). */
  markEveryMs: number;
}

export const durableHistoryDefaults: DurableHistoryOptions = {
  recordsMax: 20_000, // ~2 MB of JSON: a week of a busy 30-peer mesh's transitions (marks aside)
  ageMaxMs: WINDOW_MS.week, // the longest window offered
  markEveryMs: 15_000, // a crash loses at most 15 s of "observed" time
};

/** What the recorder listens to and reads: a `Mesh` or any `MeshView` with a detector clock. */
export interface RecordedMesh extends EventTarget {
  readonly localId: PeerId;
  localIncarnation?(): number;
}

/** See the module comment. Create with {@link DurableHistory.open}, then {@link attach} a mesh. */
export class DurableHistory extends EventTarget {
  readonly #backend: HistoryBackend;
  readonly #options: DurableHistoryOptions;
  #records: HistoryRecord[];
  /** How many of `#records` count toward `recordsMax` (every record but marks). */
  #counted: number;
  #pending: HistoryRecord[] = [];
  #flushing: Promise<void> = Promise.resolve();
  #incarnation: number | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;
  #detach: () => void = () => undefined;
  #mesh: RecordedMesh | undefined;

  private constructor(
    backend: HistoryBackend,
    records: HistoryRecord[],
    incarnation: number | undefined,
    options: DurableHistoryOptions,
  ) {
    super();
    this.#backend = backend;
    this.#options = options;
    this.#records = records;
    this.#counted = records.reduce((n, r) => (r.k === 'mark' ? n : n + 1), 0);
    this.#incarnation = incarnation;
  }

  /** Loads what `backend` kept (dropping what is past the bounds). */
  static async open(
    backend: HistoryBackend,
    options: Partial<DurableHistoryOptions> = {},
  ): Promise<DurableHistory> {
    const { records, incarnation } = await backend.load();
    const h = new DurableHistory(backend, records, incarnation, { ...durableHistoryDefaults, ...options });
    if (h.#bound()) await backend.rewrite([...h.#records]);
    return h;
  }

  /** The incarnation a restarted peer should start at: one above the last one stored (0 if none). */
  get startIncarnation(): number {
    return this.#incarnation === undefined ? 0 : this.#incarnation + 1;
  }

  /** Records kept (oldest first), this session's included. */
  records(): readonly HistoryRecord[] {
    return this.#records;
  }

  /** Starts recording `mesh`'s events (a `session` record first). Returns a function that stops. */
  attach(mesh: RecordedMesh): () => void {
    this.#detach();
    this.#mesh = mesh;
    this.#add({ k: 'session', atMs: wallNow(), observer: mesh.localId });
    this.#checkIncarnation(mesh);
    const onStatus = (e: Event): void => {
      const d = (e as CustomEvent<DetectorEventMap['status-change']>).detail;
      const kind = d.to === 'left' ? 'leave' : 'status-change';
      this.#add({
        k: 'entry',
        atMs: epochOf(d.atMs),
        peer: d.peer,
        kind,
        from: d.from,
        to: d.to,
        reason: d.reason,
      });
    };
    const onJoin = (e: Event): void => {
      const d = (e as CustomEvent<DetectorEventMap['join']>).detail;
      this.#add({ k: 'entry', atMs: epochOf(d.atMs), peer: d.peer, kind: 'join' });
    };
    const onReap = (e: Event): void => {
      const d = (e as CustomEvent<DetectorEventMap['reap']>).detail;
      this.#add({
        k: 'reap',
        atMs: epochOf(d.atMs),
        peer: d.peer,
        ended: d.ended,
        reason: d.reason,
        endedAtMs: epochOf(d.endedAtMs),
      });
    };
    mesh.addEventListener('status-change', onStatus);
    mesh.addEventListener('join', onJoin);
    mesh.addEventListener('reap', onReap);
    this.#timer = setInterval(() => {
      this.#add({ k: 'mark', atMs: wallNow() });
      this.#checkIncarnation(mesh);
    }, this.#options.markEveryMs);
    (this.#timer as { unref?: () => void }).unref?.();
    this.#detach = () => {
      mesh.removeEventListener('status-change', onStatus);
      mesh.removeEventListener('join', onJoin);
      mesh.removeEventListener('reap', onReap);
      clearInterval(this.#timer);
      this.#detach = () => undefined;
    };
    return () => this.#detach();
  }

  /** Analytics over the last `window` (ending now), replayed from every kept session. */
  analytics(window: AnalyticsWindow, nowMs = wallNow()): WindowReport {
    const records = [...this.#records, { k: 'mark', atMs: nowMs } as const];
    return replayWindow(records, nowMs - WINDOW_MS[window], nowMs);
  }

  /** Past members as the kept history tells them (reaped and not seen since), newest last. */
  pastMembers(): ReturnType<typeof pastFromHistory> {
    return pastFromHistory(this.#records);
  }

  /**
   * The export `kind` as a file, analytics over `window`, named after this peer (the dashboard's
   * export buttons download it; the edge peer serves the same bodies). See `historyFile`.
   */
  exportFile(kind: ExportKind, window: AnalyticsWindow, nowMs = wallNow()): ExportFile {
    let observer = this.#mesh?.localId;
    for (let i = this.#records.length - 1; observer === undefined && i >= 0; i--) {
      const r = this.#records[i] as HistoryRecord;
      if (r.k === 'session') observer = r.observer;
    }
    return historyFile(this, kind, window, observer ?? 'peer', nowMs);
  }

  /** Writes what is buffered; resolves when the backend has it. */
  flush(): Promise<void> {
    if (this.#pending.length === 0) return this.#flushing;
    const batch = this.#pending;
    this.#pending = [];
    this.#flushing = this.#flushing.then(() => this.#backend.append(batch));
    return this.#flushing;
  }

  /** Stops recording and writes what is buffered (a final mark included). */
  async close(): Promise<void> {
    // Once only: a later close (a page hidden after a crash) must not extend the observation.
    if (this.#mesh !== undefined) {
      this.#add({ k: 'mark', atMs: wallNow() });
      this.#checkIncarnation(this.#mesh);
      this.#mesh = undefined;
    }
    this.#detach();
    await this.flush();
  }

  #add(r: HistoryRecord): void {
    this.#records.push(r);
    if (r.k !== 'mark') this.#counted += 1;
    this.#pending.push(r);
    if (this.#bound()) {
      const all = [...this.#records];
      this.#pending = [];
      this.#flushing = this.#flushing.then(() => this.#backend.rewrite(all));
    } else queueMicrotask(() => void this.flush());
    this.dispatchEvent(new Event('change'));
  }

  #checkIncarnation(mesh: RecordedMesh): void {
    const inc = mesh.localIncarnation?.();
    if (inc === undefined || inc === this.#incarnation) return;
    this.#incarnation = inc;
    this.#flushing = this.#flushing.then(() => this.#backend.saveIncarnation(inc));
  }

  /** Applies the bounds; true when records were dropped (the backend must be rewritten). */
  #bound(): boolean {
    const oldest = wallNow() - this.#options.ageMaxMs;
    const records = this.#records;
    let drop = 0;
    let counted = this.#counted;
    const dropOne = (): void => {
      if ((records[drop] as HistoryRecord).k !== 'mark') counted -= 1;
      drop++;
    };
    while (drop < records.length && (records[drop] as HistoryRecord).atMs < oldest) dropOne();
    // Over the count (marks aside): drop a tenth more than needed, so compaction is rare (amortised).
    if (counted > this.#options.recordsMax) {
      const target = this.#options.recordsMax - Math.floor(this.#options.recordsMax / 10);
      while (drop < records.length && counted > target) dropOne();
    }
    if (drop === 0) return false;
    this.#records = records.slice(drop);
    this.#counted = counted;
    return true;
  }
}
