/**
 * The benchmark's readable table and its JSON document (shape given in issue 4; extra fields kept).
 */
import type { FloorResult } from './floors.js';
import type { Percentiles } from './metrics.js';
import type { ScalePoint } from './scale.js';
import type { RunResult } from './scenario.js';

/** The `bench-results/detector.json` document. */
export interface BenchDocument {
  commit: string;
  /** The tree had uncommitted changes to tracked files when the run started (absent in older files). */
  dirty?: boolean;
  /**
   * The source the run loaded (absent in older files): SHA-256 over core's and sim's non-test
   * `src/` files, and whether core resolved outside the checkout of `commit` (then `dirty` is
   * true too). Two files with the same hash and seed ran the same code (decision 0046).
   */
  code?: { sourceSha256: string; coreOutsideRoot: boolean };
  seed: number;
  quick: boolean;
  generatedBy: string;
  notes: string[];
  floors: FloorResult[];
  runs: RunResult[];
  /** The scale series: wall time, events/s and live memory against N (absent in quick runs). */
  scale?: ScalePoint[];
  /** Calibration runs on loopback (`calibration.ts`), next to real processes in `real-peers.json`. */
  calibration?: RunResult[];
}

/**
 * A benchmark document as JSON text: 1-space indent, `Infinity` (a censored sample) written as the
 * string "Infinity", since JSON has no infinity and `null` already means "no samples".
 */
export function benchJson(doc: unknown): string {
  return `${JSON.stringify(doc, (_k, v: unknown) => (v === Infinity ? 'Infinity' : v), 1)}\n`;
}

/** Parses what {@link benchJson} wrote (the string "Infinity" back to the number). */
export function parseBenchJson(text: string): unknown {
  return JSON.parse(text, (_k, v: unknown) => (v === 'Infinity' ? Infinity : v));
}

const fmtMs = (v: number | null): string =>
  v === null ? '-' : v === Infinity ? '∞' : v >= 10_000 ? `${(v / 1000).toFixed(1)}s` : `${Math.round(v)}ms`;
/** The p99, or `max` marked with `*` when there are fewer than 100 samples. */
const fmtTail = (p: Percentiles): string =>
  p.p99 !== null ? fmtMs(p.p99) : p.max === null ? '-' : `${fmtMs(p.max)}*`;
const fmtRate = (v: number): string =>
  v === 0 ? '0' : v >= 100 ? v.toFixed(0) : v >= 1 ? v.toFixed(1) : v.toFixed(3);

/**
 * One line per run, grouped by profile and N, aligned. A tail marked `*` is the max (fewer than
 * 100 samples); `∞` is a censored sample (undetected crash, undelivered change).
 */
export function formatTable(runs: RunResult[]): string {
  const header = [
    'profile',
    'n',
    'strategy',
    'topo',
    'simS',
    'nodeH',
    'crash',
    'TD1st p50',
    'TDall p50',
    'TDall p99',
    'undet',
    'falseFail',
    'falseSusp/nh',
    'accuse/nh',
    'T_M',
    'P_A',
    'B/node/s',
    'B max',
    'dissem p99',
    'heal→ok',
    'wall',
  ];
  const rows = runs.map((r) => [
    r.profile,
    String(r.n),
    r.preset === 'default' || r.preset === 'lan-defaults' ? r.strategy : `${r.strategy}:${r.preset}`,
    r.topology,
    String(r.simSeconds),
    r.nodeHours.toFixed(1),
    String(r.crashes),
    fmtMs(r.detectionFirstMs.p50),
    fmtMs(r.detectionAllMs.p50),
    fmtTail(r.detectionAllMs),
    String(r.undetectedAll),
    String(r.falseFailed),
    fmtRate(r.falseSuspectedPerNodeHour),
    fmtRate(r.falseAccusationsPerNodeHour),
    fmtMs(r.mistakeDurationMs),
    r.queryAccuracy === null ? '-' : r.queryAccuracy.toFixed(5),
    fmtRate(r.bytesPerNodePerSec.mean),
    fmtRate(r.bytesPerNodePerSec.max),
    fmtTail(r.disseminationMs),
    r.convergenceMs.length === 0
      ? ''
      : r.convergenceMs.map((c) => (c === null ? 'never' : fmtMs(c))).join(','),
    `${r.wallSeconds.toFixed(1)}s`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] as string).length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padStart(widths[i] as number)).join('  ');
  const out = [line(header), widths.map((w) => '-'.repeat(w)).join('  ')];
  let last = '';
  for (const row of rows) {
    const group = `${row[0]}/${row[1]}`;
    if (last && group !== last) out.push('');
    last = group;
    out.push(line(row));
  }
  return out.join('\n');
}
