import '../pulse-mesh.js';
import type { PulseMesh } from '../pulse-mesh.js';
import { generateMesh } from './generate.js';

/** Options of {@link measureDashboard}. */
export interface DashboardPerfOptions {
  peerCount: number;
  seed: number;
  updatesPerSecond: number;
  /** State changes per update (each one an event). */
  changesPerUpdate: number;
  windowSeconds: number;
  /** Windows measured at most; stops at the first without long tasks. */
  windowsMax: number;
  /** Where the dashboard is mounted. */
  container: HTMLElement;
}

/** One steady-state measurement window. */
export interface PerfWindow {
  /** Durations (ms) of the long tasks Chromium reported (each > 50 ms). */
  longTasksMs: number[];
  updates: number;
  /** Renders of the peer table (event batches plus polls). */
  tableRenders: number;
  /** Slowest single update per element (ms): render and DOM commit. */
  updateMsMax: Record<string, number>;
  /** Renders per element in the window (event batches plus polls). */
  renders: Record<string, number>;
  /** Elements in the dashboard's DOM, all shadow roots included, at the end of the window. */
  domElements: number;
  /** Peer rows in the table's DOM (the rest is virtualised away). */
  tableRows: number;
}

/** What {@link measureDashboard} found. */
export interface DashboardPerf {
  /** Long tasks while the dashboard mounts and lays out the graph (first 3 s). */
  mountLongTasksMs: number[];
  windows: PerfWindow[];
}

const parts = [
  'pulse-health',
  'pulse-peer-table',
  'pulse-topology',
  'pulse-timeline',
  'pulse-analytics',
] as const;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Collects long tasks (> 50 ms main-thread blocks, as Chromium reports them) until stopped. */
export function watchLongTasks(): () => number[] {
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

/**
 * Mounts `<pulse-mesh>` over a generated mesh, then feeds it seeded churn at a fixed rate and
 * records long tasks (`PerformanceObserver`) and each element's slowest update per window. Used
 * by the browser perf test (Lit development build) and `scripts/perf.mjs` (production bundle).
 */
export async function measureDashboard(options: DashboardPerfOptions): Promise<DashboardPerf> {
  const { mesh, churn } = generateMesh({ peerCount: options.peerCount, seed: options.seed });
  await sleep(100); // a long task is reported when it ends: let the generator's task end first
  const stopMount = watchLongTasks();
  const el = document.createElement('pulse-mesh') as PulseMesh;
  el.mesh = mesh;
  options.container.append(el);
  await el.partsReady();
  await sleep(3_000); // the topology's sliced layout
  const mountLongTasksMs = stopMount();

  const controllers = parts.map((tag) => el.shadowRoot!.querySelector(tag)!.meshController);
  const table = el.shadowRoot!.querySelector('pulse-peer-table')!;
  const windows: PerfWindow[] = [];
  for (let w = 0; w < options.windowsMax; w++) {
    for (const c of controllers) c.updateMsMax = 0;
    const rendersBefore = controllers.map((c) => c.renderRequests);
    const stop = watchLongTasks();
    let updates = 0;
    const timer = setInterval(() => {
      mesh.advance(1_000 / options.updatesPerSecond);
      churn.step(options.changesPerUpdate);
      updates++;
    }, 1_000 / options.updatesPerSecond);
    await sleep(options.windowSeconds * 1_000);
    clearInterval(timer);
    await sleep(300);
    const longTasksMs = stop();
    windows.push({
      longTasksMs,
      updates,
      tableRenders: table.meshController.renderRequests - rendersBefore[1]!,
      updateMsMax: Object.fromEntries(parts.map((tag, i) => [tag, controllers[i]!.updateMsMax])),
      renders: Object.fromEntries(
        parts.map((tag, i) => [tag, controllers[i]!.renderRequests - rendersBefore[i]!]),
      ),
      domElements: countElements(el.shadowRoot!),
      tableRows: table.shadowRoot!.querySelectorAll('tbody tr[data-peer]').length,
    });
    if (longTasksMs.length === 0) break;
  }
  el.remove();
  return { mountLongTasksMs, windows };
}

/** Elements under `root`, descending into every shadow root. */
function countElements(root: ParentNode): number {
  let n = 0;
  for (const el of root.querySelectorAll('*')) {
    n++;
    if (el.shadowRoot) n += countElements(el.shadowRoot);
  }
  return n;
}

/** One line per phase, for logs. */
export function describePerf(perf: DashboardPerf): string[] {
  const summary = (d: number[]) =>
    `${d.length} long tasks, max ${d.length ? Math.max(...d).toFixed(0) : 0} ms, total ${d.reduce((a, b) => a + b, 0).toFixed(0)} ms`;
  return [
    `mount: ${summary(perf.mountLongTasksMs)}`,
    ...perf.windows.map(
      (w, i) =>
        `steady window ${i + 1} (${w.updates} updates, ${w.tableRenders} table renders, ` +
        `${w.domElements} DOM elements, ${w.tableRows} table rows): ${summary(w.longTasksMs)}; ` +
        `slowest update (ms): ${Object.entries(w.updateMsMax)
          .map(([tag, ms]) => `${tag} ${ms.toFixed(1)}`)
          .join(', ')}`,
    ),
  ];
}
