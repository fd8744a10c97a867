#!/usr/bin/env node
/**
 * CLI entry: `node --conditions=source --import tsx packages/signal-server/src/main.ts [--help]`.
 */
import { createSignalServer, mintToken } from './server/index.js';
import { ConfigError, helpText, parseCommand } from './config.js';

async function main(): Promise<number> {
  let command;
  try {
    command = parseCommand(process.argv.slice(2), process.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\n\n${helpText()}\n`);
    return 2;
  }
  if (command.kind === 'help') {
    process.stdout.write(`${helpText()}\n`);
    return 0;
  }
  if (command.kind === 'mint-token') {
    const { kind: _kind, ...options } = command;
    process.stdout.write(`${await mintToken(options)}\n`);
    return 0;
  }
  const server = createSignalServer(command.options);
  const { url } = await server.listen(command.port, command.host);
  if (!command.options.tokenSecret) server.log.warn('no --token-secret: the server is open (demo mode)');
  server.log.info({ url }, 'ready');
  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      server.log.info({ signal }, 'shutting down');
      server.close().then(resolve, (err: unknown) => {
        server.log.error({ err }, 'shutdown failed');
        resolve();
      });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  return 0;
}

main().then(
  (code) => (process.exitCode = code),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
