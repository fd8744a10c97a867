// <pulse-mesh signal-url room> in two Chromium pages against the real signaling server: each
// element loads @pulsemesh/webrtc on demand, starts its own peer, and shows the other one;
// removing an element closes its peer. Runs inside scripts/netns.sh (loopback only).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createSignalServer, type SignalServer } from '@pulsemesh/signal-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let browser: Browser;
let server: SignalServer;
let signalUrl: string;
let pageUrl: string;

beforeAll(async () => {
  server = createSignalServer({ logLevel: 'silent' });
  signalUrl = (await server.listen(0, '127.0.0.1')).url;
  const dir = mkdtempSync(join(tmpdir(), 'pulse-attr-'));
  await build({
    entryPoints: [fileURLToPath(new URL('./testing/attribute-page.ts', import.meta.url))],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    // `bare` picks events-universal's pure-JS emitter (bare-events) instead of Node's `events`,
    // which simple-peer's streamx needs in a browser bundle.
    conditions: ['source', 'bare'],
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
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--allow-loopback-in-peer-connection',
      '--use-fake-ui-for-media-stream',
    ],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function open(room: string): Promise<{ page: Page; localId: string }> {
  const page = await browser.newPage();
  await page.goto(`${pageUrl}?signal=${encodeURIComponent(signalUrl)}&room=${room}&preset=lan`);
  const handle = await page.waitForFunction(
    () => {
      const p = (window as unknown as { attributePage?: { localId: string; error: string } }).attributePage;
      return p && (p.localId || p.error) ? p : undefined;
    },
    undefined,
    { timeout: 15_000 },
  );
  const result = (await handle.jsonValue()) as { localId: string; error: string };
  expect(result.error).toBe('');
  return { page, localId: result.localId };
}

/** The state the `<pulse-mesh>` on `page` shows for `peer` in its peer table ('' if no row). */
function rowState(page: Page, peer: string): Promise<string> {
  return page.evaluate((id) => {
    const table = document.querySelector('pulse-mesh')?.shadowRoot?.querySelector('pulse-peer-table');
    return table?.shadowRoot?.querySelector(`tr[data-peer="${id}"] .state`)?.textContent?.trim() ?? '';
  }, peer);
}

describe('<pulse-mesh> attribute mode', () => {
  it('runs its own peer, shows the other tab, and closes its peer when removed', async () => {
    const a = await open('attr-room');
    const b = await open('attr-room');
    expect(a.localId).not.toBe(b.localId);
    await expect.poll(() => rowState(a.page, b.localId), { timeout: 20_000, interval: 250 }).toBe('Healthy');
    await expect.poll(() => rowState(b.page, a.localId), { timeout: 20_000, interval: 250 }).toBe('Healthy');
    expect(server.stats().sockets).toBe(2);

    await b.page.evaluate(() => document.querySelector('pulse-mesh')?.remove());
    await expect.poll(() => server.stats().sockets, { timeout: 10_000, interval: 100 }).toBe(1);
    // a notices: the link closes and the detector stops hearing from b.
    await expect
      .poll(() => rowState(a.page, b.localId), { timeout: 30_000, interval: 250 })
      .not.toBe('Healthy');
  }, 90_000);
});
