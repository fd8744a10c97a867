/**
 * `pnpm demo`: starts the signaling server, the demo page (Vite dev server) and two edge peers on
 * 127.0.0.1, prints the URL to open, and stops everything on Ctrl-C / SIGTERM.
 *
 *   node --conditions=source --import tsx apps/demo/stack/run.ts [--built] [--edge-peers N]
 *
 * Environment: PULSEMESH_DEMO_SIGNAL_PORT (default 8787, a free port if taken),
 * PULSEMESH_DEMO_PORT (page, default 5173), PULSEMESH_DEMO_ROOM (default `demo`).
 */
import { parseArgs } from 'node:util';
import { startStack, type Stack } from './stack.js';

const { values } = parseArgs({
  options: {
    built: { type: 'boolean', default: false },
    'edge-peers': { type: 'string', default: '2' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  process.stdout.write(
    'usage: pnpm demo [-- --built] [-- --edge-peers N]\n' +
      '  --built          serve a production build (vite build + preview) instead of the dev server\n' +
      '  --edge-peers N   Node edge peers to start (default 2)\n',
  );
  process.exit(0);
}
const envPort = (name: string): number | undefined => {
  const raw = process.env[name];
  return raw === undefined || raw === '' ? undefined : Number(raw);
};

const portOption = <K extends string>(key: K, port: number | undefined): Partial<Record<K, number>> =>
  port === undefined ? {} : ({ [key]: port } as Record<K, number>);

const bold = (s: string): string => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
const dim = (s: string): string => (process.stdout.isTTY ? `\x1b[2m${s}\x1b[0m` : s);
const time = (): string => new Date().toISOString().slice(11, 19);

// Signal handlers first: a Ctrl-C while the stack is still starting stops it as soon as it is up.
let stack: Stack | undefined;
let stopping = false;
const stop = (): void => {
  if (!stack) return; // still starting: stopped right after startStack returns
  const running = stack;
  process.stdout.write('\nstopping the edge peers (graceful leave), the page and the signaling server…\n');
  running.stop().then(
    () => {
      process.stdout.write('pulsemesh demo: stopped.\n');
      process.exit(0);
    },
    (error: unknown) => {
      process.stderr.write(`pulsemesh demo: error while stopping: ${String(error)}\n`);
      for (const edge of running.edges.values()) edge.kill();
      process.exit(1);
    },
  );
};
/**
 * A repeat within this time is the same Ctrl-C delivered twice: by the terminal (to the whole
 * process group) and forwarded by pnpm (`pnpm demo`). Only a later one means "stop now".
 */
const repeatIgnoredMs = 2_000;
let stoppingSinceMs = 0;
const shutdown = (signal: NodeJS.Signals): void => {
  if (stopping && Date.now() - stoppingSinceMs < repeatIgnoredMs) return;
  if (stopping) {
    process.stderr.write(`${signal} again: killing the edge peers and exiting now\n`);
    for (const edge of stack?.edges.values() ?? []) edge.kill();
    process.exit(1);
  }
  stopping = true;
  stoppingSinceMs = Date.now();
  process.stdout.write(`\n${signal} received.`);
  stop();
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);

process.stdout.write('pulsemesh demo: starting the signaling server, the page and the edge peers…\n');
const startedMs = Date.now();
try {
  stack = await startStack({
    page: values.built ? 'built' : 'dev',
    edgePeers: Number(values['edge-peers']),
    ...portOption('signalPort', envPort('PULSEMESH_DEMO_SIGNAL_PORT')),
    ...portOption('pagePort', envPort('PULSEMESH_DEMO_PORT')),
    ...(process.env['PULSEMESH_DEMO_ROOM'] ? { room: process.env['PULSEMESH_DEMO_ROOM'] } : {}),
    onEdgeEvent: (id, event) => {
      if (event.type === 'status-change')
        process.stdout.write(
          dim(
            `${time()} [${id}] ${String(event['peer'])}: ${String(event['from'])} → ${String(event['to'])}\n`,
          ),
        );
    },
    onEdgeStderr: (id, text) => process.stderr.write(dim(text.replace(/^(?=.)/gm, `${time()} [${id}] `))),
  });
} catch (error) {
  process.stderr.write(
    `pulsemesh demo: could not start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
}
if (stopping) stop();
else printBanner(stack);

/** Where to open the page, what runs, how to stop. */
function printBanner(stack: Stack): void {
  const openUrl = stack.signalUrl === 'ws://127.0.0.1:8787' ? stack.pageUrl : stack.tabUrl();
  process.stdout.write(
    [
      '',
      `  ${bold('pulsemesh demo is running')} (${Date.now() - startedMs} ms)`,
      '',
      `  open        ${bold(openUrl)}`,
      '              in a few tabs (each tab is a peer); add ?room=NAME for another room',
      `  signaling   ${stack.signalUrl}`,
      `  edge peers  ${[...stack.edges.keys()].join(', ')} (Node, same room: ${stack.room})`,
      `  notes       ${stack.notesUrl()}`,
      `              Yjs over y-webrtc (its own signaling server: ${stack.yWebrtcUrl}), watched by pulsemesh`,
      '',
      '  Crash, freeze or close a tab and watch the others notice.',
      '  Chromium links to the edge peers over loopback need --allow-loopback-in-peer-connection;',
      '  tab-to-tab links work in any browser.',
      '',
      `  stop        Ctrl-C (or SIGTERM ${process.pid})`,
      '',
      '',
    ].join('\n'),
  );
}

for (const edge of stack.edges.values()) {
  void edge.exited.then((code) => {
    if (!stopping) process.stderr.write(`[${edge.id}] exited unexpectedly (code ${String(code)})\n`);
  });
}
