/**
 * Prints the README's "what you get with no configuration" table as Markdown: each runtime default
 * and named preset, its timing from `packages/core` (the values themselves, not a copy), and its
 * detection times from the committed result files (the simulator's `detector.json`, the real mesh's
 * `mesh.json`, the real edge peers' `real-peers.json`). A result file without the runs prints "-".
 *
 *   node --conditions=source --import tsx scripts/defaults-table.ts
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  presets,
  stallToleranceMs,
  suspicionTimeoutMsMax,
  suspicionTimeoutMsMin,
  type DetectorConfig,
} from '../packages/core/src/index.js';
import { type BenchDocument, parseBenchJson } from '../packages/sim/src/report.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const read = (file: string): unknown =>
  existsSync(`${root}bench-results/${file}`)
    ? parseBenchJson(readFileSync(`${root}bench-results/${file}`, 'utf8'))
    : undefined;
const s = (ms: number | null | undefined): string =>
  ms === null || ms === undefined ? '-' : ms === Infinity ? '∞' : `${(ms / 1000).toFixed(2)} s`;

const detector = read('detector.json') as BenchDocument | undefined;
/** The simulator's p50 / tail (p99, or the max under 100 samples) for a preset and profile at N = 100. */
function simulated(preset: string, profile: string): string {
  const r = detector?.runs.find(
    (x) =>
      x.strategy === 'pulsemesh' &&
      x.preset === preset &&
      x.profile === profile &&
      x.n === 100 &&
      x.topology === 'full',
  );
  if (r === undefined) return '-';
  const d = r.detectionAllMs;
  return `${s(d.p50)} / ${d.p99 !== null ? `${s(d.p99)} p99` : `${s(d.max)} max`} (${d.count})`;
}

const N = 100;
const rows: { name: string; usedBy: string; c: DetectorConfig; sim: string | null }[] = [
  {
    name: '`browser` (default)',
    usedBy: '`<pulse-mesh>`, `createMesh` in a page',
    c: presets.browser,
    sim: 'default',
  },
  { name: '`node` (default)', usedBy: 'edge peer, `createMesh` in Node', c: presets.node, sim: 'default' },
  { name: '`lan`', usedBy: 'servers that never pause', c: presets.lan, sim: 'lan' },
  { name: '`wan`', usedBy: 'peers across the internet', c: presets.wan, sim: null },
];
console.log(
  `Presets (timing from packages/core; detection: simulator, N = ${N}, full mesh, detector.json${detector ? ` commit ${detector.commit.slice(0, 7)}` : ' missing'}):\n`,
);
console.log(
  '| preset | used by | probe every | probe timeout | failed probe round ≥ | suspicion min–max | stall tolerance | crash → failed, p50 / tail (samples) | hang → failed, p50 / tail (samples) |',
);
console.log(
  '| ------ | ------- | ----------- | ------------- | -------------------- | ----------------- | --------------- | ------------------------------------ | ----------------------------------- |',
);
for (const { name, usedBy, c, sim } of rows) {
  const min = suspicionTimeoutMsMin(c.suspicionMult, N, c.probeIntervalMs, c.suspicionTimeoutMsFloor);
  console.log(
    `| ${name} | ${usedBy} | ${c.probeIntervalMs} ms (${c.probeIntervalMsMin}-${c.probeIntervalMsMax}) | ${c.probeTimeoutMsMin}-${c.probeTimeoutMsMax} ms | ${c.probeRoundMsMin === 0 ? 'the timeouts only' : `${s(c.probeRoundMsMin)}`} | ${s(min)}-${s(suspicionTimeoutMsMax(c.suspicionMaxTimeoutMult, min))} | ${s(stallToleranceMs(c, N))} | ${sim === null ? 'not benchmarked' : simulated(sim, 'lan')} | ${sim === null ? 'not benchmarked' : simulated(sim, 'hang')} |`,
  );
}

interface MeshEntry {
  scenario: string;
  commit?: string;
  samples: number;
  ms: { p50: number; max: number };
  falseFailed: number;
  notes?: Record<string, unknown>;
}
const mesh = read('mesh.json') as MeshEntry[] | undefined;
if (mesh !== undefined) {
  console.log(
    `\nReal mesh, stock defaults (mesh.json, commit ${mesh[0]?.commit?.slice(0, 7) ?? 'not recorded'}): 8 Chromium tabs + 4 edge peers on loopback\n`,
  );
  console.log('| scenario | samples | → failed/left everywhere, p50 / max | false `failed` |');
  console.log('| -------- | ------- | ----------------------------------- | -------------- |');
  for (const e of mesh)
    console.log(
      `| ${e.scenario} | ${e.samples} | ${e.samples === 0 ? '-' : `${s(e.ms.p50)} / ${s(e.ms.max)}`} | ${e.falseFailed} |`,
    );
}
