// coturn (Debian's `turnserver`) in the lab's public namespace, with a generated config:
// TURN REST API credentials (`use-auth-secret`), one port (443) for UDP and TCP, no TLS.
// Why plain TCP on 443 and not TLS: test/README.md ("TURN").
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { stopWithin } from './child-stop.js';
import { labAddress, type Lab } from './lab.js';
import { inheritAutogroupNice } from './service.js';

/** A running coturn. */
export interface Turn {
  /** The shared secret the signaling server mints credentials with. */
  secret: string;
  /** ICE server URLs (without credentials), all on port 443: STUN on its own address, TURN over
   * UDP and over TCP. STUN and TURN on one address and port made coturn answer libjuice's TURN
   * requests with 400 Bad Request (libjuice sends both from one socket: one 5-tuple). */
  urls: string[];
  process: ChildProcess;
  /** Lines coturn logged so far. */
  log: string[];
  /** SIGKILLs coturn (a crash: allocations vanish without a word). */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

export const turnPort = 443;

/** Starts coturn in `lab`'s public namespace and waits until it listens; `extraConfig` lines are
 * appended to its config (e.g. `max-allocate-lifetime=120`). */
export async function startTurn(
  lab: Lab,
  secret = randomBytes(24).toString('base64url'),
  extraConfig: readonly string[] = [],
): Promise<Turn> {
  const dir = mkdtempSync(join(tmpdir(), 'pm17-turn-'));
  const config = [
    `listening-ip=${labAddress.turn}`,
    `listening-ip=${labAddress.stun}`,
    `relay-ip=${labAddress.turn}`,
    `listening-port=${turnPort}`,
    'min-port=49152',
    'max-port=65535',
    'fingerprint',
    'use-auth-secret',
    `static-auth-secret=${secret}`,
    'realm=pulsemesh.lab',
    'no-tls',
    'no-dtls',
    'no-cli',
    'no-multicast-peers',
    `userdb=${join(dir, 'turndb')}`,
    `pidfile=${join(dir, 'turnserver.pid')}`,
    'log-file=stdout',
    'simple-log',
    ...(process.env['PM17_TURN_VERBOSE'] ? ['verbose'] : []),
    ...extraConfig,
  ].join('\n');
  const file = join(dir, 'turnserver.conf');
  writeFileSync(file, `${config}\n`, { mode: 0o600 });
  // In a session of its own, as deployed (test/harness/service.ts): its own CPU share.
  const child = lab.spawn('public', '/usr/bin/turnserver', ['-c', file], { detached: true });
  if (child.pid !== undefined) inheritAutogroupNice(child.pid);
  const log: string[] = [];
  let buffer = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    const lines = buffer.split('\n');
    buffer = lines.pop() ?? '';
    log.push(...lines);
  });
  child.stderr!.on('data', (chunk: Buffer) => log.push(chunk.toString().trimEnd()));
  // coturn logs nothing when its listeners open (at this verbosity): connect until TCP answers.
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`coturn exited (${child.exitCode}):\n${log.join('\n')}`);
    const up = await lab.exec('public', 'bash', '-c', `exec 3<>/dev/tcp/${labAddress.turn}/${turnPort}`).then(
      () => true,
      () => false,
    );
    if (up) break;
    if (Date.now() > deadline) throw new Error(`coturn did not start:\n${log.join('\n')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const end = async (signal: NodeJS.Signals): Promise<void> => {
    try {
      await stopWithin(child, 'coturn', { signal, graceMs: 5_000 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  return {
    secret,
    urls: [
      `stun:${labAddress.stun}:${turnPort}`,
      `turn:${labAddress.turn}:${turnPort}?transport=udp`,
      `turn:${labAddress.turn}:${turnPort}?transport=tcp`,
    ],
    process: child,
    log,
    kill: () => end('SIGKILL'),
    stop: () => end('SIGTERM'),
  };
}
