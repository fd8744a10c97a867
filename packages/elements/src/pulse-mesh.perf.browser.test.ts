// <pulse-mesh> fed a 1,000-peer mesh at 4 updates per second: long tasks from a
// PerformanceObserver (goal: none over 50 ms) and each element's slowest update. Lit runs in its
// development build here; `node packages/elements/scripts/perf.mjs` measures the production bundle.
import { expect } from '@open-wc/testing';
import { describePerf, measureDashboard } from './testing/dashboard-perf.js';

const seed = 20_261_125;
const windowSeconds = 6;

describe('<pulse-mesh> with 1,000 peers', () => {
  it('renders 4 updates per second without long tasks', async function () {
    this.timeout(90_000);
    // A long task is wall-clock time, so a busy machine (other test runs on 2 shared cores)
    // stretches it: up to three 6 s windows, keeping the best.
    const perf = await measureDashboard({
      peerCount: 1_000,
      seed,
      updatesPerSecond: 4,
      changesPerUpdate: 10, // 40 events/s plus link changes
      windowSeconds,
      windowsMax: 3,
      container: document.body,
    });
    for (const line of describePerf(perf)) console.log(`seed ${seed}; ${line}`);
    const best = perf.windows.reduce((a, b) => (b.longTasksMs.length < a.longTasksMs.length ? b : a));
    console.log(
      best.longTasksMs.length === 0
        ? 'goal met: no long task at 4 updates/s'
        : `goal missed in every window (best: ${best.longTasksMs.length} long tasks)`,
    );
    const reproduce = `reproduce: bash scripts/netns.sh web-test-runner --files packages/elements/src/pulse-mesh.perf.browser.test.ts (seed ${seed})`;
    // What keeps the cost flat, asserted in every window: batched renders (at most 4/s per
    // element, plus a poll), a bounded DOM (the table keeps ~30 of 1,000 rows).
    for (const w of perf.windows) {
      for (const [tag, renders] of Object.entries(w.renders)) {
        expect(renders, `${tag} renders in ${windowSeconds} s; ${reproduce}`).to.be.at.most(
          windowSeconds * 4 + 2,
        );
      }
      expect(w.tableRows, reproduce).to.be.within(10, 60);
      expect(w.domElements, reproduce).to.be.lessThan(4_000);
    }
    // Long tasks and update times are wall-clock: reported above against the goal. Asserted only
    // loosely, since other processes on the 2 shared cores stretch them (seen: 25 long tasks per
    // window at load average 12, none at load 2): in at least one window no element update took
    // 100 ms (a per-update cost of 100 ms everywhere means a regression). Judged per window, since a
    // load spike stretches one window (a CI run at load ~20: windows' slowest 43, 111, 257 ms).
    const slowest = perf.windows.map((w) => Math.max(...Object.values(w.updateMsMax)));
    expect(
      Math.min(...slowest),
      `slowest element update per window (ms): ${slowest.join(', ')}; ${reproduce}`,
    ).to.be.lessThan(100);
  });
});
