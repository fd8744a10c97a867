// Peers of the field runs, started in a lab namespace (`Lab.spawn`) or, for the loopback
// baseline, plainly in the caller's (loopback-only) namespace: browser tabs through
// `browser-agent.ts`, edge peers as the real CLI (`--json`), the public services process.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { hasExited, processState, stopWithin } from '../harness/child-stop.js';
import type { Lab, LabNs } from '../harness/lab.js';
import { inheritAutogroupNice, spawnService } from '../harness/service.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const tsx = ['--conditions=source', '--import', 'tsx'];

/** Where processes run: a lab namespace, or here (loopback). */
export type Place = { lab: Lab; ns: LabNs } | { lab?: undefined };

/** One status change as an observer recorded it (wall clock, ms). */
export interface Transition {
  t: number;
  peer: string;
  from: string;
  to: string;
  /** The detector's reason (`witnessed`, `suspicion-timeout`, …). */
  reason?: string;
}

/** What an observer's detector knows of a peer (see `field/page.ts` `stats()`). */
export interface PeerStats {
  rttMs?: number;
  rttVarMs?: number;
  loadMs?: number;
  /** The peer's reported lifecycle (`active`, `hidden`, …). */
  lifecycle?: string;
  /** The observer's protocol period (ms). */
  periodMs?: number;
}

/** A tab's stalls (see `FieldPeer.stalls`). */
export interface Stalls {
  startedAt: number;
  stalls: { t: number; lateMs: number }[];
  tickLate: { t: number; lateMs: number }[];
  overdue: { t: number; overdueMs: number; previousMs: number }[];
}

/** The signaling server's word on a peer's session, as an observer got it (wall clock, ms). */
export interface Presence {
  t: number;
  peer: string;
  present: boolean;
}

/** What a peer sees: peer → state, peer → path label, its signaling state; tabs also the State
 * cell's text per peer and which peers their table marks unreachable (alive, no path from here). */
export interface PeerView {
  states: Record<string, string>;
  paths: Record<string, string>;
  labels?: Record<string, string>;
  unreachable?: string[];
  signal: string;
}

/** A direct link opening or closing, as a peer recorded it (wall clock, ms). */
export interface LinkChange {
  t: number;
  peer: string;
  up: boolean;
}

/** A peer's process (a tab's agent) is gone though nobody crashed it: what it would have said is
 * lost, so a run that meets this has no result. */
export class PeerGoneError extends Error {
  override readonly name = 'PeerGoneError';
}

/** A running peer that also observes the others. */
export interface FieldPeer {
  readonly id: string;
  readonly kind: 'chromium' | 'firefox' | 'edge';
  view(): Promise<PeerView>;
  transitions(): Promise<Transition[]>;
  linkChanges(): Promise<LinkChange[]>;
  /** The server's word on each peer's session (tabs only; edge peers: `[]`). */
  presence(): Promise<Presence[]>;
  /** This tab's main-thread stalls of ≥ 50 ms, its detector clock's late ticks of ≥ 50 ms (wall
   * clock) and when its page started (edge peers: none, `startedAt` 0). */
  stalls(): Promise<Stalls>;
  /** TURN usernames handed to this peer, each when first seen (tabs only; edge peers: `[]`). */
  turnUsers(): Promise<{ t: number; username: string }[]>;
  /** Per peer: RTT, its variation, reported load (tabs only; edge peers: `{}`). */
  stats(): Promise<Record<string, PeerStats>>;
  /** Crash: Chromium renderer (CDP), Firefox browser (SIGKILL), edge process (SIGKILL). */
  crash(): Promise<void>;
  /** Hang: the tab's thread blocked for `ms`; the edge process stopped (SIGSTOP) until resumed. */
  hang(ms: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts a process in `place`. A `service` (edge peer, public services) runs as deployed: in a
 * session of its own, so the autogroup scheduler gives it its own CPU share rather than a slice of
 * this driver's session (decision 0013), with this process's autogroup nice; it still dies with
 * this process (`setpriv --pdeathsig KILL`, in the lab by `Lab.spawn`, here by `spawnService`).
 */
function start(
  place: Place,
  command: string,
  args: string[],
  env: Record<string, string> = {},
  service = false,
): ChildProcess {
  const options: SpawnOptions = {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  };
  if (!place.lab) return service ? spawnService(command, args, options) : spawn(command, args, options);
  const child = place.lab.spawn(place.ns, command, args, { ...options, detached: service });
  if (service && child.pid !== undefined) inheritAutogroupNice(child.pid);
  return child;
}

/** Resolves with the first stdout line that parses as JSON; rejects, naming `what`, if the process
 * fails to start, exits first (with its exit code or signal), or prints none within `timeoutMs`
 * (then it is SIGKILLed, its state in the message). */
function firstJsonLine(
  child: ChildProcess,
  what: string,
  timeoutMs = 120_000,
): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    const settle = (): void => {
      clearTimeout(timer);
      lines.close();
      child.off('exit', onExit);
      child.off('error', onError);
    };
    const fail = (why: string): void => {
      settle();
      reject(new Error(`${what} (pid ${child.pid}) ${why}`));
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void =>
      fail(`exited (${signal ?? code}) before it was ready`);
    const onError = (error: Error): void => fail(`could not start: ${error.message}`);
    const timer = setTimeout(() => {
      fail(`printed no ready line in ${timeoutMs} ms (${processState(child.pid)}): SIGKILLed`);
      child.kill('SIGKILL');
    }, timeoutMs);
    lines.on('line', (line) => {
      if (!line.startsWith('{')) return;
      settle();
      resolve(JSON.parse(line) as Record<string, unknown>);
    });
    if (hasExited(child)) onExit(child.exitCode, child.signalCode);
    child.once('exit', onExit);
    child.once('error', onError);
  });
}

function prefixStderr(child: ChildProcess, tag: string): void {
  child.stderr!.on('data', (chunk: Buffer) =>
    process.stderr.write(chunk.toString().replace(/^(?=.)/gm, `[${tag}] `)),
  );
}

/** The public services (signaling + page server). */
export async function startPublic(
  place: Place,
  env: Record<string, string>,
): Promise<{ signalUrl: string; pageUrl: string; child: ChildProcess }> {
  const child = start(place, process.execPath, [...tsx, `${root}test/field/public-services.ts`], env, true);
  prefixStderr(child, 'public');
  const ready = await firstJsonLine(child, 'public services');
  return { signalUrl: String(ready['signalUrl']), pageUrl: String(ready['pageUrl']), child };
}

/** How long a call to a tab's agent may take (one `page.evaluate` of a cheap expression) before
 * it fails: an agent whose page or browser hangs must fail the run, not stall it. */
const callTimeoutMs = 30_000;

let wrappers: string | undefined;
/** Browser binaries wrapped in `setpriv --pdeathsig KILL`: a browser dies with its agent. */
function browserWrappers(): { CHROMIUM_PATH: string; FIREFOX_PATH: string } {
  if (wrappers === undefined) {
    const dir = mkdtempSync(join(tmpdir(), 'pm17-browsers-'));
    wrappers = dir;
    // Removed when this process exits (normally, or through the lab's SIGINT/SIGTERM handlers).
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  const wrap = (name: string, binary: string): string => {
    const file = join(wrappers as string, name);
    writeFileSync(file, `#!/bin/sh\nexec setpriv --pdeathsig KILL -- ${binary} "$@"\n`);
    chmodSync(file, 0o755);
    return file;
  };
  return {
    CHROMIUM_PATH: wrap('chromium', process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium'),
    FIREFOX_PATH: wrap('firefox', process.env['FIREFOX_PATH'] ?? '/usr/bin/firefox-esr'),
  };
}

/** A browser tab (Chromium or Firefox) on the field page, driven by an agent in `place`. */
export async function startTab(
  place: Place,
  engine: 'chromium' | 'firefox',
  pageUrl: string,
  query: Record<string, string>,
): Promise<FieldPeer> {
  const url = `${pageUrl}?${new URLSearchParams(query).toString()}`;
  const child = start(
    place,
    process.execPath,
    [...tsx, `${root}test/field/browser-agent.ts`, engine, url],
    browserWrappers(),
  );
  const id = query['id']!;
  prefixStderr(child, id);
  const what = `${engine} agent ${id}`;
  await firstJsonLine(child, what);
  type Settle = (reply: { result?: unknown; error?: string }, gone?: boolean) => void;
  const pending = new Map<number, Settle>();
  let n = 0;
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (!line.startsWith('{')) return;
    const reply = JSON.parse(line) as { n?: number; result?: unknown; error?: string };
    if (reply.n !== undefined) pending.get(reply.n)?.(reply);
  });
  // An agent that is gone answers nothing more: every call still waiting on it fails now.
  child.once('exit', (code, signal) => {
    for (const settle of pending.values()) settle({ error: `agent exited (${signal ?? code})` }, true);
  });
  // Writing to a dead agent: EPIPE here, and the exit above fails the call.
  child.stdin!.on('error', (error) => process.stderr.write(`[${id}] agent stdin: ${error.message}\n`));
  const call = (op: string, expression?: string, timeoutMs = callTimeoutMs): Promise<unknown> =>
    new Promise((resolve, reject) => {
      if (hasExited(child))
        return reject(new PeerGoneError(`${id}: agent gone (exited ${child.signalCode ?? child.exitCode})`));
      const k = ++n;
      const settle: Settle = (reply, gone = false) => {
        clearTimeout(timer);
        pending.delete(k);
        if (reply.error)
          reject(gone ? new PeerGoneError(`${id}: ${reply.error}`) : new Error(`${id}: ${reply.error}`));
        else resolve(reply.result);
      };
      const timer = setTimeout(
        () => settle({ error: `no answer to ${op} in ${timeoutMs} ms (agent ${processState(child.pid)})` }),
        timeoutMs,
      );
      pending.set(k, settle);
      child.stdin!.write(`${JSON.stringify({ n: k, op, expression })}\n`);
    });
  let crashed = false;
  return {
    id,
    kind: engine,
    view: async () =>
      crashed
        ? { states: {}, paths: {}, signal: 'crashed' }
        : ((await call('eval', 'field.view()')) as PeerView),
    transitions: async () => (crashed ? [] : ((await call('eval', 'field.events.slice()')) as Transition[])),
    linkChanges: async () => (crashed ? [] : ((await call('eval', 'field.links.slice()')) as LinkChange[])),
    presence: async () => (crashed ? [] : ((await call('eval', 'field.presence.slice()')) as Presence[])),
    stalls: async () =>
      crashed
        ? { startedAt: 0, stalls: [], tickLate: [], overdue: [] }
        : ((await call(
            'eval',
            '({ startedAt: field.startedAt, stalls: field.stalls.slice(), tickLate: field.tickLate.slice(), overdue: field.overdue.slice() })',
          )) as Stalls),
    stats: async () => (crashed ? {} : ((await call('eval', 'field.stats()')) as Record<string, PeerStats>)),
    turnUsers: async () =>
      crashed ? [] : ((await call('eval', 'field.turnUsers.slice()')) as { t: number; username: string }[]),
    crash: async () => {
      crashed = true;
      await call('crash');
    },
    hang: async (ms) => {
      await call('eval', `field.hang(${ms})`, ms + callTimeoutMs);
    },
    stop: async () => {
      child.stdin!.end(); // the agent closes its browser and exits
      await stopWithin(child, what, { signal: null, graceMs: 15_000 });
    },
  };
}

/** An edge peer (the real CLI, `--json`, stock defaults) in `place`, in a session of its own:
 * from source through tsx, or the build when given its `main` (`ensureEdgePeerBuild()`). */
export async function startEdge(
  place: Place,
  signalUrl: string,
  room: string,
  id: string,
  main?: string,
): Promise<FieldPeer> {
  const args = [
    ...(main === undefined ? [...tsx, `${root}apps/edge-peer/src/main.ts`] : [main]),
    `--signal=${signalUrl}`,
    `--room=${room}`,
    `--id=${id}`,
    '--json',
  ];
  // On loopback, ICE needs the loopback address bound (node-datachannel skips it otherwise).
  if (!place.lab) args.push('--bind-address=127.0.0.1');
  const child = start(place, process.execPath, args, {}, true);
  prefixStderr(child, id);
  const lines: Record<string, unknown>[] = [];
  await firstJsonLine(child, `edge ${id}`);
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (line.startsWith('{')) lines.push(JSON.parse(line) as Record<string, unknown>);
    else process.stderr.write(`[${id}] ${line}\n`); // PULSEMESH_TRACE output
  });
  const transitions = (): Transition[] =>
    lines
      .filter((l) => l['type'] === 'status-change')
      .map((l) => ({
        t: Date.parse(String(l['ts'])),
        peer: String(l['peer']),
        from: String(l['from']),
        to: String(l['to']),
        reason: String(l['reason']),
      }));
  return {
    id,
    kind: 'edge',
    view: async () => {
      const states: Record<string, string> = {};
      for (const l of lines) if (l['type'] === 'join') states[String(l['peer'])] = 'healthy';
      for (const t of transitions()) states[t.peer] = t.to;
      const signal = lines.filter((l) => l['type'] === 'signal-state').at(-1)?.['state'];
      return { states, paths: {}, signal: String(signal ?? 'unknown') };
    },
    transitions: async () => transitions(),
    stats: async () => ({}),
    turnUsers: async () => [],
    presence: async () => [],
    stalls: async () => ({ startedAt: 0, stalls: [], tickLate: [], overdue: [] }),
    linkChanges: async () =>
      lines
        .filter((l) => l['type'] === 'link')
        .map((l) => ({ t: Date.parse(String(l['ts'])), peer: String(l['peer']), up: l['up'] === true })),
    crash: async () => {
      child.kill('SIGKILL');
    },
    hang: async () => {
      child.kill('SIGSTOP');
    },
    stop: async () => {
      child.kill('SIGCONT'); // a hung (SIGSTOPped) peer would not act on the SIGTERM
      await stopWithin(child, `edge ${id}`); // it leaves the mesh (at most 2 s) and exits
    },
  };
}
