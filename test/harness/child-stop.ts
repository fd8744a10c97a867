// Stopping a child process within a bound. Every teardown in the lab and the field waits for
// processes to exit; an unbounded wait there turned a failed benchmark into one that hung with no
// error at all (bench-field turn-kill, session 8: one edge peer's "leaving the mesh", then 10
// minutes of nothing). So a stop asks politely, waits a bounded time, SIGKILLs, waits again, and
// says on stderr what it had to do and in what state it found the process.
import type { ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** A process that did not exit even after SIGKILL within the bound (uninterruptible sleep, or a
 * pid this process does not own). */
export class ProcessStuckError extends Error {
  override readonly name = 'ProcessStuckError';
}

/** Has `child` exited (by code or by signal)? A child killed by a signal has `exitCode` null. */
export const hasExited = (child: ChildProcess): boolean =>
  child.exitCode !== null || child.signalCode !== null;

/** Resolves when `child` has exited, at once if it already has; `false` after `timeoutMs`. */
export function exitWithin(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (hasExited(child)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.off('exit', onExit);
      resolve(hasExited(child));
    }, timeoutMs);
    const onExit = (): void => {
      clearTimeout(timer);
      resolve(true);
    };
    child.once('exit', onExit);
  });
}

/** `pid`'s scheduler state and kernel wait channel (`/proc`), for messages about stuck processes. */
export function processState(pid: number | undefined): string {
  if (pid === undefined) return 'never started';
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
    let wchan = '';
    try {
      wchan = readFileSync(`/proc/${pid}/wchan`, 'utf8').trim();
    } catch {
      // wchan is not readable on every kernel; the state alone still says a lot
    }
    return `state ${state}${wchan && wchan !== '0' ? `, waiting in ${wchan}` : ''}`;
  } catch {
    return 'gone';
  }
}

/** Bounds of {@link stopWithin}. */
export interface StopOptions {
  /** Sent first; `null` when the caller already asked the process to stop (closed its stdin). */
  signal?: NodeJS.Signals | null;
  /** How long the process gets to exit on its own before SIGKILL (ms, default 10,000). */
  graceMs?: number;
  /** How long to wait for the exit after SIGKILL (ms, default 5,000). */
  killWaitMs?: number;
}

/**
 * Stops `child` (named `what` in messages): `signal` (default SIGTERM), up to `graceMs` for it to
 * exit, then SIGKILL (said on stderr with its state) and up to `killWaitMs` more. Resolves once it
 * has exited, at once if it already had; throws `ProcessStuckError` if even SIGKILL is not seen.
 */
export async function stopWithin(
  child: ChildProcess,
  what: string,
  options: StopOptions = {},
): Promise<void> {
  const { signal = 'SIGTERM', graceMs = 10_000, killWaitMs = 5_000 } = options;
  if (hasExited(child)) return;
  if (signal !== null) child.kill(signal);
  if (await exitWithin(child, graceMs)) return;
  const state = processState(child.pid);
  process.stderr.write(
    `${what} (pid ${child.pid}) still running ${graceMs} ms after it was stopped (${state}): SIGKILL\n`,
  );
  child.kill('SIGKILL');
  if (await exitWithin(child, killWaitMs)) return;
  throw new ProcessStuckError(
    `${what} (pid ${child.pid}) did not exit within ${killWaitMs} ms of SIGKILL (${processState(child.pid)})`,
  );
}

/** One line per descendant of `rootPid` (pid, state, command line), for a run that gives up. */
export function describeDescendants(rootPid = process.pid): string[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parentOf.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // exited while we looked: not a descendant worth naming
    }
  }
  const lines: string[] = [];
  const visit = (pid: number, depth: number): void => {
    for (const [child, parent] of parentOf) {
      if (parent !== pid) continue;
      let args = '?';
      try {
        args = readFileSync(`/proc/${child}/cmdline`, 'utf8').split('\0').join(' ').trim().slice(0, 160);
      } catch {
        // gone meanwhile
      }
      lines.push(`${'  '.repeat(depth)}${child} ${processState(child)}: ${args}`);
      visit(child, depth + 1);
    }
  };
  visit(rootPid, 0);
  return lines;
}
