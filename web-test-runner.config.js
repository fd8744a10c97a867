// Browser tests (*.browser.test.ts) in Debian's Chromium and Debian's firefox-esr (over WebDriver
// BiDi, through puppeteer-core), never a downloaded browser. Run through scripts/netns.sh so WebRTC
// only ever sees loopback. Every file runs in both engines, one engine after the other (a test that
// one engine cannot run skips itself there and says why). One engine only:
// PULSEMESH_BROWSERS=chromium (or firefox).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromeLauncher, puppeteerCore } from '@web/test-runner-chrome';
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { servicesPlugin } from './scripts/wtr-services.js';
import { pagesPlugin } from './scripts/wtr-pages.js';
import { simplePeerPlugin } from './scripts/wtr-simple-peer.js';
import { countReporter } from './scripts/wtr-count-reporter.js';
import { defaultReporter } from '@web/test-runner';
import { firefoxLaunchOptions } from './test/harness/firefox-prefs.js';

export const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--allow-loopback-in-peer-connection',
  '--use-fake-ui-for-media-stream',
];

const launchers = {
  chromium: () =>
    chromeLauncher({
      launchOptions: {
        executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
        headless: true,
        // Throttle hidden pages as a real browser does (puppeteer turns that off by default), so
        // the hidden-tab test in packages/webrtc measures the real 1/s timer clamp.
        ignoreDefaultArgs: [
          '--disable-background-timer-throttling',
          '--disable-renderer-backgrounding',
          '--disable-backgrounding-occluded-windows',
        ],
        args: [...chromiumArgs, `--user-data-dir=${mkdtempSync(join(tmpdir(), 'pulsemesh-wtr-'))}`],
      },
    }),
  // The same launcher class drives Firefox when handed puppeteer-core and `browser: 'firefox'`
  // (that is all @web/test-runner-puppeteer does, but it depends on `puppeteer`, which downloads a
  // browser at install). Each test page gets its own window: a background tab would be hidden.
  firefox: () =>
    chromeLauncher({
      puppeteer: puppeteerCore,
      launchOptions: firefoxLaunchOptions(),
      createPage: ({ context }) => context.newPage({ type: 'window' }),
    }),
};
const engines = (process.env.PULSEMESH_BROWSERS ?? 'chromium,firefox').split(',').filter(Boolean);
for (const engine of engines)
  if (!(engine in launchers)) throw new Error(`PULSEMESH_BROWSERS: unknown ${engine}`);

export default {
  files: ['packages/*/src/**/*.browser.test.ts', 'apps/*/src/**/*.browser.test.ts'],
  nodeResolve: { exportConditions: ['source', 'browser', 'development'] },
  concurrency: 1,
  concurrentBrowsers: 1,
  reporters: [defaultReporter(), countReporter('.tmp/results/wtr.json')],
  testsFinishTimeout: 180_000,
  browserStartTimeout: 60_000,
  testFramework: { config: { timeout: 30_000 } },
  browsers: engines.map((engine) => launchers[engine]()),
  plugins: [
    simplePeerPlugin(),
    servicesPlugin(),
    pagesPlugin(),
    esbuildPlugin({
      ts: true,
      target: 'es2022',
      tsconfig: new URL('./tsconfig.base.json', import.meta.url).pathname,
    }),
  ],
};
