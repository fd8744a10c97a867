// The collaborative-notes page (Yjs over y-webrtc, y-webrtc's own signaling server, pulsemesh
// attached with default settings) across engines: two writers in Firefox (separate user contexts,
// so y-webrtc links them over WebRTC, not BroadcastChannel) and one in Chromium. Every connection is
// monitored over the link protocol's channels 1022/1023 in both engines; edits sync; the Chromium
// renderer crashed → failed in both Firefox writers; a Firefox window closed → left.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser as PwBrowser, BrowserContext as PwContext, Page as PwPage } from 'playwright-core';
import type { Browser as FfBrowser, Page as FfPage } from 'puppeteer-core';
import { startStack, type Stack } from '../apps/demo/stack/stack.js';
import { launchChromium } from './harness/chromium.js';
import { launchFirefox, openFirefoxPage } from './harness/firefox.js';
import { peerState, until, type NotesGlobal } from './harness/notes-page.js';

/** What both drivers offer: evaluate a function in the page. */
interface AnyPage {
  evaluate<R, A>(fn: (arg: A) => R, arg: A): Promise<R>;
}

interface Writer {
  name: string;
  page: AnyPage;
  peerId: string;
}

let stack: Stack;
let chromium: PwBrowser;
let firefox: FfBrowser;
let chromiumContext: PwContext;
let chromiumPage: PwPage;
const firefoxPages: FfPage[] = [];
const writers: Writer[] = [];
const room = `notes-ff-${Math.random().toString(36).slice(2, 8)}`;

/** One `evaluate` for both drivers (playwright's and puppeteer's signatures differ only in types). */
const adapt = (p: FfPage | PwPage): AnyPage => ({
  evaluate: (fn, arg) => (p.evaluate as (f: unknown, a: unknown) => Promise<never>).call(p, fn, arg),
});

async function ready(name: string, raw: FfPage | PwPage): Promise<Writer> {
  const page = adapt(raw);
  const start = Date.now();
  while (!(await page.evaluate(() => document.body.dataset['peerId'] !== undefined, undefined))) {
    if (Date.now() - start > 30_000) throw new Error(`${name}: the notes page did not start`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const peerId = await page.evaluate(() => document.body.dataset['peerId']!, undefined);
  return { name, page, peerId };
}

const stateIn = (w: Writer, peer: string): Promise<string | undefined> => w.page.evaluate(peerState, peer);

beforeAll(async () => {
  stack = await startStack({ page: 'built', signalPort: 0, pagePort: 0, edgePeers: 0, logLevel: 'warn' });
  [chromium, firefox] = await Promise.all([launchChromium(), launchFirefox()]);
  for (const name of ['fox-1', 'fox-2']) {
    // A user context of its own: its own storage, so no BroadcastChannel to the other Firefox writer.
    const page = await openFirefoxPage(await firefox.createBrowserContext(), stack.notesUrl({ room, name }));
    firefoxPages.push(page);
    writers.push(await ready(name, page));
  }
  chromiumContext = await chromium.newContext();
  chromiumPage = await chromiumContext.newPage();
  await chromiumPage.goto(stack.notesUrl({ room, name: 'chrome-1' }));
  writers.push(await ready('chrome-1', chromiumPage));
}, 120_000);

afterAll(async () => {
  await chromium?.close();
  await firefox?.close();
  await stack?.stop();
});

describe('collaborative notes across Firefox and Chromium (y-webrtc, pulsemesh attached)', () => {
  it('every connection monitored in both engines; edits sync', async () => {
    for (const w of writers)
      await until(
        async () => {
          const states = await Promise.all(writers.filter((o) => o !== w).map((o) => stateIn(w, o.peerId)));
          return states.every((s) => s === 'healthy');
        },
        30_000,
        `${w.name} sees the two others healthy`,
      );
    for (const w of writers) {
      const view = await w.page.evaluate(() => {
        const m = (globalThis as unknown as NotesGlobal).notes.monitor;
        return { conns: m.mesh.connections().map((c) => c.state), bc: m.broadcastPeers() };
      }, undefined);
      expect(view.conns, `${w.name}: WebRTC connections, both monitored`).toEqual(['monitored', 'monitored']);
      expect(view.bc).toEqual([]);
    }
    await writers[0]!.page.evaluate(
      () => (globalThis as unknown as NotesGlobal).notes.text.insert(0, '[fox]'),
      undefined,
    );
    for (const w of writers)
      await until(
        async () =>
          (
            await w.page.evaluate(
              () => (globalThis as unknown as NotesGlobal).notes.text.toString(),
              undefined,
            )
          ).includes('[fox]'),
        15_000,
        `${w.name} has the edit`,
      );
  }, 90_000);

  it('the Chromium renderer crashed → failed in both Firefox writers; a Firefox window closed → left', async () => {
    const chrome = writers[2]!;
    const [fox1, fox2] = [writers[0]!, writers[1]!];
    const cdp = await chromiumContext.newCDPSession(chromiumPage);
    void cdp.send('Page.crash').catch(() => undefined);
    for (const w of [fox1, fox2])
      await until(
        async () => (await stateIn(w, chrome.peerId)) === 'failed',
        30_000,
        `${w.name} sees the crash`,
      );
    await firefoxPages[1]!.close({ runBeforeUnload: true });
    await until(async () => (await stateIn(fox1, fox2.peerId)) === 'left', 15_000, 'fox-1 sees fox-2 left');
  }, 90_000);
});
