// The edge-peer cost floor (issue 14): N = 10 edge peers (apps/edge-peer run from its build, the
// default preset) and N = 10 HashiCorp memberlist nodes on loopback, converged, then CPU and memory
// per process over a steady-state window; next to them the Node runtime alone (`node -e`) and the
// runtime with node-datachannel loaded, started while the peers run (so they share the same binary
// pages). Then, to show where the CPU goes, the edge peers' CPU by thread, and the same mesh again
// probing at memberlist's period (1 s): an explanation, not a default, no floor judged on it.
// Writes bench-results/edge-cost.json.
//
//   bash scripts/netns.sh node --conditions=source --import tsx scripts/bench-edge-cost.ts [--quick]
//
// Memory is read three ways from /proc/<pid>/smaps_rollup (see `memoryOf`): RSS counts every shared
// page in full, so the node binary and libdatachannel (~50 MiB an idle `node -e` that loaded
// node-datachannel already maps) count in every process; USS counts only the pages no other process maps, what one more peer costs.
// The issue's floor (RSS ≤ 48 MiB, CPU ≤ 0.5 %) is judged as written, and next to it restated on USS
// (`USS_OVER_MEMBERLIST_MAX`, the reason at its definition). Needs `pnpm build --no-demo` and
// bench/memberlist built (scripts/bench.sh --only real-peers does both).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createSignalServer } from '../packages/signal-server/src/server/index.js';
import {
  CLK_TCK,
  cpuTicks,
  type Cost,
  grow,
  measureCost,
  median,
  memoryOf,
  type ProcessMemory,
  round,
  sampleLoad,
  threadTicks,
} from './bench-real-peers/measure.js';
import type { Cluster } from './bench-real-peers/processes.js';
import { log, memberlistCluster, pulsemeshCluster, sleep } from './bench-real-peers/processes.js';
import { provenance, thisCommand } from './bench-provenance.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values: opts } = parseArgs({
  options: { quick: { type: 'boolean', default: false }, out: { type: 'string' } },
});
const quick = opts.quick === true;
const N = 10;
const SETTLE_S = quick ? 10 : 30;
const WINDOW_S = quick ? 15 : 60;
/** The explanation run's probe period (memberlist's): not a default, no floor is judged on it. */
const SLOW_PROBE_MS = 1000;
const OUT = opts.out ?? `${root}bench-results/${quick ? 'quick/' : ''}edge-cost.json`;
const EDGE_BUILD = `${root}apps/edge-peer/dist/main.js`;
const MEMBERLIST_BIN = `${root}bench/memberlist/.bin/memberlist-node`;

/** The issue's floor as written: RSS and CPU per edge peer at N = 10, median. */
const RSS_MIB_MAX = 48;
const CPU_PCT_MAX = 0.5;
/**
 * The memory floor restated on USS. RSS ≤ 48 MiB cannot be met by any Node edge peer: the runtime
 * with node-datachannel loaded and idle already maps ~50 MiB RSS, nearly all of it shared file
 * pages (the node binary, libdatachannel) that a second peer on the host does not pay again. USS
 * counts only the pages a peer adds. The issue set 48 MiB against a memberlist node's 12 MiB RSS
 * (4×); restated, an edge peer's USS is at most 4× a memberlist node's USS in the same run. The
 * RSS verdict stays beside it, unchanged.
 */
const USS_OVER_MEMBERLIST_MAX = RSS_MIB_MAX / 12;

if (process.env['PULSEMESH_NETNS'] !== '1') {
  console.error(
    'run inside the loopback-only namespace: bash scripts/netns.sh node ... scripts/bench-edge-cost.ts',
  );
  process.exit(2);
}
for (const [what, path, how] of [
  ['edge peer build', EDGE_BUILD, 'pnpm build --no-demo'],
  ['memberlist binary', MEMBERLIST_BIN, 'scripts/bench.sh --only real-peers'],
] as const) {
  if (!existsSync(path)) {
    console.error(`no ${what} at ${path}: ${how}`);
    process.exit(2);
  }
}

/** A process that only idles: the Node runtime alone, or with node-datachannel loaded. */
function baseline(withDatachannel: boolean): ReturnType<typeof spawn> {
  const load = withDatachannel
    ? `require(require.resolve('node-datachannel', { paths: [${JSON.stringify(`${root}apps/edge-peer`)}] }));`
    : '';
  return spawn(process.execPath, ['-e', `${load} setInterval(() => {}, 1 << 30);`], { stdio: 'ignore' });
}

/** CPU % of a core per process by thread name (median over the cluster's processes) over `windowS`. */
type ThreadsCpu = Record<string, number>;
function threadCpu(before: Map<string, number>[], pids: number[], windowS: number): ThreadsCpu {
  const names = new Set(before.flatMap((m) => [...m.keys()]));
  const out: ThreadsCpu = {};
  const after = pids.map(threadTicks);
  for (const name of names) {
    const pct = pids.map(
      (_, i) => (((after[i]?.get(name) ?? 0) - (before[i]?.get(name) ?? 0)) / CLK_TCK / windowS) * 100,
    );
    out[name] = round(median(pct), 3);
  }
  return out;
}

/** Measures a converged edge-peer cluster alone: its cost and where its CPU goes, by thread. */
async function measureThreads(c: Cluster, edgeFrom: string): Promise<{ cost: Cost; threads: ThreadsCpu }> {
  const pids = [...c.live.values()].map((m) => m.proc.pid as number);
  const before = pids.map(threadTicks);
  const [cost] = await measureCost([c], WINDOW_S, edgeFrom);
  return { cost: cost as Cost, threads: threadCpu(before, pids, WINDOW_S) };
}

interface BaselineCost extends ProcessMemory {
  what: string;
  cpuPct: number;
}

const stopLoad = sampleLoad(10_000);
const prov = provenance(`bash scripts/netns.sh ${thisCommand('scripts/bench-edge-cost.ts')}`);
const signal = createSignalServer({ logLevel: 'silent' });
const { url: signalUrl } = await signal.listen(0, '127.0.0.1');
const ml = memberlistCluster(MEMBERLIST_BIN);
const pm = pulsemeshCluster([EDGE_BUILD], signalUrl);
const bare = baseline(false);
const withDc = baseline(true);
let costs: Cost[];
let baselines: BaselineCost[];
let threads: ThreadsCpu;
let slowProbes: { cost: Cost; threads: ThreadsCpu };
try {
  log(`starting ${N} edge peers (build) and ${N} memberlist nodes`);
  await Promise.all([grow(ml, N, 180_000), grow(pm, N, 180_000)]);
  log(`converged; settling ${SETTLE_S} s`);
  await sleep(SETTLE_S * 1000);
  const pids = [bare.pid as number, withDc.pid as number];
  const before = pids.map(cpuTicks);
  const pmPids = [...pm.live.values()].map((m) => m.proc.pid as number);
  const pmThreads = pmPids.map(threadTicks);
  costs = await measureCost([pm, ml], WINDOW_S, 'build');
  threads = threadCpu(pmThreads, pmPids, WINDOW_S);
  baselines = [
    { what: 'node -e (runtime alone)', pid: pids[0] as number, t0: before[0] as number },
    { what: 'node -e with node-datachannel loaded', pid: pids[1] as number, t0: before[1] as number },
  ].map((b) => ({
    what: b.what,
    cpuPct: round(((cpuTicks(b.pid) - b.t0) / CLK_TCK / WINDOW_S) * 100),
    ...memoryOf(b.pid),
  }));
  bare.kill('SIGKILL');
  withDc.kill('SIGKILL');
  await Promise.all([ml.stop(), pm.stop()]);
  // Where the CPU goes: the same mesh probing at memberlist's period (1 s) instead of the default's.
  const slow = pulsemeshCluster(
    [EDGE_BUILD, ...['', '-min', '-max'].map((s) => `--probe-interval-ms${s}=${SLOW_PROBE_MS}`)],
    signalUrl,
  );
  log(`explanation: ${N} edge peers probing every ${SLOW_PROBE_MS} ms`);
  try {
    await grow(slow, N, 180_000);
    await sleep(SETTLE_S * 1000);
    slowProbes = await measureThreads(slow, 'build');
  } finally {
    await slow.stop();
  }
} finally {
  bare.kill('SIGKILL');
  withDc.kill('SIGKILL');
  await Promise.all([ml.stop(), pm.stop()]);
  await signal.close();
}

const edge = costs.find((c) => c.system === 'pulsemesh') as Cost;
const memberlist = costs.find((c) => c.system === 'memberlist') as Cost;
const ussMax = round(USS_OVER_MEMBERLIST_MAX * memberlist.ussMiBPerProcess.median, 1);
const node = baselines[0] as BaselineCost;
const floors = [
  {
    id: 'edge-peer-cost',
    floor: `edge peer at N=${N} in steady state, run from its build: RSS ≤ ${RSS_MIB_MAX} MiB and CPU ≤ ${CPU_PCT_MAX} % of a core per process (median) — as the issue wrote it`,
    pass: edge.rssMiBPerProcess.median <= RSS_MIB_MAX && edge.cpuPctPerProcess.median <= CPU_PCT_MAX,
    measured: `RSS median ${edge.rssMiBPerProcess.median} MiB (max ${edge.rssMiBPerProcess.max}; a bare node -e: ${node.rssMiB}), CPU median ${edge.cpuPctPerProcess.median} % (max ${edge.cpuPctPerProcess.max})`,
  },
  {
    id: 'edge-peer-own-memory',
    floor: `edge peer at N=${N} in steady state, run from its build: USS (pages no other process maps) ≤ ${USS_OVER_MEMBERLIST_MAX}× a memberlist node's USS in the same run, and CPU ≤ ${CPU_PCT_MAX} % of a core per process (median) — the RSS floor restated without the shared pages of the runtime and libdatachannel`,
    pass: edge.ussMiBPerProcess.median <= ussMax && edge.cpuPctPerProcess.median <= CPU_PCT_MAX,
    measured: `USS median ${edge.ussMiBPerProcess.median} MiB (max ${edge.ussMiBPerProcess.max}) vs ${ussMax} MiB (${USS_OVER_MEMBERLIST_MAX} × memberlist's ${memberlist.ussMiBPerProcess.median}); a bare node -e: ${node.ussMiB} MiB USS / ${node.rssMiB} MiB RSS; CPU median ${edge.cpuPctPerProcess.median} % (max ${edge.cpuPctPerProcess.max})`,
  },
];
const doc = {
  ...prov,
  quick,
  notes: [
    'Shared 2-core machine; other jobs were running (their load is not controlled). Both clusters ran at once in one loopback-only namespace.',
    `Edge peers: apps/edge-peer/dist/main.js, default preset, one in-process signaling server; memberlist 0.2.2 (Debian), DefaultLANConfig (bench/memberlist). N = ${N} each, converged, ${SETTLE_S} s settle, then a ${WINDOW_S} s window.`,
    'CPU: utime+stime from /proc/<pid>/stat over the window, % of one core. Memory at the end of the window from /proc/<pid>/smaps_rollup: RSS = Rss; PSS = Pss (shared pages split among their sharers: depends on what else runs); USS = Private_Clean + Private_Dirty.',
    "loadAverage1m: the machine's 1-minute load average sampled every 10 s over the whole run (other engineers' jobs included).",
    'Baselines: two idle Node processes started with the peers (same binary, so its pages are shared with them as with each other): the runtime alone, and with node-datachannel (libdatachannel) loaded.',
  ],
  n: N,
  settleS: SETTLE_S,
  windowS: WINDOW_S,
  cost: costs,
  baselines,
  edgeCpuByThread: {
    note: `Median per edge peer, % of a core, by thread: main = the JS thread; node = V8 and libuv helpers; RTC worker, RTC poll, juice poll = libdatachannel/libjuice; SCTP timer, SCTP iterator = usrsctp (its timer thread wakes every 10 ms whatever the traffic). probeIntervalMs${SLOW_PROBE_MS} is an explanation, not the default: the same ${N} peers with --probe-interval-ms(-min,-max)=${SLOW_PROBE_MS} (memberlist's probe period), to show how much of the cost is the probe rate.`,
    default: { cpuPctMedian: edge.cpuPctPerProcess.median, threads },
    [`probeIntervalMs${SLOW_PROBE_MS}`]: {
      cpuPctMedian: slowProbes.cost.cpuPctPerProcess.median,
      threads: slowProbes.threads,
    },
  },
  floors,
  loadAverage1m: stopLoad(),
};
mkdirSync(dirname(OUT), { recursive: true });
writeFileSync(OUT, `${JSON.stringify(doc, null, 1)}\n`);
console.log(
  '\nprocess                                   CPU %   RSS MiB   PSS MiB   USS MiB   (median per process)',
);
for (const c of costs)
  console.log(
    `${`${c.system} (N=${c.n})`.padEnd(40)} ${String(c.cpuPctPerProcess.median).padStart(6)}  ${String(c.rssMiBPerProcess.median).padStart(8)}  ${String(c.pssMiBPerProcess.median).padStart(8)}  ${String(c.ussMiBPerProcess.median).padStart(8)}`,
  );
for (const b of baselines)
  console.log(
    `${b.what.padEnd(40)} ${String(b.cpuPct).padStart(6)}  ${String(b.rssMiB).padStart(8)}  ${String(b.pssMiB).padStart(8)}  ${String(b.ussMiB).padStart(8)}`,
  );
for (const f of floors) console.log(`${f.pass ? 'PASS' : 'MISS'}  ${f.floor}\n      measured: ${f.measured}`);
console.log(`load average (1 min) over the run: ${JSON.stringify(doc.loadAverage1m)}`);
console.log(`wrote ${OUT}`);
