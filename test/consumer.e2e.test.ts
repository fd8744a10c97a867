// The consumer test, part 2 (inside the loopback-only namespace). Part 1, test/consumer/prepare.mjs,
// packed every package, installed the tarballs with npm into a fresh app and a server folder outside
// the repo, type-checked and built the app (it needs the registry, so scripts/test.sh runs it first,
// outside the namespace). Here: the CLIs installed from their tarballs start and serve, and three
// pages (the Vite build, a plain HTML page with only the no-bundler file, a React page) each join a
// room with an edge peer and show it healthy in <pulse-mesh>'s shadow DOM. See test/README.md.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { extname, join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './harness/chromium.js';

interface Prepared {
  app: string;
  server: string;
  cdnGzipBytes: number;
}

const stateFile = new URL('../.tmp/consumer.json', import.meta.url).pathname;
/**
 * Budget of the no-bundler file (README): Lit, elements, detector, WebRTC, signaling client. It
 * was 100 KB at 92.9 KB; the features of one session (trust and signed identities, past members,
 * analytics) brought the file to 101.2 KB, so 110 KB: room for about one more session of such
 * growth, while a dependency that drags in a sizeable library still trips it. Sessions 16-19's
 * defences filled it (112,296 B at session 19's end) and session 20's (attach key proofs,
 * per-member budgets, the dashboard's first-hand count: +3.2 KB, 115,466 B) passed it, all our own
 * code, no new dependency (docs/decisions/0053-…), so 120 KB, on the same reasoning.
 */
const cdnBudgetGzipBytes = 120 * 1024;

function prepared(): Prepared {
  if (!existsSync(stateFile)) {
    throw new Error('no .tmp/consumer.json: run `node test/consumer/prepare.mjs` first (outside the netns)');
  }
  return JSON.parse(readFileSync(stateFile, 'utf8')) as Prepared;
}

/**
 * The CLI lines of README.md's "Use it in an app" (`npx <bin> --flag value …`), each with the
 * values of the flags in `values` replaced (a free port, this test's signal URL and room).
 */
function readmeCli(bin: string, values: Record<string, string>): string[] {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const line = readme.match(new RegExp(`^npx ${bin} ([^#\\n]*)`, 'm'))?.[1];
  if (line === undefined) throw new Error(`README.md: no "npx ${bin} …" line`);
  const args = line.trim().split(/\s+/);
  for (const [flag, value] of Object.entries(values)) {
    const at = args.indexOf(flag);
    if (at < 0) throw new Error(`README.md: "npx ${bin}" has no ${flag}`);
    args[at + 1] = value;
  }
  return args;
}

/** One JSON line of a CLI's stdout (pino logs, the edge peer's --json events), or undefined. */
function jsonLine<T>(line: string): Partial<T> | undefined {
  try {
    return JSON.parse(line) as Partial<T>;
  } catch {
    return undefined; // not a JSON line: nothing to read from it
  }
}

/** Starts an installed CLI with plain node; resolves with the first stdout line `pick` accepts. */
function startCli(
  file: string,
  args: string[],
  pick: (line: string) => string | undefined,
): Promise<{ child: ChildProcess; value: string }> {
  const child = spawn(process.execPath, [file, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      const value = pick(line);
      if (value !== undefined) resolve({ child, value });
    });
    child.once('exit', (code) => reject(new Error(`${file} exited (${code}) before it was ready`)));
  });
}

const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };

/** Serves the app's Vite build at / and the plain page at /plain/, with the signal URL filled in. */
function serveApp(app: string, signalUrl: string, room: string): Promise<{ server: Server; origin: string }> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const file = path.startsWith('/plain/')
      ? join(app, 'plain', path.slice('/plain/'.length) || 'index.html')
      : join(app, 'dist', path === '/' ? 'index.html' : path);
    if (!existsSync(file) || file.includes('..')) {
      res.writeHead(404).end();
      return;
    }
    let body: string | Buffer = readFileSync(file);
    if (file.endsWith('.html')) {
      body = body.toString('utf8').replaceAll('__SIGNAL_URL__', signalUrl).replaceAll('__ROOM__', room);
    }
    res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' }).end(body);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      resolve({ server, origin: `http://127.0.0.1:${port}` });
    }),
  );
}

/** Peer id → state, read from <pulse-mesh> → <pulse-peer-table> rows in the shadow DOM. */
function tableStates(): Record<string, string> {
  const states: Record<string, string> = {};
  const table = document.querySelector('pulse-mesh')?.shadowRoot?.querySelector('pulse-peer-table');
  for (const row of table?.shadowRoot?.querySelectorAll('tr[data-peer]') ?? []) {
    states[row.getAttribute('data-peer') ?? ''] = row.getAttribute('data-state') ?? '';
  }
  return states;
}

describe('consumer: packages installed from their tarballs by npm, outside the workspace', () => {
  const state = prepared();
  const bin = (name: string): string => join(state.server, 'node_modules/.bin', name);
  const room = 'consumer-room';
  let signal: ChildProcess | undefined;
  let edge: ChildProcess | undefined;
  let edgeId = '';
  let signalUrl = '';
  let web: Server | undefined;
  let origin = '';
  let browser: Browser | undefined;
  const edgeSaw = new Set<string>();

  beforeAll(async () => {
    // The README's commands, run from the installed bins with plain node (no npx: its signal
    // forwarding is not under test); a free port, and this test's room.
    const signalArgs = readmeCli('pulsemesh-signal', { '--port': '0' });
    const started = await startCli(bin('pulsemesh-signal'), signalArgs, (line) => {
      const entry = jsonLine<{ msg: string; url: string }>(line);
      return entry?.msg === 'ready' ? entry.url : undefined;
    });
    signal = started.child;
    signalUrl = started.value;
    const edgeArgs = readmeCli('pulsemesh-edge-peer', { '--signal': signalUrl, '--room': room });
    // The namespace has only loopback: ICE needs the bind address there (README of the edge peer).
    edgeArgs.push('--bind-address', '127.0.0.1', '--json');
    const peer = await startCli(bin('pulsemesh-edge-peer'), edgeArgs, (line) => {
      const entry = jsonLine<{ type: string; self: string; peer: string; to: string }>(line);
      if (entry?.type === 'status-change' && entry.to === 'healthy' && entry.peer) edgeSaw.add(entry.peer);
      if (entry?.type === 'join' && entry.peer) edgeSaw.add(entry.peer);
      return entry?.type === 'start' ? entry.self : undefined;
    });
    edge = peer.child;
    edgeId = peer.value;
    ({ server: web, origin } = await serveApp(state.app, signalUrl, room));
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    web?.close();
    for (const child of [edge, signal]) child?.kill('SIGTERM');
  });

  it('keeps the no-bundler file under its gzip budget', () => {
    console.log(`no-bundler file: ${state.cdnGzipBytes} bytes gzip (budget ${cdnBudgetGzipBytes})`);
    expect(state.cdnGzipBytes).toBeGreaterThan(20_000);
    expect(state.cdnGzipBytes).toBeLessThan(cdnBudgetGzipBytes);
  });

  it('answers --help through npx and serves from the installed bins', () => {
    // npx finds the bins the server folder installed; nothing is fetched (no network here, and npm
    // is told so: no update check, no registry look-up that would wait for a timeout).
    const env = { ...process.env, npm_config_update_notifier: 'false', npm_config_offline: 'true' };
    const help = (name: string): string =>
      execFileSync('npx', ['--no-install', name, '--help'], { cwd: state.server, encoding: 'utf8', env });
    expect(help('pulsemesh-signal')).toContain('usage: pulsemesh-signal');
    expect(help('pulsemesh-edge-peer')).toContain('usage: pulsemesh-edge-peer');
    expect(signalUrl).toMatch(/^ws:\/\/127\.0\.0\.1:\d+/);
    expect(edgeId).not.toBe('');
  });

  for (const [page, path] of [
    ['the Vite build (attribute mode)', '/'],
    ['a plain HTML page with only the no-bundler file', '/plain/'],
    ['a React page (@pulsemesh/elements/react + createMesh)', '/react.html'],
  ] as const) {
    it(`${page}: joins the room and shows the edge peer healthy`, async () => {
      const tab = await browser!.newPage();
      const errors: string[] = [];
      tab.on('pageerror', (err) => errors.push(err.message));
      try {
        await tab.goto(`${origin}${path}?signal=${encodeURIComponent(signalUrl)}&room=${room}`);
        await tab
          .waitForFunction(
            (id) => {
              const table = document
                .querySelector('pulse-mesh')
                ?.shadowRoot?.querySelector('pulse-peer-table');
              const row = table?.shadowRoot?.querySelector(`tr[data-peer="${id}"]`);
              return row?.getAttribute('data-state') === 'healthy';
            },
            edgeId,
            { timeout: 30_000 },
          )
          .catch(async (e: unknown) => {
            console.log(
              await tab.evaluate(() =>
                document.querySelector('pulse-mesh')?.shadowRoot?.innerHTML.slice(0, 2000),
              ),
            );
            throw e;
          });
        const states = await tab.evaluate(tableStates);
        expect(states[edgeId]).toBe('healthy');
        const pageId = await tab.evaluate(() => {
          const mesh = document.querySelector('pulse-mesh') as unknown as { mesh?: { localId?: string } };
          return mesh.mesh?.localId ?? '';
        });
        expect(pageId).not.toBe('');
        // And the other way: the edge peer (a separate Node process) saw this page's peer join.
        await expect.poll(() => edgeSaw.has(pageId), { timeout: 30_000 }).toBe(true);
        expect(errors).toEqual([]);
      } finally {
        await tab.close();
      }
    }, 90_000);
  }
});
