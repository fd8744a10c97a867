// Polling helpers over many tabs' UIs at once: per-observer times, and watches for false alarms.
// Waits and measured times run on a monotonic clock, and "since" compares each record with a moment
// read on that record's own clock (a tab's detector clock, an edge peer's wall clock): this VM's
// wall clock was once stepped 21 s forward mid-run (session 11, 17:40 UTC), which ended a 15 s wait
// after 2 s and hid every history entry behind `performance.timeOrigin + atMs` from a later `Date.now()`.
import type { EdgePeerProcess } from '../../apps/demo/stack/edge-process.js';
import type { DemoTab, TableView } from './demo-tab.js';

/** How often the UIs are read (ms). */
export const pollMs = 100;

/** The harness's clock (ms): monotonic, so a step of the wall clock neither ends a wait nor shifts a time. */
export const monotonicMs = (): number => performance.now();

/**
 * A moment as each clock a check compares against reads it: the harness's monotonic clock (waits,
 * measured times), each open tab's detector clock (its `performance.now()`: its history), and the
 * wall clock (the edge peers' `--json` lines carry ISO times). The tabs are read first, so each of
 * their readings is at or before the others.
 */
export interface Moment {
  monoMs: number;
  wallMs: number;
  /** Tab id → its detector clock then; a tab opened later counts everything it recorded. */
  tabMs: ReadonlyMap<string, number>;
}

/** Reads {@link Moment} now (take it before injecting a fault). */
export async function moment(tabs: readonly DemoTab[]): Promise<Moment> {
  const tabMs = new Map(await Promise.all(tabs.map(async (t) => [t.id, await t.clockMs()] as const)));
  return { monoMs: monotonicMs(), wallMs: Date.now(), tabMs };
}

/** The start of the run: every record counts. */
export const runStart: Moment = { monoMs: -Infinity, wallMs: -Infinity, tabMs: new Map() };

/**
 * Waits until `ok(view)` holds in every observer's UI; returns, per observer, the ms from `t0`
 * ({@link monotonicMs}) to the first read in which it held. Throws after `timeoutMs` naming the
 * observers still waiting, with what every observer's detector holds.
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
    const now = monotonicMs();
    pending.forEach((o, i) => {
      const view = views[i]!;
      last.set(o.id, view);
      if (ok(view, o)) done.set(o.id, now - t0);
    });
    if (done.size === observers.length) break;
    if (now - t0 > timeoutMs) {
      const waiting = observers.filter((o) => !done.has(o.id));
      const detail = waiting.map((o) => `${o.id} sees ${JSON.stringify(last.get(o.id)?.states)}`).join('; ');
      // What every observer's own detector holds (the UI may lag it, or the observers may disagree).
      const reports = await Promise.all(
        observers.map((o) => o.detectorReport().catch((e: unknown) => `  ${o.id}: no report (${String(e)})`)),
      );
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}: ${detail}\ndetectors (ms ago):\n${reports.join('\n')}`,
      );
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
 * detector histories and the edge peers' event lines since `since` (a short-lived `failed`
 * between two reads still counts).
 */
export async function watchFalseFailed(
  observers: readonly DemoTab[],
  edges: readonly EdgePeerProcess[],
  innocent: readonly string[],
  since: Moment,
  durationMs: number,
  onView?: (observer: DemoTab, view: TableView) => void,
): Promise<string[]> {
  const alarms = new Set<string>();
  const end = monotonicMs() + durationMs;
  while (monotonicMs() < end) {
    const views = await Promise.all(observers.map((o) => o.view()));
    observers.forEach((o, i) => {
      const view = views[i]!;
      onView?.(o, view);
      for (const p of innocent)
        if (view.states[p] === 'failed') alarms.add(`${o.id} showed ${p} failed (UI)`);
    });
    await sleep(250);
  }
  for (const alarm of await falseFailedSince(observers, edges, innocent, since)) alarms.add(alarm);
  return [...alarms];
}

/** `failed` transitions about `innocent` peers since `since`, from histories and edge events. */
export async function falseFailedSince(
  observers: readonly DemoTab[],
  edges: readonly EdgePeerProcess[],
  innocent: readonly string[],
  since: Moment,
): Promise<string[]> {
  const alarms: string[] = [];
  for (const o of observers) {
    const entries = await o.failedEntries();
    // How long ago, on the tab's clock: places an alarm that no case's own watch covered.
    const nowMs = entries.length === 0 ? 0 : await o.clockMs();
    for (const e of entries)
      if (innocent.includes(e.peer) && e.atMs >= (since.tabMs.get(o.id) ?? -Infinity))
        alarms.push(
          `${o.id} marked ${e.peer} failed (detector, ${((nowMs - e.atMs) / 1000).toFixed(1)} s ago)`,
        );
  }
  for (const edge of edges)
    for (const e of edge.events)
      if (
        e.type === 'status-change' &&
        e['to'] === 'failed' &&
        innocent.includes(String(e['peer'])) &&
        Date.parse(String(e['ts'])) >= since.wallMs
      )
        alarms.push(`${edge.id} marked ${String(e['peer'])} failed`);
  return alarms;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
