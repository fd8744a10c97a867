// What signed membership (decision 0012, trust model) costs on the wire: the simulator's lan
// profile at N = 100, the same seed with and without `trust`, for the default and the lan preset.
// Deterministic (the simulator): the same commit and seed give the same bytes. Signatures are core's
// insecure stand-in with Ed25519's sizes (`testTrust`), so the bytes are real and the CPU is not
// (Ed25519 cost per operation: bench-results/identity.json).
//
//   node --conditions=source --import tsx scripts/bench-trust.ts [--seed 42] [--seconds 600] [--out FILE]
//
// Also the same network with no membership changes (steady rows): probes are unsigned, so there
// signing costs nothing. Writes bench-results/trust.json (or --out).
import { writeFileSync } from 'node:fs';
import { pulsemeshStrategy, type PulsemeshPreset } from '../packages/sim/src/detector-node.js';
import { type Profile, profiles } from '../packages/sim/src/profiles.js';
import { runScenario, type RunResult } from '../packages/sim/src/scenario.js';
import { provenance, thisCommand } from './bench-provenance.js';

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i < 0 ? undefined : process.argv[i + 1];
};
const N = 100;
const seed = Number(arg('--seed') ?? 42);
const profile = profiles.lan;
const simSeconds = Number(arg('--seconds') ?? profile.simSeconds(N));
/** Simulated seconds of the steady runs (no membership changes: the bytes settle at once). */
const STEADY_SECONDS = 120;
const out = arg('--out') ?? 'bench-results/trust.json';
const prov = provenance(thisCommand('scripts/bench-trust.ts'));

interface Row {
  preset: string;
  trust: boolean;
  bytesPerNodePerSec: { mean: number; max: number };
  msgsPerNodePerSec: { mean: number; max: number };
  crashes: number;
  undetectedAll: number;
  detectionAllP50Ms: number | null;
  detectionAllP99Ms: number | null;
  /** Samples of the detection percentiles (one per crash: failed at every live peer), censored ones included. */
  detectionSamples: number;
  falseFailed: number;
  falseSuspected: number;
  nodeHours: number;
}

function row(preset: PulsemeshPreset, trust: boolean, on: Profile = profile, seconds = simSeconds): Row {
  const r: RunResult = runScenario({
    strategy: pulsemeshStrategy(preset, {}, { trust }),
    profile: on,
    n: N,
    seed,
    simSeconds: seconds,
  });
  const round = (x: number): number => Math.round(x * 10) / 10;
  const result: Row = {
    preset: r.preset,
    trust,
    bytesPerNodePerSec: { mean: round(r.bytesPerNodePerSec.mean), max: round(r.bytesPerNodePerSec.max) },
    msgsPerNodePerSec: { mean: round(r.msgsPerNodePerSec.mean), max: round(r.msgsPerNodePerSec.max) },
    crashes: r.crashes,
    undetectedAll: r.undetectedAll,
    detectionAllP50Ms: r.detectionAllMs.p50 === null ? null : round(r.detectionAllMs.p50),
    detectionAllP99Ms: r.detectionAllMs.p99 === null ? null : round(r.detectionAllMs.p99),
    detectionSamples: r.detectionAllMs.count,
    falseFailed: r.falseFailed,
    falseSuspected: r.falseSuspected,
    nodeHours: round(r.nodeHours),
  };
  console.log(
    `${on === profile ? 'lan' : 'steady'} ${result.preset.padEnd(16)} bytes/node/s mean ${String(result.bytesPerNodePerSec.mean).padStart(7)} max ${String(result.bytesPerNodePerSec.max).padStart(7)}  msgs/node/s ${result.msgsPerNodePerSec.mean}  crash→failed at all p50 ${result.detectionAllP50Ms} ms (${result.crashes} crashes, ${result.undetectedAll} undetected)  false failed ${result.falseFailed}`,
  );
  return result;
}

const rows: Row[] = [];
for (const preset of ['default', 'lan'] as const)
  for (const trust of [false, true]) rows.push(row(preset, trust));
// The same network without crashes, restarts or leaves: what signatures cost in a steady mesh
// (probes are not signed; only membership changes are).
const steady: Profile = {
  ...profile,
  description: 'lan without crashes, restarts or leaves',
  setup: () => undefined,
};
const steadyRows = [false, true].map((trust) => row('default', trust, steady, STEADY_SECONDS));
const ratio = (preset: string): number => {
  const [off, on] = rows.filter((r) => r.preset.startsWith(preset) && r.preset.split('+')[0] === preset);
  return Math.round(((on?.bytesPerNodePerSec.mean ?? 0) / (off?.bytesPerNodePerSec.mean ?? 1)) * 1000) / 1000;
};
const doc = {
  ...prov,
  note: 'simulator (deterministic), lan profile (1-20 ms one way, 1 % loss; crashes and leaves), full mesh; bytes are detector payload bytes (no UDP/DTLS/SCTP headers) per node per second of up time after a 10 s warm-up; trust = signed membership with a stand-in signer of Ed25519 sizes',
  n: N,
  seed,
  simSeconds,
  profile: profile.name,
  rows,
  steady: {
    profile: 'lan without crashes, restarts or leaves',
    simSeconds: STEADY_SECONDS,
    rows: steadyRows,
  },
  trustOverNoTrust: { default: ratio('default'), lan: ratio('lan') },
};
writeFileSync(out, `${JSON.stringify(doc, null, 2)}\n`);
console.log(
  `trust / no trust, bytes/node/s: default ×${doc.trustOverNoTrust.default}, lan ×${doc.trustOverNoTrust.lan}; wrote ${out}`,
);
