/**
 * Serves the demo page: the Vite dev server (`dev`, for people hacking on it) or a production
 * build served by `vite preview` (`built`, what the end-to-end tests use: no on-demand transforms
 * or dependency re-optimisation while tabs load).
 */
import { fileURLToPath } from 'node:url';
import { build, createServer, preview } from 'vite';

/** Which page to serve. */
export type PageMode = 'dev' | 'built';

/** A running page server. */
export interface PageServer {
  /** Base URL, e.g. `http://127.0.0.1:5173/`. */
  url: string;
  close(): Promise<void>;
}

const demoRoot = fileURLToPath(new URL('..', import.meta.url));
const configFile = fileURLToPath(new URL('../vite.config.ts', import.meta.url));

/**
 * Starts the page server on 127.0.0.1 (`port` 0: any free port; otherwise the next free one from
 * `port` up). `signalUrl` becomes the page's default signaling URL (`VITE_SIGNAL_URL`).
 */
export async function startPageServer(mode: PageMode, port: number, signalUrl: string): Promise<PageServer> {
  process.env['VITE_SIGNAL_URL'] = signalUrl;
  const common = { configFile, root: demoRoot, logLevel: 'warn' as const, clearScreen: false };
  if (mode === 'dev') {
    // Vite's dev server exits the process on SIGTERM by itself; the stack stops in order instead.
    const sigtermBefore = new Set(process.listeners('SIGTERM'));
    const server = await createServer({ ...common, server: { host: '127.0.0.1', port, strictPort: false } });
    await server.listen();
    for (const listener of process.listeners('SIGTERM'))
      if (!sigtermBefore.has(listener)) process.off('SIGTERM', listener);
    return { url: pickUrl(server.resolvedUrls?.local), close: () => server.close() };
  }
  const outDir = fileURLToPath(new URL('../dist/', import.meta.url));
  await build({ ...common, build: { outDir, emptyOutDir: true } });
  const server = await preview({ ...common, preview: { host: '127.0.0.1', port, strictPort: false } });
  return {
    url: pickUrl(server.resolvedUrls?.local),
    close: () => new Promise<void>((resolve) => server.httpServer.close(() => resolve())),
  };
}

function pickUrl(urls: readonly string[] | undefined): string {
  const url = urls?.find((u) => u.includes('127.0.0.1')) ?? urls?.[0];
  if (!url) throw new Error('demo page server: no local URL');
  return url.endsWith('/') ? url : `${url}/`;
}
