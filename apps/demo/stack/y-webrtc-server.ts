/**
 * y-webrtc's own signaling server (`bin/server.js` of the registry package, unmodified) as a child
 * process on 127.0.0.1, for the collaborative-notes page: the app keeps its signaling, pulsemesh
 * adds none. It listens on all interfaces (its code); the demo and the tests run it on loopback
 * (tests inside the loopback-only namespace).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';

/** A running y-webrtc signaling server. */
export interface YWebrtcServer {
  url: string;
  stop(): Promise<void>;
}

/** Starts `y-webrtc/bin/server.js` on a free port; resolves once it prints its banner. */
export async function startYWebrtcServer(): Promise<YWebrtcServer> {
  const serverJs = join(
    dirname(createRequire(import.meta.url).resolve('y-webrtc')),
    '..',
    'bin',
    'server.js',
  );
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, [serverJs], {
    env: { ...process.env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`y-webrtc signaling server exited (${code})`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('Signaling server running')) resolve();
    });
  });
  return {
    url: `ws://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        // Gone already (a terminal's Ctrl-C reaches the whole process group, this child included):
        // killed by a signal, its exitCode stays null and no second 'exit' comes.
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
