// Mesh benchmark: 8 Chromium tabs + 4 Node edge peers in one room, real signaling, real WebRTC,
// every peer on the stock defaults (no overrides: decision 0013). The edge peers run as deployed:
// the built CLI (apps/edge-peer/dist, built first when missing or stale), each detached in a
// session of its own so the autogroup scheduler gives it its own CPU share (in the benchmark's
// session they were starved beside the driver: decision 0013), killed when the benchmark exits.
// Scenarios (samples each; bench-mesh.scenarios.ts): node-sigkill, renderer-crash, hang,
// tab-close, freeze-500/1000/1500; then hidden-6min (one tab hidden, its probes counted) and the soak (nothing killed; the tab is
// hidden for its first minutes when both run). Every entry records the load average at its start
// and end; the soak also every 30 s. BENCH_DIAG=1 breaks tabs' late ticks down (bench-mesh.page.ts).
// BENCH_AUTOGROUP_NICE=N runs it (browsers included) at autogroup nice N (the soak, outside the heavy lock).
//   bash scripts/netns.sh node --conditions=source --import tsx scripts/bench-mesh.ts [--quick]
//     [--only=node-sigkill,renderer-crash]
// Writes bench-results/mesh.json (BENCH_OUT=/abs/path.json elsewhere; one entry per scenario) and
// prints a table. With --only, runs those scenarios alone and replaces their entries in the file
// (the others keep their own commit).
// Crash scenarios record, per sample and observer, when the witness came and what the observer knew
// of the victim then (its reported stall, `loadMs`), how its check was sized (window, probe timeout,
// RTT samples) and how the verdict was reached (`notes.observers`, tabs and edge peers alike). Every
// false `failed` is listed with its reason, time, the observer's evidence and a tab victim's own late
// ticks and long tasks in the 10 s before (`notes.falseFailed`).
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { provenance, thisCommand } from './bench-provenance.js';
import { createSignalServer } from '../packages/signal-server/src/server/index.js';
import { launchChromium, launchHidingChromium } from '../test/harness/chromium.js';
import { ensureEdgePeerBuild, schedulingOf, stopServices } from '../test/harness/service.js';
import { HidingTabPeer, NodePeer, servePage, TabPeer, type BenchPeer } from './bench-mesh.peers.js';
import {
  converged,
  crashScenarios,
  freezeScenarios,
  hiddenAndSoak,
  poll,
  type Entry,
  type MeshRun,
  type Scenario,
} from './bench-mesh.scenarios.js';

const quick = process.argv.includes('--quick');
const onlyArg = process.argv.find((a) => a.startsWith('--only='));
const only = onlyArg === undefined ? undefined : new Set(onlyArg.slice('--only='.length).split(','));
const selected = (scenario: Scenario): boolean => only === undefined || only.has(scenario);
const tabsCount = 8;
const nodesCount = 4;
const samples = Number(process.env['BENCH_SAMPLES'] ?? (quick ? 3 : 10));
const soakS = Number(process.env['BENCH_SOAK_S'] ?? (quick ? 60 : 1800));
// Every entry records the commit measured and the command (bench:check judges freshness by it).
const envSet = ['BENCH_SAMPLES', 'BENCH_SOAK_S', 'BENCH_HIDDEN_S', 'BENCH_AUTOGROUP_NICE', 'BENCH_DIAG']
  .filter((k) => process.env[k] !== undefined)
  .map((k) => `${k}=${process.env[k]} `)
  .join('');
const prov = provenance(`${envSet}bash scripts/netns.sh ${thisCommand('scripts/bench-mesh.ts')}`);
/** How long a hidden tab stays hidden (Chrome's intensive throttling starts after 5 minutes). */
const hiddenS = Number(process.env['BENCH_HIDDEN_S'] ?? (quick ? 30 : 360));
const room = 'bench';
/** `BENCH_DIAG=1`: tabs run an instrumented tick Worker (late ticks broken down, `bench-mesh.page.ts`). */
const diag = process.env['BENCH_DIAG'] === '1' ? '1' : '0';
/** The stock defaults: no detector overrides anywhere (tabs: browser default; edge peers: Node default). */
const config: Record<string, number> = {};

if (process.env['PULSEMESH_NETNS'] !== '1') {
  console.error(
    'run inside the loopback-only namespace: bash scripts/netns.sh node ... scripts/bench-mesh.ts',
  );
  process.exit(2);
}
const log = (msg: string): void => console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}`);

const edgeMain = ensureEdgePeerBuild(log);

const signal = createSignalServer({ logLevel: 'silent' });
const { url: signalUrl } = await signal.listen(0, '127.0.0.1');
const page = await servePage();
const browser = await launchChromium();
/** A second Chromium for the hidden tab: its background tabs are throttled (see `HidingTabPeer`). */
const hidingBrowser = await launchHidingChromium();
const alive = new Map<string, BenchPeer>();
const driverScheduling = ((s) => `session ${s.session}, ${s.autogroup}`)(schedulingOf('self'));
const gone = new Set<string>();
/** When each peer was started (wall clock, ms): an observer that joined just before a kill has few RTT samples. */
const startedAt = new Map<string, number>();
let tabSeq = 0;
let nodeSeq = 0;

async function addTab(): Promise<TabPeer> {
  const id = `tab-${++tabSeq}`;
  const tab = await TabPeer.open(browser, page.url, {
    signal: signalUrl,
    room,
    id,
    config: JSON.stringify(config),
    diag,
  });
  alive.set(id, tab);
  startedAt.set(id, Date.now());
  return tab;
}
function addNode(): NodePeer {
  const id = `node-${++nodeSeq}`;
  const node = NodePeer.start(edgeMain, signalUrl, room, id, config);
  alive.set(id, node);
  startedAt.set(id, Date.now());
  const pid = node.proc.pid!;
  const own = schedulingOf(pid);
  log(`${id}: pid ${pid}, session ${own.session}, ${own.autogroup} (benchmark: ${driverScheduling})`);
  return node;
}

/** The hideable tab, in the throttling Chromium (the hidden-6min scenario counts it alive). */
function addHidingTab(): Promise<HidingTabPeer> {
  return HidingTabPeer.open(hidingBrowser, page.url, {
    signal: signalUrl,
    room,
    id: `tab-${++tabSeq}`,
    config: JSON.stringify(config),
    diag,
  });
}

/**
 * `BENCH_AUTOGROUP_NICE=N` (Linux with autogroup scheduling): once the soak's mesh is up (starting
 * eight tabs on a small share timed out), this run goes on at autogroup nice N, so
 * a soak outside the heavy lock yields the CPU to the locked runs. Plain `nice` does not do it: CPU
 * is shared per session, and the browsers and edge peers run in sessions of their own (their
 * drivers start them detached, `NodePeer.start` too), so their sessions are set too; edge peers
 * started later take ours at start (`spawnService`).
 */
function yieldCpu(): void {
  const nice = process.env['BENCH_AUTOGROUP_NICE'];
  if (nice === undefined) return;
  const sessions = ['self'];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === process.pid) sessions.push(pid);
    } catch {
      // gone meanwhile
    }
  }
  for (const pid of sessions) writeFileSync(`/proc/${pid}/autogroup`, nice);
  log(
    `autogroup nice ${nice} from now on, this run and its ${sessions.length - 1} child processes' sessions`,
  );
}

const run: MeshRun = {
  alive,
  gone,
  startedAt,
  tabsCount,
  nodesCount,
  samples,
  hiddenS,
  soakS,
  selected,
  log,
  addTab,
  addNode,
  addHidingTab,
  yieldCpu,
};
const results: Entry[] = [];
try {
  log(`starting ${tabsCount} tabs + ${nodesCount} Node peers (signal ${signalUrl}, page ${page.url})`);
  log(`detector config overrides: ${JSON.stringify(config)}`);
  for (let i = 0; i < nodesCount; i++) addNode();
  for (let i = 0; i < tabsCount; i++) await addTab();
  const meshStart = Date.now();
  await poll(() => converged(run), 90_000, 'initial mesh');
  log(`mesh of ${alive.size} converged in ${Date.now() - meshStart} ms`);

  await crashScenarios(run, results);
  await freezeScenarios(run, results);
  await hiddenAndSoak(run, results);
} catch (error) {
  log(`stopped early: ${String(error)}`);
  process.exitCode = 1;
} finally {
  mkdirSync(new URL('../bench-results/', import.meta.url), { recursive: true });
  const out = new URL(process.env['BENCH_OUT'] ?? '../bench-results/mesh.json', import.meta.url);
  const fresh = results.map((r) => ({ ...prov, ...r }));
  // --only replaces its scenarios' entries and keeps the others (in the file's order).
  const kept =
    only !== undefined && existsSync(out)
      ? (JSON.parse(readFileSync(out, 'utf8')) as { scenario: Scenario }[])
      : [];
  const merged = kept.map((e) => fresh.find((r) => r.scenario === e.scenario) ?? e);
  for (const r of fresh) if (!merged.includes(r)) merged.push(r);
  writeFileSync(out, `${JSON.stringify(only === undefined ? fresh : merged, null, 2)}\n`);
  console.table(
    results.map((r) => ({
      scenario: r.scenario,
      samples: r.samples,
      'p50 ms': r.ms.p50,
      'max ms': r.ms.max,
      falseFailed: r.falseFailed,
      durationS: r.durationS,
    })),
  );
  stopServices('SIGTERM'); // every edge peer still running (each also dies with this process)
  await browser.close();
  await hidingBrowser.close();
  page.server.close();
  await signal.close();
  process.exit(process.exitCode ?? 0);
}
