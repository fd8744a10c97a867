/**
 * Self time by function and by file from a V8 `.cpuprofile` (the largest in a directory: with tsx
 * the loader thread writes a small one beside the run's). What decision 0059 reports:
 *
 *   node --cpu-prof --cpu-prof-dir /tmp/scaleprof --conditions=source --import tsx \
 *     packages/sim/bin/scale-digest.ts --n 3000 --seconds 30 --no-journal
 *   node --conditions=source --import tsx packages/sim/bin/cpuprofile-summary.ts /tmp/scaleprof [--top 40]
 *
 * Under tsx every function reports line 1 (the transformed file), so rows are function and file.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  startTime: number;
  endTime: number;
}

const dir = process.argv[2] ?? '/tmp/scaleprof';
const topAt = process.argv.indexOf('--top');
const top = topAt >= 0 ? Number(process.argv[topAt + 1]) : 40;
const largest = readdirSync(dir)
  .filter((f) => f.endsWith('.cpuprofile'))
  .map((f) => ({ f, bytes: statSync(join(dir, f)).size }))
  .sort((a, b) => b.bytes - a.bytes)[0];
if (largest === undefined) throw new Error(`no .cpuprofile in ${dir}`);
const profile = JSON.parse(readFileSync(join(dir, largest.f), 'utf8')) as CpuProfile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const sampleUs = (profile.endTime - profile.startTime) / profile.samples.length;
const byFunction = new Map<string, number>();
const byFile = new Map<string, number>();
for (const id of profile.samples) {
  const frame = byId.get(id)?.callFrame;
  const file = frame?.url.split('/').pop() || '(native)';
  const fn = `${frame?.functionName || '(anonymous)'} ${file}`;
  byFunction.set(fn, (byFunction.get(fn) ?? 0) + 1);
  byFile.set(file, (byFile.get(file) ?? 0) + 1);
}
const total = profile.samples.length;
const print = (rows: Map<string, number>, count: number): void => {
  for (const [name, k] of [...rows].sort((a, b) => b[1] - a[1]).slice(0, count)) {
    const pct = ((100 * k) / total).toFixed(1).padStart(5);
    console.log(`${pct} %  ${((k * sampleUs) / 1e6).toFixed(2).padStart(6)} s  ${name}`);
  }
};
console.log(`${largest.f}: ${total} samples, ${((total * sampleUs) / 1e6).toFixed(1)} s`);
print(byFunction, top);
console.log('--- by file');
print(byFile, 25);
