import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SignalClient } from '@pulsemesh/signal';
import { startRedis } from './testing.js';
import { WebSocket } from 'ws';
import { ConfigError, SETTINGS, helpText, parseCommand } from './config.js';

describe('CLI configuration', () => {
  it('defaults to 127.0.0.1:8787 and an in-memory open server', () => {
    expect(parseCommand([], {})).toEqual({ kind: 'serve', host: '127.0.0.1', port: 8787, options: {} });
  });
  it('reads flags and env vars, flags winning', () => {
    const cmd = parseCommand(
      ['--port', '9000', '--allowed-origins', 'https://a,https://b', '--trust-proxy'],
      {
        PULSEMESH_SIGNAL_PORT: '1',
        PULSEMESH_SIGNAL_REDIS: 'redis://127.0.0.1:6379',
        PULSEMESH_SIGNAL_PEERS_PER_ROOM_MAX: '12',
      },
    );
    expect(cmd).toEqual({
      kind: 'serve',
      host: '127.0.0.1',
      port: 9000,
      options: {
        redis: 'redis://127.0.0.1:6379',
        allowedOrigins: ['https://a', 'https://b'],
        trustProxy: true,
        peersPerRoomMax: 12,
      },
    });
  });
  it('--trust-proxy-hops sets trustProxy to a hop count (flag or env), 1..16', () => {
    const hops = (argv: string[], env: Record<string, string> = {}): unknown => {
      const cmd = parseCommand(argv, env);
      return cmd.kind === 'serve' ? cmd.options.trustProxy : undefined;
    };
    expect(hops(['--trust-proxy-hops', '2'])).toBe(2);
    expect(hops(['--trust-proxy'], { PULSEMESH_SIGNAL_TRUST_PROXY_HOPS: '3' })).toBe(3);
    expect(hops(['--trust-proxy'])).toBe(true);
    expect(hops([])).toBeUndefined();
    expect(() => parseCommand(['--trust-proxy-hops', '0'], {})).toThrow(ConfigError);
    expect(() => parseCommand(['--trust-proxy-hops', '17'], {})).toThrow(ConfigError);
  });
  it('documents every setting with its env var in --help', () => {
    for (const s of SETTINGS) expect(helpText()).toContain(s.env);
    expect(parseCommand(['--help'], {})).toEqual({ kind: 'help' });
  });
  it('refuses bad input with ConfigError', () => {
    expect(() => parseCommand(['--port', 'abc'], {})).toThrow(ConfigError);
    expect(() => parseCommand(['--nope'], {})).toThrow(ConfigError);
    expect(() => parseCommand(['--log-level', 'loud'], {})).toThrow(ConfigError);
    expect(() => parseCommand(['mint-token', '--room', 'r'], {})).toThrow(ConfigError);
  });
});

interface Cli {
  url: string;
  lines: Record<string, unknown>[];
  exit: Promise<number | null>;
  kill(signal: NodeJS.Signals): void;
}

/** Starts the CLI as a real process on port 0 and resolves once it logs `ready`. */
async function startCli(env: Record<string, string>): Promise<Cli> {
  const main = fileURLToPath(new URL('./main.ts', import.meta.url));
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', main], {
    env: { ...process.env, PULSEMESH_SIGNAL_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const lines: Record<string, unknown>[] = [];
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('no ready line'));
    }, 15_000);
    let buffer = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      let nl;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = JSON.parse(buffer.slice(0, nl)) as Record<string, unknown>;
        buffer = buffer.slice(nl + 1);
        lines.push(line);
        if (line['msg'] === 'ready') {
          clearTimeout(timer);
          resolve(line['url'] as string);
        }
      }
    });
  });
  return { url, lines, exit, kill: (signal) => child.kill(signal) };
}

function roster(c: SignalClient): Promise<string[]> {
  return new Promise((resolve) =>
    c.addEventListener('roster', (e) => resolve(e.detail.peers), { once: true }),
  );
}

describe('CLI processes over a real redis-server', () => {
  it('SIGKILL one instance: its client fails over to the other and signals flow again', async () => {
    const redis = await startRedis();
    const clis: Cli[] = [];
    const clients: SignalClient[] = [];
    try {
      const env = {
        PULSEMESH_SIGNAL_REDIS: redis.url,
        PULSEMESH_SIGNAL_INSTANCE_TTL_MS: '900',
        PULSEMESH_SIGNAL_LOG_LEVEL: 'info',
      };
      const starting = [startCli(env), startCli(env)];
      for (const p of starting)
        void p.then(
          (cli) => clis.push(cli),
          () => undefined,
        );
      const [one, two] = (await Promise.all(starting)) as [Cli, Cli];
      const opts = {
        WebSocket,
        backoffMsMin: 50,
        backoffMsMax: 200,
        pingIntervalMs: 500,
        pingTimeoutMs: 500,
      };
      const a = new SignalClient({ url: two.url, room: 'r', peerId: 'a', ...opts });
      const b = new SignalClient({ url: [one.url, two.url], room: 'r', peerId: 'b', ...opts });
      clients.push(a, b);
      const first = roster(a);
      a.connect();
      await first;
      const bFirst = roster(b);
      b.connect();
      expect(await bFirst).toEqual(['a']);
      const bAgain = roster(b);
      one.kill('SIGKILL');
      expect(await one.exit).toBe(null);
      expect(await bAgain).toEqual(['a']);
      const got = new Promise<unknown>((resolve) =>
        a.addEventListener('signal', (e) => resolve(e.detail.payload), { once: true }),
      );
      b.signal('a', 'via the survivor');
      expect(await got).toBe('via the survivor');
    } finally {
      for (const c of clients) c.close();
      for (const cli of clis) cli.kill('SIGTERM');
      await Promise.all(clis.map((cli) => cli.exit));
      await redis.stop();
    }
  });
});

describe('CLI process', () => {
  it('serves clients, logs JSON and drains on SIGTERM with exit code 0', async () => {
    const { url, lines, exit, kill } = await startCli({ PULSEMESH_SIGNAL_DRAIN_TIMEOUT_MS: '500' });
    expect(url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
    const c = new SignalClient({
      url,
      room: 'r',
      peerId: 'p',
      WebSocket,
      backoffMsMin: 5_000,
      backoffMsMax: 5_000,
    });
    await new Promise<void>((resolve) => {
      c.addEventListener('roster', () => resolve());
      c.connect();
    });
    const reconnecting = new Promise<void>((resolve) =>
      c.addEventListener('state', (e) => e.detail.state === 'reconnecting' && resolve()),
    );
    kill('SIGTERM');
    expect(await exit).toBe(0);
    await reconnecting;
    c.close();
    expect(lines.some((l) => l['msg'] === 'draining')).toBe(true);
  });
});
