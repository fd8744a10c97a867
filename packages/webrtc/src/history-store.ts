/**
 * A {@link HistoryBackend} in IndexedDB (browsers): one database per origin, records keyed by
 * `[room, peer id, sequence]`, so each kept identity (see `identity-store.ts`) has its own history
 * and a reloaded tab finds its own again. The last incarnation sits next to it (`meta` store).
 */
import type { HistoryRecord } from '@pulsemesh/core';
import type { HistoryBackend } from './durable-history.js';

const DB_NAME = 'pulsemesh-history';
const RECORDS = 'records';
const META = 'meta';

function request<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error ?? new Error('IndexedDB request failed'));
  });
}

function done(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
    tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
  });
}

function openDb(): Promise<IDBDatabase> {
  const r = indexedDB.open(DB_NAME, 1);
  r.onupgradeneeded = () => {
    r.result.createObjectStore(RECORDS);
    r.result.createObjectStore(META);
  };
  return request(r);
}

/**
 * The history of peer `peerId` in `room`, kept in this origin's IndexedDB. Without IndexedDB it
 * keeps nothing (every call succeeds; `load` returns an empty history). Errors are logged, not thrown.
 */
export function indexedDbHistoryBackend(room: string, peerId: string): HistoryBackend {
  const available = typeof indexedDB !== 'undefined';
  const db = available ? openDb() : undefined;
  const range = (): IDBKeyRange => IDBKeyRange.bound([room, peerId, -Infinity], [room, peerId, Infinity]);
  let seq = 0;
  const guard = async <T>(what: string, fallback: T, f: (db: IDBDatabase) => Promise<T>): Promise<T> => {
    if (db === undefined) return fallback;
    try {
      return await f(await db);
    } catch (e) {
      console.warn(`pulsemesh: history ${what} failed (IndexedDB):`, e);
      return fallback;
    }
  };
  const put = (d: IDBDatabase, records: readonly HistoryRecord[], clear: boolean): Promise<void> => {
    const tx = d.transaction(RECORDS, 'readwrite');
    const store = tx.objectStore(RECORDS);
    if (clear) store.delete(range());
    for (const r of records) store.put(r, [room, peerId, seq++]);
    return done(tx);
  };
  return {
    load: () =>
      guard('load', { records: [], incarnation: undefined }, async (d) => {
        const tx = d.transaction([RECORDS, META], 'readonly');
        const keys = (await request(tx.objectStore(RECORDS).getAllKeys(range()))) as [
          string,
          string,
          number,
        ][];
        const records = (await request(tx.objectStore(RECORDS).getAll(range()))) as HistoryRecord[];
        const meta = (await request(tx.objectStore(META).get([room, peerId]))) as
          { incarnation?: unknown } | undefined;
        seq = keys.length > 0 ? (keys[keys.length - 1] as [string, string, number])[2] + 1 : 0;
        const inc = meta?.incarnation;
        return {
          records,
          incarnation: typeof inc === 'number' && Number.isInteger(inc) && inc >= 0 ? inc : undefined,
        };
      }),
    append: (records) => guard('append', undefined, (d) => put(d, records, false)),
    rewrite: (records) => guard('rewrite', undefined, (d) => put(d, records, true)),
    saveIncarnation: (incarnation) =>
      guard('incarnation', undefined, (d) => {
        const tx = d.transaction(META, 'readwrite');
        tx.objectStore(META).put({ incarnation }, [room, peerId]);
        return done(tx);
      }),
  };
}
