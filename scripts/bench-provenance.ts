/**
 * What every benchmark result file records about where it came from, so `pnpm bench:check` can judge
 * it: the commit measured (full hash), whether the tree had uncommitted changes to tracked files (then
 * the commit does not describe the code measured, and bench:check calls the result stale), the
 * command that reproduces it, and when it ran.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Provenance fields of a result (spread them into the file's top-level object or section). */
export interface Provenance {
  commit: string;
  dirty: boolean;
  command: string;
  date: string;
}

/** Runs git in the repository root; its trimmed output (throws on failure). */
export function git(args: string[]): string {
  return execFileSync('git', args, {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  }).trim();
}

/**
 * Read at the start of a run: the code measured is the tree as it was then (a commit made during a
 * long run must not be credited). `command` is what reproduces the result.
 */
export function provenance(command: string): Provenance {
  let commit: string;
  let dirty = true;
  try {
    commit = git(['rev-parse', 'HEAD']);
    dirty = git(['status', '--porcelain', '--untracked-files=no']) !== '';
  } catch (error) {
    commit = `unknown (${String(error).split('\n')[0]})`;
  }
  if (dirty)
    console.warn(`bench: the tree has uncommitted changes; ${commit.slice(0, 10)} will be recorded as dirty`);
  return { commit, dirty, command, date: new Date().toISOString() };
}

/** The command line that ran this script, as a reproducible `node ...` invocation (argv after the script). */
export function thisCommand(script: string): string {
  return `node --conditions=source --import tsx ${script} ${process.argv.slice(2).join(' ')}`.trim();
}
