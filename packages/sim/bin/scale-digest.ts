/**
 * Digest of the scale series' configuration at a smaller N (pulsemesh:default, membersMax 64,
 * random mesh of degree 16, lan): the journal and the measured summary, hashed. A speed-up of the
 * hot paths must leave it unchanged. Also a quick way to time or profile the scale run:
 *
 *   node --conditions=source --import tsx packages/sim/bin/scale-digest.ts [--n 2000] [--seconds 20] [--no-journal]
 */
import { createHash } from 'node:crypto';
import { profiles } from '../src/profiles.js';
import { SCALE_MESH_DEGREE } from '../src/scale.js';
import { runScenario } from '../src/scenario.js';
import { pulsemeshStrategy } from '../src/detector-node.js';
import { SCALE_MEMBERS_MAX, scaleStrategy } from '../src/strategies.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const n = arg('--n', 2000);
const simSeconds = arg('--seconds', 20);
const seed = arg('--seed', 42);
const journal = !process.argv.includes('--no-journal');
// --unsigned: without signed membership (the default signs, as createMesh does; decision 0012).
const strategy = process.argv.includes('--unsigned')
  ? pulsemeshStrategy('default', { membersMax: SCALE_MEMBERS_MAX }, { trust: false })
  : scaleStrategy();
const hash = createHash('sha256');
let lines = 0;
const started = performance.now();
const cpu0 = process.cpuUsage();
const r = runScenario({
  strategy,
  profile: profiles.lan,
  n,
  seed,
  simSeconds,
  topology: { kind: 'random', degree: SCALE_MESH_DEGREE },
  // Live memory at the end, while the run is reachable (a full GC first with --expose-gc).
  memoryProbe: () => {
    (globalThis as { gc?: () => void }).gc?.();
    const m = process.memoryUsage();
    return { heapUsedBytes: m.heapUsed, externalBytes: m.external, rssBytes: m.rss };
  },
  ...(journal
    ? {
        journal: (line: string) => {
          hash.update(line).update('\n');
          lines++;
        },
      }
    : {}),
});
const wall = (performance.now() - started) / 1000;
const c = process.cpuUsage(cpu0);
const live = r.memory ? r.memory.heapUsedBytes + r.memory.externalBytes : 0;
delete r.memory; // not behaviour: left out of the digest
hash.update(JSON.stringify(r));
console.log(
  `scale ${r.preset} n=${n} s=${simSeconds} seed=${seed} lines=${lines} events=${r.sim.events} sent=${r.sim.sent} ${hash.digest('hex').slice(0, 16)}  (${wall.toFixed(1)} s wall, ${((c.user + c.system) / 1e6).toFixed(1)} s CPU, ${(live / 1e6).toFixed(0)} MB live)`,
);
