// Browser tests (*.browser.test.ts) in Debian's Chromium, never a downloaded browser.
// Run through scripts/netns.sh so WebRTC only ever sees loopback.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromeLauncher } from '@web/test-runner-chrome';
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { servicesPlugin } from './scripts/wtr-services.js';
import { simplePeerPlugin } from './scripts/wtr-simple-peer.js';
import { countReporter } from './scripts/wtr-count-reporter.js';
import { defaultReporter } from '@web/test-runner';

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

export default {
  files: ['packages/*/src/**/*.browser.test.ts', 'apps/*/src/**/*.browser.test.ts'],
  nodeResolve: { exportConditions: ['source', 'browser', 'development'] },
  concurrency: 1,
  reporters: [defaultReporter(), countReporter('.tmp/results/wtr.json')],
  testsFinishTimeout: 180_000,
  browserStartTimeout: 60_000,
  testFramework: { config: { timeout: 30_000 } },
  browsers: [
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
  ],
  plugins: [
    simplePeerPlugin(),
    servicesPlugin(),
    esbuildPlugin({
      ts: true,
      target: 'es2022',
      tsconfig: new URL('./tsconfig.base.json', import.meta.url).pathname,
    }),
  ],
};
