// web-test-runner plugin: starts the servers browser tests need on port 0 (inside the
// loopback-only namespace) and serves their URLs as JSON at /__services.json:
//   const { signalUrl, edgeRoom, edgePeerId } = await (await fetch('/__services.json')).json();
// Services are registered lazily: a service module that is missing (not yet built) is skipped.
//
// It also answers two server commands (send them as `wtr-command` over the dev server's socket,
// like @web/test-runner-commands' executeServerCommand does):
//   'pulsemesh-hide-page'  opens a second tab in front of the test page, so the page becomes
//                          really hidden (visibilityState 'hidden', page timers clamped to 1/s);
//   'pulsemesh-show-page'  closes that tab and brings the test page back to the front.
// Headless Chromium only hides a page this way; minimizing or CDP lifecycle calls do not.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';

export function servicesPlugin() {
  const urls = {};
  const stops = [];
  const coverTabs = new Map();
  return {
    name: 'pulsemesh-services',
    async serverStart() {
      for (const start of services) {
        const started = await start();
        if (!started) continue;
        Object.assign(urls, started.urls);
        stops.push(started.stop);
      }
    },
    async serverStop() {
      await Promise.all(stops.map((stop) => stop()));
    },
    serve(context) {
      if (context.path === '/__services.json') return { body: JSON.stringify(urls), type: 'json' };
      return undefined;
    },
    async executeCommand({ command, session }) {
      if (command !== 'pulsemesh-hide-page' && command !== 'pulsemesh-show-page') return undefined;
      const page = session.browser.getPage?.(session.id);
      if (!page) throw new Error(`${command}: needs a Chromium launcher that exposes getPage()`);
      if (command === 'pulsemesh-hide-page') {
        const cover = await page.browser().newPage();
        await cover.bringToFront();
        coverTabs.set(session.id, cover);
      } else {
        await coverTabs.get(session.id)?.close();
        coverTabs.delete(session.id);
        await page.bringToFront();
      }
      return true;
    },
  };
}

/** Each entry starts one service and returns `{ urls, stop }`, or undefined to skip. */
const services = [startWebrtcServices];

/**
 * A real signaling server and a Node edge peer, in a child process (TypeScript source needs the
 * `source` condition and tsx, which this plain-Node config process does not have).
 */
async function startWebrtcServices() {
  const entry = new URL('../packages/webrtc/src/test-services.ts', import.meta.url);
  if (!existsSync(entry)) return undefined;
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', entry.pathname], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const line = await new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`webrtc test services exited early (${code})`)));
  });
  return {
    urls: JSON.parse(line),
    stop: async () => {
      child.stdin.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
