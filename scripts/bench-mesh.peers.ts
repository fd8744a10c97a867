// Peers of the mesh benchmark: Chromium tabs (playwright-core, one browser context each so each
// tab has its own renderer process) and Node edge peers (the real CLI from the build, each a
// child process in a session of its own, like a deployed service: `test/harness/service.ts`).
import type { ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { PeerEvidence } from '../apps/edge-peer/src/peer-evidence.js';
import type { launchHidingChromium } from '../test/harness/chromium.js';
import { spawnService } from '../test/harness/service.js';

/** One status change as an observer recorded it (wall clock, ms). */
export interface Transition {
  t: number;
  peer: string;
  from?: string | undefined;
  to: string;
  /** The detector's reason (`witnessed`, `suspicion-timeout`, a pushed verdict...). */
  reason?: string | undefined;
  /** What the observer knew of the peer then (its reported stall, RTT, check window...). */
  evidence?: PeerEvidence | undefined;
}

/** What an observer knew of a peer when the server said its session ended (`peerEvidence`). */
export type SessionEnd = { t: number; peer: string } & PeerEvidence;

/** A late tick of a tab's detector clock and where its lateness came from (`bench-mesh.page.ts`). */
export interface LateTick {
  t: number;
  lateMs: number;
  delayMs?: number;
  armedPastMs?: number;
  toWorkerMs?: number;
  workerLateMs?: number;
  backMs?: number;
}

/** A tab's late ticks (≥ 20 ms) and main-thread long tasks (≥ 50 ms), epoch ms. */
export interface TabDiag {
  lateTicks: LateTick[];
  longTasks: { t: number; ms: number }[];
}

/** A running peer that can also observe the others. */
export interface BenchPeer {
  readonly id: string;
  readonly kind: 'tab' | 'node';
  /** Status changes recorded at or after `sinceMs` (wall clock; default: all). Tabs filter in the
   * page, so the harness's polls do not copy a long run's whole history out of each tab. */
  transitions(sinceMs?: number): Promise<Transition[]>;
  /** Current view: peer id → state. */
  states(): Promise<Record<string, string>>;
  /** Session ends this peer heard of, with what it knew of the peer then. */
  sessionEnds(): Promise<SessionEnd[]>;
}

const root = fileURLToPath(new URL('..', import.meta.url));

/** Serves the benchmark page: `/` (HTML) and `/bench.js` (the page entry, bundled by esbuild). */
export async function servePage(): Promise<{ url: string; server: Server }> {
  const bundle = await build({
    entryPoints: [`${root}scripts/bench-mesh.page.ts`],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    conditions: ['source', 'browser'],
    write: false,
    logLevel: 'error',
  });
  const js = bundle.outputFiles[0]!.text;
  const html =
    '<!doctype html><meta charset="utf-8"><title>bench</title><script type="module" src="/bench.js"></script>';
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/bench.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(js);
    else if (path === '/') res.writeHead(200, { 'content-type': 'text/html' }).end(html);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { url: `http://127.0.0.1:${port}/`, server };
}

type PuppeteerBrowser = Awaited<ReturnType<typeof launchHidingChromium>>;
type PuppeteerPage = Awaited<ReturnType<PuppeteerBrowser['newPage']>>;

/** The page's `window.bench` (`bench-mesh.page.ts`), as read from outside. */
interface BenchApi {
  events: Transition[];
  sessionEnds: SessionEnd[];
  states(): Record<string, string>;
  probes(): number;
}

/**
 * A tab in a Chromium that throttles background tabs like a real one (puppeteer,
 * `launchHidingChromium`): playwright keeps every page it drives visible, so a tab hidden there is
 * not hidden at all (the first hidden-6min runs read `visibilityState` 'visible').
 */
export class HidingTabPeer implements BenchPeer {
  readonly kind = 'tab';
  private constructor(
    readonly id: string,
    readonly page: PuppeteerPage,
  ) {}

  static async open(browser: PuppeteerBrowser, pageUrl: string, query: Record<string, string>) {
    const page = await browser.newPage();
    page.on('pageerror', (err: unknown) =>
      process.stderr.write(`[${query['id']}] page error: ${String(err)}\n`),
    );
    await page.goto(`${pageUrl}?${new URLSearchParams(query).toString()}`);
    await page.waitForFunction(() => 'bench' in window);
    return new HidingTabPeer(query['id']!, page);
  }

  async transitions(sinceMs = 0): Promise<Transition[]> {
    return this.page.isClosed()
      ? []
      : this.page.evaluate(
          (since) => (window as unknown as { bench: BenchApi }).bench.events.filter((e) => e.t >= since),
          sinceMs,
        );
  }

  async states(): Promise<Record<string, string>> {
    return this.page.evaluate(() => (window as unknown as { bench: BenchApi }).bench.states());
  }

  async probes(): Promise<number> {
    return this.page.evaluate(() => (window as unknown as { bench: BenchApi }).bench.probes());
  }

  async sessionEnds(): Promise<SessionEnd[]> {
    return this.page.isClosed()
      ? []
      : this.page.evaluate(() => (window as unknown as { bench: BenchApi }).bench.sessionEnds.slice());
  }

  async visibility(): Promise<string> {
    return this.page.evaluate(() => document.visibilityState);
  }

  /** Hides the tab: another tab of its browser comes to the front. Returns `document.visibilityState`. */
  async hide(): Promise<string> {
    const cover = await this.page.browser().newPage();
    await cover.goto('about:blank');
    await cover.bringToFront();
    return this.visibility();
  }
}

/** A Chromium tab running the page. */
export class TabPeer implements BenchPeer {
  readonly kind = 'tab';
  private constructor(
    readonly id: string,
    readonly context: BrowserContext,
    readonly page: Page,
  ) {}

  static async open(browser: Browser, pageUrl: string, query: Record<string, string>): Promise<TabPeer> {
    const context = await browser.newContext();
    const page = await context.newPage();
    page.on('pageerror', (err) => process.stderr.write(`[${query['id']}] page error: ${err.message}\n`));
    await page.goto(`${pageUrl}?${new URLSearchParams(query).toString()}`);
    await page.waitForFunction(() => 'bench' in window);
    return new TabPeer(query['id']!, context, page);
  }

  async transitions(sinceMs = 0): Promise<Transition[]> {
    if (this.page.isClosed()) return [];
    return this.page.evaluate(
      (since) =>
        (window as unknown as { bench: { events: Transition[] } }).bench.events.filter((e) => e.t >= since),
      sinceMs,
    );
  }

  async states(): Promise<Record<string, string>> {
    return this.page.evaluate(() =>
      (window as unknown as { bench: { states(): Record<string, string> } }).bench.states(),
    );
  }

  /**
   * Readies a renderer crash (CDP `Page.crash`: no goodbye, no pagehide) and returns what fires it.
   * Attaching the CDP session takes 10-200 ms on a loaded machine: it is done first, so a sample's
   * clock starts when the crash is sent, as a SIGKILL's starts at `kill`.
   */
  async prepareCrash(): Promise<() => void> {
    const cdp = await this.context.newCDPSession(this.page);
    return () => void cdp.send('Page.crash').catch(() => undefined); // never answers: the renderer is gone
  }

  /** The demo's Hang: links silent, signaling socket left open (no witness). */
  async hang(): Promise<void> {
    await this.page.evaluate(() => (window as unknown as { bench: { hang(): void } }).bench.hang());
  }

  /** Blocks the tab's main thread for `ms` (one long task); resolves when it ends. */
  async freeze(ms: number): Promise<void> {
    await this.page.evaluate(
      (d) => (window as unknown as { bench: { freeze(ms: number): void } }).bench.freeze(d),
      ms,
    );
  }

  /** Direct probes this tab's detector has sent so far. */
  async probes(): Promise<number> {
    return this.page.evaluate(() => (window as unknown as { bench: { probes(): number } }).bench.probes());
  }

  /** Session ends this tab heard of, with what it knew of the peer then. */
  async sessionEnds(): Promise<SessionEnd[]> {
    if (this.page.isClosed()) return [];
    return this.page.evaluate(() =>
      (window as unknown as { bench: { sessionEnds: SessionEnd[] } }).bench.sessionEnds.slice(),
    );
  }

  /** Its late ticks and long tasks so far. */
  async diag(): Promise<TabDiag> {
    return this.page.evaluate(() => {
      const b = (window as unknown as { bench: TabDiag }).bench;
      return { lateTicks: b.lateTicks.slice(), longTasks: b.longTasks.slice() };
    });
  }

  /** Closes the tab the way a user does (pagehide runs). */
  async closeTab(): Promise<void> {
    await this.page.close({ runBeforeUnload: true });
  }

  async dispose(): Promise<void> {
    await this.context.close().catch(() => undefined);
  }
}

/**
 * A Node edge peer: the built CLI (`main`: `ensureEdgePeerBuild()`) with `--json`, detached in a
 * session of its own (its own autogroup CPU share, as a deployed service has) and killed when the
 * benchmark exits (`spawnService`). `proc.pid` is the edge peer's own pid.
 */
export class NodePeer implements BenchPeer {
  readonly kind = 'node';
  readonly lines: Record<string, unknown>[] = [];
  readonly exited: Promise<number | null>;
  private constructor(
    readonly id: string,
    readonly proc: ChildProcess,
  ) {
    let buffer = '';
    proc.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (line.startsWith('{')) this.lines.push(JSON.parse(line) as Record<string, unknown>);
      }
    });
    this.exited = new Promise((resolve) => proc.on('exit', (code) => resolve(code)));
  }

  static start(
    main: string,
    signalUrl: string,
    room: string,
    id: string,
    config: Record<string, number>,
  ): NodePeer {
    const proc = spawnService(
      process.execPath,
      [
        main,
        `--signal=${signalUrl}`,
        `--room=${room}`,
        `--id=${id}`,
        '--json',
        '--bind-address=127.0.0.1',
        `--config=${JSON.stringify(config)}`,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    proc.stderr!.on('data', (chunk: Buffer) => process.stderr.write(`[${id}] ${chunk.toString()}`));
    return new NodePeer(id, proc);
  }

  async transitions(sinceMs = 0): Promise<Transition[]> {
    return this.lines
      .filter((l) => l['type'] === 'status-change' && Date.parse(String(l['ts'])) >= sinceMs)
      .map((l) => ({
        t: Date.parse(String(l['ts'])),
        peer: String(l['peer']),
        from: String(l['from']),
        to: String(l['to']),
        reason: String(l['reason']),
        evidence: l['evidence'] as PeerEvidence | undefined,
      }));
  }

  async sessionEnds(): Promise<SessionEnd[]> {
    return this.lines
      .filter((l) => l['type'] === 'presence' && l['present'] === false)
      .map((l) => ({
        t: Date.parse(String(l['ts'])),
        peer: String(l['peer']),
        ...(l['evidence'] as PeerEvidence),
      }));
  }

  async states(): Promise<Record<string, string>> {
    const states: Record<string, string> = {};
    for (const t of await this.transitions()) states[t.peer] = t.to;
    for (const l of this.lines)
      if (l['type'] === 'join' && !(String(l['peer']) in states)) states[String(l['peer'])] = 'healthy';
    return states;
  }
}
