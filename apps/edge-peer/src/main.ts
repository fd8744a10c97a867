#!/usr/bin/env node
// The edge peer CLI: `node --conditions=source --import tsx apps/edge-peer/src/main.ts --help`.
import { helpText, parseEdgePeerArgs } from './args.js';
import { useDaemonFlags } from './daemon-flags.js';

// V8 flags first, then the peer's code (a dynamic import, so it loads under them): decision 0025.
useDaemonFlags();

const parsed = parseEdgePeerArgs(process.argv.slice(2), process.env);
if (!parsed.ok) {
  process.stderr.write(`error: ${parsed.error}\n\n${helpText}\n`);
  process.exit(2);
}
if (parsed.args.help) {
  process.stdout.write(`${helpText}\n`);
  process.exit(0);
}

const { startEdgePeer } = await import('./edge-peer.js');
const peer = await startEdgePeer(parsed.args, {
  write: (text) => process.stdout.write(text),
  isTTY: Boolean(process.stdout.isTTY),
});

let signals = 0;
const shutdown = (signal: NodeJS.Signals): void => {
  signals += 1;
  if (signals > 1) process.exit(1); // a second Ctrl-C: do not wait for the goodbye
  process.stderr.write(`${signal}: leaving the mesh\n`);
  peer.stop().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`error while leaving: ${String(err)}\n`);
      process.exit(1);
    },
  );
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
