// `pnpm demo` as a person runs it: scripts/demo.sh starts the stack, prints the URL, serves the
// page, and stops every child on SIGTERM (and on SIGINT), exiting 0 with nothing left running.
// Inside the loopback-only namespace: bash scripts/netns.sh vitest run test/demo-cli.test.ts
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const started: ChildProcess[] = [];

afterEach(() => {
  for (const child of started.splice(0)) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    // A detached one leads its own process group: take the group (pnpm's children too).
    if (groupLeaders.has(child)) process.kill(-child.pid!, 'SIGKILL');
    else child.kill('SIGKILL');
  }
});
const groupLeaders = new WeakSet<ChildProcess>();

/** Starts scripts/demo.sh (or `command`); resolves with the banner once it says where to open the page. */
async function startDemo(
  env: Record<string, string>,
  command: readonly string[] = ['bash', 'scripts/demo.sh'],
  ownGroup = false,
): Promise<{ child: ChildProcess; banner: string; output: () => string }> {
  const [file, ...args] = command as [string, ...string[]];
  let output = '';
  const child = spawn(file, args, {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, as a terminal's foreground job: a Ctrl-C there reaches every process
    // in the group at once (pnpm, the orchestrator, the page server's helpers).
    detached: ownGroup,
  });
  started.push(child);
  if (ownGroup) groupLeaders.add(child);
  let banner = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    process.stderr.write(`[demo] ${chunk.toString()}`);
  });
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no banner after 30 s:\n${banner}`)), 30_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      banner += chunk.toString();
      if (/stop\s+Ctrl-C/.test(banner)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`demo exited early (${String(code)}):\n${banner}`)));
  });
  return { child, banner, output: () => output };
}

/**
 * Pids of the edge-peer processes among the direct children of `pid`. Other children come and go
 * (on a fresh clone Vite starts an esbuild service to pre-bundle dependencies), so match the
 * command line, not just the parent.
 */
function edgePeersOf(pid: number): number[] {
  let pids: number[];
  try {
    pids = execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .map(Number);
  } catch {
    return []; // pgrep exits 1 when there is none
  }
  return pids.filter((p) => {
    try {
      return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('edge-peer');
    } catch {
      return false; // already gone
    }
  });
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('pnpm demo (scripts/demo.sh)', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)(
    'prints the URL, serves the page, and on %s stops every child and exits 0',
    async (signal) => {
      const { child, banner } = await startDemo({
        PULSEMESH_DEMO_SIGNAL_PORT: '0',
        PULSEMESH_DEMO_PORT: '0',
      });
      const url = /open\s+(http:\/\/127\.0\.0\.1:\d+\/\S*)/.exec(banner)?.[1];
      expect(url, banner).toBeDefined();
      expect(banner).toMatch(/signaling\s+ws:\/\/127\.0\.0\.1:\d+/);
      expect(banner).toMatch(/edge peers\s+edge-1, edge-2/);
      const html = await (await fetch(url!)).text();
      expect(html).toContain('<pulse-mesh');

      // bash execs node, so the child is the orchestrator; its children are the two edge peers.
      const edges = edgePeersOf(child.pid!);
      expect(edges).toHaveLength(2);
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill(signal);
      expect(await exited).toBe(0);
      for (const pid of edges) expect(alive(pid), `edge peer ${pid} still running`).toBe(false);
    },
    60_000,
  );

  it('./run demo: SIGINT to the printed PID stops everything, exit 0, no pnpm error line', async () => {
    const { child, banner, output } = await startDemo(
      { PULSEMESH_DEMO_SIGNAL_PORT: '0', PULSEMESH_DEMO_PORT: '0' },
      ['./run', 'demo'],
    );
    // ./run and demo.sh exec: the PID the banner prints is the process that was started.
    expect(banner).toContain(`SIGTERM ${child.pid}`);
    const edges = edgePeersOf(child.pid!);
    expect(edges).toHaveLength(2);
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    for (const pid of edges) expect(alive(pid), `edge peer ${pid} still running`).toBe(false);
    expect(output()).not.toMatch(/Command failed|ELIFECYCLE|ERR_PNPM/);
  }, 90_000);

  it.each([
    ['pnpm demo', ['pnpm', 'demo']],
    ['./run demo', ['./run', 'demo']],
  ] as const)(
    '%s: Ctrl-C (SIGINT to the whole process group) stops everything, exit 0, no pnpm error line',
    async (_name, command) => {
      const env = { PULSEMESH_DEMO_SIGNAL_PORT: '0', PULSEMESH_DEMO_PORT: '0' };
      const { child, banner, output } = await startDemo(env, command, true);
      // The orchestrator's PID (the banner's); under pnpm it is pnpm's child, not the one started.
      const orchestrator = Number(/SIGTERM (\d+)/.exec(banner)?.[1]);
      const edges = edgePeersOf(orchestrator);
      expect(edges).toHaveLength(2);
      const exited = new Promise<[number | null, string | null]>((resolve) =>
        child.once('exit', (code, signal) => resolve([code, signal])),
      );
      // Every process of the group gets it at once, and pnpm forwards it once more to its child:
      // the y-webrtc server is gone before the orchestrator stops it, and the orchestrator sees
      // the same Ctrl-C twice (was: a wait for an exit that had passed; then "Command failed").
      process.kill(-child.pid!, 'SIGINT');
      expect(await exited).toEqual([0, null]);
      expect(alive(orchestrator)).toBe(false);
      for (const pid of edges) expect(alive(pid), `edge peer ${pid} still running`).toBe(false);
      expect(output()).toContain('pulsemesh demo: stopped.');
      expect(output()).not.toMatch(/Command failed|ELIFECYCLE|ERR_PNPM|SIGINT again/);
    },
    90_000,
  );

  it('pnpm demo: SIGINT to the printed PID stops everything, exit 0, no pnpm error line', async () => {
    const env = { PULSEMESH_DEMO_SIGNAL_PORT: '0', PULSEMESH_DEMO_PORT: '0' };
    const { child, banner, output } = await startDemo(env, ['pnpm', 'demo'], true);
    const orchestrator = Number(/SIGTERM (\d+)/.exec(banner)?.[1]);
    expect(orchestrator).not.toBe(child.pid);
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    process.kill(orchestrator, 'SIGINT');
    expect(await exited).toBe(0);
    expect(output()).not.toMatch(/Command failed|ELIFECYCLE|ERR_PNPM/);
  }, 90_000);

  it('takes another signaling port when 8787 (here: the one asked for) is taken, and says so', async () => {
    const blocker: Server = createServer();
    const port = await new Promise<number>((resolve) =>
      blocker.listen(0, '127.0.0.1', () => resolve((blocker.address() as { port: number }).port)),
    );
    try {
      const { child, banner } = await startDemo({
        PULSEMESH_DEMO_SIGNAL_PORT: String(port),
        PULSEMESH_DEMO_PORT: '0',
      });
      const signalUrl = /signaling\s+(ws:\/\/\S+)/.exec(banner)?.[1];
      expect(signalUrl).toBeDefined();
      expect(signalUrl).not.toBe(`ws://127.0.0.1:${port}`);
      // The URL to open carries the signaling URL, since the page's default would be wrong.
      expect(banner).toContain(`signal=${encodeURIComponent(signalUrl!)}`);
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      blocker.close();
    }
  }, 60_000);
});
