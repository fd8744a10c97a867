/**
 * The detector benchmark's floors: declarative specs evaluated on a benchmark document's runs,
 * enforced by `pnpm bench:check` (never asserted in a unit test: they are timed claims about a full
 * run). Nothing can flatter a floor: a detection floor needs zero undetected crashes (they are +∞
 * samples anyway), a tail is the p99 only over ≥ 100 samples and the max below that (the label says
 * which), and a comparison across N holds the topology fixed.
 *
 * Floors judge the default (`preset: "default"`); while the runs have no default preset, every
 * pulsemesh preset is judged.
 */
import { type Percentiles, tailOf } from './metrics.js';
import { SCALE_WALL_SECONDS_MAX, type ScalePoint } from './scale.js';
import type { RunResult } from './scenario.js';

/** One floor's verdict for one preset (null: the runs it needs are missing). */
export interface FloorResult {
  /** Stable key of the floor spec. */
  id: string;
  floor: string;
  preset: string;
  pass: boolean | null;
  measured: string;
}

/** What floors are evaluated on: a benchmark document's `runs` and `scale`. */
export interface FloorInput {
  runs: readonly RunResult[];
  scale?: readonly ScalePoint[] | undefined;
}

/** A floor: a promise and how to judge it for one preset. */
export interface FloorSpec {
  id: string;
  floor: string;
  /** Judged once, not per preset (e.g. the scale floor, which has its own strategy). */
  once?: boolean;
  judge(input: FloorInput, preset: string): { pass: boolean | null; measured: string };
}

/** Degree of the random mesh every pulsemesh run uses at N ≥ 1000, and the bytes series at every N. */
export const MESH_DEGREE = 32;
/** The bytes floor's one topology across N (a complete graph at N ≤ 33). */
export const BYTES_TOPOLOGY = `random-${MESH_DEGREE}`;

/** The run of `strategy` on `profile` at `n` (and `preset`/`topology` when given). */
export function findRun(
  runs: readonly RunResult[],
  q: { strategy: string; profile: string; n: number; preset?: string; topology?: string },
): RunResult | undefined {
  return runs.find(
    (r) =>
      r.strategy === q.strategy &&
      r.profile === q.profile &&
      r.n === q.n &&
      (q.preset === undefined || r.preset === q.preset) &&
      (q.topology === undefined || r.topology === q.topology),
  );
}

/** The pulsemesh presets floors judge: `default` if present, else every preset (matrix sizes only). */
export function judgedPresets(runs: readonly RunResult[]): string[] {
  const presets = [
    ...new Set(runs.filter((r) => r.strategy === 'pulsemesh' && r.n <= 1000).map((r) => r.preset)),
  ];
  return presets.includes('default') ? ['default'] : presets;
}

/** `1,234 ms`, `∞` for a censored tail, `-` for none. */
export function ms(v: number | null): string {
  return v === null ? '-' : v === Infinity ? '∞' : `${Math.round(v).toLocaleString('en')} ms`;
}

/**
 * A timing floor on one run's percentiles: p50 ≤ `p50MaxMs`, tail (p99, or max under 100 samples)
 * ≤ `tailMaxMs`, no censored sample, at least `samplesMin` samples.
 */
export function timingFloor(spec: {
  id: string;
  floor: string;
  profile: string;
  n: number;
  metric: 'detectionAllMs' | 'detectionFirstMs' | 'disseminationMs';
  p50MaxMs?: number;
  tailMaxMs: number;
  samplesMin?: number;
  topology?: string;
}): FloorSpec {
  return {
    id: spec.id,
    floor: spec.floor,
    judge({ runs }, preset) {
      const run = findRun(runs, {
        strategy: 'pulsemesh',
        profile: spec.profile,
        n: spec.n,
        preset,
        ...(spec.topology === undefined ? {} : { topology: spec.topology }),
      });
      if (!run) return { pass: null, measured: 'no run' };
      const p: Percentiles = run[spec.metric];
      const tail = tailOf(p);
      const pass =
        p.count >= (spec.samplesMin ?? 1) &&
        p.censored === 0 &&
        (spec.p50MaxMs === undefined || (p.p50 ?? Infinity) <= spec.p50MaxMs) &&
        (tail.value ?? Infinity) <= spec.tailMaxMs;
      return {
        pass,
        measured: `p50 ${ms(p.p50)}, ${tail.label} ${ms(tail.value)}; ${typeof p.censored === 'number' ? p.censored : 'not measured:'} censored (+∞) (${run.topology})`,
      };
    },
  };
}

const lanDetection = timingFloor({
  id: 'lan-100-detection',
  floor: 'lan N=100: crash → failed at every live peer p50 ≤ 1.5 s, p99 ≤ 3 s, 0 undetected',
  profile: 'lan',
  n: 100,
  metric: 'detectionAllMs',
  p50MaxMs: 1500,
  tailMaxMs: 3000,
});

const hostile: FloorSpec = {
  id: 'hostile-100-false',
  floor:
    'hostile-browser N=100, ≥ 100 node-hours: 0 false failed; false suspected ≤ 1/10 of swim, counted both as observer transitions and as first-hand accusations',
  judge({ runs }, preset) {
    const r = findRun(runs, { strategy: 'pulsemesh', profile: 'hostile-browser', n: 100, preset });
    const swim = findRun(runs, { strategy: 'swim', profile: 'hostile-browser', n: 100 });
    if (!r || !swim) return { pass: null, measured: 'no run' };
    const pass =
      r.nodeHours >= 100 &&
      r.falseFailed === 0 &&
      r.falseSuspectedPerNodeHour * 10 <= swim.falseSuspectedPerNodeHour &&
      r.falseAccusationsPerNodeHour * 10 <= swim.falseAccusationsPerNodeHour;
    // A document older than a metric has no such field: "not measured", and the floor misses.
    const f = (x: number | undefined): string => (typeof x === 'number' ? x.toFixed(2) : 'not measured');
    return {
      pass,
      measured:
        `${r.nodeHours.toFixed(1)} node-hours, ${r.falseFailed} false failed; per node-hour: ` +
        `${f(r.falseSuspectedPerNodeHour)} suspected transitions (swim ${f(swim.falseSuspectedPerNodeHour)}), ` +
        `${f(r.falseAccusationsPerNodeHour)} first-hand accusations (swim ${f(swim.falseAccusationsPerNodeHour)})`,
    };
  },
};

const bytesFlat: FloorSpec = {
  id: 'lan-bytes-flat',
  floor: `lan: bytes/node/s max/min over N=10,100,1000 ≤ 1.5 on one topology (${BYTES_TOPOLOGY}), and ≤ 1/10 of seed at N=1000`,
  judge({ runs }, preset) {
    const at = [10, 100, 1000].map(
      (n) =>
        findRun(runs, { strategy: 'pulsemesh', profile: 'lan', n, preset, topology: BYTES_TOPOLOGY })
          ?.bytesPerNodePerSec.mean,
    );
    const seed = findRun(runs, { strategy: 'seed', profile: 'lan', n: 1000 });
    const known = at.filter((b): b is number => b !== undefined);
    if (known.length < 3 || !seed) return { pass: null, measured: 'no run' };
    const ratio = Math.max(...known) / Math.min(...known);
    return {
      pass: ratio <= 1.5 && (at[2] as number) * 10 <= seed.bytesPerNodePerSec.mean,
      measured: `${known.map((b) => b.toFixed(0)).join(' / ')} B/node/s (max/min ${ratio.toFixed(2)}); seed at N=1000: ${seed.bytesPerNodePerSec.mean.toFixed(0)}`,
    };
  },
};

const dissemination1000 = timingFloor({
  id: 'lan-1000-dissemination',
  floor:
    'lan N=1000: a membership change reaches every live peer within 2 s (p99 over ≥ 100 changes), none lost',
  profile: 'lan',
  n: 1000,
  metric: 'disseminationMs',
  tailMaxMs: 2000,
  samplesMin: 100,
});

/** Id of the scale floor (judged on `scale.json` when `detector.json` has no scale series). */
export const SCALE_FLOOR_ID = 'scale-10000';

const scale: FloorSpec = {
  id: SCALE_FLOOR_ID,
  floor: `scale: N=10,000 for 60 simulated s in ≤ ${SCALE_WALL_SECONDS_MAX} s wall (CPU time reported: the machine is shared)`,
  once: true,
  judge({ scale: points }) {
    const p = points?.find((x) => x.n === 10_000 && !x.strategy.startsWith('sim-only'));
    if (!p) return { pass: null, measured: 'no run' };
    return {
      pass: p.simSeconds >= 60 && p.wallSeconds <= SCALE_WALL_SECONDS_MAX,
      measured: `${p.simSeconds} s simulated in ${p.wallSeconds.toFixed(1)} s wall, ${p.cpuSeconds.toFixed(1)} s CPU (${p.strategy})`,
    };
  },
};

// Issue 13: the default with the signaling witness (decision 0013).
const witnessDetection = timingFloor({
  id: 'lan-100-witness',
  floor: 'lan N=100, crash with witness: failed at every live peer p50 ≤ 0.5 s, p99 ≤ 1 s, 0 undetected',
  profile: 'lan',
  n: 100,
  metric: 'detectionAllMs',
  p50MaxMs: 500,
  tailMaxMs: 1000,
  topology: 'full',
});

const hangDetection = timingFloor({
  id: 'hang-100-detection',
  floor: 'hang N=100 (no witness): failed at every live peer p50 ≤ 2 s, p99 ≤ 4 s, 0 undetected',
  profile: 'hang',
  n: 100,
  metric: 'detectionAllMs',
  p50MaxMs: 2000,
  tailMaxMs: 4000,
  topology: 'full',
});

const hangSparse = timingFloor({
  id: 'hang-1000-sparse',
  floor: `hang N=1000 on ${BYTES_TOPOLOGY}: failed at every live peer p50 ≤ 3 s, 0 undetected`,
  profile: 'hang',
  n: 1000,
  metric: 'detectionAllMs',
  p50MaxMs: 3000,
  tailMaxMs: Infinity,
  topology: BYTES_TOPOLOGY,
});

const hostileQuiet: FloorSpec = {
  id: 'hostile-100-quiet',
  floor:
    'hostile-browser N=100 with spurious signaling resets, ≥ 1,000 node-hours: 0 false failed, false suspected ≤ 1 per node-hour',
  judge({ runs }, preset) {
    const r = findRun(runs, { strategy: 'pulsemesh', profile: 'hostile-browser', n: 100, preset });
    if (!r) return { pass: null, measured: 'no run' };
    const w = r.witness;
    return {
      pass: r.nodeHours >= 1000 && r.falseFailed === 0 && r.falseSuspectedPerNodeHour <= 1,
      measured:
        `${r.nodeHours.toFixed(0)} node-hours, ${r.falseFailed} false failed, ` +
        `${r.falseSuspectedPerNodeHour.toFixed(2)} false suspected/node-hour; ` +
        (w ? `${w.spuriousResets} spurious resets (${w.resetsDuringStalls} during stalls)` : 'no witness'),
    };
  },
};

const bytesVsSwim: FloorSpec = {
  id: 'lan-100-bytes-vs-swim',
  floor: 'lan N=100 (full mesh): bytes/node/s ≤ 1.5 × swim in the same run',
  judge({ runs }, preset) {
    const r = findRun(runs, { strategy: 'pulsemesh', profile: 'lan', n: 100, preset, topology: 'full' });
    const swim = findRun(runs, { strategy: 'swim', profile: 'lan', n: 100 });
    if (!r || !swim) return { pass: null, measured: 'no run' };
    const ratio = r.bytesPerNodePerSec.mean / swim.bytesPerNodePerSec.mean;
    return {
      pass: ratio <= 1.5,
      measured: `${r.bytesPerNodePerSec.mean.toFixed(0)} vs swim ${swim.bytesPerNodePerSec.mean.toFixed(0)} B/node/s (${ratio.toFixed(2)}×)`,
    };
  },
};

/** Every floor of the detector benchmark, in report order. */
export const FLOORS: FloorSpec[] = [
  lanDetection,
  witnessDetection,
  hangDetection,
  hangSparse,
  hostile,
  hostileQuiet,
  bytesFlat,
  bytesVsSwim,
  dissemination1000,
  scale,
];

/** Evaluates `floors` for each judged preset (once for `once` floors). */
export function evaluateFloors(input: FloorInput, floors: readonly FloorSpec[] = FLOORS): FloorResult[] {
  const out: FloorResult[] = [];
  const presets = judgedPresets(input.runs);
  for (const spec of floors) {
    if (spec.once === true) {
      const v = spec.judge(input, '');
      out.push({ id: spec.id, floor: spec.floor, preset: '-', ...v });
      continue;
    }
    if (presets.length === 0)
      out.push({ id: spec.id, floor: spec.floor, preset: '-', pass: null, measured: 'no run' });
    for (const preset of presets)
      out.push({ id: spec.id, floor: spec.floor, preset, ...spec.judge(input, preset) });
  }
  return out;
}

/** Floors as printable lines. */
export function formatFloors(floors: readonly FloorResult[]): string {
  return floors
    .map(
      (f) =>
        `${f.pass === null ? 'n/a ' : f.pass ? 'PASS' : 'MISS'}  ${f.preset === '-' ? '' : `pulsemesh:${f.preset}  `}${f.floor}\n      measured: ${f.measured}`,
    )
    .join('\n');
}
