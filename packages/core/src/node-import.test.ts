import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));

// Runs in a plain Node subprocess (TypeScript through tsx): traps every timer, clock, randomness and
// DOM global, imports the package and its runtime entry, then drives a detector. Nothing may touch them.
const script = `
const touched = [];
const trap = (obj, name, label) => {
  const orig = obj[name];
  obj[name] = function (...args) { touched.push(label); return orig.apply(this, args); };
};
for (const n of ['setTimeout', 'setInterval', 'setImmediate', 'queueMicrotask']) trap(globalThis, n, n);
trap(Date, 'now', 'Date.now');
trap(Math, 'random', 'Math.random');
trap(performance, 'now', 'performance.now');
trap(crypto, 'getRandomValues', 'crypto.getRandomValues');
for (const n of ['window', 'document', 'navigator', 'localStorage']) {
  Object.defineProperty(globalThis, n, { configurable: true, get() { touched.push(n); return undefined; } });
}
const core = await import(${JSON.stringify(join(here, 'index.ts'))});
await import(${JSON.stringify(join(here, 'runtime.ts'))});
const d = new core.Detector({ id: 'a', config: core.presets.browser, random: core.seededRandom(1), nowMs: 0 });
d.linkUp('b', 0);
for (let t = 0; t < 20000; t += 100) d.tick(t);
d.receive('b', new Uint8Array([1, 1, 0, 0, 1]), 20000);
process.stdout.write(JSON.stringify({ touched, exports: Object.keys(core).length, deadline: d.nextDeadlineMs() }));
`;

describe('Node import smoke test', () => {
  it('imports in plain Node without touching timers, clocks, randomness or the DOM, and runs', () => {
    const tsx = join(here, '../../../node_modules/tsx/dist/esm/index.mjs');
    const out = spawnSync(process.execPath, ['--import', tsx, '--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(out.stderr).toBe('');
    const result = JSON.parse(out.stdout) as { touched: string[]; exports: number; deadline: number };
    expect(result.touched).toEqual([]);
    expect(result.exports).toBeGreaterThan(20);
    expect(Number.isFinite(result.deadline)).toBe(true);
  });
});
