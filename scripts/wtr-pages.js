// web-test-runner plugin: more pages (tabs) in the test page's own browser profile, for tests about
// several tabs of one browser (BroadcastChannel, same-origin storage). In Chromium and in Firefox.
//
// A page in the test page's browser context loads one module: `/__pulsemesh-page.html?module=/path.ts`
// (served here; the dev server transforms the module as it does the tests). Server commands (send
// them as `wtr-command`, see packages/webrtc/src/browser-test-support.ts):
//   'pulsemesh-page-open'  { module, query? }  → { id }   opens the page in a window of its own
//                                                           (a background tab would be hidden)
//   'pulsemesh-page-eval'  { id, expression }  → { value } evaluates `expression` in it (JSON result)
//   'pulsemesh-page-close' { id, beforeUnload } → true    closes it (with unload handlers if asked)
// Pages left open are closed when the test session ends.

const pagePath = '/__pulsemesh-page.html';

export function pagesPlugin() {
  /** @type {Map<string, { page: import('puppeteer-core').Page, session: string }>} */
  const pages = new Map();
  let next = 0;
  return {
    name: 'pulsemesh-pages',
    serve(context) {
      if (context.path !== pagePath) return undefined;
      const module = new URL(context.url, 'http://x').searchParams.get('module') ?? '';
      if (!/^\/[\w./-]+\.ts$/.test(module) || module.includes('..'))
        return { body: 'bad module path', status: 400 };
      return {
        body: `<!doctype html><meta charset="utf-8"><title>pulsemesh page</title><script type="module" src="${module}"></script>`,
        type: 'html',
      };
    },
    async executeCommand({ command, payload, session }) {
      if (!command.startsWith('pulsemesh-page-')) return undefined;
      if (command === 'pulsemesh-page-open') {
        const testPage = session.browser.getPage?.(session.id);
        if (!testPage) throw new Error(`${command}: needs a launcher that exposes getPage()`);
        // A window of its own: a second tab would hide the test page (or this one, in Firefox).
        const page = await testPage.browserContext().newPage({ type: 'window' });
        const url = new URL(pagePath, testPage.url());
        url.searchParams.set('module', payload.module);
        for (const [k, v] of Object.entries(payload.query ?? {})) url.searchParams.set(k, String(v));
        page.on('pageerror', (err) => process.stderr.write(`[extra page] ${err.message}\n`));
        await page.goto(url.href);
        const id = `p${next++}`;
        pages.set(id, { page, session: session.id });
        return { id };
      }
      const entry = pages.get(payload.id);
      if (!entry) throw new Error(`${command}: no page ${payload.id}`);
      // Wrapped: the runner takes a null/undefined result for "command not handled".
      if (command === 'pulsemesh-page-eval') return { value: await entry.page.evaluate(payload.expression) };
      if (command === 'pulsemesh-page-close') {
        pages.delete(payload.id);
        await entry.page.close({ runBeforeUnload: Boolean(payload.beforeUnload) });
        return true;
      }
      return undefined;
    },
    async serverStop() {
      await Promise.all([...pages.values()].map(({ page }) => page.close().catch(() => undefined)));
      pages.clear();
    },
  };
}
