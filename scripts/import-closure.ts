/**
 * The source files a program loads: the transitive closure of the imports of its entry files, through
 * relative specifiers and the workspace's own packages (`@pulsemesh/*`, resolved by their `source`
 * export condition, as `--conditions=source` runs them). Third-party and `node:` imports are not
 * followed. `pnpm bench:check` uses it to know which code a simulated result measures: a file the
 * simulator never loads (core's `runtime.ts`, the real runtimes' timer loop) cannot change its numbers.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const IMPORT = /(?:^|[\s;})])(?:import|export)\s*(?:[^'"`;]*?\sfrom\s*)?\(?\s*['"]([^'"]+)['"]/gm;

/** The import specifiers written in a TypeScript/JavaScript source text (static, re-export, dynamic). */
export function importSpecifiers(text: string): string[] {
  const out: string[] = [];
  // Comments are dropped first so an example in a doc comment is not taken for an import.
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
  for (const m of code.matchAll(IMPORT)) out.push(m[1] as string);
  return out;
}

interface WorkspacePackage {
  dir: string;
  exports: Record<string, unknown>;
}

function workspacePackages(root: string): Map<string, WorkspacePackage> {
  const out = new Map<string, WorkspacePackage>();
  for (const group of ['packages', 'apps'])
    for (const name of existsSync(join(root, group)) ? readdirSync(join(root, group)) : []) {
      const file = join(root, group, name, 'package.json');
      if (!existsSync(file)) continue;
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; exports?: unknown };
      if (pkg.name === undefined) continue;
      const exports =
        typeof pkg.exports === 'object' && pkg.exports !== null
          ? (pkg.exports as Record<string, unknown>)
          : {};
      out.set(pkg.name, { dir: join(root, group, name), exports });
    }
  return out;
}

function sourceOf(entry: unknown): string | undefined {
  if (typeof entry === 'string') return entry;
  if (typeof entry !== 'object' || entry === null) return undefined;
  const e = entry as Record<string, unknown>;
  return sourceOf(e['source'] ?? e['import'] ?? e['default']);
}

/** A TypeScript source file for a specifier written with a `.js` (or no) extension, if one exists. */
function sourceFile(path: string): string | undefined {
  const candidates = [
    path,
    path.replace(/\.js$/, '.ts'),
    path.replace(/\.mjs$/, '.mts'),
    `${path}.ts`,
    join(path, 'index.ts'),
  ];
  return candidates.find((c) => existsSync(c) && !c.endsWith('/'));
}

/**
 * Every workspace source file reached from `entries` (paths relative to `root`), sorted, relative to
 * `root`. Throws on a relative import that resolves to no file (the closure would be wrong).
 */
export function importClosure(root: string, entries: string[]): string[] {
  const packages = workspacePackages(root);
  const seen = new Set<string>();
  const queue = entries.map((e) => resolve(root, e));
  while (queue.length > 0) {
    const file = queue.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    if (!/\.[cm]?[jt]sx?$/.test(file)) continue;
    for (const spec of importSpecifiers(readFileSync(file, 'utf8'))) {
      let target: string | undefined;
      if (spec.startsWith('.')) {
        target = sourceFile(resolve(dirname(file), spec));
        if (target === undefined) throw new Error(`${relative(root, file)}: cannot resolve ${spec}`);
      } else {
        const name = spec.startsWith('@')
          ? spec.split('/').slice(0, 2).join('/')
          : (spec.split('/')[0] as string);
        const pkg = packages.get(name);
        if (pkg === undefined) continue; // third-party or node: builtin
        const sub = `.${spec.slice(name.length)}`;
        const rel = sourceOf(pkg.exports[sub === '.' ? '.' : sub]);
        if (rel === undefined) throw new Error(`${relative(root, file)}: ${spec} is not exported by ${name}`);
        target = sourceFile(resolve(pkg.dir, rel));
        if (target === undefined) throw new Error(`${relative(root, file)}: ${spec} → ${rel} does not exist`);
      }
      queue.push(target);
    }
  }
  return [...seen].map((f) => relative(root, f)).sort();
}
