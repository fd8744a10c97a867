// Screenshots of <pulse-mesh> over a generated mixed-state mesh, in light and dark theme:
//   node packages/elements/scripts/screenshots.mjs   → docs/screenshots/dashboard-{light,dark}.png
// Bundles src/testing/dashboard-demo.ts with esbuild and opens it in Debian's Chromium
// (playwright-core, never a downloaded browser).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';

const root = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const outDir = mkdtempSync(join(tmpdir(), 'pulse-shots-'));
await build({
  entryPoints: [join(root, 'packages/elements/src/testing/dashboard-demo.ts')],
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: 'es2022',
  conditions: ['source'],
  // The page hands <pulse-mesh> a mesh; the lazy WebRTC import is never taken.
  external: ['@pulsemesh/webrtc'],
  tsconfig: join(root, 'packages/elements/tsconfig.json'),
  outfile: join(outDir, 'demo.js'),
  logLevel: 'warning',
});
writeFileSync(
  join(outDir, 'index.html'),
  `<!doctype html><meta charset="utf-8"><title>pulsemesh</title>
<style>html,body{margin:0} body{min-height:100vh}</style>
<script defer src="./demo.js"></script>`,
);

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
});
const peers = process.env.PEERS ?? '40';
for (const theme of ['light', 'dark']) {
  const page = await browser.newPage({
    viewport: { width: Number(process.env.WIDTH ?? 1280), height: 900 },
    deviceScaleFactor: 1,
    colorScheme: theme,
  });
  page.on('pageerror', (error) => console.error(error));
  await page.goto(`file://${outDir}/index.html?theme=${theme}&peers=${peers}`);
  await page.waitForFunction(() => window.demoReady === true);
  await page.waitForTimeout(2_500); // let the force layout settle
  const path = join(root, `docs/screenshots/dashboard-${theme}.png`);
  await page.screenshot({ path, fullPage: true });
  console.log(`wrote ${path}`);
  await page.close();
}
await browser.close();
