// A browser driven from inside a lab namespace. The driver must live where the browser lives:
// puppeteer reaches Firefox over a WebSocket on the namespace's own 127.0.0.1. Started by
// `field/peers.ts` (through `Lab.spawn` or plainly on loopback) with `<engine> <url>`; opens one
// page and answers JSON lines on stdin: `{ n, op: 'eval', expression }` → `{ n, result }`,
// `{ n, op: 'crash' }` (Chromium: the renderer via CDP; Firefox: the whole browser, SIGKILL).
// Prints `{ ready: true }` once the page's peer runs. Stdin closing closes the browser.
import { createInterface } from 'node:readline';
import { launchChromium } from '../harness/chromium.js';
import { launchFirefox, openFirefoxPage } from '../harness/firefox.js';

const [engine, url] = process.argv.slice(2);
if ((engine !== 'chromium' && engine !== 'firefox') || !url)
  throw new Error('usage: <chromium|firefox> <url>');

type Evaluate = (expression: string) => Promise<unknown>;
let evaluate: Evaluate;
let crash: () => Promise<void>;
let close: () => Promise<void>;
if (engine === 'chromium') {
  const browser = await launchChromium();
  const context = await browser.newContext();
  const page = await context.newPage();
  page.on('pageerror', (err) => process.stderr.write(`page error: ${err.message}\n`));
  if (process.env['PULSEMESH_TRACE'])
    page.on('console', (m) => process.stderr.write(`console: ${m.text()}\n`));
  await page.goto(url);
  evaluate = (e) => page.evaluate(e);
  crash = async () => {
    const cdp = await context.newCDPSession(page);
    void cdp.send('Page.crash').catch(() => undefined); // never answers: the renderer is gone
  };
  close = () => browser.close();
} else {
  const browser = await launchFirefox();
  const page = await openFirefoxPage(browser, url);
  page.on('pageerror', (err) => process.stderr.write(`page error: ${String(err)}\n`));
  if (process.env['PULSEMESH_TRACE'])
    page.on('console', (m) => process.stderr.write(`console: ${m.text()}\n`));
  evaluate = (e) => page.evaluate(e);
  crash = async () => {
    browser.process()?.kill('SIGKILL');
  };
  close = () => browser.close();
}
await evaluate(
  'new Promise((r) => { const t = setInterval(() => { if (window.field) { clearInterval(t); r(true); } }, 20); })',
);
process.stdout.write(`${JSON.stringify({ ready: true })}\n`);

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  const { n, op, expression } = JSON.parse(line) as { n: number; op: string; expression?: string };
  const work =
    op === 'eval'
      ? evaluate(expression ?? 'undefined')
      : op === 'crash'
        ? crash()
        : Promise.reject(new Error(`unknown op ${op}`));
  work.then(
    (result) => process.stdout.write(`${JSON.stringify({ n, result: result ?? null })}\n`),
    (err: unknown) => process.stdout.write(`${JSON.stringify({ n, error: String(err) })}\n`),
  );
});
lines.on('close', () => {
  void close().finally(() => process.exit(0));
});
