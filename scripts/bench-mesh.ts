// Mesh benchmark: 8 Chromium tabs + 4 Node edge peers in one room, real signaling, real WebRTC,
// every peer on the stock defaults (no overrides: decision 0013). The edge peers run as deployed:
// the built CLI (apps/edge-peer/dist, built first when missing or stale), each detached in a
// session of its own so the autogroup scheduler gives it its own CPU share (in the benchmark's
// session they were starved beside the driver: decision 0013), killed when the benchmark exits.
// Scenarios (samples each): node-sigkill, renderer-crash, hang, tab-close, freeze-500/1000/1500;
// then hidden-6min (one tab hidden, its probes counted) and the soak (nothing killed; the tab is
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
import { loadavg } from 'node:os';
import { provenance, thisCommand } from './bench-provenance.js';
import { createSignalServer } from '../packages/signal-server/src/server/index.js';
import { launchChromium, launchHidingChromium } from '../test/harness/chromium.js';
import { ensureEdgePeerBuild, schedulingOf, stopServices } from '../test/harness/service.js';
import { HidingTabPeer, NodePeer, servePage, TabPeer, type BenchPeer } from './bench-mesh.peers.js';

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
/** After a freeze, how long to watch for a false `failed` (ms). */
const freezeWatchMs = 4_000;
const room = 'bench';
/** `BENCH_DIAG=1`: tabs run an instrumented tick Worker (late ticks broken down, `bench-mesh.page.ts`). */
const diag = process.env['BENCH_DIAG'] === '1' ? '1' : '0';
/** The stock defaults: no detector overrides anywhere (tabs: browser default; edge peers: Node default). */
const config: Record<string, number> = {};

type Scenario =
  | 'node-sigkill'
  | 'renderer-crash'
  | 'hang'
  | 'tab-close'
  | 'freeze-500'
  | 'freeze-1000'
  | 'freeze-1500'
  | 'hidden-6min'
  | 'soak';
interface Entry {
  scenario: Scenario;
  tabs: number;
  nodes: number;
  samples: number;
  ms: { p50: number; max: number };
  falseFailed: number;
  durationS: number;
  samplesMs: number[];
  /** 1-minute load average when the scenario started and when it ended (`os.loadavg()`). */
  loadAverage: { start: number; end: number };
  /** hidden-6min and soak: the autogroup nice they ran at (`BENCH_AUTOGROUP_NICE`), when set. */
  autogroupNice?: number;
  /** Scenario-specific facts (hidden-6min: visibility and probes counted). */
  notes?: Record<string, unknown>;
}
const load1 = (): number => Math.round(loadavg()[0]! * 100) / 100;

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

async function poll(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Every alive peer sees every other alive peer healthy. */
async function converged(): Promise<boolean> {
  const ids = [...alive.keys()];
  for (const peer of alive.values()) {
    const states = await peer.states();
    if (ids.some((id) => id !== peer.id && states[id] !== 'healthy')) return false;
  }
  return true;
}

/** Waits until every alive peer recorded `victim → to` after `sinceMs`; returns ms until the last did. */
async function timeToAll(victim: string, to: string, sinceMs: number): Promise<number> {
  let latest = 0;
  const observers = [...alive.values()];
  await poll(
    async () => {
      latest = 0;
      for (const peer of observers) {
        const hit = (await peer.transitions(sinceMs)).find(
          (t) => t.peer === victim && t.to === to && t.t >= sinceMs,
        );
        if (!hit) return false;
        latest = Math.max(latest, hit.t);
      }
      return true;
    },
    30_000,
    `${victim} → ${to} everywhere`,
  );
  return latest - sinceMs;
}

/** A false `failed`: who marked whom, when, why, and how late the victim was by its own and others' word. */
interface FalseFailed {
  observer: string;
  victim: string;
  /** ms after the entry's start, and the wall-clock time (ISO). */
  atMs: number;
  at: string;
  reason?: string | undefined;
  /** What the observer knew of the victim then: its reported stall (`loadMs`), lifecycle, last heard... */
  evidence?: Record<string, unknown> | undefined;
  /** A tab victim's own late ticks (≥ 50 ms) and long tasks in the 10 s before, ms before the verdict. */
  victimLateTicks?: { t: number; lateMs: number }[];
  victimLongTasks?: { t: number; ms: number }[];
}

/** `failed` transitions, at any alive peer since `sinceMs`, about peers that were not victims. */
async function falseFailedSince(sinceMs: number): Promise<FalseFailed[]> {
  const out: FalseFailed[] = [];
  for (const peer of alive.values())
    for (const t of await peer.transitions(sinceMs))
      if (t.to === 'failed' && t.t >= sinceMs && !gone.has(t.peer)) {
        const f: FalseFailed = {
          observer: peer.id,
          victim: t.peer,
          atMs: t.t - sinceMs,
          at: new Date(t.t).toISOString(),
          reason: t.reason,
          evidence: t.evidence as Record<string, unknown> | undefined,
        };
        const victim = alive.get(t.peer);
        if (victim instanceof TabPeer) {
          const d = await victim.diag().catch(() => undefined);
          const near = <T extends { t: number }>(xs: T[]) =>
            xs.filter((x) => x.t <= t.t && t.t - x.t <= 10_000).map((x) => ({ ...x, t: x.t - t.t }));
          if (d) {
            f.victimLateTicks = near(d.lateTicks.filter((x) => x.lateMs >= 50));
            f.victimLongTasks = near(d.longTasks);
          }
        }
        out.push(f);
        log(`false failed: ${JSON.stringify(f)}`);
      }
  return out;
}

function entry(
  scenario: Scenario,
  ms: number[],
  falseFailed: FalseFailed[],
  startedMs: number,
  loadAtStart: number,
): Entry {
  const sorted = [...ms].sort((a, b) => a - b);
  return {
    scenario,
    tabs: tabsCount,
    nodes: nodesCount,
    samples: ms.length,
    ms: { p50: sorted[Math.floor((sorted.length - 1) / 2)] ?? 0, max: sorted.at(-1) ?? 0 },
    falseFailed: falseFailed.length,
    durationS: Math.round((Date.now() - startedMs) / 1000),
    samplesMs: ms,
    loadAverage: { start: loadAtStart, end: load1() },
    ...(process.env['BENCH_AUTOGROUP_NICE'] === undefined || !['hidden-6min', 'soak'].includes(scenario)
      ? {}
      : { autogroupNice: Number(process.env['BENCH_AUTOGROUP_NICE']) }),
    ...(falseFailed.length === 0 ? {} : { notes: { falseFailed } }),
  };
}

interface Kill {
  victim: string;
  to: string;
  atMs: number;
  /** A tab victim's late ticks (≥ 50 ms) and long tasks in its last 10 minutes, ms before the kill. */
  victimDiag?: Record<string, unknown>;
  /** Starts the replacement peer, once the detection was measured. */
  replace(): Promise<void>;
}

/** One observer's view of one kill: when the witness came, what it knew of the victim, the verdict. */
interface Observed {
  observer: string;
  /** How long before the kill this observer was started (ms). */
  startedAgoMs?: number | undefined;
  /** The server's session end reached this peer, ms after the kill (tabs and edge peers). */
  witnessMs?: number | undefined;
  /** The victim's last reported longest stall (`loadMs`) and lifecycle, as this peer had them then. */
  victimLoadMs?: number | undefined;
  victimLifecycle?: string | undefined;
  /** How long before the witness this peer had last heard from the victim (ms). */
  lastHeardAgoMs?: number | undefined;
  /** This peer's own timer lateness then (ms). */
  ownLateMs?: number | undefined;
  /** This peer's RTT estimate of the victim then (ms; two probe timeouts of it size the check). */
  rttMs?: number | undefined;
  rttVarMs?: number | undefined;
  rttSamplesMs?: readonly number[] | undefined;
  /** The witnessed check's window, its probe timeout and stall allowance, and the link's RTT samples. */
  windowMs?: number | undefined;
  probeTimeoutMs?: number | undefined;
  stallAllowanceMs?: number | undefined;
  rttSampleCount?: number | undefined;
  /** This peer's path RTT estimate then (every link's samples: a link without samples waits by it). */
  pathRttMs?: number | undefined;
  pathRttVarMs?: number | undefined;
  /** When this peer first suspected the victim (ms after the kill) and why, if it did. */
  suspectedMs?: number | undefined;
  suspectedReason?: string | undefined;
  failedMs?: number | undefined;
  reason?: string | undefined;
  /** What this peer knew of the victim at its verdict (RTT, probe timeout, path RTT...: `peerEvidence`). */
  verdictEvidence?: Record<string, unknown> | undefined;
}

async function observe(victim: string, atMs: number, observers: BenchPeer[]): Promise<Observed[]> {
  const out: Observed[] = [];
  for (const peer of observers) {
    const seen = (await peer.transitions(atMs)).filter((t) => t.peer === victim);
    const hit = seen.find((t) => t.to === 'failed') ?? seen[0];
    const suspected = seen.find((t) => t.to === 'suspected');
    const o: Observed = {
      observer: peer.id,
      startedAgoMs: ((t) => (t === undefined ? undefined : atMs - t))(startedAt.get(peer.id)),
      failedMs: hit && hit.t - atMs,
      reason: hit?.reason,
      suspectedMs: suspected && suspected.t - atMs,
      suspectedReason: suspected?.reason,
      verdictEvidence: hit?.evidence as Record<string, unknown> | undefined,
    };
    const se = (await peer.sessionEnds()).find((e) => e.peer === victim && e.t >= atMs);
    if (se) {
      o.witnessMs = se.t - atMs;
      o.victimLoadMs = se.loadMs;
      o.victimLifecycle = se.lifecycle;
      o.lastHeardAgoMs = se.lastHeardAgoMs;
      o.ownLateMs = se.ownLateMs;
      o.rttMs = se.rttMs;
      o.rttVarMs = se.rttVarMs;
      o.rttSamplesMs = se.rttSamplesMs;
      o.windowMs = se.windowMs;
      o.probeTimeoutMs = se.probeTimeoutMs;
      o.stallAllowanceMs = se.stallAllowanceMs;
      o.rttSampleCount = se.rttSampleCount;
      o.pathRttMs = se.pathRttMs;
      o.pathRttVarMs = se.pathRttVarMs;
    }
    out.push(o);
  }
  return out;
}

async function runSamples(scenario: Scenario, kill: () => Promise<Kill>): Promise<Entry> {
  const started = Date.now();
  const loadAtStart = load1();
  const ms: number[] = [];
  const observed: Observed[][] = [];
  const victims: Record<string, unknown>[] = [];
  for (let i = 0; i < samples; i++) {
    await poll(converged, 60_000, 'mesh converged');
    const k = await kill();
    if (k.victimDiag !== undefined) {
      victims.push(k.victimDiag);
      log(`  victim ${JSON.stringify(k.victimDiag)}`);
    }
    const observers = [...alive.values()];
    const took = await timeToAll(k.victim, k.to, k.atMs);
    ms.push(took);
    log(`${scenario} #${i + 1}: ${k.victim} → ${k.to} everywhere in ${took} ms`);
    const seen = await observe(k.victim, k.atMs, observers);
    observed.push(seen);
    for (const o of seen) log(`  ${JSON.stringify(o)}`);
    await k.replace();
  }
  const result = entry(scenario, ms, await falseFailedSince(started), started, loadAtStart);
  result.notes = { ...result.notes, observers: observed, ...(victims.length > 0 ? { victims } : {}) };
  await poll(converged, 60_000, 'mesh converged');
  return result;
}

/**
 * What a tab victim's own clock saw in its last 10 minutes (the window its reported stall comes
 * from): its late ticks ≥ 50 ms and long tasks, each as ms before `atMs`.
 */
async function victimDiag(tab: TabPeer, atMs: number): Promise<Record<string, unknown>> {
  const d = await tab.diag();
  const recent = <T extends { t: number }>(xs: T[]) =>
    xs.filter((x) => atMs - x.t <= 600_000).map((x) => ({ ...x, t: x.t - atMs }));
  return {
    victim: tab.id,
    lateTicks: recent(d.lateTicks.filter((x) => x.lateMs >= 50)),
    longTasks: recent(d.longTasks),
  };
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

/** Takes the first alive peer of a kind out of the mesh's bookkeeping. */
function takeVictim<K extends 'tab' | 'node'>(kind: K): K extends 'tab' ? TabPeer : NodePeer {
  const victim = [...alive.values()].find((p) => p.kind === kind)!;
  alive.delete(victim.id);
  gone.add(victim.id);
  return victim as K extends 'tab' ? TabPeer : NodePeer;
}

const results: Entry[] = [];
/** Thrown to skip the rest when --only left nothing more to run. */
class Done extends Error {}
try {
  log(`starting ${tabsCount} tabs + ${nodesCount} Node peers (signal ${signalUrl}, page ${page.url})`);
  log(`detector config overrides: ${JSON.stringify(config)}`);
  for (let i = 0; i < nodesCount; i++) addNode();
  for (let i = 0; i < tabsCount; i++) await addTab();
  const meshStart = Date.now();
  await poll(converged, 90_000, 'initial mesh');
  log(`mesh of ${alive.size} converged in ${Date.now() - meshStart} ms`);

  if (selected('node-sigkill'))
    results.push(
      await runSamples('node-sigkill', async () => {
        const victim = takeVictim('node');
        const atMs = Date.now();
        victim.proc.kill('SIGKILL');
        return { victim: victim.id, to: 'failed', atMs, replace: async () => void addNode() };
      }),
    );
  const tabScenarios = [
    ['renderer-crash', 'failed', (tab: TabPeer) => tab.prepareCrash()],
    ['hang', 'failed', (tab: TabPeer) => Promise.resolve(() => tab.hang())],
    ['tab-close', 'left', (tab: TabPeer) => Promise.resolve(() => tab.closeTab())],
  ] as const;
  for (const [scenario, to, act] of tabScenarios) {
    if (!selected(scenario)) continue;
    results.push(
      await runSamples(scenario, async () => {
        const victim = takeVictim('tab');
        const diagnosed = await victimDiag(victim, Date.now());
        const prepared = Date.now();
        const fire = await act(victim);
        const atMs = Date.now();
        // What readying the kill took (the CDP attach of a crash), not counted in the sample.
        diagnosed['setupMs'] = atMs - prepared;
        await fire();
        const replace = async (): Promise<void> => {
          await victim.dispose();
          await addTab();
        };
        return { victim: victim.id, to, atMs, replace, victimDiag: diagnosed };
      }),
    );
  }

  for (const freezeMs of [500, 1000, 1500] as const) {
    const scenario = `freeze-${freezeMs}` as const;
    if (!selected(scenario)) continue;
    const started = Date.now();
    const loadAtStart = load1();
    for (let i = 0; i < samples; i++) {
      await poll(converged, 60_000, 'mesh converged');
      const tab = [...alive.values()].find((p): p is TabPeer => p.kind === 'tab')!;
      await tab.freeze(freezeMs);
      await new Promise((r) => setTimeout(r, freezeWatchMs));
      log(`${scenario} #${i + 1}: ${tab.id} frozen ${freezeMs} ms`);
    }
    const frozen = entry(scenario, [], await falseFailedSince(started), started, loadAtStart);
    frozen.notes = { ...frozen.notes, freezes: samples };
    results.push(frozen);
  }

  // hidden-6min: one tab hidden for hiddenS. It runs in the throttling Chromium: one regular tab
  // leaves, the hideable one joins (still 8 tabs). With the soak in the same run, both are measured
  // at once (the tab is hidden for the soak's first hiddenS); each can also run alone (--only).
  if (!selected('hidden-6min') && !selected('soak')) throw new Done();
  const soakLoad: number[] = [];
  const loadTimer = setInterval(() => soakLoad.push(load1()), 30_000);
  if (!selected('hidden-6min')) yieldCpu();
  const soakStart = Date.now();
  const soakLoadAtStart = load1();
  if (selected('hidden-6min')) {
    const swapped = takeVictim('tab');
    await swapped.closeTab();
    await swapped.dispose();
    const hidden = await HidingTabPeer.open(hidingBrowser, page.url, {
      signal: signalUrl,
      room,
      id: `tab-${++tabSeq}`,
      config: JSON.stringify(config),
      diag,
    });
    alive.set(hidden.id, hidden);
    await poll(converged, 60_000, 'mesh converged with the hideable tab');
    yieldCpu();
    log(`${hidden.id} hidden for ${hiddenS} s`);
    const hiddenStart = Date.now();
    const hiddenLoadAtStart = load1();
    const probesBefore = await hidden.probes();
    const visibility = await hidden.hide();
    await new Promise((r) => setTimeout(r, hiddenS * 1000));
    const probesHidden = (await hidden.probes()) - probesBefore;
    const visibilityAtEnd = await hidden.visibility();
    const hiddenFailed = await falseFailedSince(hiddenStart);
    const hiddenEntry = entry('hidden-6min', [], hiddenFailed, hiddenStart, hiddenLoadAtStart);
    hiddenEntry.notes = {
      ...hiddenEntry.notes,
      tab: hidden.id,
      visibilityState: visibility,
      visibilityStateAtEnd: visibilityAtEnd,
      hiddenS,
      probesSentWhileHidden: probesHidden,
      failedAboutHiddenTab: (await Promise.all([...alive.values()].map((p) => p.transitions(hiddenStart))))
        .flat()
        .filter((t) => t.peer === hidden.id && t.to === 'failed' && t.t >= hiddenStart).length,
    };
    results.push(hiddenEntry);
    log(`hidden-6min: ${hidden.id} (${visibility}) sent ${probesHidden} probes in ${hiddenS} s`);
  }
  if (selected('soak')) {
    log(`soak: ${soakS} s with nothing killed`);
    await new Promise((r) => setTimeout(r, Math.max(0, soakS * 1000 - (Date.now() - soakStart))));
    const soak = entry('soak', [], await falseFailedSince(soakStart), soakStart, soakLoadAtStart);
    const sorted = [...soakLoad].sort((a, b) => a - b);
    soak.notes = {
      ...soak.notes,
      loadAverageEvery30s: {
        samples: sorted.length,
        min: sorted[0],
        median: sorted[Math.floor((sorted.length - 1) / 2)],
        max: sorted.at(-1),
      },
      suspected: (await Promise.all([...alive.values()].map((p) => p.transitions(soakStart))))
        .flat()
        .filter((t) => t.to === 'suspected' && t.t >= soakStart).length,
    };
    results.push(soak);
  }
  clearInterval(loadTimer);
} catch (error) {
  if (!(error instanceof Done)) {
    log(`stopped early: ${String(error)}`);
    process.exitCode = 1;
  }
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
