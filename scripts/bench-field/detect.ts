// `detect`: crash and hang detection by victim, observer, engine and path, in the lab and on
// loopback with the same cast; each sample says where its time went (the witness's arrival, the
// observer's probe timeout and what it knew of the victim's stalls).
import { defaultConfig, probeTimeoutMs } from '../../packages/core/src/index.js';
import { startField, untilEvery } from '../../test/field/field.js';
import type { FieldPeer, PeerStats } from '../../test/field/peers.js';
import {
  allHealthy,
  cast,
  faultsOf,
  faultUntilFailed,
  fieldProcesses,
  healthyObservers,
  others,
  record,
  sleep,
} from './common.js';
import { isCrash, pathClass, percentile } from './floors.js';

/** One observer's detection of one fault. */
export interface Detection {
  run: number;
  mode: 'lab' | 'loopback';
  fault: string;
  victim: string;
  victimKind: string;
  observer: string;
  observerKind: string;
  /** The link's path just before the fault, as the table shows it (`relay/udp`, `host/udp`, …;
   * `-` = no direct link, heard through others): the observer's end for tabs; for an edge peer
   * (which does not report it here) the victim tab's end, else `edge`. */
  path: string;
  /** Whose end `path` was read at. */
  pathFrom: 'observer' | 'victim' | 'unknown';
  /** Fault → the observer's `failed` (ms); null when not within the wait. */
  detectMs: number | null;
  /** The detector's reason for `failed` (`witnessed`: the signaling server saw the socket close). */
  reason?: string | undefined;
  /** Just before the fault, what the observer's detector knew of the victim (tabs only): smoothed
   * RTT and its variation (the probe timeout comes from them), the victim's reported load (its
   * longest recent stall) and lifecycle, and the observer's protocol period. */
  before?: PeerStats | undefined;
  /** Fault → the signaling server's word that the victim's session ended reached this observer
   * (ms; tabs only, from its `presence` event): where a witnessed detection starts. */
  witnessMs?: number | null;
  /** That word → `failed` (ms): the witnessed check's window and the timers' lateness. */
  afterWitnessMs?: number | null;
  /** The observer's probe timeout for the victim just before the fault, from `before` and the
   * browser default (`probeTimeoutMs`, no local-health stretch, as a witnessed check uses it). */
  probeTimeoutMs?: number;
  /** Fault → the observer's direct link to the victim went down (ms); null if it stayed up
   * through the detection; absent without a link. A witness that finds the link already down
   * starts no witnessed check (`witness.ts`). */
  linkDownMs?: number | null;
}

/** A tab's probe timeout for a peer, from what it knew of the peer (see `Detection`). */
function probeTimeoutOf(before: PeerStats | undefined): number | undefined {
  if (before?.rttMs === undefined || before.rttVarMs === undefined) return undefined;
  const c = defaultConfig('browser');
  return probeTimeoutMs(
    before.rttMs,
    before.rttVarMs,
    c.probeTimeoutRttVarMult,
    c.probeTimeoutMsMin,
    c.probeTimeoutMsMax,
  );
}

/** A tab victim's main-thread stalls before its fault (`field/page.ts` `stalls`): when its page
 * started and its five longest stalls, each with how long before the fault it ended. */
interface VictimStalls {
  run: number;
  mode: string;
  victim: string;
  fault: string;
  /** The victim's `loadMs` as an observer saw it just before the fault (ms; the first that had it). */
  loadMsSeen: number | undefined;
  pageStartedMsBeforeFault: number;
  stallsOver50Ms: number;
  longest: { msBeforeFault: number; lateMs: number }[];
  /** The same for the detector clock's late ticks (the samples behind `loadMs`). */
  lateTicksOver50Ms: number;
  longestLateTicks: { msBeforeFault: number; lateMs: number }[];
  /** The detector's deadline polled overdue by ≥ 50 ms (most overdue five): `previousMs` ≈
   * `overdueMs` − 20 means the clock ran late; a small or negative one, a deadline set in the past. */
  mostOverdue: { msBeforeFault: number; overdueMs: number; previousMs: number }[];
}
const victimStalls: VictimStalls[] = [];
const longest = (xs: { t: number; lateMs: number }[], t0: number) =>
  [...xs]
    .sort((a, b) => b.lateMs - a.lateMs)
    .slice(0, 5)
    .map((x) => ({ msBeforeFault: t0 - x.t, lateMs: x.lateMs }));

/** Observers that did not show a victim healthy before its fault (left out of the samples). */
const unknownBefore: { run: number; mode: string; victim: string; observer: string }[] = [];

/** The path of each observer's link to `victim`, read just before the fault (see `Detection.path`). */
async function pathsTo(
  victim: FieldPeer,
  observers: FieldPeer[],
): Promise<Map<string, { path: string; from: Detection['pathFrom'] }>> {
  const paths = new Map<string, { path: string; from: Detection['pathFrom'] }>();
  const farEnd = victim.kind === 'edge' ? undefined : (await victim.view()).paths;
  for (const o of observers)
    if (o.kind !== 'edge')
      paths.set(o.id, { path: (await o.view()).paths[victim.id] ?? '-', from: 'observer' });
    else if (farEnd !== undefined) paths.set(o.id, { path: farEnd[o.id] ?? '-', from: 'victim' });
    else paths.set(o.id, { path: 'edge', from: 'unknown' });
  return paths;
}

/** When each tab observer got the server's word that `victim`'s session ended (wall ms). */
async function witnessTimes(
  victim: string,
  observers: FieldPeer[],
  t0: number,
): Promise<Map<string, number | null>> {
  const at = new Map<string, number | null>();
  for (const o of observers)
    if (o.kind !== 'edge') {
      const word = (await o.presence().catch(() => [])).find(
        (x) => x.peer === victim && !x.present && x.t >= t0,
      );
      at.set(o.id, word?.t ?? null);
    }
  return at;
}

async function detectRun(mode: 'lab' | 'loopback', run: number): Promise<Detection[]> {
  const field = await startField(mode, cast, `detect-${run}`, {}, {}, fieldProcesses());
  const rows: Detection[] = [];
  try {
    await allHealthy(field, 90_000, true);
    // Healthy can be second-hand (gossip); a sample is about a path only if the link is up. Tabs
    // link to everyone in this lab (edge peers to each other not: test/README.md), so wait for
    // every tab to show a path to every peer; soft: a link that never comes up is a `-` sample.
    const tabs = [...field.peers.values()].filter((p) => p.kind !== 'edge');
    await untilEvery(
      tabs,
      (v) => Object.keys(v.states).every((peer) => (v.paths[peer] ?? '-') !== '-'),
      30_000,
      'every tab linked to every peer',
    ).catch(() => console.log('  not every tab has a direct link to every peer after 30 s; going on'));
    await sleep(5_000); // paths are read every 5 s
    for (const { victim, fault, act } of faultsOf(run)) {
      const target = field.peers.get(victim)!;
      // Only observers that show the victim healthy just before the fault can detect its failure.
      const observers = await healthyObservers(field, victim);
      for (const o of others(field, victim))
        if (!observers.includes(o)) unknownBefore.push({ run, mode, victim, observer: o.id });
      const paths = await pathsTo(target, observers);
      const before = new Map<string, PeerStats | undefined>();
      for (const o of observers) before.set(o.id, (await o.stats())[victim]);
      const stalls = await target
        .stalls()
        .catch(() => ({ startedAt: 0, stalls: [], tickLate: [], overdue: [] }));
      const { t0, times, reasons } = await faultUntilFailed(field, victim, act, observers);
      if (stalls.startedAt > 0)
        victimStalls.push({
          run,
          mode,
          victim,
          fault,
          loadMsSeen: [...before.values()].find((b) => b?.loadMs !== undefined)?.loadMs,
          pageStartedMsBeforeFault: t0 - stalls.startedAt,
          stallsOver50Ms: stalls.stalls.length,
          longest: longest(stalls.stalls, t0),
          lateTicksOver50Ms: stalls.tickLate.length,
          longestLateTicks: longest(stalls.tickLate, t0),
          mostOverdue: [...stalls.overdue]
            .sort((a, b) => b.overdueMs - a.overdueMs)
            .slice(0, 5)
            .map((x) => ({ msBeforeFault: t0 - x.t, overdueMs: x.overdueMs, previousMs: x.previousMs })),
        });
      const witnessAt = await witnessTimes(victim, observers, t0);
      const linkDownAt = new Map<string, number | undefined>();
      for (const o of observers)
        linkDownAt.set(
          o.id,
          (await o.linkChanges().catch(() => [])).find((c) => c.peer === victim && !c.up && c.t >= t0)?.t,
        );
      for (const o of observers) {
        const t = times.get(o.id);
        const w = witnessAt.get(o.id);
        const timeout = probeTimeoutOf(before.get(o.id));
        rows.push({
          run,
          mode,
          fault,
          victim,
          victimKind: target.kind,
          observer: o.id,
          observerKind: o.kind,
          path: paths.get(o.id)!.path,
          pathFrom: paths.get(o.id)!.from,
          detectMs: t === undefined ? null : t - t0,
          reason: reasons.get(o.id),
          before: before.get(o.id),
          ...(w === undefined
            ? {}
            : {
                witnessMs: w === null ? null : w - t0,
                afterWitnessMs: w === null || t === undefined ? null : t - w,
              }),
          ...(timeout === undefined ? {} : { probeTimeoutMs: timeout }),
          ...(paths.get(o.id)!.path === '-'
            ? {}
            : { linkDownMs: linkDownAt.get(o.id) === undefined ? null : linkDownAt.get(o.id)! - t0 }),
        });
      }
      const told = (o: FieldPeer): string => {
        const t = times.get(o.id);
        if (t === undefined) return `${o.id}(${paths.get(o.id)!.path}) undetected`;
        const w = witnessAt.get(o.id);
        const down = linkDownAt.get(o.id);
        return `${o.id}(${paths.get(o.id)!.path}) ${t - t0} ms ${reasons.get(o.id)}${w ? ` (witness at ${w - t0} ms)` : ''}${down === undefined ? '' : ` (link down at ${down - t0} ms)`} ${JSON.stringify(before.get(o.id) ?? {})}`;
      };
      console.log(`${mode} run ${run}: ${victim} ${fault}: ${observers.map(told).join(', ')}`);
      await target.stop().catch(() => undefined);
    }
  } finally {
    await field.close();
  }
  return rows;
}

/** p50/max over all samples of a group, undetected counted (never dropped); for tab observers
 * also the median witness arrival and witness → failed. */
function summarize(rows: Detection[], key: (r: Detection) => string): Record<string, unknown> {
  const groups = new Map<string, Detection[]>();
  for (const r of rows) groups.set(key(r), [...(groups.get(key(r)) ?? []), r]);
  const medianOf = (xs: (number | null | undefined)[]): number | null => {
    const v = xs.filter((x): x is number => typeof x === 'number').sort((a, b) => a - b);
    return percentile(v, 0.5) ?? null;
  };
  const out: Record<string, unknown> = {};
  for (const [k, g] of [...groups].sort()) {
    const ms = g.flatMap((r) => (r.detectMs === null ? [] : [r.detectMs])).sort((a, b) => a - b);
    const undetected = g.length - ms.length;
    out[k] = {
      samples: g.length,
      undetected,
      // An undetected sample is +∞: with any, the max is unbounded and p50 may be too.
      p50Ms:
        undetected * 2 >= g.length
          ? null
          : (percentile([...ms, ...Array<number>(undetected).fill(Infinity)], 0.5) ?? null),
      maxMs: undetected > 0 ? null : (ms.at(-1) ?? null),
      witnessP50Ms: medianOf(g.map((r) => r.witnessMs)),
      afterWitnessP50Ms: medianOf(g.map((r) => r.afterWitnessMs)),
    };
  }
  return out;
}

/** The path label a sample is grouped under: `relay/udp`, `relay/tcp`, `host/udp`, `srflx/udp`, … */
function pathGroup(r: Detection): string {
  if (r.path === '-') return 'no direct link';
  if (pathClass(r.path) === 'other') return 'path not read';
  return r.pathFrom === 'victim' ? `${r.path} (victim's end)` : r.path;
}

/** Each crash p50 over a path minus the same mode's direct-link p50 (lab) or loopback's. */
function addedVsDirect(rows: Detection[]): Record<string, number | null> {
  const p50 = (rs: Detection[]): number | undefined =>
    percentile(
      rs.map((r) => r.detectMs ?? Infinity).sort((a, b) => a - b),
      0.5,
    );
  const crash = rows.filter((r) => isCrash(r.fault) && r.pathFrom !== 'unknown');
  const direct = p50(crash.filter((r) => r.mode === 'lab' && pathClass(r.path) === 'direct'));
  const loopback = p50(crash.filter((r) => r.mode === 'loopback'));
  const out: Record<string, number | null> = {};
  for (const path of [...new Set(crash.filter((r) => r.mode === 'lab').map((r) => r.path))].sort()) {
    const here = p50(crash.filter((r) => r.mode === 'lab' && r.path === path));
    out[`lab ${path} vs lab direct`] = here === undefined || direct === undefined ? null : here - direct;
    out[`lab ${path} vs loopback`] = here === undefined || loopback === undefined ? null : here - loopback;
  }
  return out;
}

export async function detect(runs: number): Promise<void> {
  const rows: Detection[] = [];
  for (let run = 1; run <= runs; run++) {
    rows.push(...(await detectRun('lab', run)));
    rows.push(...(await detectRun('loopback', run)));
  }
  const kindOf = (r: Detection) => (isCrash(r.fault) ? 'crash' : 'hang');
  const summary = {
    // The closing note's table: by fault kind, observer engine and path type.
    byEnginePath: summarize(
      rows,
      (r) => `${r.mode} | ${kindOf(r)} | seen by ${r.observerKind} | ${pathGroup(r)}`,
    ),
    byPath: summarize(
      rows,
      (r) => `${r.mode} | ${r.victimKind} ${r.fault} | seen by ${r.observerKind} | ${pathGroup(r)}`,
    ),
    byMode: summarize(rows, (r) => `${r.mode} | ${r.victimKind} ${r.fault} | seen by ${r.observerKind}`),
    crashP50AddedMs: addedVsDirect(rows),
  };
  record('detect', {
    command: `bash scripts/netns.sh node --conditions=source --import tsx scripts/bench-field.ts detect --runs ${runs}`,
    at: new Date().toISOString(),
    runs,
    peers: cast,
    faults: {
      oddRuns: faultsOf(1).map((f) => `${f.victim}: ${f.fault}`),
      evenRuns: faultsOf(2).map((f) => `${f.victim}: ${f.fault}`),
    },
    summary,
    observersLeftOut: unknownBefore,
    // Where the victims' reported stalls (loadMs) came from: page start or steady state.
    victimStalls,
    samples: rows,
  });
  console.log(JSON.stringify(summary, null, 2));
}
