import { expect, fixture, html } from '@open-wc/testing';
import './pulse-mesh.js';
import type { PulseMesh } from './pulse-mesh.js';
import { generateMesh } from './testing/generate.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const seed = Number(new URLSearchParams(location.search).get('seed') ?? 20_261_125);

/** Collects long tasks (> 50 ms main-thread blocks, as Chromium reports them) until stopped. */
function watchLongTasks(): () => number[] {
  const durations: number[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) durations.push(entry.duration);
  });
  observer.observe({ type: 'longtask' });
  return () => {
    for (const entry of observer.takeRecords()) durations.push(entry.duration);
    observer.disconnect();
    return durations;
  };
}

const summary = (d: number[]) =>
  `${d.length} long tasks, max ${d.length ? Math.max(...d).toFixed(0) : 0} ms, total ${d.reduce((a, b) => a + b, 0).toFixed(0)} ms`;

describe('<pulse-mesh> with 1,000 peers', () => {
  it('stays under 50 ms per task at 4 updates per second', async function () {
    this.timeout(60_000);
    const { mesh, churn } = generateMesh({ peerCount: 1_000, seed });
    await sleep(100); // a long task is reported when it ends: let the generator's task end first
    const stopMount = watchLongTasks();
    const el = await fixture<PulseMesh>(html`<pulse-mesh .mesh=${mesh}></pulse-mesh>`);
    await sleep(3_000); // first render and the topology's sliced layout
    const mount = stopMount();

    const stopSteady = watchLongTasks();
    const parts = [
      'pulse-health',
      'pulse-peer-table',
      'pulse-topology',
      'pulse-timeline',
      'pulse-analytics',
    ] as const;
    const controllers = parts.map((tag) => el.shadowRoot!.querySelector(tag)!.meshController);
    for (const c of controllers) c.updateMsMax = 0;
    const table = el.shadowRoot!.querySelector('pulse-peer-table')!;
    const rendersBefore = table.meshController.renderRequests;
    const updatesPerSecond = 4;
    const seconds = 6;
    let updates = 0;
    const timer = setInterval(() => {
      mesh.advance(1_000 / updatesPerSecond);
      churn.step(10); // 10 state changes per update: 40 events/s plus link changes
      updates++;
    }, 1_000 / updatesPerSecond);
    await sleep(seconds * 1_000);
    clearInterval(timer);
    await sleep(300);
    const steady = stopSteady();
    const renders = table.meshController.renderRequests - rendersBefore;
    const costs = parts.map((tag, i) => `${tag} ${controllers[i]!.updateMsMax.toFixed(1)}`).join(', ');
    console.log(`slowest update per element (ms): ${costs}`);
    console.log(
      `seed ${seed}; mount: ${summary(mount)}; steady (${updates} updates over ${seconds} s, ` +
        `${renders} table renders): ${summary(steady)}`,
    );
    expect(renders).to.be.at.most(seconds * 4 + 2);
    // The machine is shared (2 cores, other test runs): tolerate one stray scheduling stall.
    expect(
      steady.filter((d) => d > 50).length,
      `reproduce: web-test-runner --files '${'packages/elements/src/pulse-mesh.perf.browser.test.ts'}' (seed ${seed})`,
    ).to.be.at.most(1);
    for (const c of controllers) expect(c.updateMsMax).to.be.lessThan(50);
  });
});
