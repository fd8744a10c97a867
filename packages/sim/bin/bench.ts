/**
 * The failure-detector benchmark: strategies × profiles × N on the simulator, in parallel worker
 * processes, plus the scale series. Prints progress and a table; writes `detector.json` and SVG
 * plots. Run with `--help` for the options.
 */
import { type ChildProcess, execFileSync, fork } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { BYTES_TOPOLOGY, evaluateFloors, formatFloors, MESH_DEGREE } from '../src/floors.js';
import { bytesVsNSvg, detectionCdfSvg, falsePositivesSvg } from '../src/plots.js';
import { type ProfileName, profiles } from '../src/profiles.js';
import { type BenchDocument, benchJson, formatTable, parseBenchJson } from '../src/report.js';
import { formatScale, SCALE_MESH_DEGREE, SCALE_SIM_SECONDS, SCALE_SIZES, scalePoint } from '../src/scale.js';
import { pingStrategy } from '../src/ping-node.js';
import { CALIBRATION_SIZES, calibrationProfile } from '../src/calibration.js';
import { type MemorySample, type RunResult, runScenario } from '../src/scenario.js';
import { STRATEGY_KEYS, type StrategyKey, scaleStrategy, strategyFor } from '../src/strategies.js';
import { codeIdentity } from './code-identity.js';
import type { TopologySpec } from '../src/topology.js';

interface Task {
  key: StrategyKey;
  profile: ProfileName;
  n: number;
  simSeconds: number;
  seed: number;
  topology?: TopologySpec;
  /** A scale-series run: bounded membership at every N, a fresh worker process (clean memory). */
  scale?: boolean;
  /** Runs the trivial `PingNode` instead of a detector: the simulator's own cost. */
  simOnly?: boolean;
  /** Listed in `runs` (the matrix and the 10,000-node run); scale-only points are not. */
  inRuns: boolean;
  /** A calibration run (`calibration.ts`): loopback at this loss, %; `profile` is then only a label. */
  calibrationLossPct?: number;
}

const HELP = `pulsemesh detector benchmark

  node --conditions=source --import tsx packages/sim/bin/bench.ts [options]

  (no option)     full matrix (strategies × profiles × N = 10, 100, 1000) + scale series
                  (N = ${SCALE_SIZES.join(', ')}); writes bench-results/detector.json + SVG plots
  --quick         N = 10, 100, at most 60 simulated s per run (under a minute), no scale series
  --scale         only the scale series: pulsemesh:default, membersMax 64, random mesh of degree
                  ${SCALE_MESH_DEGREE}, lan, ${SCALE_SIM_SECONDS} s; prints wall time, events/s and live memory per N;
                  writes scale.json (no plots); --n ${SCALE_SIZES.at(-1)} runs the floor's point alone
  --no-scale      the full matrix and calibration without the scale series (it then comes from
                  --scale's scale.json, which pnpm bench:check judges the scale floor on)
  --seed N        root seed (default 42)
  --jobs J        worker processes (default 2; 1 with --scale, so points do not slow each other)
  --only PROFILE  one profile; --n N: one group size; --strategy KEY: one of ${STRATEGY_KEYS.join(', ')}
  --topology T    full or random-32 (pulsemesh's lan runs at N = 10 and 100 exist on both)
  --out DIR       where to write (default bench-results for the full unfiltered run, else
                  bench-results/quick, which git ignores, so partial runs never replace published numbers)
  --replot FILE   redraw the SVG plots from a saved detector.json
`;

/** Worker flags: a larger young generation (messages in flight die young; measured ~8 % faster at N=5000), gc() for memory probes. */
const WORKER_FLAGS = ['--max-semi-space-size=64', '--expose-gc'];
/**
 * A scale point's worker also reserves its old space up front: the 10,000-node run grows to over a
 * gigabyte live, and V8's heap-growing heuristic ran a full mark-compact at each step on the way
 * (see decision 0010). Garbage collection only: the run is the same message for message.
 */
const SCALE_WORKER_FLAGS = ['--initial-old-space-size=4096'];

const SELF = fileURLToPath(import.meta.url);
const ROOT = resolve(dirname(SELF), '../../..');
/**
 * pulsemesh at N ≥ 1000 runs on a random mesh of this degree: a browser holds a few dozen data
 * channels, and on a full 1000-peer mesh every link-up's full state sync makes formation O(N³).
 * The bytes floor compares N = 10, 100, 1000 on this one topology, so lan also runs at N = 10 and 100
 * on it (complete at N = 10).
 */
const PULSEMESH_MESH_DEGREE = MESH_DEGREE;
/** seed's heartbeats are O(N²): at N = 1000 it runs at most this long (it is there for the bytes floor). */
const SEED_SECONDS_MAX_1000 = 30;
const QUICK_SECONDS_MAX = 60;
/** hostile-browser N = 100 for the default: ≥ 1,000 node-hours after warm-up and crash downtime. */
const HOSTILE_DEFAULT_SECONDS = 37_000;

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function memoryProbe(): MemorySample {
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  return { heapUsedBytes: m.heapUsed, externalBytes: m.external, rssBytes: m.rss };
}

function runTask(t: Task): RunResult {
  return runScenario({
    strategy: t.simOnly ? pingStrategy() : t.scale ? scaleStrategy() : strategyFor(t.key, t.n),
    profile:
      t.calibrationLossPct === undefined ? profiles[t.profile] : calibrationProfile(t.calibrationLossPct),
    n: t.n,
    seed: t.seed,
    simSeconds: t.simSeconds,
    ...(t.topology ? { topology: t.topology } : {}),
    wallClockMs: () => performance.now(),
    cpuClockMs: () => {
      const c = process.cpuUsage();
      return (c.user + c.system) / 1000;
    },
    memoryProbe,
  });
}

/** The scale series (the largest point is also a matrix run), plus the simulator alone at the largest N. */
function scaleTasks(seed: number): Task[] {
  const point = (n: number, simOnly: boolean): Task => ({
    key: 'pulsemesh-default',
    profile: 'lan',
    n,
    simSeconds: SCALE_SIM_SECONDS,
    seed,
    topology: { kind: 'random', degree: SCALE_MESH_DEGREE },
    scale: true,
    simOnly,
    inRuns: !simOnly && n === SCALE_SIZES.at(-1),
  });
  const largest = SCALE_SIZES.at(-1) as number;
  return [...SCALE_SIZES.map((n) => point(n, false)), point(largest, true)];
}

function reproduce(t: Task, quick: boolean): string {
  const topology =
    t.topology?.kind === 'random' && t.n < 1000 ? ` --topology random-${t.topology.degree}` : '';
  if (t.scale === true && !t.inRuns)
    return `node --conditions=source --import tsx packages/sim/bin/bench.ts --scale --n ${t.n} --seed ${t.seed}`;
  return `node --conditions=source --import tsx packages/sim/bin/bench.ts --seed ${t.seed}${quick ? ' --quick' : ''} --only ${t.profile} --n ${t.n} --strategy ${t.key}${topology}`;
}

function matrix(seed: number, quick: boolean): Task[] {
  const only = arg('--only');
  const onlyN = arg('--n');
  const onlyKey = arg('--strategy');
  const onlyTopology = arg('--topology');
  const sizes = quick ? [10, 100] : [10, 100, 1000];
  const keep = (t: Task): boolean =>
    (!only || t.profile === only) &&
    (!onlyN || t.n === Number(onlyN)) &&
    (!onlyKey || t.key === onlyKey) &&
    (!onlyTopology ||
      (t.topology?.kind === 'random' ? `random-${t.topology.degree}` : 'full') === onlyTopology);
  // --scale with --n N runs that one point of the series (and the simulator alone at N if it has one).
  if (process.argv.includes('--scale')) return scaleTasks(seed).filter(keep);
  const tasks: Task[] = [];
  for (const profile of Object.keys(profiles) as ProfileName[]) {
    for (const n of sizes) {
      for (const key of STRATEGY_KEYS) {
        let simSeconds = profiles[profile].simSeconds(n);
        // The default's hostile-browser floor needs ≥ 1,000 node-hours at N = 100 (decision 0013).
        if (key === 'pulsemesh-default' && profile === 'hostile-browser' && n === 100)
          simSeconds = HOSTILE_DEFAULT_SECONDS;
        if (quick) simSeconds = Math.min(simSeconds, profile === 'partition' ? 100 : QUICK_SECONDS_MAX);
        if (key === 'seed' && n >= 1000) simSeconds = Math.min(simSeconds, SEED_SECONDS_MAX_1000);
        const pulsemesh = key.startsWith('pulsemesh');
        const random = { kind: 'random', degree: PULSEMESH_MESH_DEGREE } as const;
        const mesh = pulsemesh && n >= 1000;
        tasks.push({
          key,
          profile,
          n,
          simSeconds,
          seed,
          ...(mesh ? { topology: random } : {}),
          inRuns: true,
        });
        // The bytes series: the same topology at every N.
        if (pulsemesh && profile === 'lan' && n < 1000)
          tasks.push({ key, profile, n, simSeconds, seed, topology: random, inRuns: true });
      }
    }
  }
  // The scale series; its last point is the run the issue asks for: 10,000 nodes for 60 simulated s.
  if (!quick && !process.argv.includes('--no-scale')) tasks.push(...scaleTasks(seed));
  // Calibration against real processes (bench-results/real-peers.json): swim and pulsemesh on loopback.
  if (!quick)
    for (const key of STRATEGY_KEYS.filter((k) => k !== 'seed'))
      for (const n of CALIBRATION_SIZES)
        for (const loss of [0, 5]) {
          const profile = calibrationProfile(loss);
          tasks.push({
            key,
            profile: profile.name as ProfileName,
            n,
            simSeconds: profile.simSeconds(n),
            seed,
            inRuns: false,
            calibrationLossPct: loss,
          });
        }
  return tasks.filter(keep);
}

function cost(t: Task): number {
  if (t.simOnly === true) return 0;
  const perSecond = t.key === 'seed' ? t.n * t.n : t.key === 'swim' ? t.n * 10 : t.n * 150;
  return perSecond * (t.simSeconds + 10);
}

async function runAll(tasks: Task[], jobs: number, quick: boolean): Promise<RunResult[]> {
  const order = [...tasks].sort((a, b) => cost(b) - cost(a));
  const results = new Map<Task, RunResult>();
  let next = 0;
  let done = 0;
  const spawn = (scale: boolean): ChildProcess =>
    fork(SELF, ['--worker'], {
      execArgv: [...process.execArgv, ...WORKER_FLAGS, ...(scale ? SCALE_WORKER_FLAGS : [])],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
  const worker = async (): Promise<void> => {
    let scale = order[next]?.scale === true;
    let child = spawn(scale);
    let used = false;
    try {
      while (next < order.length) {
        const task = order[next++] as Task;
        if ((task.scale === true && used) || (task.scale === true) !== scale) {
          // A scale point measures memory: give it a process no earlier run has grown (and its flags).
          child.kill();
          scale = task.scale === true;
          child = spawn(scale);
        }
        used = true;
        const result = await new Promise<RunResult>((ok, fail) => {
          const onExit = (code: number | null): void =>
            fail(new Error(`worker exited (${code}) on: ${reproduce(task, quick)}`));
          child.once('exit', onExit);
          child.once('message', (m) => {
            child.off('exit', onExit);
            ok(m as RunResult);
          });
          child.send(task);
        });
        results.set(task, result);
        done++;
        const r = result;
        const live = r.memory
          ? `, ${((r.memory.heapUsedBytes + r.memory.externalBytes) / 1e6).toFixed(0)} MB live`
          : '';
        process.stdout.write(
          `[${String(done).padStart(3)}/${tasks.length}] ${r.profile.padEnd(15)} n=${String(r.n).padEnd(5)} ${`${r.strategy}:${r.preset}`.padEnd(20)} ` +
            `${r.simSeconds}s sim in ${r.wallSeconds.toFixed(1)}s wall, ${Math.round(r.eventsPerSec).toLocaleString('en')} events/s${live}\n`,
        );
      }
    } finally {
      child.kill();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(jobs, order.length)) }, worker));
  return tasks.map((t) => results.get(t) as RunResult);
}

/** Writes the three SVG plots for `runs` into `out`. */
function writePlots(out: string, runs: RunResult[]): void {
  writeFileSync(join(out, 'detector-detection-cdf.svg'), detectionCdfSvg(runs, 'lan', 100));
  writeFileSync(join(out, 'detector-false-positives.svg'), falsePositivesSvg(runs, 100));
  writeFileSync(join(out, 'detector-bytes-vs-n.svg'), bytesVsNSvg(runs, 'lan'));
}

function formatLoad(load: number[]): string {
  return load.map((x) => x.toFixed(2)).join(' / ');
}

/** Whether tracked files have uncommitted changes (then the recorded commit does not describe the code). */
function gitDirty(): boolean {
  try {
    return (
      execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
        cwd: ROOT,
        encoding: 'utf8',
      }).trim() !== ''
    );
  } catch {
    return true;
  }
}

function gitCommit(): string {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch (error) {
    return `unknown (${(error as Error).message.split('\n')[0]})`;
  }
}

async function main(): Promise<void> {
  if (process.argv.includes('--help')) {
    process.stdout.write(HELP);
    return;
  }
  if (process.argv.includes('--worker')) {
    process.on('message', (task: Task) => process.send?.(runTask(task)));
    return;
  }
  const replot = arg('--replot');
  if (replot !== undefined) {
    // Redraws the plots from an existing detector.json, without rerunning anything.
    const doc = parseBenchJson(readFileSync(resolve(ROOT, replot), 'utf8')) as BenchDocument;
    writePlots(dirname(resolve(ROOT, replot)), doc.runs);
    return;
  }
  const quick = process.argv.includes('--quick');
  const seed = Number(arg('--seed') ?? 42) >>> 0;
  // The scale series alone runs one point at a time, so no point's wall time includes another's.
  const jobs = Number(arg('--jobs') ?? (process.argv.includes('--scale') ? 1 : 2));
  const partial =
    quick || ['--scale', '--only', '--n', '--strategy', '--topology'].some((f) => process.argv.includes(f));
  const out = resolve(ROOT, arg('--out') ?? (partial ? 'bench-results/quick' : 'bench-results'));
  const scaleOnly = process.argv.includes('--scale');
  const file = scaleOnly ? 'scale.json' : 'detector.json';
  const tasks = matrix(seed, quick);
  const started = performance.now();
  // The code measured is the tree at the start: a commit made during the run must not be credited.
  const commit = gitCommit();
  // The commit says which code only if core is this checkout's own (decision 0046).
  const code = codeIdentity(ROOT, resolve(dirname(SELF), '..'));
  if (code.coreOutsideRoot)
    console.warn(`warning: @pulsemesh/core resolves to ${code.coreDir}, outside ${ROOT}: marked dirty`);
  const dirty = gitDirty() || code.coreOutsideRoot;
  // Wall times depend on what else the machine runs: the file says how loaded it was.
  const loadAtStart = loadavg();
  console.log(
    `pulsemesh detector benchmark: seed ${seed}, ${quick ? 'quick' : partial ? 'partial' : 'full'} run, ${tasks.length} runs on ${jobs} worker(s)`,
  );
  console.log(`strategies: ${STRATEGY_KEYS.join(', ')}; profiles: ${Object.keys(profiles).join(', ')}`);
  console.log(
    `reproduce: node --conditions=source --import tsx packages/sim/bin/bench.ts ${process.argv.slice(2).join(' ')}\n`,
  );
  const results = await runAll(tasks, jobs, quick);
  const runs = results.filter((_, k) => tasks[k]?.inRuns === true);
  const scale = results.filter((_, k) => tasks[k]?.scale === true).map(scalePoint);
  const calibration = results.filter((_, k) => tasks[k]?.calibrationLossPct !== undefined);
  if (calibration.length > 0)
    console.log(
      `\nCalibration runs (loopback; compare bench-results/real-peers.json):\n${formatTable(calibration)}\n`,
    );
  if (runs.length > 0) console.log(`\n${formatTable(runs)}\n`);
  if (scale.length > 0)
    console.log(`\nScale series (pulsemesh:default, membersMax 64, lan):\n${formatScale(scale)}\n`);
  const floors = evaluateFloors({ runs, scale });
  if (floors.length > 0)
    console.log(`Floors, measured (pnpm bench:check enforces them):\n${formatFloors(floors)}\n`);
  const doc: BenchDocument = {
    commit,
    dirty,
    code: { sourceSha256: code.sourceSha256, coreOutsideRoot: code.coreOutsideRoot },
    seed,
    quick,
    generatedBy:
      `node --conditions=source --import tsx packages/sim/bin/bench.ts ${process.argv.slice(2).join(' ')}`.trim(),
    notes: [
      'Times in ms; bytes are detector payload bytes (no UDP/DTLS/SCTP headers), counted after a 10 s warm-up.',
      'Simulated durations shrink with N to fit a ~10 minute budget on 2 cores (each run reports simSeconds and nodeHours); N is never reduced.',
      `pulsemesh at N=1000 runs on a random mesh of degree ${PULSEMESH_MESH_DEGREE} (topology field); the baselines run on a full mesh (UDP-like reachability, as designed). The lan profile also runs pulsemesh at N=10 and 100 on ${BYTES_TOPOLOGY} (complete at N=10), so the bytes floor compares one topology across N. lan at N=1000 runs 150 s (100 crashes, 25 leaves) so its p99s are percentiles; seed's N=1000 runs stop at ${SEED_SECONDS_MAX_1000} s (O(N²) heartbeats).`,
      `Percentiles are nearest-rank over every sample; a crash or change that never completed (restart or end of run first) is a +∞ sample, counted in "censored" (JSON: the string "Infinity"); p95 needs ≥ 20 samples and p99 ≥ 100, else null (the max is then the tail).`,
      scale.length === 0 && !quick
        ? 'No scale series in this file (--no-scale): it comes from bench.ts --scale, in scale.json, where bench:check judges the scale floor.'
        : `The scale series (N=${SCALE_SIZES.join(', ')}; the last is also in runs) is pulsemesh:default with membersMax=64 on a random mesh of degree ${SCALE_MESH_DEGREE}, each point in a fresh worker process; liveBytes = JS heap after a full GC + external (typed-array) memory. `,
      'detectionAllMs: crash → failed at every live peer that trusted or suspected the node at the crash; undetectedAll counts crashes where that did not happen before restart or the end.',
      'falseFailed/falseSuspected: observer transitions about a peer that was up (partitioned, stalled and clamped peers are up); falseAccusations: first-hand ones only (not gossip-suspect/-dead/-failed or confirmed-suspicion).',
      `Load average (1, 5, 15 min) of this ${availableParallelism()}-core machine: ${formatLoad(loadAtStart)} at the start, ${formatLoad(loadavg())} at the end.`,
    ],
    floors,
    runs,
    scale,
    ...(calibration.length > 0 ? { calibration } : {}),
  };
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, file), benchJson(doc));
  if (!scaleOnly) writePlots(out, runs);
  const wall = (performance.now() - started) / 1000;
  console.log(
    `wrote ${join(out, file)}${scaleOnly ? '' : ' and 3 SVG plots'}; ${results.length} runs in ${wall.toFixed(1)} s wall`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
