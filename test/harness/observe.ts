// Polling helpers over many tabs' UIs at once: per-observer times, and watches for false alarms.
import type { EdgePeerProcess } from '../../apps/demo/stack/edge-process.js';
import type { DemoTab, TableView } from './demo-tab.js';

/** How often the UIs are read (ms). */
export const pollMs = 100;

/**
 * Waits until `ok(view)` holds in every observer's UI; returns, per observer, the ms from `t0`
 * to the first read in which it held. Throws after `timeoutMs` naming the observers still waiting.
 */
export async function waitEach(
  observers: readonly DemoTab[],
  ok: (view: TableView, observer: DemoTab) => boolean,
  t0: number,
  timeoutMs: number,
  what: string,
): Promise<number[]> {
  const done = new Map<string, number>();
  const last = new Map<string, TableView>();
  while (done.size < observers.length) {
    const pending = observers.filter((o) => !done.has(o.id));
    const views = await Promise.all(pending.map((o) => o.view()));
    const now = Date.now();
    pending.forEach((o, i) => {
      const view = views[i]!;
      last.set(o.id, view);
      if (ok(view, o)) done.set(o.id, now - t0);
    });
    if (done.size === observers.length) break;
    if (now - t0 > timeoutMs) {
      const waiting = observers.filter((o) => !done.has(o.id));
      const detail = waiting.map((o) => `${o.id} sees ${JSON.stringify(last.get(o.id)?.states)}`).join('; ');
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}: ${detail}`);
    }
    await sleep(pollMs);
  }
  return observers.map((o) => done.get(o.id)!);
}

/** Every observer shows every one of `peers` (but itself) as `state`. */
export function allAre(peers: readonly string[], state: string) {
  return (view: TableView, observer: DemoTab): boolean =>
    peers.every((p) => p === observer.id || view.states[p] === state);
}

/**
 * Reads the observers' UIs for `durationMs` and collects every (observer, peer) pair in which one of
 * `innocent` showed as `failed`; afterwards adds `failed` transitions of innocents in the tabs'
 * detector histories and the edge peers' event lines since `sinceMs` (a short-lived `failed`
 * between two reads still counts).
 */
export async function watchFalseFailed(
  observers: readonly DemoTab[],
  edges: readonly EdgePeerProcess[],
  innocent: readonly string[],
  sinceMs: number,
  durationMs: number,
  onView?: (observer: DemoTab, view: TableView) => void,
): Promise<string[]> {
  const alarms = new Set<string>();
  const end = Date.now() + durationMs;
  while (Date.now() < end) {
    const views = await Promise.all(observers.map((o) => o.view()));
    observers.forEach((o, i) => {
      const view = views[i]!;
      onView?.(o, view);
      for (const p of innocent)
        if (view.states[p] === 'failed') alarms.add(`${o.id} showed ${p} failed (UI)`);
    });
    await sleep(250);
  }
  for (const alarm of await falseFailedSince(observers, edges, innocent, sinceMs)) alarms.add(alarm);
  return [...alarms];
}

/** `failed` transitions about `innocent` peers since `sinceMs`, from histories and edge events. */
export async function falseFailedSince(
  observers: readonly DemoTab[],
  edges: readonly EdgePeerProcess[],
  innocent: readonly string[],
  sinceMs: number,
): Promise<string[]> {
  const alarms: string[] = [];
  for (const o of observers)
    for (const e of await o.failedEntries())
      if (innocent.includes(e.peer) && e.atMs >= sinceMs)
        alarms.push(`${o.id} marked ${e.peer} failed (detector)`);
  for (const edge of edges)
    for (const e of edge.events)
      if (
        e.type === 'status-change' &&
        e['to'] === 'failed' &&
        innocent.includes(String(e['peer'])) &&
        Date.parse(String(e['ts'])) >= sinceMs
      )
        alarms.push(`${edge.id} marked ${String(e['peer'])} failed`);
  return alarms;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
