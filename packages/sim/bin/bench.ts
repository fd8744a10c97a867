/**
 * The failure-detector benchmark: strategies × profiles × N on the simulator, in parallel worker
 * processes. Prints progress and a table; writes `bench-results/detector.json` and SVG plots.
 *
 *   node --conditions=source --import tsx packages/sim/bin/bench.ts [--quick] [--seed N] [--jobs J]
 *        [--only PROFILE] [--n N] [--strategy KEY] [--out DIR]
 *   ... bench.ts --replot bench-results/detector.json   (redraw the SVGs from a saved run)
 */
import { execFileSync, fork } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { evaluateFloors, formatFloors } from '../src/floors.js';
import { bytesVsNSvg, detectionCdfSvg, falsePositivesSvg } from '../src/plots.js';
import { type ProfileName, profiles } from '../src/profiles.js';
import { type BenchDocument, formatTable } from '../src/report.js';
import { type RunResult, runScenario } from '../src/scenario.js';
import { STRATEGY_KEYS, type StrategyKey, strategyFor } from '../src/strategies.js';
import type { TopologySpec } from '../src/topology.js';

interface Task {
  key: StrategyKey;
  profile: ProfileName;
  n: number;
  simSeconds: number;
  seed: number;
  topology?: TopologySpec;
}

const SELF = fileURLToPath(import.meta.url);
const ROOT = resolve(dirname(SELF), '../../..');
/**
 * pulsemesh at N ≥ 1000 runs on a random mesh of this degree: a browser holds a few dozen data
 * channels, and on a full 1000-peer mesh every link-up's full state sync makes formation O(N³).
 */
const PULSEMESH_MESH_DEGREE = 32;
const QUICK_SECONDS_MAX = 60;

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function runTask(t: Task): RunResult {
  return runScenario({
    strategy: strategyFor(t.key, t.n),
    profile: profiles[t.profile],
    n: t.n,
    seed: t.seed,
    simSeconds: t.simSeconds,
    ...(t.topology ? { topology: t.topology } : {}),
    wallClockMs: () => performance.now(),
  });
}

function reproduce(t: Task, quick: boolean): string {
  return `node --conditions=source --import tsx packages/sim/bin/bench.ts --seed ${t.seed}${quick ? ' --quick' : ''} --only ${t.profile} --n ${t.n} --strategy ${t.key}`;
}

function matrix(seed: number, quick: boolean): Task[] {
  const only = arg('--only');
  const onlyN = arg('--n');
  const onlyKey = arg('--strategy');
  const sizes = quick ? [10, 100] : [10, 100, 1000];
  const tasks: Task[] = [];
  for (const profile of Object.keys(profiles) as ProfileName[]) {
    for (const n of sizes) {
      for (const key of STRATEGY_KEYS) {
        let simSeconds = profiles[profile].simSeconds(n);
        if (quick) simSeconds = Math.min(simSeconds, profile === 'partition' ? 100 : QUICK_SECONDS_MAX);
        const mesh = key.startsWith('pulsemesh') && n >= 1000;
        tasks.push({
          key,
          profile,
          n,
          simSeconds,
          seed,
          ...(mesh ? { topology: { kind: 'random', degree: PULSEMESH_MESH_DEGREE } } : {}),
        });
      }
    }
  }
  if (!quick) {
    // The scale run the issue asks for: 10,000 nodes for 60 simulated seconds.
    tasks.push({
      key: 'pulsemesh-browser',
      profile: 'lan',
      n: 10_000,
      simSeconds: 60,
      seed,
      topology: { kind: 'random', degree: 16 },
    });
  }
  return tasks.filter(
    (t) =>
      (!only || t.profile === only) && (!onlyN || t.n === Number(onlyN)) && (!onlyKey || t.key === onlyKey),
  );
}

function cost(t: Task): number {
  const perSecond = t.key === 'seed' ? t.n * t.n : t.key === 'swim' ? t.n * 10 : t.n * 150;
  return perSecond * (t.simSeconds + 10);
}

async function runAll(tasks: Task[], jobs: number, quick: boolean): Promise<RunResult[]> {
  const order = [...tasks].sort((a, b) => cost(b) - cost(a));
  const results = new Map<Task, RunResult>();
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    const child = fork(SELF, ['--worker'], {
      execArgv: process.execArgv,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    try {
      while (next < order.length) {
        const task = order[next++] as Task;
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
        process.stdout.write(
          `[${String(done).padStart(3)}/${tasks.length}] ${r.profile.padEnd(15)} n=${String(r.n).padEnd(5)} ${`${r.strategy}:${r.preset}`.padEnd(20)} ` +
            `${r.simSeconds}s sim in ${r.wallSeconds.toFixed(1)}s wall, ${Math.round(r.eventsPerSec).toLocaleString('en')} events/s\n`,
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

function gitCommit(): string {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch (error) {
    return `unknown (${(error as Error).message.split('\n')[0]})`;
  }
}

async function main(): Promise<void> {
  if (process.argv.includes('--worker')) {
    process.on('message', (task: Task) => process.send?.(runTask(task)));
    return;
  }
  const replot = arg('--replot');
  if (replot !== undefined) {
    // Redraws the plots from an existing detector.json, without rerunning anything.
    const doc = JSON.parse(readFileSync(resolve(ROOT, replot), 'utf8')) as BenchDocument;
    writePlots(dirname(resolve(ROOT, replot)), doc.runs);
    return;
  }
  const quick = process.argv.includes('--quick');
  const seed = Number(arg('--seed') ?? 42) >>> 0;
  const jobs = Number(arg('--jobs') ?? 2);
  const out = resolve(ROOT, arg('--out') ?? 'bench-results');
  const tasks = matrix(seed, quick);
  const started = performance.now();
  console.log(
    `pulsemesh detector benchmark: seed ${seed}, ${quick ? 'quick' : 'full'} run, ${tasks.length} runs on ${jobs} worker(s)`,
  );
  console.log(`strategies: ${STRATEGY_KEYS.join(', ')}; profiles: ${Object.keys(profiles).join(', ')}`);
  console.log(
    `reproduce: node --conditions=source --import tsx packages/sim/bin/bench.ts --seed ${seed}${quick ? ' --quick' : ''}\n`,
  );
  const runs = await runAll(tasks, jobs, quick);
  console.log(`\n${formatTable(runs)}\n`);
  const floors = evaluateFloors(runs);
  console.log(`Floors (issue 4), measured:\n${formatFloors(floors)}\n`);
  const doc: BenchDocument = {
    commit: gitCommit(),
    seed,
    quick,
    generatedBy: `node --conditions=source --import tsx packages/sim/bin/bench.ts --seed ${seed}${quick ? ' --quick' : ''}`,
    notes: [
      'Times in ms; bytes are detector payload bytes (no UDP/DTLS/SCTP headers), counted after a 10 s warm-up.',
      'Simulated durations shrink with N to fit a ~10 minute budget on 2 cores (each run reports simSeconds and nodeHours); N is never reduced.',
      `pulsemesh at N=1000 runs on a random mesh of degree ${PULSEMESH_MESH_DEGREE} (topology field); the baselines run on a full mesh (UDP-like reachability, as designed). The N=10,000 scale run is pulsemesh:browser with membersMax=64 on a random mesh of degree 16.`,
      'detectionAllMs: crash → failed at every live peer that trusted or suspected the node at the crash; undetectedAll counts crashes where that did not happen before restart or the end.',
      'falseFailed/falseSuspected: transitions about a peer that was up (partitioned, stalled and clamped peers are up).',
    ],
    floors,
    runs,
  };
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'detector.json'), `${JSON.stringify(doc, null, 1)}\n`);
  writePlots(out, runs);
  const wall = (performance.now() - started) / 1000;
  console.log(
    `wrote ${join(out, 'detector.json')} and 3 SVG plots; ${runs.length} runs in ${wall.toFixed(1)} s wall`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
