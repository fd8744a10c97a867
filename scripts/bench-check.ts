/**
 * pnpm bench:check: judges the committed benchmark results. For every bench-results/*.json it prints
 * whether the result is fresh (the commit recorded in the file contains the last commit that touched
 * the code it measures, tests and docs aside) and every floor's verdict (the detector's floors are
 * recomputed from its runs, not read from the file). Exits 1 on a missed or unjudgeable floor, a
 * stale result, a result without a commit, or a result file nobody registered here.
 *
 *   node --conditions=source --import tsx scripts/bench-check.ts [--dir bench-results]
 *
 * Results must be generated from a clean, committed tree and committed in a commit of their own
 * (code committed together with its results would postdate them).
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { evaluateFloors, type FloorResult, formatFloors } from '../packages/sim/src/floors.js';
import { type BenchDocument, parseBenchJson } from '../packages/sim/src/report.js';
import { calibrationTable, type RealConfig } from '../packages/sim/src/calibration.js';

const ROOT = resolve(fileURLToPath(import.meta.url), '../..');

/** A floor verdict as a result file stores it (real-peers.json and others). */
interface StoredFloor {
  floor: string;
  pass: boolean | null;
  measured: string;
  id?: string;
  preset?: string;
}

/** What each result file measures (paths whose source changes make it stale) and how to judge its floors. */
interface ResultKind {
  measures: string[];
  floors(doc: unknown): FloorResult[];
}

const stored = (doc: unknown): FloorResult[] => {
  const floors = (doc as { floors?: StoredFloor[] } | null)?.floors ?? [];
  return floors.map((f) => ({ id: f.id ?? f.floor, preset: f.preset ?? '-', ...f }));
};

const SIGNAL = ['packages/signal/src', 'packages/signal-server/src', 'apps/signal-server/src'];
const MESH = ['packages/core/src', 'packages/webrtc/src', 'apps/edge-peer/src', ...SIGNAL];

/** Every result file, by name. A new benchmark registers its file here. */
export const RESULTS: Record<string, ResultKind> = {
  'detector.json': {
    measures: ['packages/core/src', 'packages/sim/src', 'packages/sim/bin'],
    floors: (doc) => {
      const d = doc as BenchDocument;
      return evaluateFloors({ runs: d.runs, scale: d.scale });
    },
  },
  'real-peers.json': {
    measures: [...MESH, 'bench/memberlist', 'scripts/bench-real-peers.ts', 'scripts/bench-real-peers'],
    floors: stored,
  },
  'mesh.json': {
    measures: [
      ...MESH,
      'packages/elements/src',
      'scripts/bench-mesh.ts',
      'scripts/bench-mesh.page.ts',
      'scripts/bench-mesh.peers.ts',
    ],
    floors: stored,
  },
  'signal.json': {
    measures: [...SIGNAL, 'scripts/bench-signal.ts', 'scripts/bench-signal.clients.ts'],
    floors: stored,
  },
  'signal-redis.json': {
    measures: [...SIGNAL, 'scripts/bench-signal.ts', 'scripts/bench-signal.clients.ts'],
    floors: stored,
  },
  'identity.json': {
    measures: [
      'packages/core/src/peer-id.ts',
      'packages/webrtc/src/identity.ts',
      'scripts/bench-identity.ts',
      'scripts/bench-identity.page.ts',
    ],
    floors: stored,
  },
  'field.json': {
    measures: [
      ...MESH,
      'packages/elements/src',
      'scripts/bench-field.ts',
      'test/field.e2e.test.ts',
      'test/field',
    ],
    floors: stored,
  },
  'attach.json': {
    measures: [...MESH, 'apps/demo/src/notes.ts', 'apps/demo/stack', 'scripts/bench-attach.ts'],
    floors: stored,
  },
  'e2e.json': {
    measures: [...MESH, 'packages/elements/src', 'apps/demo/src', 'test/demo.e2e.test.ts', 'test/harness'],
    floors: stored,
  },
};

function git(args: string[]): string {
  return execFileSync('git', args, {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  }).trim();
}

/** The commit a result file records (a list-shaped file: its first entry's), or undefined. */
function recordedCommit(doc: unknown): string | undefined {
  const holder = Array.isArray(doc) ? (doc[0] as unknown) : doc;
  const c = (holder as { commit?: unknown } | null)?.commit;
  return typeof c === 'string' && c.length > 0 ? c : undefined;
}

/** Fresh when `recorded` contains the last commit touching `paths` (tests and Markdown aside). */
export function freshness(recorded: string | undefined, paths: string[]): { fresh: boolean; why: string } {
  if (recorded === undefined) return { fresh: false, why: 'no commit recorded in the file' };
  let full: string;
  try {
    full = git(['rev-parse', '--verify', '--quiet', `${recorded}^{commit}`]);
  } catch {
    return { fresh: false, why: `recorded commit ${recorded} is not in this repository's history` };
  }
  const pathspec = [...paths, ':(exclude,glob)**/*.test.ts', ':(exclude,glob)**/*.md'];
  const last = git(['log', '-1', '--format=%H', 'HEAD', '--', ...pathspec]);
  if (last === '') return { fresh: true, why: 'measured code not in history' };
  try {
    git(['merge-base', '--is-ancestor', last, full]);
    return {
      fresh: true,
      why: `generated at ${full.slice(0, 10)}, code last changed at ${last.slice(0, 10)}`,
    };
  } catch {
    const since = git(['rev-list', '--count', `${full}..HEAD`, '--', ...pathspec]);
    return {
      fresh: false,
      why: `generated at ${full.slice(0, 10)}; ${since} later commit(s) change the code it measures (last ${last.slice(0, 10)}: ${git(['log', '-1', '--format=%s', last]).slice(0, 80)})`,
    };
  }
}

/** The simulator beside the real processes (reported, not enforced: the aim is within ±10 %). */
function printCalibration(dir: string, files: string[]): void {
  if (!files.includes('detector.json') || !files.includes('real-peers.json')) return;
  const detector = parseBenchJson(readFileSync(join(dir, 'detector.json'), 'utf8')) as BenchDocument;
  const real = parseBenchJson(readFileSync(join(dir, 'real-peers.json'), 'utf8')) as {
    configs: RealConfig[];
  };
  const sim = detector.calibration ?? [];
  const preset = sim.some((r) => r.strategy === 'pulsemesh' && r.preset === 'default') ? 'default' : 'lan';
  console.log(
    '\n=== calibration: simulator vs real processes, crash → dead at every survivor, p50 (aim: ±10 %)',
  );
  for (const row of calibrationTable(sim, real.configs, preset))
    console.log(
      `N=${String(row.n).padEnd(3)} loss ${String(row.lossPct).padStart(2)} %  ${row.real.padEnd(26)} ${String(row.realAllP50Ms).padStart(6)} ms   ${row.sim.padEnd(15)} ${row.simAllP50Ms === null ? '     -' : String(Math.round(row.simAllP50Ms)).padStart(6)} ms   sim/real ${row.ratioAll === null ? '-' : row.ratioAll.toFixed(2)} (first ${row.ratioFirst === null ? '-' : row.ratioFirst.toFixed(2)})`,
    );
}

function main(): number {
  const i = process.argv.indexOf('--dir');
  const dir = resolve(ROOT, i >= 0 ? (process.argv[i + 1] ?? 'bench-results') : 'bench-results');
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort();
  let bad = 0;
  for (const file of files) {
    const kind = RESULTS[file];
    console.log(`\n=== ${file}`);
    if (kind === undefined) {
      console.log('UNKNOWN  no entry in scripts/bench-check.ts RESULTS: what code does it measure?');
      bad++;
      continue;
    }
    const doc = parseBenchJson(readFileSync(join(dir, file), 'utf8'));
    const f = freshness(recordedCommit(doc), kind.measures);
    console.log(`${f.fresh ? 'FRESH' : 'STALE'}  ${f.why}`);
    if (!f.fresh) bad++;
    const floors = kind.floors(doc);
    if (floors.length > 0) console.log(formatFloors(floors));
    else console.log('(no floors)');
    bad += floors.filter((x) => x.pass !== true).length;
  }
  for (const file of Object.keys(RESULTS))
    if (!files.includes(file)) console.log(`\n=== ${file}\n(absent: not judged)`);
  printCalibration(dir, files);
  console.log(
    `\nbench:check: ${bad === 0 ? 'every result fresh and every floor met' : `${bad} problem(s): stale results or missed floors above`}`,
  );
  return bad === 0 ? 0 : 1;
}

process.exitCode = main();
