// The e2e harness's waits against a step of the wall clock: this VM's clock was once stepped 21 s
// forward during a demo e2e run (session 11), which ended a 15 s wait after 2 s ("a crashed tab shown
// healthy for 15 s") and hid the tabs' history entries from a `Date.now()` taken after the step.
import { afterEach, describe, expect, it } from 'vitest';
import type { DemoTab, TableView } from './harness/demo-tab.js';
import { falseFailedSince, monotonicMs, runStart, waitEach, type Moment } from './harness/observe.js';

const wallNow = Date.now.bind(Date);
afterEach(() => {
  Date.now = wallNow;
});

/** A stand-in observer: its UI shows `peer` failed from its `failedFromRead`-th read on. */
function observer(id: string, failedFromRead: number, failedAtMs: number[] = []): DemoTab {
  let reads = 0;
  const view = (): Promise<TableView> => {
    reads++;
    return Promise.resolve({
      states: { peer: reads >= failedFromRead ? 'failed' : 'healthy' },
      lifecycles: {},
      signal: '',
    });
  };
  return {
    id,
    view,
    detectorReport: () => Promise.resolve(`  ${id}: (stand-in)`),
    failedEntries: () => Promise.resolve(failedAtMs.map((atMs) => ({ peer: 'peer', atMs }))),
    clockMs: () => Promise.resolve(2_000),
  } as unknown as DemoTab;
}

describe('e2e harness clocks', () => {
  it('a wall clock stepped 21 s forward neither ends a wait early nor stretches its times', async () => {
    const tab = observer('tab-1', 3);
    const t0 = monotonicMs();
    Date.now = () => wallNow() + 21_000; // the step, right after the fault
    const [ms] = await waitEach([tab], (v) => v.states['peer'] === 'failed', t0, 1_000, 'peer failed');
    expect(ms).toBeGreaterThanOrEqual(150);
    expect(ms).toBeLessThan(1_000);
  });

  it("a wait that does time out names what every observer's detector holds", async () => {
    const err = await waitEach([observer('tab-1', Infinity)], () => false, monotonicMs(), 150, 'never').catch(
      (e: unknown) => e as Error,
    );
    expect(String(err)).toMatch(
      /timed out after 150 ms waiting for never: tab-1 sees .*\ndetectors \(ms ago\):\n {2}tab-1: \(stand-in\)$/,
    );
  });

  it("a tab's history counts from the moment on its own clock, whatever the wall clock says", async () => {
    const tab = observer('tab-1', 1, [900, 1_100]);
    Date.now = () => wallNow() + 21_000;
    const since: Moment = { monoMs: monotonicMs(), wallMs: Date.now(), tabMs: new Map([['tab-1', 1_000]]) };
    expect(await falseFailedSince([tab], [], ['peer'], since)).toEqual([
      'tab-1 marked peer failed (detector, 0.9 s ago)',
    ]);
    expect(await falseFailedSince([tab], [], ['peer'], runStart)).toHaveLength(2);
  });
});
