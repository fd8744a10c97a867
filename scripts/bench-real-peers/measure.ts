// What bench-real-peers.ts measures: silent in-flight loss, per-process cost, crash trials and false
// positives, and each configuration's summary.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { type Cluster, log, type Member, type SystemName, sleep } from './processes.js';

/** Silent in-flight loss on lo: an nftables drop on the prerouting hook (never on output). */
export function setLoss(pct: number): void {
  const nft = (args: string): void => {
    execFileSync('nft', args.split(' '), { stdio: ['ignore', 'ignore', 'inherit'] });
  };
  execFileSync('nft', ['-f', '-'], {
    input: 'table inet pm14 {\n  chain pre {\n    type filter hook prerouting priority 0;\n  }\n}\n',
  });
  nft('flush chain inet pm14 pre');
  if (pct > 0)
    nft(`add rule inet pm14 pre iifname lo numgen random mod 10000 < ${Math.round(pct * 100)} counter drop`);
  log(`loss ${pct} % (nftables prerouting drop on lo)`);
}

export const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
export function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]); // utime + stime
}

/**
 * CPU ticks (utime + stime) of each thread of `pid`, summed by thread name: the main thread is
 * `main`; Node's other threads (V8 platform workers, libuv) share the name `node`; node-datachannel's
 * are named by libdatachannel and usrsctp (`RTC worker`, `juice poll`, `SCTP timer`, …).
 */
export function threadTicks(pid: number): Map<string, number> {
  const byName = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    } catch {
      continue; // the thread ended between the listing and the read
    }
    const name = tid === String(pid) ? 'main' : stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    byName.set(name, (byName.get(name) ?? 0) + Number(fields[11]) + Number(fields[12]));
  }
  return byName;
}

/**
 * A process's memory from `/proc/<pid>/smaps_rollup`, MiB. `rss`: every resident page it maps,
 * shared ones in full (the node binary's pages count in every Node process); `pss`: shared pages
 * split among the processes mapping them (depends on what else runs); `uss` (Private_Clean +
 * Private_Dirty): pages no other process maps, what killing it frees: the cost of one more process.
 */
export interface ProcessMemory {
  rssMiB: number;
  pssMiB: number;
  ussMiB: number;
}
export function memoryOf(pid: number): ProcessMemory {
  const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const kb = (field: string): number => {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text);
    return m ? Number(m[1]) : NaN;
  };
  const mib = (k: number): number => round(k / 1024, 1);
  return {
    rssMiB: mib(kb('Rss')),
    pssMiB: mib(kb('Pss')),
    ussMiB: mib(kb('Private_Clean') + kb('Private_Dirty')),
  };
}

export interface Cost {
  system: SystemName;
  n: number;
  windowS: number;
  edgeFrom?: string;
  cpuPctPerProcess: { median: number; max: number; mean: number };
  rssMiBPerProcess: { median: number; max: number };
  /** Proportional set size (see {@link ProcessMemory}). */
  pssMiBPerProcess: { median: number; max: number };
  /** Unique set size: what one more process of the system costs (see {@link ProcessMemory}). */
  ussMiBPerProcess: { median: number; max: number };
}
export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0
    ? NaN
    : s.length % 2
      ? (s[s.length >> 1] as number)
      : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
};
export const round = (x: number, d = 2): number => Math.round(x * 10 ** d) / 10 ** d;

/** The machine's 1-minute load average over a run: min, median and max of samples every `everyMs`. */
export interface LoadAverage {
  samples: number;
  min: number;
  median: number;
  max: number;
}
/** Starts sampling the load average (the machine is shared: say how loaded it was); call to stop. */
export function sampleLoad(everyMs = 30_000): () => LoadAverage {
  const xs = [loadavg()[0] as number];
  const timer = setInterval(() => xs.push(loadavg()[0] as number), everyMs);
  timer.unref();
  return () => {
    clearInterval(timer);
    xs.push(loadavg()[0] as number);
    return {
      samples: xs.length,
      min: round(Math.min(...xs)),
      median: round(median(xs)),
      max: round(Math.max(...xs)),
    };
  };
}

/** CPU % of a core and RSS per process of each cluster over `windowS` seconds. */
export async function measureCost(clusters: Cluster[], windowS: number, edgeFrom: string): Promise<Cost[]> {
  const before = clusters.map((c) => [...c.live.values()].map((m) => cpuTicks(m.proc.pid!)));
  await sleep(windowS * 1000);
  return clusters.map((c, i) => {
    const members = [...c.live.values()];
    const cpu = members.map(
      (m, j) => ((cpuTicks(m.proc.pid!) - (before[i]![j] as number)) / CLK_TCK / windowS) * 100,
    );
    const mem = members.map((m) => memoryOf(m.proc.pid!));
    const spread = (xs: number[]): { median: number; max: number } => ({
      median: round(median(xs), 1),
      max: round(Math.max(...xs), 1),
    });
    return {
      system: c.system,
      n: members.length,
      windowS,
      ...(c.system === 'pulsemesh' ? { edgeFrom } : {}),
      cpuPctPerProcess: {
        median: round(median(cpu)),
        max: round(Math.max(...cpu)),
        mean: round(cpu.reduce((a, b) => a + b, 0) / cpu.length),
      },
      rssMiBPerProcess: spread(mem.map((x) => x.rssMiB)),
      pssMiBPerProcess: spread(mem.map((x) => x.pssMiB)),
      ussMiBPerProcess: spread(mem.map((x) => x.ussMiB)),
    };
  });
}

export async function until(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) return false;
    await sleep(50);
  }
  return true;
}

/** Starts `n` members (the seed first) and waits until every one sees every other up. */
export async function grow(c: Cluster, n: number, convergeTimeoutMs: number): Promise<void> {
  c.add();
  await sleep(c.system === 'memberlist' ? 300 : 1500);
  while (c.live.size < n) c.add();
  if (!(await until(() => c.converged(), convergeTimeoutMs)))
    throw new Error(`${c.system}: ${n} members did not converge`);
}

export interface Trial {
  victim: string;
  firstMs: number;
  allMs: number;
  survivors: number;
  /** Why this kill took what it took (see {@link TrialDiagnostics}). */
  diagnostics: TrialDiagnostics;
}

/** A survivor this long (ms) after the first verdict counts as late. */
export const LATE_AFTER_FIRST_MS = 250;

/** One survivor's view of a kill: times from the kill (ms). */
export interface ObserverDiagnostics {
  observer: string;
  /** Its verdict (+∞: none within the detect timeout). */
  downMs: number;
  /** pulsemesh: the reason of its verdict (`witnessed`, `suspicion-timeout`, `accusation`, …). */
  reason?: string;
  /** `--diag`: when the signaling witness reached it, and the window of the check it began. */
  witnessMs?: number | null;
  windowMs?: number | null;
  /** `--diag`: the victim's last vital signs as this survivor knew them at the witness. */
  victimLoadMs?: number | null;
  victimHeardAgoMs?: number | null;
  /** `--diag`: this survivor's own last timer lateness at the witness. */
  selfLateMs?: number | null;
}

/** Per-kill diagnostics: who was late, what decided, and (`--diag`) the witness and the victim's stalls. */
export interface TrialDiagnostics {
  /** Verdicts by the path that decided (pulsemesh: status-change reason; memberlist: `leave`). */
  paths: Record<string, number>;
  /** Survivors ≥ {@link LATE_AFTER_FIRST_MS} after the first verdict, slowest first (at most 5), and how many. */
  late: { observer: string; downMs: number; reason?: string }[];
  lateCount: number;
  /** `--diag` (pulsemesh): every survivor, in verdict order. */
  observers?: ObserverDiagnostics[];
  /** `--diag` (pulsemesh): spread over the survivors of the witness arrival and check window (ms). */
  witness?: {
    arrivedMs: Spread;
    windowMs: Spread;
    /** The victim's `loadMs` as the survivors knew it at the witness; `noVitals`: how many had none. */
    victimLoadMs: Spread;
    noVitals: number;
    /** Survivors that heard the witness but began no check (and those that never heard it). */
    noCheck: number;
    notHeard: number;
  };
  /** `--diag` (pulsemesh): the victim's own late timers (≥ 100 ms) in the 10 min before the kill. */
  victim?: {
    stalls: { agoMs: number; lateMs: number; remembered: boolean }[];
    /** The `loadMs` it reported after its last late timer (what its checkers widen the window by). */
    reportedLoadMs: number | null;
  };
}
export interface Spread {
  min: number | null;
  p50: number | null;
  max: number | null;
}
const spread = (xs: number[]): Spread => {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return { min: null, p50: null, max: null };
  return {
    min: s[0] as number,
    p50: s[Math.ceil(0.5 * s.length) - 1] as number,
    max: s[s.length - 1] as number,
  };
};
const STALL_LOOKBACK_MS = 600_000;

/** Explains one kill from the survivors' observations and, with `--diag`, their diagnostic lines. */
export function diagnose(victim: Member, survivors: Member[], t0: number): TrialDiagnostics {
  const observers: ObserverDiagnostics[] = survivors
    .filter((m) => !m.dead)
    .map((m) => {
      const down = m.seen.find((o) => o.target === victim.id && o.kind === 'down' && o.t >= t0);
      const o: ObserverDiagnostics = { observer: m.id, downMs: down === undefined ? Infinity : down.t - t0 };
      if (down?.reason !== undefined) o.reason = down.reason;
      if (m.diag.length > 0) {
        const w = m.diag.find((d) => d.type === 'witness' && d['peer'] === victim.id && d.t >= t0);
        o.witnessMs = w === undefined ? null : w.t - t0;
        o.windowMs = (w?.['windowMs'] as number | null | undefined) ?? null;
        o.victimLoadMs = (w?.['loadMs'] as number | null | undefined) ?? null;
        o.victimHeardAgoMs = (w?.['heardAgoMs'] as number | null | undefined) ?? null;
        o.selfLateMs = (w?.['selfLateMs'] as number | null | undefined) ?? null;
      }
      return o;
    })
    .sort((a, b) => a.downMs - b.downMs);
  const paths: Record<string, number> = {};
  for (const o of observers) {
    const path = o.downMs === Infinity ? 'undetected' : (o.reason ?? 'leave');
    paths[path] = (paths[path] ?? 0) + 1;
  }
  const firstMs = observers[0]?.downMs ?? Infinity;
  const late = observers.filter((o) => o.downMs - firstMs >= LATE_AFTER_FIRST_MS).reverse();
  const result: TrialDiagnostics = {
    paths,
    late: late.slice(0, 5).map((o) => ({
      observer: o.observer,
      downMs: o.downMs,
      ...(o.reason === undefined ? {} : { reason: o.reason }),
    })),
    lateCount: late.length,
  };
  if (!observers.some((o) => o.witnessMs !== undefined)) return result;
  const heard = observers.filter((o) => o.witnessMs !== null);
  result.observers = observers;
  result.witness = {
    arrivedMs: spread(heard.map((o) => o.witnessMs as number)),
    windowMs: spread(heard.flatMap((o) => (o.windowMs == null ? [] : [o.windowMs]))),
    victimLoadMs: spread(heard.flatMap((o) => (o.victimLoadMs == null ? [] : [o.victimLoadMs]))),
    noVitals: heard.filter((o) => o.victimLoadMs === null).length,
    noCheck: heard.filter((o) => o.windowMs === null).length,
    notHeard: observers.length - heard.length,
  };
  const stalls = victim.diag.filter((d) => d.type === 'stall' && d.t < t0 && d.t >= t0 - STALL_LOOKBACK_MS);
  result.victim = {
    stalls: stalls.slice(-10).map((d) => ({
      agoMs: t0 - d.t,
      lateMs: d['lateMs'] as number,
      remembered: d['remembered'] === true,
    })),
    reportedLoadMs: (stalls.at(-1)?.['reportedLoadMs'] as number | undefined) ?? null,
  };
  return result;
}

/** SIGKILLs a random live member (not the join seed) and times the survivors' verdicts. */
export async function trial(
  c: Cluster,
  random: () => number,
  timeouts: { detectMs: number; convergeMs: number },
): Promise<Trial> {
  const candidates = [...c.live.values()].filter((m) => m !== c.all[0]);
  const victim = candidates[Math.floor(random() * candidates.length)] as Member;
  const survivors = [...c.live.values()].filter((m) => m !== victim);
  const t0 = Date.now();
  c.kill(victim);
  const downAt = (m: Member): number | undefined =>
    m.seen.find((o) => o.target === victim.id && o.kind === 'down' && o.t >= t0)?.t;
  await until(() => survivors.every((m) => m.dead || downAt(m) !== undefined), timeouts.detectMs);
  const times = survivors.filter((m) => !m.dead).map((m) => downAt(m) ?? Infinity);
  const result = {
    victim: victim.id,
    firstMs: Math.min(...times) - t0,
    allMs: Math.max(...times) - t0,
    survivors: times.length,
    diagnostics: diagnose(victim, survivors, t0),
  };
  log(
    `${c.system} n=${c.live.size + 1}: ${victim.id} killed → first ${result.firstMs} ms, all ${result.allMs} ms ${describe(result.diagnostics)}`,
  );
  c.add(); // a fresh member takes its place
  if (!(await until(() => c.converged(), timeouts.convergeMs)))
    throw new Error(`${c.system}: did not reconverge`);
  await sleep(2000);
  return result;
}

/** One log line's worth of a trial's diagnostics. */
export function describe(d: TrialDiagnostics): string {
  const parts = [`paths ${JSON.stringify(d.paths)}`, `late ${d.lateCount}`];
  if (d.witness !== undefined) {
    const w = d.witness;
    parts.push(
      `witness at ${w.arrivedMs.min}-${w.arrivedMs.max} ms, window ${w.windowMs.min}-${w.windowMs.max} ms, victim loadMs ${w.victimLoadMs.min}-${w.victimLoadMs.max} (${w.noVitals} without vitals, ${w.noCheck} no check, ${w.notHeard} not heard)`,
    );
  }
  if (d.victim !== undefined)
    parts.push(
      `victim reported loadMs ${d.victim.reportedLoadMs}, stalls ${JSON.stringify(d.victim.stalls.map((x) => `${x.lateMs}@-${Math.round(x.agoMs / 1000)}s${x.remembered ? '' : '(startup)'}`))}`,
    );
  return `(${parts.join('; ')})`;
}

/** Verdicts and first-hand accusations about members that were alive, in [fromMs, toMs). */
export function falsePositives(
  c: Cluster,
  fromMs: number,
  toMs: number,
  victims: Set<string>,
): { failed: number; accusations: number } {
  let failed = 0;
  let accusations = 0;
  const last = new Map<string, number>();
  for (const m of c.all)
    for (const o of m.seen) {
      if (o.t < fromMs || o.t >= toMs || victims.has(o.target)) continue;
      if (o.kind === 'down') failed++;
      if (o.kind === 'accuse') {
        // memberlist logs every failed probe of a suspect: one accusation per pair per 10 s.
        const key = `${o.observer}>${o.target}`;
        if ((last.get(key) ?? -Infinity) <= o.t - 10_000) accusations++;
        last.set(key, o.t);
      }
    }
  return { failed, accusations };
}

/** A seeded PRNG (mulberry32) for the victims, so trials can be replayed. */
export function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface ConfigResult {
  system: SystemName;
  n: number;
  lossPct: number;
  trials: Trial[];
  firstMs: { p50: number; max: number };
  allMs: { p50: number; max: number };
  undetected: number;
  falsePositives: { failed: number; accusations: number };
}

/** One system × size × loss: its trials, nearest-rank p50 and max (+∞ for undetected) and false positives. */
export function summarize(
  system: SystemName,
  n: number,
  lossPct: number,
  trials: Trial[],
  fp: ConfigResult['falsePositives'],
): ConfigResult {
  const p50 = (xs: number[]): number => {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.ceil(0.5 * s.length) - 1] as number; // nearest rank; +∞ (undetected) sorts last
  };
  const first = trials.map((t) => t.firstMs);
  const all = trials.map((t) => t.allMs);
  return {
    system,
    n,
    lossPct,
    trials,
    firstMs: { p50: p50(first), max: Math.max(...first) },
    allMs: { p50: p50(all), max: Math.max(...all) },
    undetected: all.filter((x) => x === Infinity).length,
    falsePositives: fp,
  };
}
