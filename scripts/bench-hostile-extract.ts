/**
 * Writes bench-results/detector-hostile-default.json from bench-results/detector.json: its
 * hostile-browser pulsemesh-default N = 100 run (≥ 1,000 node-hours), with that run's floors. The
 * full regeneration already simulates it; running it again alone takes as long again on this shared
 * machine, and the simulator is deterministic, so it would give the same run:
 *
 *   node --conditions=source --import tsx packages/sim/bin/bench.ts --no-scale
 *   node --conditions=source --import tsx scripts/bench-hostile-extract.ts
 *
 * Refuses a detector.json that is not exactly one such run.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { evaluateFloors } from '../packages/sim/src/floors.js';
import { type BenchDocument, benchJson, parseBenchJson } from '../packages/sim/src/report.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const from = `${root}bench-results/detector.json`;
const d = parseBenchJson(readFileSync(from, 'utf8')) as BenchDocument;
const runs = d.runs.filter(
  (r) =>
    r.profile === 'hostile-browser' && r.n === 100 && r.strategy === 'pulsemesh' && r.preset === 'default',
);
if (runs.length !== 1) {
  console.error(`${from}: expected one hostile-browser pulsemesh-default N=100 run, found ${runs.length}`);
  process.exit(1);
}
const out: BenchDocument = {
  commit: d.commit,
  ...(d.dirty === undefined ? {} : { dirty: d.dirty }),
  seed: d.seed,
  quick: d.quick,
  generatedBy: `${d.generatedBy} (this file: its hostile-browser pulsemesh-default N=100 run, the same deterministic run as node --conditions=source --import tsx packages/sim/bin/bench.ts --n 100 --strategy pulsemesh-default --only hostile-browser --jobs 1; extracted by scripts/bench-hostile-extract.ts)`,
  notes: [
    ...d.notes,
    "Taken from bench-results/detector.json of the same commit (full regen, 2 workers) instead of a second 37,000 s run on the shared machine; wallSeconds/cpuSeconds are that regen's.",
  ],
  floors: evaluateFloors({ runs, scale: [] }),
  runs,
  scale: [],
};
writeFileSync(`${root}bench-results/detector-hostile-default.json`, benchJson(out));
console.log(`wrote bench-results/detector-hostile-default.json (commit ${d.commit})`);
