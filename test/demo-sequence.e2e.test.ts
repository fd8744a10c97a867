// End-to-end through the demo page: the whole sequence of issue 18, as a first-time user walks it.
// Four tabs (kept identities, each in its own browser context) and two edge peers; then Crash and
// Rejoin of one tab, a renderer crash of another, a SIGKILL of an edge peer and a tab closed. Every
// tab still running must read HEALTHY again once the gone peers are reaped, list them under Past
// members with how each ended, and keep that past and its analytics across a reload.
// Real stack, real Chromium, real WebRTC. Run alone:
//   bash scripts/netns.sh vitest run test/demo-sequence.e2e.test.ts
//
// Each element renders on its own batch (at most every 250 ms), so nothing here reads one element
// right after another changed: every check polls the element it asserts on.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Stack } from '../apps/demo/stack/stack.js';
import { DemoTab } from './harness/demo-tab.js';
import { startDemoSuite, stopDemoSuite } from './harness/demo-suite.js';
import { allAre, monotonicMs, waitEach } from './harness/observe.js';

/** Generous: detection takes ~1-2 s here; a loaded machine is slower. */
const waitMsMax = 30_000;
/** The tabs reap after 8 s instead of 30 s (`?config=`, the demo's documented override). */
const reapAfterMs = 8_000;
const query = { config: JSON.stringify({ reapAfterMs }) };
/** From a fault to the tier back at HEALTHY in every tab: detection, the reap, then a render. */
const healthyMsMax = waitMsMax + reapAfterMs;

let stack: Stack;
let browser: Browser;
/** Tabs still open, in opening order. */
const tabs: DemoTab[] = [];
/** Peers that should be alive (tabs and edge peers). */
const alive = new Set<string>();
/** How each gone peer ended, as Past members must say. */
const gone = new Map<string, 'failed' | 'left'>();

const tab = (i: number): DemoTab => tabs[i] as DemoTab;

/** Waits until every tab shows every alive peer healthy and no other row. */
const converged = (observers = tabs): Promise<number[]> =>
  waitEach(
    observers,
    (view, observer) =>
      allAre([...alive], 'healthy')(view, observer) && Object.keys(view.states).length === alive.size - 1,
    monotonicMs(),
    healthyMsMax,
    'only the alive peers, all healthy',
  );

/** Failures per peer in the tab's reliability table (the kept history's window, "last hour"). */
const failuresOf = (t: DemoTab): Promise<Record<string, number>> =>
  t.page.evaluate(() => {
    const el = document.querySelector('pulse-mesh')?.shadowRoot?.querySelector('pulse-analytics');
    const rows = el?.shadowRoot?.querySelectorAll('tbody tr[data-peer]') ?? [];
    return Object.fromEntries(
      [...rows].map((r) => [r.getAttribute('data-peer'), Number(r.children[2]?.textContent?.trim())]),
    );
  });

/** Every tab reads HEALTHY and lists exactly the gone peers, each with how it ended. */
async function presentAndPast(): Promise<void> {
  await converged();
  const expected = [...gone].map(([peer, ended]) => [peer, ended]).sort();
  for (const t of tabs) {
    await expect.poll(() => t.tier(), { timeout: healthyMsMax }).toBe('HEALTHY');
    // Polled too: the list renders on its own batch, and a peer reaped and back (a slow rejoin)
    // leaves it one batch after the table shows it.
    await expect.poll(async () => (await t.past()).sort(), { timeout: healthyMsMax }).toEqual(expected);
  }
}

beforeAll(async () => {
  ({ stack, browser } = await startDemoSuite('e2e-sequence', 2));
  for (const id of stack.edges.keys()) alive.add(id);
}, 120_000);

afterAll(() => stopDemoSuite({ stack, browser }, tabs), 60_000);

describe('demo: crash, rejoin, renderer crash, edge-peer kill, tab close → HEALTHY', () => {
  it('four tabs and two edge peers: every tab HEALTHY, no past members', async () => {
    for (let i = 0; i < 4; i++) {
      const t = await DemoTab.open(browser, stack.tabUrl(query));
      tabs.push(t);
      alive.add(t.id);
    }
    expect(alive.size).toBe(6);
    await presentAndPast();
  }, 120_000);

  it('Crash, then Rejoin: the same peer is back and nobody lists it as past', async () => {
    const crashed = tab(2);
    const others = tabs.filter((t) => t !== crashed);
    await crashed.control('crash');
    await waitEach(others, allAre([crashed.id], 'failed'), monotonicMs(), waitMsMax, 'crashed tab failed');
    expect(await crashed.rejoin()).toBe(crashed.id);
    await presentAndPast();
  }, 120_000);

  it('a renderer crash: failed everywhere, reaped into Past members, HEALTHY again', async () => {
    const crashed = tab(1);
    tabs.splice(1, 1);
    alive.delete(crashed.id);
    gone.set(crashed.id, 'failed');
    await crashed.crashRenderer();
    await waitEach(tabs, allAre([crashed.id], 'failed'), monotonicMs(), waitMsMax, 'renderer crash failed');
    await crashed.dispose();
    await presentAndPast();
  }, 120_000);

  it('an edge peer SIGKILLed: failed everywhere, reaped into Past members, HEALTHY again', async () => {
    const edge = stack.edges.get('edge-2')!;
    alive.delete('edge-2');
    gone.set('edge-2', 'failed');
    edge.kill();
    await waitEach(tabs, allAre(['edge-2'], 'failed'), monotonicMs(), waitMsMax, 'edge-2 failed');
    await presentAndPast();
  }, 120_000);

  it('a tab closed: left everywhere, reaped into Past members as left, HEALTHY again', async () => {
    const closing = tab(2);
    tabs.splice(2, 1);
    alive.delete(closing.id);
    gone.set(closing.id, 'left');
    await closing.close();
    await waitEach(tabs, allAre([closing.id], 'left'), monotonicMs(), waitMsMax, 'closed tab left');
    await closing.dispose();
    await presentAndPast();
  }, 120_000);

  it('after a reload, the past members and their failures are still there, and the tier HEALTHY', async () => {
    const reloaded = tab(0);
    await reloaded.page.reload();
    expect(await DemoTab.started(reloaded.page)).toBe(reloaded.id);
    await presentAndPast();
    // The reliability report reads the kept history (last hour): the failures seen before the
    // reload count, for the peers gone since and for the tab that crashed and rejoined.
    const failedOnce = [...[...gone].filter(([, how]) => how === 'failed').map(([p]) => p), tab(1).id];
    await expect
      .poll(
        async () => {
          const failures = await failuresOf(reloaded);
          return failedOnce.filter((p) => (failures[p] ?? 0) >= 1).length;
        },
        { timeout: waitMsMax },
      )
      .toBe(failedOnce.length);
  }, 120_000);
});
