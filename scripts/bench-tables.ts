/**
 * Prints the README's comparison tables as Markdown from the committed results, so every number and
 * ratio in them comes from one file and one run:
 *
 *   node --conditions=source --import tsx scripts/bench-tables.ts
 *
 * - real processes (bench-results/real-peers.json): memberlist beside edge peers, ratios within the run;
 * - calibration: the simulator's swim and pulsemesh on loopback (detector.json `calibration`) beside
 *   the real processes they model.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { calibrationTable, type RealConfig } from '../packages/sim/src/calibration.js';
import { type BenchDocument, parseBenchJson } from '../packages/sim/src/report.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const read = (file: string): unknown => parseBenchJson(readFileSync(`${root}bench-results/${file}`, 'utf8'));

interface RealDoc {
  commit: string;
  configs: (RealConfig & {
    undetected: number;
    falsePositives: { failed: number; accusations: number };
  })[];
  soak: {
    system: string;
    n: number;
    lossPct: number;
    seconds: number;
    falseFailed: number;
    accusations: number;
  }[];
  cost: {
    system: string;
    n: number;
    edgeFrom?: string;
    cpuPctPerProcess: { median: number };
    rssMiBPerProcess: { median: number };
  }[];
}

const s = (ms: number): string => (ms === Infinity ? '∞' : `${(ms / 1000).toFixed(2)} s`);
const real = read('real-peers.json') as RealDoc;
const detector = read('detector.json') as BenchDocument;

console.log(`Real processes (bench-results/real-peers.json, commit ${real.commit.slice(0, 7)}):\n`);
console.log(
  '| N | loss | system | kills | first p50 / max | all p50 / max | undetected | false dead | accusations | memberlist ÷ pulsemesh (all p50) |',
);
console.log(
  '| - | ---- | ------ | ----- | --------------- | ------------- | ---------- | ---------- | ----------- | -------------------------------- |',
);
for (const c of real.configs) {
  const other = real.configs.find((o) => o.n === c.n && o.lossPct === c.lossPct && o.system !== c.system);
  const ratio = c.system === 'memberlist' && other ? `${(c.allMs.p50 / other.allMs.p50).toFixed(1)}×` : '';
  console.log(
    `| ${c.n} | ${c.lossPct} % | ${c.system === 'memberlist' ? 'memberlist 0.2.2' : 'pulsemesh edge peers'} | ${c.trials.length} | ${s(c.firstMs.p50)} / ${s(c.firstMs.max)} | ${s(c.allMs.p50)} / ${s(c.allMs.max)} | ${c.undetected} | ${c.falsePositives.failed} | ${c.falsePositives.accusations} | ${ratio} |`,
  );
}
console.log('');
for (const k of real.soak)
  console.log(
    `- soak ${k.system}: N=${k.n}, ${k.lossPct} % loss, ${k.seconds} s: ${k.falseFailed} false dead, ${k.accusations} accusations`,
  );
for (const c of real.cost)
  console.log(
    `- cost ${c.system} N=${c.n}${c.edgeFrom ? ` (${c.edgeFrom})` : ''}: CPU ${c.cpuPctPerProcess.median} % of a core, RSS ${c.rssMiBPerProcess.median} MiB per process (median)`,
  );

const sim = detector.calibration ?? [];
const preset = sim.some((r) => r.strategy === 'pulsemesh' && r.preset === 'default') ? 'default' : 'lan';
console.log(`\nCalibration (detector.json commit ${detector.commit.slice(0, 7)} beside real-peers.json):\n`);
console.log('| N | loss | real | real all p50 | simulated | sim all p50 | sim ÷ real |');
console.log('| - | ---- | ---- | ------------ | --------- | ----------- | ---------- |');
for (const r of calibrationTable(sim, real.configs, preset))
  console.log(
    `| ${r.n} | ${r.lossPct} % | ${r.real} | ${s(r.realAllP50Ms)} | ${r.sim} | ${r.simAllP50Ms === null ? '-' : s(r.simAllP50Ms)} | ${r.ratioAll === null ? '-' : r.ratioAll.toFixed(2)} |`,
  );

// --- the detector table: the default next to swim and seed; the named presets apart ---------------
const fmt = (ms: number | null): string =>
  ms === null ? '-' : ms === Infinity ? '∞' : `${(ms / 1000).toFixed(2)} s`;
const tail = (p: { p99: number | null; max: number | null; count: number }): string =>
  p.p99 !== null ? fmt(p.p99) : `${fmt(p.max)} (max of ${p.count})`;
const rate = (x: number | undefined): string =>
  x === undefined ? '-' : x === 0 ? '0' : x >= 100 ? Math.round(x).toLocaleString('en') : x.toFixed(2);
const rows = (named: boolean): void => {
  console.log(
    '\n| profile, N | detector | detection p50 / p99 | undetected | false `failed` | false `suspected` / node-hour (transitions / first-hand) | bytes / node / s |',
  );
  console.log(
    '| ---------- | -------- | ------------------- | ---------- | -------------- | ---------------------------------------------------------- | ---------------- |',
  );
  for (const [profile, n] of [
    ['lan', 100],
    ['hostile-browser', 100],
    ['lan', 1000],
  ] as const)
    for (const r of detector.runs.filter(
      (x) =>
        x.profile === profile &&
        x.n === n &&
        (x.topology === 'full' || n >= 1000) &&
        (named
          ? x.strategy === 'pulsemesh' && x.preset !== 'default'
          : x.strategy !== 'pulsemesh' || x.preset === 'default'),
    ))
      console.log(
        `| ${profile}, ${n} (${r.nodeHours.toFixed(0)} node-h) | ${r.strategy === 'pulsemesh' ? `pulsemesh \`${r.preset}\`` : r.strategy} | ${fmt(r.detectionAllMs.p50)} / ${tail(r.detectionAllMs)} | ${r.undetectedAll} of ${r.crashes} | ${r.falseFailed} | ${rate(r.falseSuspectedPerNodeHour)} / ${rate(r.falseAccusationsPerNodeHour)} | ${rate(r.bytesPerNodePerSec.mean)} |`,
      );
};
console.log(
  `\nDetector (detector.json commit ${detector.commit.slice(0, 7)}, seed ${detector.seed}): the default`,
);
rows(false);
console.log('\nNamed presets:');
rows(true);
// The scale point: in detector.json after a full run, else in scale.json (bench.ts --scale).
const scaleDoc =
  (detector.scale ?? []).length === 0 && existsSync(`${root}bench-results/scale.json`)
    ? (read('scale.json') as BenchDocument)
    : detector;
const big = scaleDoc.scale?.find((p) => p.n === 10_000 && !p.strategy.startsWith('sim-only'));
if (big)
  console.log(
    `\nscale (${scaleDoc === detector ? 'detector.json' : 'scale.json'} commit ${scaleDoc.commit.slice(0, 7)}): N=10,000 × ${big.simSeconds} s simulated: ${big.wallSeconds.toFixed(1)} s wall, ${big.cpuSeconds.toFixed(1)} s CPU (${big.strategy})`,
  );

// --- the edge-peer cost (bench-results/edge-cost.json, scripts/bench-edge-cost.ts) ----------------
interface CostDoc {
  commit: string;
  cost: {
    system: string;
    n: number;
    cpuPctPerProcess: { median: number };
    rssMiBPerProcess: { median: number };
    ussMiBPerProcess: { median: number };
  }[];
  baselines: { what: string; rssMiB: number; ussMiB: number }[];
  floors: { floor: string; pass: boolean }[];
}
if (existsSync(`${root}bench-results/edge-cost.json`)) {
  const cost = read('edge-cost.json') as CostDoc;
  console.log(`\nCost per process, N = 10, median (edge-cost.json commit ${cost.commit.slice(0, 7)}):\n`);
  console.log('| process | CPU % of a core | RSS MiB | USS MiB |');
  console.log('| ------- | --------------- | ------- | ------- |');
  for (const c of cost.cost)
    console.log(
      `| ${c.system === 'memberlist' ? 'memberlist 0.2.2 node' : 'pulsemesh edge peer (build)'} | ${c.cpuPctPerProcess.median} | ${c.rssMiBPerProcess.median} | ${c.ussMiBPerProcess.median} |`,
    );
  for (const b of cost.baselines) console.log(`| ${b.what}, idle | - | ${b.rssMiB} | ${b.ussMiB} |`);
  for (const f of cost.floors) console.log(`\n${f.pass ? 'PASS' : 'MISS'}: ${f.floor}`);
}
