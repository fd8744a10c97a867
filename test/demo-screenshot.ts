// Screenshots of the running demo (not a test): three tabs of one browser profile join the room,
// the third one presses "Crash", and the first one is photographed once everyone noticed.
//   ./run demo &   (or pnpm demo)
//   node --conditions=source --import tsx test/demo-screenshot.ts [http://127.0.0.1:5173/] [--dark]
//     [--width=420] [--reaped]
// Writes docs/screenshots/demo-crash.png (or demo-crash-dark.png); with --width=N, demo-N.png
// (full page); --reaped waits 35 s after the crash, past the default reap (30 s), so the crashed
// tab is listed under Past members and the tier is the present's.
import type { Page } from 'playwright-core';
import { launchChromium } from './harness/chromium.js';

const base = process.argv.find((a) => a.startsWith('http')) ?? 'http://127.0.0.1:5173/';
const dark = process.argv.includes('--dark');
const reaped = process.argv.includes('--reaped');
const widthArg = process.argv.find((a) => a.startsWith('--width='));
const width = widthArg ? Number(widthArg.slice('--width='.length)) : 1440;
const name = widthArg ? `demo-${width}` : `demo-crash${dark ? '-dark' : ''}`;
const out = new URL(`../docs/screenshots/${name}.png`, import.meta.url);

const browser = await launchChromium();
try {
  // One context = one profile: the tabs share a BroadcastChannel, so "Just measured" sees them all.
  const context = await browser.newContext({ viewport: { width, height: width < 800 ? 900 : 1000 } });
  const ids = ['tab-amber', 'tab-blue', 'tab-coral'];
  const pages: Page[] = [];
  for (const id of ids) {
    const page = await context.newPage();
    page.on('pageerror', (err) => console.error(`[${id}] ${err.message}`));
    await page.goto(`${base}?${new URLSearchParams({ id, ...(dark ? { theme: 'dark' } : {}) })}`);
    pages.push(page);
  }
  const healthyCount = (): Promise<number> =>
    pages[0]!.evaluate(
      () =>
        document
          .querySelector('pulse-mesh')
          ?.shadowRoot?.querySelector('pulse-peer-table')
          ?.shadowRoot?.querySelectorAll('tr[data-state="healthy"]').length ?? 0,
    );
  const deadline = Date.now() + 30_000;
  while ((await healthyCount()) < 4) {
    if (Date.now() > deadline) throw new Error(`only ${await healthyCount()} healthy peers after 30 s`);
    await new Promise((r) => setTimeout(r, 250));
  }
  await new Promise((r) => setTimeout(r, 3_000)); // a few RTT samples for the sparklines
  await pages[2]!.click('[data-control="crash"]');
  await new Promise((r) => setTimeout(r, reaped ? 35_000 : 5_000));
  await pages[0]!.bringToFront();
  await pages[0]!.screenshot({ path: out.pathname, fullPage: widthArg !== undefined });
  console.log(`wrote ${out.pathname}`);
} finally {
  await browser.close();
}
