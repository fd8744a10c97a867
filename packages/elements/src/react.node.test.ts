// Node-side tests that drive Debian's Chromium (playwright-core): `*.node.test.ts`, typed by tsconfig.node.json.
// The @lit/react wrappers in real React (react-dom) in Debian's Chromium: properties reach the
// elements, attributes reflect, and events arrive as on* props.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let browser: Browser;
let pageUrl: string;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pulse-react-'));
  await build({
    entryPoints: [fileURLToPath(new URL('./testing/react-page.ts', import.meta.url))],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    conditions: ['source'],
    external: ['@pulsemesh/webrtc'], // the page passes a mesh; attribute mode is not used
    define: { 'process.env.NODE_ENV': '"production"' },
    tsconfig: fileURLToPath(new URL('../tsconfig.json', import.meta.url)),
    outfile: join(dir, 'page.js'),
    logLevel: 'error',
  });
  writeFileSync(
    join(dir, 'index.html'),
    '<!doctype html><meta charset="utf-8"><script defer src="./page.js"></script>',
  );
  pageUrl = `file://${dir}/index.html`;
  browser = await chromium.launch({
    executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run'],
  });
});

afterAll(async () => {
  await browser?.close();
});

describe('@pulsemesh/elements/react', () => {
  it('renders the elements with properties and delivers events to on* props', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(String(error)));
    await page.goto(pageUrl);
    await page.waitForFunction(() =>
      document.querySelector('pulse-peer-table')?.shadowRoot?.querySelector('tbody tr[data-peer]'),
    );
    expect(await page.locator('pulse-health').getAttribute('theme')).toBe('dark');
    const rows = page.locator('pulse-peer-table tbody tr[data-peer]');
    expect(await rows.count()).toBe(12);
    const first = await rows.first().getAttribute('data-peer'); // sortBy="id" reached the element
    const ids = await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-peer')));
    expect(ids).toEqual([...ids].sort());

    await rows.first().locator('td').first().click();
    await page.locator('pulse-health button[data-state="failed"]').click();
    const recorded = await page.evaluate(
      () => (window as unknown as { reactPage: { peerSelects: string[]; stateSelects: string[] } }).reactPage,
    );
    expect(recorded.peerSelects).toEqual([first]);
    expect(recorded.stateSelects).toEqual(['failed']);
    expect(errors).toEqual([]);
  });
});
