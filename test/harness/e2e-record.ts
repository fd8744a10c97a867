// Measured times of the end-to-end run, written to bench-results/e2e.json. The tests assert
// behaviour with generous bounds; these numbers are reported, not asserted.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';

/** One scenario's numbers. */
export interface E2eEntry {
  scenario: string;
  /** What one sample is (e.g. "one observing tab's UI"). */
  sample: string;
  samples: number;
  ms: { p50: number; max: number };
  samplesMs: number[];
  /** `failed` shown for a peer that was not a victim, counted over the scenario. */
  falseFailed?: number;
  note?: string;
}

/** Collects entries and writes them with the commit and the run's duration. */
export class E2eRecord {
  readonly entries: E2eEntry[] = [];
  /** Monotonic (`performance.now()`): a step of the wall clock does not change the run's duration. */
  readonly #startedMs = performance.now();
  readonly #loadAtStart = loadavg()[0] as number;

  add(scenario: string, sample: string, measuredMs: number[], extra: Partial<E2eEntry> = {}): E2eEntry {
    // Whole ms: the harness's monotonic clock (`performance.now()`) has fractions.
    const samplesMs = measuredMs.map(Math.round);
    const sorted = [...samplesMs].sort((a, b) => a - b);
    const entry: E2eEntry = {
      scenario,
      sample,
      samples: sorted.length,
      ms: { p50: sorted[Math.floor((sorted.length - 1) / 2)] ?? 0, max: sorted.at(-1) ?? 0 },
      samplesMs,
      ...extra,
    };
    this.entries.push(entry);
    console.log(
      `[e2e] ${scenario}: p50 ${entry.ms.p50} ms, max ${entry.ms.max} ms (${entry.samples} × ${sample})`,
    );
    return entry;
  }

  /** Writes `bench-results/e2e.json` (only when at least one scenario was measured). */
  write(setup: Record<string, unknown>): void {
    if (this.entries.length === 0) return;
    const dir = new URL('../../bench-results/', import.meta.url);
    mkdirSync(dir, { recursive: true });
    const report = {
      commit: commit(),
      date: new Date().toISOString(),
      durationS: Math.round((performance.now() - this.#startedMs) / 1000),
      command: 'bash scripts/netns.sh vitest run test/demo.e2e.test.ts',
      // The machine is shared: its 1-minute load average when the run started and ended.
      loadAverage1m: { start: this.#loadAtStart, end: loadavg()[0] as number },
      setup,
      scenarios: this.entries,
    };
    writeFileSync(new URL('e2e.json', dir), `${JSON.stringify(report, null, 2)}\n`);
  }
}

function commit(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
      encoding: 'utf8',
    }).trim();
    return dirty ? `${head}+dirty` : head;
  } catch (error) {
    return `unknown (${String(error)})`;
  }
}
