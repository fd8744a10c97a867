/**
 * Page entry for `scripts/perf.mjs`: runs {@link measureDashboard} with the query parameters
 * `peers` (default 1000), `rate` (updates/s, default 4), `seconds` (default 6), `windows`
 * (default 3), `seed`, and publishes the result on `window.perfResult`.
 */
import { measureDashboard } from './dashboard-perf.js';

const params = new URLSearchParams(location.search);
const num = (name: string, fallback: number) => Number(params.get(name) ?? fallback);
void measureDashboard({
  peerCount: num('peers', 1_000),
  seed: num('seed', 20_261_125),
  updatesPerSecond: num('rate', 4),
  changesPerUpdate: 10,
  windowSeconds: num('seconds', 6),
  windowsMax: num('windows', 3),
  container: document.body,
}).then((result) => {
  (window as unknown as { perfResult: unknown }).perfResult = result;
});
