// Processes a benchmark runs beside its driver the way they run when deployed (edge peers,
// coturn): each in a session of its own and from the build. A session of its own because this
// machine schedules per session (sched_autogroup): a process started in the driver's session
// shares that session's one CPU share with the driver and everything else in it, whatever its
// `nice`; edge peers started so were starved in the mesh benchmark while the tabs, whose browsers
// their drivers start detached, were not (decision 0013). From the build because that is what an
// operator runs (`pnpm build`: apps/edge-peer/dist), not tsx compiling TypeScript at startup.
import { execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** The edge peer CLI as built by `node scripts/build.mjs` (`pnpm build`). */
export const edgePeerMain = `${root}apps/edge-peer/dist/main.js`;

/** Source folders the built edge peer is compiled from (its own and its workspace dependencies). */
const edgeSources = ['apps/edge-peer/src', 'packages/core/src', 'packages/signal/src', 'packages/webrtc/src'];

function newestMtimeMs(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts') || entry.name.endsWith('.test.ts')) continue;
    newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

/**
 * The path of the built edge peer CLI, built first (`node scripts/build.mjs --no-demo`, output to
 * stderr) when it is missing or older than any source file it is built from, so a benchmark never
 * measures a stale build under the current commit's name.
 */
export function ensureEdgePeerBuild(log: (msg: string) => void = (m) => console.error(m)): string {
  const sourceMs = Math.max(...edgeSources.map((d) => newestMtimeMs(`${root}${d}`)));
  if (existsSync(edgePeerMain) && statSync(edgePeerMain).mtimeMs >= sourceMs) return edgePeerMain;
  log(`edge peer build ${existsSync(edgePeerMain) ? 'older than its sources' : 'missing'}: building`);
  execFileSync(process.execPath, [`${root}scripts/build.mjs`, '--no-demo'], {
    cwd: root,
    stdio: ['ignore', process.stderr, process.stderr],
  });
  return edgePeerMain;
}

const services = new Set<ChildProcess>();
let cleanupInstalled = false;

/** Kills every service still running (SIGTERM: an edge peer leaves its room). */
export function stopServices(signal: NodeJS.Signals = 'SIGTERM'): void {
  for (const child of services) if (child.exitCode === null && child.signalCode === null) child.kill(signal);
}

function installCleanup(): void {
  if (cleanupInstalled) return;
  cleanupInstalled = true;
  process.once('exit', () => stopServices('SIGKILL'));
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ] as const) {
    process.once(signal, () => {
      stopServices('SIGTERM');
      process.exit(code);
    });
  }
}

/**
 * Gives the session of `pid` (a child just started in a session of its own) this process's
 * autogroup nice: its own CPU share, but a benchmark or test run deprioritized as HELPERS.md says
 * (`echo 19 > /proc/self/autogroup`) keeps its services deprioritized too. No-op without autogroup.
 */
export function inheritAutogroupNice(pid: number): void {
  try {
    const nice = /nice (-?\d+)/.exec(readFileSync('/proc/self/autogroup', 'utf8'))?.[1];
    if (nice !== undefined && nice !== '0') writeFileSync(`/proc/${pid}/autogroup`, nice);
  } catch {
    // a kernel without CONFIG_SCHED_AUTOGROUP, or the child already gone: nothing to inherit
  }
}

/**
 * Starts `command` in a session of its own (`detached`: setsid(), so a new autogroup with its own
 * CPU share) under `setpriv --pdeathsig KILL` (`setpriv` execs, so the child's pid is the
 * command's): it is killed when this process exits, however it exits (SIGKILL included), since a
 * detached child no longer gets the terminal's signals. Also stopped on exit, SIGINT, SIGTERM and
 * SIGHUP by handlers installed on first use (each then exits 128 + signal number). Its session
 * gets this process's autogroup nice (`inheritAutogroupNice`).
 */
export function spawnService(
  command: string,
  args: readonly string[],
  options: SpawnOptions = {},
): ChildProcess {
  installCleanup();
  const child = spawn('setpriv', ['--pdeathsig', 'KILL', '--', command, ...args], {
    ...options,
    detached: true,
  });
  if (child.pid !== undefined) inheritAutogroupNice(child.pid);
  services.add(child);
  child.once('exit', () => services.delete(child));
  return child;
}

/** The session id (`/proc/<pid>/stat` field 6) and autogroup (`/proc/<pid>/autogroup`) of `pid`. */
export function schedulingOf(pid: number | 'self'): { session: number; autogroup: string } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const session = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[3]);
  let autogroup = 'unknown';
  try {
    autogroup = readFileSync(`/proc/${pid}/autogroup`, 'utf8').trim();
  } catch {
    // a kernel without CONFIG_SCHED_AUTOGROUP
  }
  return { session, autogroup };
}
