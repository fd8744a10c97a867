// Scenarios of the mesh benchmark (`bench-mesh.ts` sets the mesh up, runs them and writes the
// results): crashes measured to `failed`/`left` everywhere (node-sigkill, renderer-crash, hang,
// tab-close), freezes watched for false `failed`, the hidden tab and the soak. Each pushes its entry
// as soon as it is measured, so a run stopped early still writes what it measured.
import { loadavg } from 'node:os';
import type { PeerEvidence } from '../apps/edge-peer/src/peer-evidence.js';
import {
  TabPeer,
  type BenchPeer,
  type HidingTabPeer,
  type NodePeer,
  type SessionEnd,
} from './bench-mesh.peers.js';

/** After a freeze, how long to watch for a false `failed` (ms). */
const freezeWatchMs = 4_000;

/** The running mesh and the run's settings, shared by the driver (`bench-mesh.ts`) and the scenarios. */
export interface MeshRun {
  readonly alive: Map<string, BenchPeer>;
  /** Victims taken out of the mesh: a `failed` about one of them is not a false one. */
  readonly gone: Set<string>;
  /** When each peer was started (wall clock, ms): an observer that joined just before a kill has few RTT samples. */
  readonly startedAt: Map<string, number>;
  readonly tabsCount: number;
  readonly nodesCount: number;
  /** Kills (or freezes) per scenario. */
  readonly samples: number;
  /** How long the hidden tab stays hidden, and how long the soak lasts (s). */
  readonly hiddenS: number;
  readonly soakS: number;
  selected(scenario: Scenario): boolean;
  log(msg: string): void;
  addTab(): Promise<TabPeer>;
  addNode(): NodePeer;
  /** Opens the hideable tab in the throttling Chromium (not yet counted alive). */
  addHidingTab(): Promise<HidingTabPeer>;
  /** `BENCH_AUTOGROUP_NICE`: from now on this run and its browsers and edge peers yield the CPU. */
  yieldCpu(): void;
}

/** The scenarios, in the order a full run measures them (each one entry of `mesh.json`). */
export type Scenario =
  | 'node-sigkill'
  | 'renderer-crash'
  | 'hang'
  | 'tab-close'
  | 'freeze-500'
  | 'freeze-1000'
  | 'freeze-1500'
  | 'hidden-6min'
  | 'soak';
/** One scenario's entry of `bench-results/mesh.json` (the driver adds the provenance). */
export interface Entry {
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

/** Polls `check` every 100 ms until it holds; throws after `timeoutMs` (`what` names it). */
export async function poll(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Every alive peer sees every other alive peer healthy. */
export async function converged(run: MeshRun): Promise<boolean> {
  const ids = [...run.alive.keys()];
  for (const peer of run.alive.values()) {
    const states = await peer.states();
    if (ids.some((id) => id !== peer.id && states[id] !== 'healthy')) return false;
  }
  return true;
}

/** Waits until every alive peer recorded `victim → to` after `sinceMs`; returns ms until the last did. */
async function timeToAll(run: MeshRun, victim: string, to: string, sinceMs: number): Promise<number> {
  let latest = 0;
  const observers = [...run.alive.values()];
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
  evidence?: PeerEvidence | undefined;
  /** A tab victim's own late ticks (≥ 50 ms) and long tasks in the 10 s before, ms before the verdict. */
  victimLateTicks?: { t: number; lateMs: number }[];
  victimLongTasks?: { t: number; ms: number }[];
}

/** `failed` transitions, at any alive peer since `sinceMs`, about peers that were not victims. */
async function falseFailedSince(run: MeshRun, sinceMs: number): Promise<FalseFailed[]> {
  const out: FalseFailed[] = [];
  for (const peer of run.alive.values())
    for (const t of await peer.transitions(sinceMs))
      if (t.to === 'failed' && t.t >= sinceMs && !run.gone.has(t.peer)) {
        const f: FalseFailed = {
          observer: peer.id,
          victim: t.peer,
          atMs: t.t - sinceMs,
          at: new Date(t.t).toISOString(),
          reason: t.reason,
          evidence: t.evidence,
        };
        const victim = run.alive.get(t.peer);
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
        run.log(`false failed: ${JSON.stringify(f)}`);
      }
  return out;
}

function entry(
  run: MeshRun,
  scenario: Scenario,
  ms: number[],
  falseFailed: FalseFailed[],
  startedMs: number,
  loadAtStart: number,
): Entry {
  const sorted = [...ms].sort((a, b) => a - b);
  return {
    scenario,
    tabs: run.tabsCount,
    nodes: run.nodesCount,
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

/**
 * The fields of the victim's `PeerEvidence` an observation copies from the session end under their
 * own names (in this order): last heard, own lateness, the RTT estimate and samples of the link, the
 * witnessed check's window, probe timeout and stall allowance, and the path RTT estimate.
 */
const witnessedEvidence = [
  'lastHeardAgoMs',
  'ownLateMs',
  'rttMs',
  'rttVarMs',
  'rttSamplesMs',
  'windowMs',
  'probeTimeoutMs',
  'stallAllowanceMs',
  'rttSampleCount',
  'pathRttMs',
  'pathRttVarMs',
] as const satisfies readonly (keyof PeerEvidence)[];

/** What an observer knew of the victim when the server's session end reached it (`peerEvidence`). */
interface Witnessed extends Partial<Pick<PeerEvidence, (typeof witnessedEvidence)[number]>> {
  /** The session end reached this peer, ms after the kill (tabs and edge peers). */
  witnessMs: number;
  /** The victim's last reported longest stall (`loadMs`) and lifecycle, as this peer had them then. */
  victimLoadMs: number | undefined;
  victimLifecycle: string | undefined;
}

/** One observer's view of one kill: when the witness came, what it knew of the victim, the verdict. */
interface Observed extends Partial<Witnessed> {
  observer: string;
  /** How long before the kill this observer was started (ms). */
  startedAgoMs?: number | undefined;
  /** When this peer first suspected the victim (ms after the kill) and why, if it did. */
  suspectedMs?: number | undefined;
  suspectedReason?: string | undefined;
  failedMs?: number | undefined;
  reason?: string | undefined;
  /** What this peer knew of the victim at its verdict (RTT, probe timeout, path RTT...: `peerEvidence`). */
  verdictEvidence?: PeerEvidence | undefined;
}

/** The session end `se` as an observation of the kill at `atMs` records it. */
function witnessed(se: SessionEnd, atMs: number): Witnessed {
  return {
    witnessMs: se.t - atMs,
    victimLoadMs: se.loadMs,
    victimLifecycle: se.lifecycle,
    ...(Object.fromEntries(witnessedEvidence.map((k) => [k, se[k]])) as Partial<PeerEvidence>),
  };
}

async function observe(
  run: MeshRun,
  victim: string,
  atMs: number,
  observers: BenchPeer[],
): Promise<Observed[]> {
  const out: Observed[] = [];
  for (const peer of observers) {
    const seen = (await peer.transitions(atMs)).filter((t) => t.peer === victim);
    const hit = seen.find((t) => t.to === 'failed') ?? seen[0];
    const suspected = seen.find((t) => t.to === 'suspected');
    const o: Observed = {
      observer: peer.id,
      startedAgoMs: ((t) => (t === undefined ? undefined : atMs - t))(run.startedAt.get(peer.id)),
      failedMs: hit && hit.t - atMs,
      reason: hit?.reason,
      suspectedMs: suspected && suspected.t - atMs,
      suspectedReason: suspected?.reason,
      verdictEvidence: hit?.evidence,
    };
    const se = (await peer.sessionEnds()).find((e) => e.peer === victim && e.t >= atMs);
    out.push(se ? { ...o, ...witnessed(se, atMs) } : o);
  }
  return out;
}

async function runSamples(run: MeshRun, scenario: Scenario, kill: () => Promise<Kill>): Promise<Entry> {
  const started = Date.now();
  const loadAtStart = load1();
  const ms: number[] = [];
  const observed: Observed[][] = [];
  const victims: Record<string, unknown>[] = [];
  const converge = () => converged(run);
  for (let i = 0; i < run.samples; i++) {
    await poll(converge, 60_000, 'mesh converged');
    const k = await kill();
    if (k.victimDiag !== undefined) {
      victims.push(k.victimDiag);
      run.log(`  victim ${JSON.stringify(k.victimDiag)}`);
    }
    const observers = [...run.alive.values()];
    const took = await timeToAll(run, k.victim, k.to, k.atMs);
    ms.push(took);
    run.log(`${scenario} #${i + 1}: ${k.victim} → ${k.to} everywhere in ${took} ms`);
    const seen = await observe(run, k.victim, k.atMs, observers);
    observed.push(seen);
    for (const o of seen) run.log(`  ${JSON.stringify(o)}`);
    await k.replace();
  }
  const result = entry(run, scenario, ms, await falseFailedSince(run, started), started, loadAtStart);
  result.notes = { ...result.notes, observers: observed, ...(victims.length > 0 ? { victims } : {}) };
  await poll(converge, 60_000, 'mesh converged');
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

/** Takes the first alive peer of a kind out of the mesh's bookkeeping. */
function takeVictim<K extends 'tab' | 'node'>(run: MeshRun, kind: K): K extends 'tab' ? TabPeer : NodePeer {
  const victim = [...run.alive.values()].find((p) => p.kind === kind)!;
  run.alive.delete(victim.id);
  run.gone.add(victim.id);
  return victim as K extends 'tab' ? TabPeer : NodePeer;
}

/** node-sigkill, renderer-crash, hang, tab-close (those selected): each kill timed to its verdict everywhere. */
export async function crashScenarios(run: MeshRun, results: Entry[]): Promise<void> {
  if (run.selected('node-sigkill'))
    results.push(
      await runSamples(run, 'node-sigkill', async () => {
        const victim = takeVictim(run, 'node');
        const atMs = Date.now();
        victim.proc.kill('SIGKILL');
        return { victim: victim.id, to: 'failed', atMs, replace: async () => void run.addNode() };
      }),
    );
  const tabScenarios = [
    ['renderer-crash', 'failed', (tab: TabPeer) => tab.prepareCrash()],
    ['hang', 'failed', (tab: TabPeer) => Promise.resolve(() => tab.hang())],
    ['tab-close', 'left', (tab: TabPeer) => Promise.resolve(() => tab.closeTab())],
  ] as const;
  for (const [scenario, to, act] of tabScenarios) {
    if (!run.selected(scenario)) continue;
    results.push(
      await runSamples(run, scenario, async () => {
        const victim = takeVictim(run, 'tab');
        const diagnosed = await victimDiag(victim, Date.now());
        const prepared = Date.now();
        const fire = await act(victim);
        const atMs = Date.now();
        // What readying the kill took (the CDP attach of a crash), not counted in the sample.
        diagnosed['setupMs'] = atMs - prepared;
        await fire();
        const replace = async (): Promise<void> => {
          await victim.dispose();
          await run.addTab();
        };
        return { victim: victim.id, to, atMs, replace, victimDiag: diagnosed };
      }),
    );
  }
}

/** freeze-500/1000/1500 (those selected): a tab's main thread frozen, false `failed` counted. */
export async function freezeScenarios(run: MeshRun, results: Entry[]): Promise<void> {
  for (const freezeMs of [500, 1000, 1500] as const) {
    const scenario = `freeze-${freezeMs}` as const;
    if (!run.selected(scenario)) continue;
    const started = Date.now();
    const loadAtStart = load1();
    for (let i = 0; i < run.samples; i++) {
      await poll(() => converged(run), 60_000, 'mesh converged');
      const tab = [...run.alive.values()].find((p): p is TabPeer => p.kind === 'tab')!;
      await tab.freeze(freezeMs);
      await new Promise((r) => setTimeout(r, freezeWatchMs));
      run.log(`${scenario} #${i + 1}: ${tab.id} frozen ${freezeMs} ms`);
    }
    const frozen = entry(run, scenario, [], await falseFailedSince(run, started), started, loadAtStart);
    frozen.notes = { ...frozen.notes, freezes: run.samples };
    results.push(frozen);
  }
}

/**
 * hidden-6min: one tab hidden for hiddenS. It runs in the throttling Chromium: one regular tab
 * leaves, the hideable one joins (still 8 tabs). With the soak in the same run, both are measured
 * at once (the tab is hidden for the soak's first hiddenS); each can also run alone (--only).
 */
export async function hiddenAndSoak(run: MeshRun, results: Entry[]): Promise<void> {
  if (!run.selected('hidden-6min') && !run.selected('soak')) return;
  const soakLoad: number[] = [];
  const loadTimer = setInterval(() => soakLoad.push(load1()), 30_000);
  if (!run.selected('hidden-6min')) run.yieldCpu();
  const soakStart = Date.now();
  const soakLoadAtStart = load1();
  if (run.selected('hidden-6min')) {
    const swapped = takeVictim(run, 'tab');
    await swapped.closeTab();
    await swapped.dispose();
    const hidden = await run.addHidingTab();
    run.alive.set(hidden.id, hidden);
    await poll(() => converged(run), 60_000, 'mesh converged with the hideable tab');
    run.yieldCpu();
    run.log(`${hidden.id} hidden for ${run.hiddenS} s`);
    const hiddenStart = Date.now();
    const hiddenLoadAtStart = load1();
    const probesBefore = await hidden.probes();
    const visibility = await hidden.hide();
    await new Promise((r) => setTimeout(r, run.hiddenS * 1000));
    const probesHidden = (await hidden.probes()) - probesBefore;
    const visibilityAtEnd = await hidden.visibility();
    const hiddenFailed = await falseFailedSince(run, hiddenStart);
    const hiddenEntry = entry(run, 'hidden-6min', [], hiddenFailed, hiddenStart, hiddenLoadAtStart);
    hiddenEntry.notes = {
      ...hiddenEntry.notes,
      tab: hidden.id,
      visibilityState: visibility,
      visibilityStateAtEnd: visibilityAtEnd,
      hiddenS: run.hiddenS,
      probesSentWhileHidden: probesHidden,
      failedAboutHiddenTab: (
        await Promise.all([...run.alive.values()].map((p) => p.transitions(hiddenStart)))
      )
        .flat()
        .filter((t) => t.peer === hidden.id && t.to === 'failed' && t.t >= hiddenStart).length,
    };
    results.push(hiddenEntry);
    run.log(`hidden-6min: ${hidden.id} (${visibility}) sent ${probesHidden} probes in ${run.hiddenS} s`);
  }
  if (run.selected('soak')) {
    run.log(`soak: ${run.soakS} s with nothing killed`);
    await new Promise((r) => setTimeout(r, Math.max(0, run.soakS * 1000 - (Date.now() - soakStart))));
    const soak = entry(run, 'soak', [], await falseFailedSince(run, soakStart), soakStart, soakLoadAtStart);
    const sorted = [...soakLoad].sort((a, b) => a - b);
    soak.notes = {
      ...soak.notes,
      loadAverageEvery30s: {
        samples: sorted.length,
        min: sorted[0],
        median: sorted[Math.floor((sorted.length - 1) / 2)],
        max: sorted.at(-1),
      },
      suspected: (await Promise.all([...run.alive.values()].map((p) => p.transitions(soakStart))))
        .flat()
        .filter((t) => t.to === 'suspected' && t.t >= soakStart).length,
    };
    results.push(soak);
  }
  clearInterval(loadTimer);
}
