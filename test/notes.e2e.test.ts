// The collaborative-notes page (Yjs over y-webrtc with y-webrtc's own signaling server, pulsemesh
// attached with default settings): four writers in separate browser contexts, one renderer crashed
// (CDP Page.crash). Every survivor's pulsemesh marks it failed while y-webrtc's awareness (in the
// writer that runs without the awareness helper) still lists it; survivors keep syncing edits; two
// tabs of one context are linked over BroadcastChannel and watched too. Times are printed, not
// asserted; the benchmark with floors is scripts/bench-attach.ts (bench-results/attach.json).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startStack, type Stack } from '../apps/demo/stack/stack.js';
import { launchChromium } from './harness/chromium.js';
import { peerState, until, type NotesGlobal } from './harness/notes-page.js';

interface Writer {
  name: string;
  context: BrowserContext;
  page: Page;
  peerId: string;
}

let stack: Stack;
let browser: Browser;
const writers: Writer[] = [];

async function openWriter(
  context: BrowserContext,
  name: string,
  query: Record<string, string> = {},
): Promise<Writer> {
  const page = await context.newPage();
  page.on('pageerror', (err) => process.stderr.write(`[${name}] page error: ${err.message}\n`));
  await page.goto(stack.notesUrl({ room: 'notes-e2e', name, ...query }));
  await page.waitForFunction(() => document.body.dataset['peerId'] !== undefined, undefined, {
    timeout: 20_000,
  });
  const peerId = await page.evaluate(() => document.body.dataset['peerId']!);
  // Wall-clock time at which this writer's mesh declared each peer failed.
  await page.evaluate(() => {
    const g = globalThis as unknown as NotesGlobal;
    g.failedAt = {};
    g.notes.monitor.mesh.addEventListener('status-change', (e) => {
      const d = (e as CustomEvent<{ peer: string; to: string }>).detail;
      if (d.to === 'failed') g.failedAt![d.peer] ??= Date.now();
    });
  });
  return { name, context, page, peerId };
}

const stateIn = (w: Writer, peer: string): Promise<string | undefined> => w.page.evaluate(peerState, peer);

beforeAll(async () => {
  stack = await startStack({ page: 'built', signalPort: 0, pagePort: 0, edgePeers: 0, logLevel: 'warn' });
  browser = await launchChromium();
  for (let i = 1; i <= 4; i++) {
    // Without the awareness helper (`honest=0`): awareness shows what y-webrtc alone does (a
    // helper in any tab would remove the crashed writer everywhere: the removal is broadcast).
    writers.push(await openWriter(await browser.newContext(), `w${i}`, { honest: '0' }));
  }
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

describe('collaborative notes: y-webrtc with pulsemesh attached (real Chromium, default settings)', () => {
  it('four writers: every connection monitored, edits sync', async () => {
    for (const w of writers)
      await until(
        async () => {
          const others = writers.filter((o) => o !== w);
          const states = await Promise.all(others.map((o) => stateIn(w, o.peerId)));
          return states.every((s) => s === 'healthy');
        },
        30_000,
        `${w.name} sees the three others healthy`,
      );
    for (const w of writers)
      await w.page.evaluate(
        (n) => (globalThis as unknown as NotesGlobal).notes.text.insert(0, `[${n}]`),
        w.name,
      );
    for (const w of writers)
      await until(
        async () => {
          const t = await w.page.evaluate(() => (globalThis as unknown as NotesGlobal).notes.text.toString());
          return writers.every((o) => t.includes(`[${o.name}]`));
        },
        15_000,
        `${w.name} has every edit`,
      );
    const conns = await writers[0]!.page.evaluate(() =>
      (globalThis as unknown as NotesGlobal).notes.monitor.mesh.connections().map((c) => c.state),
    );
    expect(conns).toEqual(['monitored', 'monitored', 'monitored']);
  }, 90_000);

  it('a crashed renderer is failed at every survivor while awareness still lists it; edits keep syncing', async () => {
    const victim = writers[3]!;
    const survivors = writers.slice(0, 3);
    const awarenessNames = (w: Writer): Promise<string[]> =>
      w.page.evaluate(() =>
        [...(globalThis as unknown as NotesGlobal).notes.provider.awareness.getStates().values()].map((s) =>
          String(s['name']),
        ),
      );
    expect(await awarenessNames(writers[1]!)).toContain(victim.name);
    const crashedAt = Date.now();
    const cdp = await victim.context.newCDPSession(victim.page);
    void cdp.send('Page.crash').catch(() => undefined);
    for (const w of survivors)
      await until(
        async () => (await stateIn(w, victim.peerId)) === 'failed',
        20_000,
        `${w.name} sees the crash`,
      );
    const failedMs = await Promise.all(
      survivors.map((w) =>
        w.page.evaluate((p) => (globalThis as unknown as NotesGlobal).failedAt![p]!, victim.peerId),
      ),
    );
    // y-webrtc's awareness alone still lists the crashed writer everywhere.
    for (const w of survivors) expect(await awarenessNames(w)).toContain(victim.name);
    // Survivors keep editing together.
    await writers[0]!.page.evaluate(() =>
      (globalThis as unknown as NotesGlobal).notes.text.insert(0, '[after]'),
    );
    for (const w of survivors)
      await until(
        async () =>
          (
            await w.page.evaluate(() => (globalThis as unknown as NotesGlobal).notes.text.toString())
          ).includes('[after]'),
        10_000,
        `${w.name} has the edit made after the crash`,
      );
    // How long awareness alone keeps the crashed writer (y-protocols: 30 s without an update).
    await until(
      async () => !(await awarenessNames(writers[1]!)).includes(victim.name),
      45_000,
      'awareness timeout',
    );
    const awarenessGoneMs = Date.now() - crashedAt;
    const detection = failedMs.map((t) => t - crashedAt).sort((a, b) => a - b);
    process.stdout.write(
      `renderer crash → failed at ${detection.join(', ')} ms (3 survivors); awareness alone: ${awarenessGoneMs} ms\n`,
    );
  }, 90_000);

  it('two tabs of one browser context, linked by y-webrtc over BroadcastChannel, are watched too', async () => {
    const context = writers[0]!.context;
    const twin = await openWriter(context, 'w1-twin');
    await until(
      async () => (await stateIn(twin, writers[0]!.peerId)) === 'healthy',
      20_000,
      'the twin tab sees its sibling healthy',
    );
    const bcPeers = await twin.page.evaluate(() =>
      (globalThis as unknown as NotesGlobal).notes.monitor.broadcastPeers(),
    );
    expect(bcPeers).toContain(writers[0]!.peerId);
    await twin.page.close({ runBeforeUnload: true });
    await until(async () => (await stateIn(writers[0]!, twin.peerId)) === 'left', 10_000, 'twin left');
  }, 60_000);
});
