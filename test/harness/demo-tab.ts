// One tab of the demo page, driven by playwright-core, read through its UI: the states come from
// the shadow DOM of <pulse-mesh> → <pulse-peer-table> (rows carry data-peer and data-state).
import type { Browser, BrowserContext, Page } from 'playwright-core';

/** What one tab's peer table shows: peer id → state, and peer id → lifecycle cell text. */
export interface TableView {
  states: Record<string, string>;
  lifecycles: Record<string, string>;
  signal: string;
}

/** A `failed` transition as the tab's own detector recorded it. */
export interface FailedEntry {
  peer: string;
  /** The tab's detector clock (its `performance.now()`, ms): compare with {@link DemoTab.clockMs}. */
  atMs: number;
}

/** A demo tab in its own browser context (own renderer process, so a crash takes only this one). */
export class DemoTab {
  private constructor(
    readonly id: string,
    readonly context: BrowserContext,
    readonly page: Page,
  ) {}

  /**
   * Opens `url` and waits until the page's peer has started. With `id` the URL should carry `id=`;
   * without, the tab runs its kept identity and the id is read from the page. `context`: open it
   * next to another tab of the same profile (default: a context of its own).
   */
  static async open(browser: Browser, url: string, id?: string, context?: BrowserContext): Promise<DemoTab> {
    context ??= await browser.newContext();
    const page = await context.newPage();
    let label = id ?? 'tab';
    page.on('pageerror', (err) => process.stderr.write(`[${label}] page error: ${err.message}\n`));
    await page.goto(url);
    label = await DemoTab.started(page);
    return new DemoTab(id ?? label, context, page);
  }

  /** Waits until the page's peer has started; returns its id. */
  static async started(page: Page): Promise<string> {
    await page.waitForFunction(() => document.body.dataset['peerId'] !== undefined);
    return page.evaluate(() => document.body.dataset['peerId']!);
  }

  /** Clicks the demo's "Rejoin (reload)"; resolves with the id the reloaded peer runs under. */
  async rejoin(): Promise<string> {
    await Promise.all([this.page.waitForNavigation(), this.control('rejoin')]);
    return DemoTab.started(this.page);
  }

  /** The tier badge of this tab's health card (`HEALTHY`, `DEGRADED`, …). */
  async tier(): Promise<string> {
    return this.page.evaluate(() => {
      const health = document.querySelector('pulse-mesh')?.shadowRoot?.querySelector('pulse-health');
      return health?.shadowRoot?.querySelector('[part="tier"]')?.textContent?.trim() ?? '';
    });
  }

  /** This tab's Past members list: `[peer, how it ended]` of each row, newest end first. */
  async past(): Promise<string[][]> {
    return this.page.evaluate(() => {
      const el = document.querySelector('pulse-mesh')?.shadowRoot?.querySelector('pulse-past-members');
      return [...(el?.shadowRoot?.querySelectorAll('tr[data-peer]') ?? [])].map((r) => [
        r.getAttribute('data-peer') ?? '',
        r.getAttribute('data-ended') ?? '',
      ]);
    });
  }

  /** Reads the peer table and the signaling badge of this tab's UI. */
  async view(): Promise<TableView> {
    if (this.page.isClosed()) return { states: {}, lifecycles: {}, signal: 'closed' };
    return this.page.evaluate(() => {
      const states: Record<string, string> = {};
      const lifecycles: Record<string, string> = {};
      const table = document.querySelector('pulse-mesh')?.shadowRoot?.querySelector('pulse-peer-table');
      for (const row of table?.shadowRoot?.querySelectorAll('tr[data-peer]') ?? []) {
        const peer = row.getAttribute('data-peer') ?? '';
        states[peer] = row.getAttribute('data-state') ?? '';
        lifecycles[peer] = row.querySelector('.life')?.textContent?.trim() ?? '';
      }
      const signal = document.querySelector<HTMLElement>('[data-fill="signal"]')?.dataset['state'] ?? '';
      return { states, lifecycles, signal };
    });
  }

  /** Every `failed` transition this tab's detector recorded (from its history, its detector clock). */
  async failedEntries(): Promise<FailedEntry[]> {
    if (this.page.isClosed()) return [];
    return this.page.evaluate(() => {
      const demo = (window as unknown as { pulsemeshDemo: { mesh: { history(): readonly HistoryLike[] } } })
        .pulsemeshDemo;
      interface HistoryLike {
        atMs: number;
        peer: string;
        kind: string;
        to?: string;
      }
      return demo.mesh
        .history()
        .filter((e) => e.kind === 'status-change' && e.to === 'failed')
        .map((e) => ({ peer: e.peer, atMs: e.atMs }));
    });
  }

  /**
   * What this tab's own detector holds now, for a failure message: its timer lateness and
   * visibility, and per peer the state, its age, incarnation, how long ago it was last heard,
   * whether the server still holds its session (`signalPresent`), `signalingLost`, its vital signs,
   * the witnessed check's window, and its status changes in the last 30 s with their reasons (all
   * ms ago). One line per peer.
   */
  async detectorReport(): Promise<string> {
    if (this.page.isClosed()) return `${this.id}: page closed`;
    const lines = await this.page.evaluate(() => {
      interface MeshLike {
        peers(): readonly {
          id: string;
          state: string;
          sinceMs: number;
          incarnation: number;
          lastHeardMs?: number;
          direct: boolean;
          signalingLost: boolean;
          secondHand?: boolean;
          vitals?: { loadMs: number; lifecycle: string } | undefined;
        }[];
        history(): readonly { atMs: number; peer: string; kind: string; to?: string; reason?: string }[];
        timerLateness(): { lastMs: number; averageMs: number };
        signalPresent(peer: string): boolean;
        detector: { witnessWindow(peer: string): { windowMs: number } | undefined };
      }
      const { mesh } = (window as unknown as { pulsemeshDemo: { mesh: MeshLike } }).pulsemeshDemo;
      const now = performance.now();
      const ago = (t: number | undefined): string => (t === undefined ? '-' : String(Math.round(now - t)));
      const late = mesh.timerLateness();
      const head =
        `late ${Math.round(late.lastMs)} (avg ${Math.round(late.averageMs)}), ` +
        `${document.visibilityState}, history ${mesh.history().length}`;
      const peers = mesh.peers().map((p) => {
        const changes = mesh
          .history()
          .filter((e) => e.peer === p.id && e.kind === 'status-change' && now - e.atMs <= 30_000)
          .map((e) => `${e.to ?? '?'}(${e.reason ?? ''})@-${ago(e.atMs)}`)
          .join(' ');
        const v = p.vitals;
        return (
          `${p.id}: ${p.state} for ${ago(p.sinceMs)}, inc ${p.incarnation}, heard -${ago(p.lastHeardMs)}, ` +
          `${p.direct ? 'direct' : 'gossip'}${p.secondHand === true ? ' second-hand' : ''}, ` +
          `present ${mesh.signalPresent(p.id)}, signalingLost ${p.signalingLost}, ` +
          `vitals ${v === undefined ? '-' : `${v.loadMs}/${v.lifecycle}`}, ` +
          `window ${Math.round(mesh.detector.witnessWindow(p.id)?.windowMs ?? NaN)}; [${changes}]`
        );
      });
      return [head, ...peers];
    });
    return lines.map((l, i) => `  ${this.id}${i === 0 ? '' : ' sees'} ${l}`).join('\n');
  }

  /**
   * This tab's detector clock now (its `performance.now()`, ms; monotonic, unlike
   * `performance.timeOrigin + performance.now()` against another process's `Date.now()`).
   */
  async clockMs(): Promise<number> {
    return this.page.evaluate(() => performance.now());
  }

  /** Clicks a demo control (`crash`, `freeze`, `leave`, …). */
  async control(name: string): Promise<void> {
    await this.page.click(`[data-control="${name}"]`);
  }

  /** Sets a demo setting select (`freeze-ms`, `latency-ms`, `drop-percent`). */
  async setting(name: string, value: string): Promise<void> {
    await this.page.selectOption(`[data-setting="${name}"]`, value);
  }

  /** Crashes the renderer through CDP (`Page.crash`): no goodbye, no pagehide. */
  async crashRenderer(): Promise<void> {
    const cdp = await this.context.newCDPSession(this.page);
    void cdp.send('Page.crash').catch(() => undefined); // never answers: the renderer is gone
  }

  /** Closes the tab as a user does (pagehide runs, the demo says goodbye). */
  async close(): Promise<void> {
    await this.page.close({ runBeforeUnload: true });
  }

  async dispose(): Promise<void> {
    await this.context.close().catch(() => undefined);
  }
}
