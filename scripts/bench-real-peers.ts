// Real processes side by side: HashiCorp memberlist (Go, DefaultLANConfig, nothing tuned) and
// pulsemesh edge peers (apps/edge-peer, the default preset), N of each on loopback in one network
// namespace, both clusters running at once so they share the machine's load. Each trial SIGKILLs
// one member of one system and times, from the kill, the first and the last survivor to declare it
// dead (memberlist: NotifyLeave; pulsemesh: `failed`); the victim is then replaced by a fresh member.
// Loss is silent in-flight loss: an nftables `numgen random` drop on the prerouting hook (never on
// output, where `sendto` fails and memberlist sees a local error). Writes bench-results/real-peers.json.
//
//   bash scripts/netns.sh node --conditions=source --import tsx scripts/bench-real-peers.ts
//     [--quick] [--trials 5] [--soak-s 300] [--sizes 10,30] [--edge-from build|bundle|source]
//
// The edge peer runs from its build (apps/edge-peer/dist) when there is one, else from a single-file
// esbuild bundle of its source made here (`bundle`: what a build ships, no tsx at run time), or with
// `source`, through tsx as in development.
//
// scripts/bench.sh --only real-peers builds bench/memberlist first (GOPATH mode, no network).
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createSignalServer } from '../packages/signal-server/src/server/index.js';
import { SECOND_HAND_REASONS } from '../packages/sim/src/metrics.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values: opts } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    trials: { type: 'string' },
    'soak-s': { type: 'string' },
    sizes: { type: 'string' },
    'edge-from': { type: 'string', default: 'auto' },
    'memberlist-bin': { type: 'string' },
    out: { type: 'string' },
  },
});
const quick = opts.quick === true;
const TRIALS = Number(opts.trials ?? (quick ? 2 : 5));
const SOAK_S = Number(opts['soak-s'] ?? (quick ? 30 : 300));
const SIZES = (opts.sizes ?? (quick ? '10' : '10,30')).split(',').map(Number);
const LOSSES = [0, 5];
const COST_WINDOW_S = quick ? 15 : 60;
const DETECT_TIMEOUT_MS = 60_000;
const CONVERGE_TIMEOUT_MS = 180_000;
const OUT = opts.out ?? `${root}bench-results/${quick ? 'quick/' : ''}real-peers.json`;
const MEMBERLIST_BIN = opts['memberlist-bin'] ?? `${root}bench/memberlist/.bin/memberlist-node`;
const EDGE_BUILD = `${root}apps/edge-peer/dist/main.js`;
const EDGE_BUNDLE = `${root}bench/memberlist/.bin/edge-peer/main.mjs`;
const edgeFrom =
  opts['edge-from'] === 'auto'
    ? existsSync(EDGE_BUILD)
      ? 'build'
      : 'bundle'
    : (opts['edge-from'] ?? 'bundle');
if (edgeFrom === 'bundle') await bundleEdgePeer();

/** One ES module with every JS dependency inlined; only node-datachannel's native addon stays outside. */
async function bundleEdgePeer(): Promise<void> {
  await build({
    entryPoints: [`${root}apps/edge-peer/src/main.ts`],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    conditions: ['source'],
    external: ['node-datachannel'],
    outfile: EDGE_BUNDLE,
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
const log = (msg: string): void =>
  console.error(`[real-peers ${new Date().toISOString().slice(11, 19)}] ${msg}`);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** What an observer saw about a target, normalized across both systems. */
interface Observation {
  t: number;
  observer: string;
  target: string;
  /** up: joined or trusted again; down: declared dead; accuse: suspected on its own evidence. */
  kind: 'up' | 'down' | 'accuse';
}

type SystemName = 'memberlist' | 'pulsemesh';

/** One running member process. */
class Member {
  readonly seen: Observation[] = [];
  readonly exited: Promise<void>;
  dead = false;
  private buffer = '';
  constructor(
    readonly system: SystemName,
    readonly id: string,
    readonly proc: ChildProcess,
    parse: (line: Record<string, unknown>) => Observation | undefined,
  ) {
    proc.stdout!.on('data', (chunk: Buffer) => {
      this.buffer += chunk.toString();
      let nl: number;
      while ((nl = this.buffer.indexOf('\n')) >= 0) {
        const line = this.buffer.slice(0, nl);
        this.buffer = this.buffer.slice(nl + 1);
        if (!line.startsWith('{')) continue;
        const o = parse(JSON.parse(line) as Record<string, unknown>);
        if (o && o.target !== this.id) this.seen.push(o);
      }
    });
    proc.stderr!.on('data', (c: Buffer) => {
      const text = c.toString();
      if (!/ExperimentalWarning|--trace-warnings/.test(text)) process.stderr.write(`[${id}] ${text}`);
    });
    this.exited = new Promise((r) => proc.on('exit', () => r()));
  }

  /** The observer's current view of `target`. */
  view(target: string): 'up' | 'down' | undefined {
    for (let i = this.seen.length - 1; i >= 0; i--) {
      const o = this.seen[i] as Observation;
      if (o.target === target && o.kind !== 'accuse') return o.kind;
    }
    return undefined;
  }
}

/** A cluster of one system: starts members, kills them, replaces them. */
class Cluster {
  readonly live = new Map<string, Member>();
  readonly all: Member[] = [];
  private seq = 0;
  constructor(
    readonly system: SystemName,
    private readonly start: (id: string, k: number, seedAddr: string | undefined) => Member,
  ) {}

  add(): Member {
    const k = this.seq++;
    const id = `${this.system === 'memberlist' ? 'm' : 'p'}${k}`;
    const m = this.start(id, k, k === 0 ? undefined : 'seed');
    this.live.set(id, m);
    this.all.push(m);
    return m;
  }

  converged(): boolean {
    const ids = [...this.live.keys()];
    for (const m of this.live.values())
      if (ids.some((id) => id !== m.id && m.view(id) !== 'up')) return false;
    return true;
  }

  kill(m: Member): void {
    m.dead = true;
    this.live.delete(m.id);
    m.proc.kill('SIGKILL');
  }

  async stop(): Promise<void> {
    for (const m of this.all) if (!m.dead) m.proc.kill('SIGKILL');
    await Promise.all(this.all.map((m) => m.exited));
    this.live.clear();
  }
}

// --- the two systems -------------------------------------------------------------------------

const ML_PORT_BASE = 17_000;
function memberlistCluster(): Cluster {
  return new Cluster('memberlist', (id, k, seed) => {
    const args = ['-name', id, '-port', String(ML_PORT_BASE + k)];
    if (seed !== undefined) args.push('-join', `127.0.0.1:${ML_PORT_BASE}`);
    const proc = spawn(MEMBERLIST_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    return new Member('memberlist', id, proc, (l) => {
      const kind = { join: 'up', leave: 'down', suspect: 'accuse' }[String(l['ev'])] as
        Observation['kind'] | undefined;
      if (kind === undefined || typeof l['node'] !== 'string') return undefined;
      return { t: Number(l['t']), observer: id, target: l['node'], kind };
    });
  });
}

function pulsemeshCluster(signalUrl: string): Cluster {
  const entry =
    edgeFrom === 'build'
      ? [EDGE_BUILD]
      : edgeFrom === 'bundle'
        ? [EDGE_BUNDLE]
        : ['--conditions=source', '--import', 'tsx', `${root}apps/edge-peer/src/main.ts`];
  return new Cluster('pulsemesh', (id) => {
    // Default preset: no detector flag at all.
    const args = [
      ...entry,
      `--signal=${signalUrl}`,
      '--room=pm14-real',
      `--id=${id}`,
      '--json',
      '--bind-address=127.0.0.1',
    ];
    const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    return new Member('pulsemesh', id, proc, (l) => {
      const t = Date.parse(String(l['ts']));
      const target = l['peer'];
      if (typeof target !== 'string') return undefined;
      if (l['type'] === 'join') return { t, observer: id, target, kind: 'up' };
      if (l['type'] !== 'status-change') return undefined;
      const to = String(l['to']);
      const from = String(l['from']);
      if (to === 'failed' || to === 'left') return { t, observer: id, target, kind: 'down' };
      if (to === 'healthy') return { t, observer: id, target, kind: 'up' };
      if (to === 'suspected' && from !== 'failed' && !SECOND_HAND_REASONS.has(String(l['reason'])))
        return { t, observer: id, target, kind: 'accuse' };
      return undefined;
    });
  });
}

// --- loss, cost -------------------------------------------------------------------------------

function setLoss(pct: number): void {
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

const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]); // utime + stime
}
function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

interface Cost {
  system: SystemName;
  n: number;
  windowS: number;
  edgeFrom?: string;
  cpuPctPerProcess: { median: number; max: number; mean: number };
  rssMiBPerProcess: { median: number; max: number };
}
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0
    ? NaN
    : s.length % 2
      ? (s[s.length >> 1] as number)
      : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
};
const round = (x: number, d = 2): number => Math.round(x * 10 ** d) / 10 ** d;

async function measureCost(clusters: Cluster[], windowS: number): Promise<Cost[]> {
  const before = clusters.map((c) => [...c.live.values()].map((m) => cpuTicks(m.proc.pid!)));
  await sleep(windowS * 1000);
  return clusters.map((c, i) => {
    const members = [...c.live.values()];
    const cpu = members.map(
      (m, j) => ((cpuTicks(m.proc.pid!) - (before[i]![j] as number)) / CLK_TCK / windowS) * 100,
    );
    const rss = members.map((m) => rssBytes(m.proc.pid!) / 2 ** 20);
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
      rssMiBPerProcess: { median: round(median(rss), 1), max: round(Math.max(...rss), 1) },
    };
  });
}

// --- trials -------------------------------------------------------------------------------------

async function until(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) return false;
    await sleep(50);
  }
  return true;
}

async function grow(c: Cluster, n: number): Promise<void> {
  c.add();
  await sleep(c.system === 'memberlist' ? 300 : 1500);
  while (c.live.size < n) c.add();
  if (!(await until(() => c.converged(), CONVERGE_TIMEOUT_MS)))
    throw new Error(`${c.system}: ${n} members did not converge`);
}

interface Trial {
  victim: string;
  firstMs: number;
  allMs: number;
  survivors: number;
}

/** SIGKILLs a random live member (not the join seed) and times the survivors' verdicts. */
async function trial(c: Cluster, random: () => number): Promise<Trial> {
  const candidates = [...c.live.values()].filter((m) => m !== c.all[0]);
  const victim = candidates[Math.floor(random() * candidates.length)] as Member;
  const survivors = [...c.live.values()].filter((m) => m !== victim);
  const t0 = Date.now();
  c.kill(victim);
  const downAt = (m: Member): number | undefined =>
    m.seen.find((o) => o.target === victim.id && o.kind === 'down' && o.t >= t0)?.t;
  await until(() => survivors.every((m) => m.dead || downAt(m) !== undefined), DETECT_TIMEOUT_MS);
  const times = survivors.filter((m) => !m.dead).map((m) => downAt(m) ?? Infinity);
  const result = {
    victim: victim.id,
    firstMs: Math.min(...times) - t0,
    allMs: Math.max(...times) - t0,
    survivors: times.length,
  };
  log(
    `${c.system} n=${c.live.size + 1}: ${victim.id} killed → first ${result.firstMs} ms, all ${result.allMs} ms`,
  );
  c.add(); // a fresh member takes its place
  if (!(await until(() => c.converged(), CONVERGE_TIMEOUT_MS)))
    throw new Error(`${c.system}: did not reconverge`);
  await sleep(2000);
  return result;
}

/** Verdicts and first-hand accusations about members that were alive, in [fromMs, toMs). */
function falsePositives(
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

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface ConfigResult {
  system: SystemName;
  n: number;
  lossPct: number;
  trials: Trial[];
  firstMs: { p50: number; max: number };
  allMs: { p50: number; max: number };
  undetected: number;
  falsePositives: { failed: number; accusations: number };
}

function summarize(
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

// --- main ---------------------------------------------------------------------------------------

const started = Date.now();
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
    const ml = memberlistCluster();
    const pm = pulsemeshCluster(signalUrl);
    live = [ml, pm];
    log(`n=${n}: starting ${n} memberlist members and ${n} edge peers (${edgeFrom})`);
    await Promise.all([grow(ml, n), grow(pm, n)]);
    log(`n=${n}: both converged`);
    if (n === SIZES[0]) {
      await sleep(10_000); // past start-up work
      costs.push(...(await measureCost([ml, pm], COST_WINDOW_S)));
      log(`cost: ${JSON.stringify(costs)}`);
    }
    for (const loss of LOSSES) {
      setLoss(loss);
      await sleep(5000);
      const from = Date.now();
      const results: Record<SystemName, Trial[]> = { memberlist: [], pulsemesh: [] };
      for (let k = 0; k < TRIALS; k++)
        for (const c of [ml, pm]) results[c.system].push(await trial(c, random));
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
  notes: [
    'Shared 2-core machine with other jobs running: both systems ran at the same time in one namespace, trials alternating, so they share the load; compare ratios.',
    `memberlist 0.2.2 (Debian golang-github-hashicorp-memberlist-dev), DefaultLANConfig, one Go process per member (bench/memberlist); pulsemesh edge peers (apps/edge-peer, default preset, run from ${edgeFrom}), one Node process per member, one in-process signaling server.`,
    "Kill: SIGKILL of one random member (never the join seed), then a fresh member replaces it. firstMs/allMs: kill → first/last survivor declares it dead (memberlist NotifyLeave; pulsemesh status failed), from each process's own event timestamps; +∞ (undetected) if not within 60 s. p50 nearest rank.",
    'Loss: nftables `numgen random mod 10000 < 500 drop` on the prerouting hook of lo (every packet, both directions, TCP included).',
    'falsePositives.failed: verdicts about members that were alive; accusations: first-hand suspicions of live members (memberlist: its "Suspect X has failed, no acks received" log line, one per observer-target pair per 10 s; pulsemesh: suspected with a first-hand reason).',
    'CPU % of one core per process over the cost window (utime+stime from /proc), RSS from /proc/<pid>/status VmRSS, measured at loss 0 after the cluster converged.',
  ],
  sizes: SIZES,
  trialsPerConfig: TRIALS,
  configs,
  soak: soaks,
  cost: costs,
  ratios,
  floors,
  durationS: Math.round((Date.now() - started) / 1000),
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
console.log(`wrote ${OUT} in ${doc.durationS} s`);
