/**
 * Which code a benchmark actually ran. `bench.ts` records the git commit of its own checkout, but
 * the detector it runs is whatever `@pulsemesh/core` resolves to from the sim package (a pnpm link
 * in `packages/sim/node_modules`). A checkout whose link points into another tree (an old commit
 * extracted next to main with main's `node_modules` linked in) runs that tree's core while
 * recording its own commit. Session 19's rerun of session 18's commit gave main's numbers, not
 * session 18's, and was taken for nondeterminism (decision 0046); rerun today it gives session 18's
 * to the event. So a file also records a hash of the source really loaded, and whether core came
 * from outside the checkout.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, realpathSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/** The source a run loaded: the core and sim source folders (real paths) and one hash over both. */
export interface CodeIdentity {
  /** Real path of `@pulsemesh/core`'s package as the sim package resolves it. */
  coreDir: string;
  /** True when that core lies outside the checkout whose commit the file records. */
  coreOutsideRoot: boolean;
  /** SHA-256 (hex) over every non-test `.ts` file of core's and sim's `src/`: path, NUL, content, NUL. */
  sourceSha256: string;
}

/** Every `.ts` file under `dir` except tests, sorted by path (the hash must not depend on readdir order). */
function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')) out.push(p);
    }
  };
  walk(dir);
  return out.sort();
}

/**
 * The identity of the code that `simDir` (the sim package folder) runs, for a checkout at `root`.
 * Core is found as Node finds it: the `@pulsemesh/core` link in `simDir/node_modules`, symlinks
 * followed.
 */
export function codeIdentity(root: string, simDir: string): CodeIdentity {
  const realRoot = realpathSync(root);
  const coreDir = realpathSync(join(simDir, 'node_modules', '@pulsemesh', 'core'));
  const hash = createHash('sha256');
  for (const [label, dir] of [
    ['core', coreDir],
    ['sim', realpathSync(simDir)],
  ] as const) {
    const src = join(dir, 'src');
    for (const f of sourceFiles(src)) {
      hash.update(`${label}/${relative(src, f).split(sep).join('/')}\0`);
      hash.update(readFileSync(f));
      hash.update('\0');
    }
  }
  return {
    coreDir,
    coreOutsideRoot: !(coreDir + sep).startsWith(realRoot + sep),
    sourceSha256: hash.digest('hex'),
  };
}
