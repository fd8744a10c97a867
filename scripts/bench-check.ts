/**
 * pnpm bench:check: judges the committed benchmark results. For every bench-results/*.json it prints
 * whether the result is fresh (the commit recorded in the file contains the last commit that touched
 * the code it measures, or that code is byte-identical at both commits; tests and docs aside) and every floor's verdict (the detector's floors are
 * recomputed from its runs, not read from the file). Exits 1 on a missed or unjudgeable floor, a
 * stale result, a result without a commit, or a result file nobody registered here.
 *
 *   node --conditions=source --import tsx scripts/bench-check.ts [--dir bench-results]
 *
 * Results must be generated from a clean, committed tree and committed in a commit of their own
 * (code committed together with its results would postdate them).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  evaluateFloors,
  type FloorResult,
  formatFloors,
  SCALE_FLOOR_ID,
} from '../packages/sim/src/floors.js';
import { type BenchDocument, parseBenchJson } from '../packages/sim/src/report.js';
import { calibrationTable, type RealConfig } from '../packages/sim/src/calibration.js';
import { git } from './bench-provenance.js';
import { importClosure } from './import-closure.js';
import { meshFloors, type MeshEntry } from './bench-mesh.floors.js';

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
  /**
   * For a file made of sections written by separate runs: the current sections, each judged by
   * the commit it records (the others are kept for comparison, e.g. "before the new defaults").
   */
  sections?: string[];
}

const stored = (doc: unknown): FloorResult[] => {
  const floors = (doc as { floors?: StoredFloor[] } | null)?.floors ?? [];
  return floors.map((f) => ({ id: f.id ?? f.floor, preset: f.preset ?? '-', ...f }));
};

// A simulated result measures the source files its benchmark loads (core and sim, not the real
// runtimes: core's runtime.ts is the browsers' and Node's timer loop, which the simulator replaces).
const DETECTOR = importClosure(ROOT, ['packages/sim/bin/bench.ts']);
const SIGNAL = ['packages/signal/src', 'packages/signal-server/src', 'apps/signal-server/src'];
const MESH = ['packages/core/src', 'packages/webrtc/src', 'apps/edge-peer/src', ...SIGNAL];

/** Every result file, by name. A new benchmark registers its file here. */
export const RESULTS: Record<string, ResultKind> = {
  'detector.json': {
    measures: DETECTOR,
    floors: (doc) => {
      const d = doc as BenchDocument;
      const floors = evaluateFloors({ runs: d.runs, scale: d.scale });
      // A matrix run with --no-scale leaves the scale floor to scale.json (judged there).
      return (d.scale ?? []).length === 0 ? floors.filter((f) => f.id !== SCALE_FLOOR_ID) : floors;
    },
  },
  // The scale series alone (`bench.ts --scale`, one point at a time), judged on the scale floor only.
  'scale.json': {
    measures: DETECTOR,
    floors: (doc) => {
      const d = doc as BenchDocument;
      return evaluateFloors({ runs: [], scale: d.scale }).filter((f) => f.pass !== null);
    },
  },
  // One long run (the default on hostile-browser for ≥ 1,000 node-hours, decision 0013): judged on
  // the floors it has the runs for; the full detector.json holds the same run and judges them all.
  'detector-hostile-default.json': {
    measures: DETECTOR,
    floors: (doc) => {
      const d = doc as BenchDocument;
      return evaluateFloors({ runs: d.runs, scale: d.scale }).filter((f) => f.pass !== null);
    },
  },
  'real-peers.json': {
    measures: [...MESH, 'bench/memberlist', 'scripts/bench-real-peers.ts', 'scripts/bench-real-peers'],
    floors: stored,
  },
  // The edge-peer cost floor alone (scripts/bench-edge-cost.ts): the issue's RSS floor and its USS restatement.
  'edge-cost.json': {
    measures: [...MESH, 'bench/memberlist', 'scripts/bench-edge-cost.ts', 'scripts/bench-real-peers'],
    floors: stored,
  },
  'mesh.json': {
    measures: [
      ...MESH,
      'packages/elements/src',
      'scripts/bench-mesh.ts',
      'scripts/bench-mesh.page.ts',
      'scripts/bench-mesh.peers.ts',
      'scripts/bench-mesh.scenarios.ts',
    ],
    floors: (doc) => meshFloors(doc as MeshEntry[]),
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
  // Signed membership's bytes on the wire (simulator, lan N = 100, with and without trust).
  'trust.json': {
    measures: importClosure(ROOT, ['scripts/bench-trust.ts']),
    floors: () => [],
  },
  'field.json': {
    measures: [
      ...MESH,
      'packages/elements/src',
      'scripts/bench-field.ts',
      'scripts/bench-field',
      'test/field.e2e.test.ts',
      'test/field',
    ],
    floors: stored,
    // `renewal` too: its floor (`field-renewal`) is judged from that section, so it must be fresh.
    sections: ['detect', 'turnKill', 'soak', 'renewal'],
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

/** Where a result came from, as a file (or one of its sections) records it. */
interface Recorded {
  /** `file`, or the section's name. */
  where: string;
  commit: string | undefined;
  /** The tree had uncommitted changes when it ran (the commit does not describe the code measured). */
  dirty: boolean;
}

function recordedAt(where: string, holder: unknown): Recorded {
  const h = (holder ?? {}) as { commit?: unknown; dirty?: unknown };
  const c = typeof h.commit === 'string' && h.commit.length > 0 ? h.commit : undefined;
  // e2e.json's older writer marks a dirty tree with a `+dirty` suffix on a short hash.
  const suffixed = c?.endsWith('+dirty') === true;
  return { where, commit: suffixed ? c?.slice(0, -'+dirty'.length) : c, dirty: h.dirty === true || suffixed };
}

/** What a result file records: the top level, every entry of a list-shaped file, or each current section. */
export function recorded(doc: unknown, sections?: string[]): Recorded[] {
  if (sections !== undefined)
    return sections.map((s) => recordedAt(s, (doc as Record<string, unknown> | null)?.[s]));
  if (Array.isArray(doc)) {
    // One line per distinct origin (a list written by one run records the same commit in each entry).
    const byOrigin = new Map<string, Recorded & { entries: number[] }>();
    doc.forEach((e, i) => {
      const r = recordedAt('', e);
      const key = `${r.commit ?? ''}/${r.dirty}`;
      const seen = byOrigin.get(key) ?? { ...r, entries: [] };
      seen.entries.push(i);
      byOrigin.set(key, seen);
    });
    return [...byOrigin.values()].map(({ entries, ...r }) => ({
      ...r,
      where: entries.length === doc.length ? 'every entry' : `entries ${entries.join(', ')}`,
    }));
  }
  return [recordedAt('file', doc)];
}

/** Test helpers outside `*.test.ts`: each package's tsconfig.build.json and package.json "files" leave them out. */
const TEST_ONLY_HELPERS = [
  'packages/core/src/test-network.ts',
  'packages/core/src/test-sparse.ts',
  'packages/core/src/test-witness.ts',
  'packages/core/src/test-review-s15.ts',
  'packages/webrtc/src/test-*.ts',
  'packages/webrtc/src/testing.ts',
  'packages/webrtc/src/*test-support.ts',
  'packages/signal-server/src/test-support.ts',
];

/** Fresh when `recorded` contains the last commit touching `paths` (tests and Markdown aside). */
export function freshness(recorded: string | undefined, paths: string[]): { fresh: boolean; why: string } {
  if (recorded === undefined) return { fresh: false, why: 'no commit recorded in the file' };
  let full: string;
  try {
    full = git(['rev-parse', '--verify', '--quiet', `${recorded}^{commit}`]);
  } catch {
    return { fresh: false, why: `recorded commit ${recorded} is not in this repository's history` };
  }
  const pathspec = [
    ...paths,
    ':(exclude,glob)**/*.test.ts',
    ':(exclude,glob)**/*.md',
    // Test-only helpers that the packages' builds leave out (their tsconfig.build.json and "files"):
    // they cannot change what a benchmark measures.
    ...TEST_ONLY_HELPERS.map((f) => `:(exclude,glob)${f}`),
  ];
  const last = git(['log', '-1', '--format=%H', 'HEAD', '--', ...pathspec]);
  if (last === '') return { fresh: true, why: 'measured code not in history' };
  // The measured code as it is now, byte for byte: fresh, even if later commits (merges of other
  // branches that bring nothing new here) touched those paths.
  if (git(['diff', '--name-only', full, 'HEAD', '--', ...pathspec]) === '')
    return {
      fresh: true,
      why: `generated at ${full.slice(0, 10)}; the code it measures is unchanged since (git diff, tests and docs aside)`,
    };
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
    const origins = recorded(doc, kind.sections);
    let stale = false;
    for (const o of origins) {
      const f = o.dirty
        ? { fresh: false, why: `generated from a tree with uncommitted changes (at ${o.commit ?? '?'})` }
        : freshness(o.commit, kind.measures);
      const label = origins.length > 1 || o.where !== 'file' ? `${o.where}: ` : '';
      console.log(`${f.fresh ? 'FRESH' : 'STALE'}  ${label}${f.why}`);
      stale ||= !f.fresh;
    }
    if (stale) bad++;
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
