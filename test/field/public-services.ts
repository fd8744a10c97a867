// The lab's public services, in one process run inside the public namespace: the signaling server
// (with TURN REST credentials when TURN_SECRET is set) and the field page server. Prints one JSON
// line `{ signalUrl, pageUrl }` when both listen; stops on SIGTERM or when stdin closes.
//   env: SIGNAL_HOST, SIGNAL_PORT, PAGE_HOST, PAGE_PORT, TURN_SECRET, TURN_URLS (comma-separated),
//   TURN_TTL_SECONDS and TURN_RENEW_SECONDS (credential lifetime and renewal; the server's defaults
//   when unset)
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { createSignalServer } from '@pulsemesh/signal-server';

const env = process.env;
const bundle = await build({
  entryPoints: [fileURLToPath(new URL('./page.ts', import.meta.url))],
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  conditions: ['source', 'browser'],
  write: false,
  logLevel: 'error',
});
const js = bundle.outputFiles[0]!.text;
// PULSEMESH_TRACE=1 turns on the connection manager's trace in the pages too (it reads
// `process.env` through globalThis); the agents print it (field/browser-agent.ts).
const trace = env['PULSEMESH_TRACE']
  ? '<script>globalThis.process = { env: { PULSEMESH_TRACE: "1" } };</script>'
  : '';
const html = `<!doctype html><meta charset="utf-8"><title>field</title>${trace}<script type="module" src="/field.js"></script>`;
const page = createServer((req, res) => {
  const path = (req.url ?? '/').split('?')[0];
  if (path === '/field.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(js);
  else if (path === '/') res.writeHead(200, { 'content-type': 'text/html' }).end(html);
  else res.writeHead(404).end();
});
const pageHost = env['PAGE_HOST'] ?? '127.0.0.1';
await new Promise<void>((resolve) => page.listen(Number(env['PAGE_PORT'] ?? 0), pageHost, resolve));
const pagePort = (page.address() as { port: number }).port;

const seconds = (key: 'ttlSeconds' | 'renewAfterSeconds', name: string) =>
  env[name] ? { [key]: Number(env[name]) } : {};
const turn = env['TURN_SECRET']
  ? {
      turn: {
        secret: env['TURN_SECRET'],
        urls: (env['TURN_URLS'] ?? '').split(','),
        ...seconds('ttlSeconds', 'TURN_TTL_SECONDS'),
        ...seconds('renewAfterSeconds', 'TURN_RENEW_SECONDS'),
      },
    }
  : {};
const signal = createSignalServer({ logLevel: 'warn', ...turn });
const { url: signalUrl } = await signal.listen(
  Number(env['SIGNAL_PORT'] ?? 0),
  env['SIGNAL_HOST'] ?? '127.0.0.1',
);
process.stdout.write(`${JSON.stringify({ signalUrl, pageUrl: `http://${pageHost}:${pagePort}/` })}\n`);

let stopping = false;
const stop = async (): Promise<void> => {
  if (stopping) return;
  stopping = true;
  page.close();
  await signal.close();
  process.exit(0);
};
process.once('SIGTERM', () => void stop());
process.stdin.on('end', () => void stop());
process.stdin.resume();
