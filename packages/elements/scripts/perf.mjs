// <pulse-mesh> over a generated 1,000-peer mesh at 4 updates/s, in a production bundle (minified,
// Lit's production build) in Debian's Chromium: long tasks and slowest element updates.
//   node packages/elements/scripts/perf.mjs [peers=1000] [rate=4] [seconds=6] [windows=3]
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';

const root = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const query = new URLSearchParams(process.argv.slice(2).map((arg) => arg.split('=')));
const outDir = mkdtempSync(join(tmpdir(), 'pulse-perf-'));
await build({
  entryPoints: [join(root, 'packages/elements/src/testing/perf-page.ts')],
  bundle: true,
  minify: true,
  format: 'iife',
  platform: 'browser',
  target: 'es2022',
  conditions: ['source'],
  external: ['@pulsemesh/webrtc'],
  define: { 'process.env.NODE_ENV': '"production"' },
  tsconfig: join(root, 'packages/elements/tsconfig.json'),
  outfile: join(outDir, 'perf.js'),
  logLevel: 'warning',
});
writeFileSync(
  join(outDir, 'index.html'),
  '<!doctype html><meta charset="utf-8"><body style="margin:0"><script defer src="./perf.js"></script>',
);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
});
const page = await browser.newPage({
  viewport: { width: Number(query.get('width') ?? 1280), height: Number(query.get('height') ?? 900) },
});
page.on('pageerror', (error) => console.error(error));
await page.goto(`file://${outDir}/index.html?${query}`);
const handle = await page.waitForFunction(() => window.perfResult, undefined, { timeout: 120_000 });
const result = await handle.jsonValue();
await browser.close();

const summary = (d) =>
  `${d.length} long tasks, max ${d.length ? Math.max(...d).toFixed(0) : 0} ms, total ${d.reduce((a, b) => a + b, 0).toFixed(0)} ms`;
console.log(`production bundle, ${query.get('peers') ?? 1000} peers at ${query.get('rate') ?? 4} updates/s`);
console.log(`mount: ${summary(result.mountLongTasksMs)}`);
result.windows.forEach((w, i) => {
  const slowest = Object.entries(w.updateMsMax).map(([tag, ms]) => `${tag} ${ms.toFixed(1)}`);
  console.log(
    `window ${i + 1}: ${w.updates} updates, ${w.tableRenders} table renders, ${summary(w.longTasksMs)}; slowest update (ms): ${slowest.join(', ')}`,
  );
});
