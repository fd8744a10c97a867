// Real processes side by side: HashiCorp memberlist (Go, DefaultLANConfig, nothing tuned) and
// pulsemesh edge peers (apps/edge-peer, the default preset), N of each on loopback in one network
// namespace, both clusters running at once so they share the machine's load. Each trial SIGKILLs
// one member of one system and times, from the kill, the first and the last survivor to declare it
// dead (memberlist: NotifyLeave; pulsemesh: `failed`); the victim is then replaced by a fresh member.
// Loss is silent in-flight loss: an nftables `numgen random` drop on the prerouting hook (never on
// output, where `sendto` fails and memberlist sees a local error). Writes bench-results/real-peers.json.
//
//   bash scripts/netns.sh node --conditions=source --import tsx scripts/bench-real-peers.ts
//     [--quick] [--trials 5] [--soak-s 300] [--sizes 10,30] [--losses 0,5] [--cost-s 60] [--edge-from build|bundle|source]
//     [--diag] [--out FILE]
//
// Every trial carries `diagnostics`: the survivors that were late and the path that decided each
// verdict. With --diag the edge peers are scripts/bench-real-peers/edge-peer-diag.ts (the edge peer
// plus witness, verdict and stall lines, through tsx: `--edge-from source`, the default with --diag), and each
// trial adds when the witness reached each survivor, the window of its check, the victim's vital
// signs as each knew them, and the victim's own late timers. A diagnosis run, not a result: with
// --diag write to --out elsewhere than bench-results.
//
// The edge peer runs from its build (apps/edge-peer/dist) when there is one, else from a single-file
// esbuild bundle of its source made here (`bundle`: what a build ships, no tsx at run time), or with
// `source`, through tsx as in development.
//
// scripts/bench.sh --only real-peers builds bench/memberlist first (GOPATH mode, no network).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { build } from 'esbuild';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createSignalServer } from '../packages/signal-server/src/server/index.js';
import {
  type ConfigResult,
  type Cost,
  falsePositives,
  grow,
  LATE_AFTER_FIRST_MS,
  measureCost,
  round,
  sampleLoad,
  seeded,
  setLoss,
  summarize,
  type Trial,
  trial,
} from './bench-real-peers/measure.js';
import {
  type Cluster,
  log,
  memberlistCluster,
  pulsemeshCluster,
  type SystemName,
  sleep,
} from './bench-real-peers/processes.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values: opts } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    trials: { type: 'string' },
    'soak-s': { type: 'string' },
    'cost-s': { type: 'string' },
    sizes: { type: 'string' },
    losses: { type: 'string' },
    diag: { type: 'boolean', default: false },
    'edge-from': { type: 'string', default: 'auto' },
    'memberlist-bin': { type: 'string' },
    out: { type: 'string' },
  },
});
const quick = opts.quick === true;
const TRIALS = Number(opts.trials ?? (quick ? 2 : 5));
const SOAK_S = Number(opts['soak-s'] ?? (quick ? 30 : 300));
const SIZES = (opts.sizes ?? (quick ? '10' : '10,30')).split(',').map(Number);
const LOSSES = (opts.losses ?? '0,5').split(',').map(Number);
const DIAG = opts.diag === true;
const COST_WINDOW_S = Number(opts['cost-s'] ?? (quick ? 15 : 60));
const DETECT_TIMEOUT_MS = 60_000;
const CONVERGE_TIMEOUT_MS = 180_000;
const TIMEOUTS = { detectMs: DETECT_TIMEOUT_MS, convergeMs: CONVERGE_TIMEOUT_MS };
const OUT = opts.out ?? `${root}bench-results/${quick ? 'quick/' : ''}real-peers.json`;
const MEMBERLIST_BIN = opts['memberlist-bin'] ?? `${root}bench/memberlist/.bin/memberlist-node`;
const EDGE_BUILD = `${root}apps/edge-peer/dist/main.js`;
const EDGE_SOURCE = DIAG
  ? `${root}scripts/bench-real-peers/edge-peer-diag.ts`
  : `${root}apps/edge-peer/src/main.ts`;
const EDGE_BUNDLE = `${root}bench/memberlist/.bin/edge-peer/${DIAG ? 'diag' : 'main'}.mjs`;
const edgeFrom =
  opts['edge-from'] === 'auto'
    ? DIAG
      ? 'source'
      : existsSync(EDGE_BUILD)
        ? 'build'
        : 'bundle'
    : (opts['edge-from'] ?? 'bundle');
if (DIAG && edgeFrom === 'build') {
  console.error('--diag runs edge-peer-diag.ts: use --edge-from bundle or source');
  process.exit(2);
}
if (edgeFrom === 'bundle') await bundleEdgePeer();
/** How an edge peer process starts: `node ...EDGE_ENTRY --signal=...`. */
const EDGE_ENTRY =
  edgeFrom === 'build'
    ? [EDGE_BUILD]
    : edgeFrom === 'bundle'
      ? [EDGE_BUNDLE]
      : ['--conditions=source', '--import', 'tsx', EDGE_SOURCE];

/** One ES module with every JS dependency inlined; only node-datachannel's native addon stays outside. */
async function bundleEdgePeer(): Promise<void> {
  await build({
    entryPoints: [EDGE_SOURCE],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    conditions: ['source'],
    external: ['node-datachannel'],
    // Split, as the build's bin is: without splitting, the lazy `import('./metrics.js')` makes
    // esbuild wrap every module it reaches in a lazy initializer, and webrtc-polyfill's top-level
    // await inside its self-import (`export * as default from './index.js'`) then waits on itself
    // (node exits 13, "unsettled top-level await").
    outdir: dirname(EDGE_BUNDLE),
    entryNames: DIAG ? 'diag' : 'main',
    outExtension: { '.js': '.mjs' },
    splitting: true,
    chunkNames: 'chunk-[hash]',
    banner: {
      js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
    },
    logLevel: 'error',
  });
  const modules = `${root}bench/memberlist/.bin/edge-peer/node_modules`;
  if (!existsSync(modules)) symlinkSync(`${root}node_modules/.pnpm/node_modules`, modules);
}

if (process.env['PULSEMESH_NETNS'] !== '1') {
  console.error(
    'run inside the loopback-only namespace: bash scripts/netns.sh node ... scripts/bench-real-peers.ts',
  );
  process.exit(2);
}
if (!existsSync(MEMBERLIST_BIN)) {
  console.error(
    `no memberlist binary at ${MEMBERLIST_BIN}: build it with scripts/bench.sh --only real-peers`,
  );
  process.exit(2);
}

// --- main ---------------------------------------------------------------------------------------

const started = Date.now();
const stopLoad = sampleLoad();
// The code measured is the tree at the start (the edge peer was bundled from it just now).
const dirty =
  execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
    cwd: root,
    encoding: 'utf8',
  }).trim() !== '';
const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
const signal = createSignalServer({ logLevel: 'silent' });
const { url: signalUrl } = await signal.listen(0, '127.0.0.1');
const random = seeded(14);
const configs: ConfigResult[] = [];
const costs: Cost[] = [];
const soaks: {
  system: SystemName;
  n: number;
  lossPct: number;
  seconds: number;
  falseFailed: number;
  accusations: number;
}[] = [];
let live: Cluster[] = [];
process.on('SIGINT', () => {
  for (const c of live) for (const m of c.all) if (!m.dead) m.proc.kill('SIGKILL');
  process.exit(130);
});

try {
  for (const n of SIZES) {
    setLoss(0);
    const ml = memberlistCluster(MEMBERLIST_BIN);
    const pm = pulsemeshCluster(EDGE_ENTRY, signalUrl);
    live = [ml, pm];
    log(`n=${n}: starting ${n} memberlist members and ${n} edge peers (${edgeFrom})`);
    await Promise.all([grow(ml, n, CONVERGE_TIMEOUT_MS), grow(pm, n, CONVERGE_TIMEOUT_MS)]);
    log(`n=${n}: both converged`);
    if (n === SIZES[0] && COST_WINDOW_S > 0) {
      await sleep(10_000); // past start-up work
      costs.push(...(await measureCost([ml, pm], COST_WINDOW_S, edgeFrom)));
      log(`cost: ${JSON.stringify(costs)}`);
    }
    for (const loss of LOSSES) {
      setLoss(loss);
      await sleep(5000);
      const from = Date.now();
      const results: Record<SystemName, Trial[]> = { memberlist: [], pulsemesh: [] };
      for (let k = 0; k < TRIALS; k++)
        for (const c of [ml, pm]) results[c.system].push(await trial(c, random, TIMEOUTS));
      const to = Date.now();
      for (const c of [ml, pm]) {
        const victims = new Set(results[c.system].map((t) => t.victim));
        configs.push(summarize(c.system, n, loss, results[c.system], falsePositives(c, from, to, victims)));
      }
    }
    if (n === SIZES[0] && SOAK_S > 0) {
      log(`soak: n=${n}, loss 5 %, ${SOAK_S} s, nothing killed`);
      const from = Date.now();
      await sleep(SOAK_S * 1000);
      const to = Date.now();
      for (const c of [ml, pm]) {
        const victims = new Set(c.all.filter((m) => m.dead).map((m) => m.id));
        const fp = falsePositives(c, from, to, victims);
        soaks.push({
          system: c.system,
          n,
          lossPct: 5,
          seconds: SOAK_S,
          falseFailed: fp.failed,
          accusations: fp.accusations,
        });
      }
      log(`soak: ${JSON.stringify(soaks)}`);
    }
    await Promise.all([ml.stop(), pm.stop()]);
    live = [];
  }
} finally {
  setLoss(0);
  for (const c of live) await c.stop();
  await signal.close();
}

// --- results ------------------------------------------------------------------------------------

const pick = (system: SystemName, n: number, loss: number): ConfigResult | undefined =>
  configs.find((c) => c.system === system && c.n === n && c.lossPct === loss);
const ratios = SIZES.flatMap((n) =>
  LOSSES.map((loss) => {
    const m = pick('memberlist', n, loss);
    const p = pick('pulsemesh', n, loss);
    return {
      n,
      lossPct: loss,
      memberlistOverPulsemeshAllP50: m && p ? round(m.allMs.p50 / p.allMs.p50) : null,
      memberlistOverPulsemeshFirstP50: m && p ? round(m.firstMs.p50 / p.firstMs.p50) : null,
    };
  }),
);
const pmCost = costs.find((c) => c.system === 'pulsemesh');
const floors = [
  {
    id: 'edge-peer-cost',
    floor: `edge peer at N=${SIZES[0]} in steady state, run from its build: RSS ≤ 48 MiB and CPU ≤ 0.5 % of a core per process (median)`,
    pass: pmCost
      ? edgeFrom !== 'source' && pmCost.rssMiBPerProcess.median <= 48 && pmCost.cpuPctPerProcess.median <= 0.5
      : null,
    measured: pmCost
      ? `RSS median ${pmCost.rssMiBPerProcess.median} MiB (max ${pmCost.rssMiBPerProcess.max}), CPU median ${pmCost.cpuPctPerProcess.median} % (max ${pmCost.cpuPctPerProcess.max}), run from ${edgeFrom}`
      : 'no run',
  },
];
const doc = {
  commit,
  dirty,
  date: new Date().toISOString(),
  command:
    `bash scripts/netns.sh node --conditions=source --import tsx scripts/bench-real-peers.ts ${process.argv.slice(2).join(' ')}`.trim(),
  quick,
  diag: DIAG,
  notes: [
    'Shared 2-core machine with other jobs running: both systems ran at the same time in one namespace, trials alternating, so they share the load; compare ratios.',
    `memberlist 0.2.2 (Debian golang-github-hashicorp-memberlist-dev), DefaultLANConfig, one Go process per member (bench/memberlist); pulsemesh edge peers (apps/edge-peer, default preset, run from ${edgeFrom}), one Node process per member, one in-process signaling server.`,
    "Kill: SIGKILL of one random member (never the join seed), then a fresh member replaces it. firstMs/allMs: kill → first/last survivor declares it dead (memberlist NotifyLeave; pulsemesh status failed), from each process's own event timestamps; +∞ (undetected) if not within 60 s. p50 nearest rank.",
    'Loss: nftables `numgen random mod 10000 < 500 drop` on the prerouting hook of lo (every packet, both directions, TCP included).',
    'falsePositives.failed: verdicts about members that were alive; accusations: first-hand suspicions of live members (memberlist: its "Suspect X has failed, no acks received" log line, one per observer-target pair per 10 s; pulsemesh: suspected with a first-hand reason).',
    'CPU % of one core per process over the cost window (utime+stime from /proc), memory from /proc/<pid>/smaps_rollup (RSS; PSS; USS = Private_Clean + Private_Dirty), measured at loss 0 after the cluster converged.',
    `trials[].diagnostics: verdicts by deciding path (pulsemesh status-change reason), survivors ≥ ${LATE_AFTER_FIRST_MS} ms after the first verdict${DIAG ? '; --diag: edge peers ran edge-peer-diag.ts (witness arrival and check window per survivor, the victim vital signs they knew, its late timers)' : ''}.`,
    "loadAverage1m: the machine's 1-minute load average sampled every 30 s over the whole run (other engineers' jobs included).",
  ],
  sizes: SIZES,
  losses: LOSSES,
  trialsPerConfig: TRIALS,
  configs,
  soak: soaks,
  cost: costs,
  ratios,
  floors,
  durationS: Math.round((Date.now() - started) / 1000),
  loadAverage1m: stopLoad(),
};
mkdirSync(fileURLToPath(new URL('.', `file://${OUT}`)), { recursive: true });
writeFileSync(OUT, `${JSON.stringify(doc, (_k, v: unknown) => (v === Infinity ? 'Infinity' : v), 1)}\n`);
console.log(
  '\nsystem      n  loss  first p50  first max  all p50  all max  undet  false failed  accusations',
);
for (const c of configs)
  console.log(
    `${c.system.padEnd(10)} ${String(c.n).padStart(2)}  ${String(c.lossPct).padStart(3)}%  ${String(c.firstMs.p50).padStart(9)}  ${String(c.firstMs.max).padStart(9)}  ${String(c.allMs.p50).padStart(7)}  ${String(c.allMs.max).padStart(7)}  ${String(c.undetected).padStart(5)}  ${String(c.falsePositives.failed).padStart(12)}  ${String(c.falsePositives.accusations).padStart(11)}`,
  );
console.log(
  `soak: ${JSON.stringify(soaks)}\ncost: ${JSON.stringify(costs)}\nratios: ${JSON.stringify(ratios)}`,
);
for (const f of floors)
  console.log(
    `${f.pass === null ? 'n/a ' : f.pass ? 'PASS' : 'MISS'}  ${f.floor}\n      measured: ${f.measured}`,
  );
console.log(`load average (1 min) over the run: ${JSON.stringify(doc.loadAverage1m)}`);
console.log(`wrote ${OUT} in ${doc.durationS} s`);
