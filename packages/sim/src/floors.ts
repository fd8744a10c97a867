/**
 * The floors issue 4 sets for `pulsemesh`, evaluated on benchmark results: measured, reported,
 * never asserted in a unit test.
 */
import type { RunResult } from './scenario.js';

/** One floor's verdict. */
export interface FloorResult {
  floor: string;
  preset: string;
  pass: boolean | null;
  measured: string;
}

const find = (
  runs: RunResult[],
  strategy: string,
  profile: string,
  n: number,
  preset?: string,
): RunResult | undefined =>
  runs.find(
    (r) =>
      r.strategy === strategy &&
      r.profile === profile &&
      r.n === n &&
      (preset === undefined || r.preset === preset),
  );

/** Evaluates every floor for each pulsemesh preset present in `runs` (null: the runs are missing). */
export function evaluateFloors(runs: RunResult[]): FloorResult[] {
  const presets = [
    ...new Set(runs.filter((r) => r.strategy === 'pulsemesh' && r.n <= 1000).map((r) => r.preset)),
  ];
  const out: FloorResult[] = [];
  for (const preset of presets) {
    const lan100 = find(runs, 'pulsemesh', 'lan', 100, preset);
    out.push({
      floor: 'lan N=100: crash → failed at every live peer p50 ≤ 1.5 s, p99 ≤ 3 s',
      preset,
      pass: lan100
        ? (lan100.detectionAllMs.p50 ?? Infinity) <= 1500 && (lan100.detectionAllMs.p99 ?? Infinity) <= 3000
        : null,
      measured: lan100
        ? `p50 ${ms(lan100.detectionAllMs.p50)}, p99 ${ms(lan100.detectionAllMs.p99)} (${lan100.detectionAllMs.count} crashes, ${lan100.undetectedAll} undetected)`
        : 'no run',
    });
    const hostile = find(runs, 'pulsemesh', 'hostile-browser', 100, preset);
    const swimHostile = find(runs, 'swim', 'hostile-browser', 100);
    out.push({
      floor: 'hostile-browser N=100, ≥ 100 node-hours: zero false failed; false suspected ≤ 1/10 of swim',
      preset,
      pass:
        hostile && swimHostile
          ? hostile.nodeHours >= 100 &&
            hostile.falseFailed === 0 &&
            hostile.falseSuspectedPerNodeHour * 10 <= swimHostile.falseSuspectedPerNodeHour
          : null,
      measured:
        hostile && swimHostile
          ? `${hostile.nodeHours.toFixed(1)} node-hours, ${hostile.falseFailed} false failed, ${hostile.falseSuspectedPerNodeHour.toFixed(2)} false suspected/node-hour vs swim ${swimHostile.falseSuspectedPerNodeHour.toFixed(2)}`
          : 'no run',
    });
    const bytes = [10, 100, 1000].map(
      (n) => find(runs, 'pulsemesh', 'lan', n, preset)?.bytesPerNodePerSec.mean,
    );
    const seed1000 = find(runs, 'seed', 'lan', 1000);
    const known = bytes.filter((b): b is number => b !== undefined);
    const ratio = known.length === 3 ? Math.max(...known) / Math.min(...known) : NaN;
    out.push({
      floor: 'lan: bytes/node/s max/min over N=10,100,1000 ≤ 1.5, and far below seed at N=1000 (≤ 1/10)',
      preset,
      pass:
        known.length === 3 && seed1000
          ? ratio <= 1.5 && (bytes[2] as number) * 10 <= seed1000.bytesPerNodePerSec.mean
          : null,
      measured:
        known.length === 3
          ? `${known.map((b) => b.toFixed(0)).join(' / ')} B/node/s (ratio ${ratio.toFixed(2)}); seed at N=1000: ${seed1000?.bytesPerNodePerSec.mean.toFixed(0) ?? '-'}`
          : 'no run',
    });
    const lan1000 = find(runs, 'pulsemesh', 'lan', 1000, preset);
    out.push({
      floor: 'lan N=1000: a membership change reaches every live peer within 2 s (dissemination p99)',
      preset,
      pass: lan1000 ? (lan1000.disseminationMs.p99 ?? Infinity) <= 2000 : null,
      measured: lan1000
        ? `p50 ${ms(lan1000.disseminationMs.p50)}, p99 ${ms(lan1000.disseminationMs.p99)} (${lan1000.disseminationMs.count} changes, ${lan1000.topology})`
        : 'no run',
    });
  }
  return out;
}

function ms(v: number | null): string {
  return v === null ? '-' : `${Math.round(v)} ms`;
}

/** Floors as printable lines. */
export function formatFloors(floors: FloorResult[]): string {
  return floors
    .map(
      (f) =>
        `${f.pass === null ? 'n/a ' : f.pass ? 'PASS' : 'MISS'}  pulsemesh:${f.preset}  ${f.floor}\n      measured: ${f.measured}`,
    )
    .join('\n');
}
