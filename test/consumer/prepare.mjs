// The consumer test, part 1 (needs the npm registry, so it runs OUTSIDE the loopback-only
// namespace; scripts/test.sh runs it before the namespaced vitest run). See test/README.md.
//   1. pnpm build (no demo), then `pnpm pack` every published package into a folder outside the repo;
//   2. publint --strict and attw (ESM-only profile) on every tarball;
//   3. a fresh app made with npm: the README's install commands, with each @pulsemesh name replaced
//      by its tarball (plus the tarballs of @pulsemesh packages they depend on, which are not on the
//      registry); `tsc --noEmit` (strict, skipLibCheck false, erasableSyntaxOnly); `vite build`;
//   4. a server folder: the README's server install (signal server + edge peer CLIs from tarballs);
//   5. checks: no Node-only package in the app's production install, no Node module in its bundle;
//      every bare import in a package's built JavaScript is one of its declared dependencies (in
//      one install folder npm's hoisting would hide a missing one); the server-side types compile
//      in a Node project (test/consumer/server/).
// Writes .tmp/consumer.json (paths, sizes, timings) for test/consumer.e2e.test.ts (part 2, in the
// namespace: real servers, Chromium).
//   node test/consumer/prepare.mjs [--no-build]
import { execFile as execFileCb, execFileSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createHash } from 'node:crypto';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';

const repo = new URL('../../', import.meta.url).pathname;
// One folder per checkout: two clones testing at once (a CI run beside a developer's) must not
// npm-install into each other's app.
const work =
  process.env['PULSEMESH_CONSUMER_DIR'] ??
  `/tmp/pm15-consumer-${createHash('sha256').update(repo).digest('hex').slice(0, 8)}`;
const packs = join(work, 'packs');
const app = join(work, 'app');
const server = join(work, 'server');
const bin = (name) => join(repo, 'node_modules/.bin', name);
const stateFile = join(repo, '.tmp/consumer.json');
rmSync(stateFile, { force: true }); // part 2 never runs against an older, stale install
const started = performance.now();
const timings = {};
const run = (cmd, args, cwd, label) => {
  const t = performance.now();
  console.log(`consumer: ${label ?? `${cmd} ${args.join(' ')}`}`);
  execFileSync(cmd, args, {
    cwd,
    stdio: 'inherit',
    env: { ...process.env, npm_config_update_notifier: 'false' },
  });
  timings[label ?? cmd] = Math.round(performance.now() - t);
};

/** Published packages, in dependency order. */
const published = {
  '@pulsemesh/core': 'packages/core',
  '@pulsemesh/signal': 'packages/signal',
  '@pulsemesh/webrtc': 'packages/webrtc',
  '@pulsemesh/elements': 'packages/elements',
  '@pulsemesh/signal-server': 'packages/signal-server',
  '@pulsemesh/edge-peer': 'apps/edge-peer',
};

/** The install commands of README.md's "Use it in an app" (the test fails if they differ). */
const readme = readFileSync(join(repo, 'README.md'), 'utf8');
const installs = [...readme.matchAll(/^npm install (-D )?(@pulsemesh\/[^\n]+)$/gm)].map((m) =>
  m[2].split(' '),
);
const [appPackages, serverPackages] = installs;
if (!appPackages || !serverPackages) throw new Error('README.md: "npm install @pulsemesh/…" lines not found');

if (!process.argv.includes('--no-build'))
  run('node', [join(repo, 'scripts/build.mjs'), '--no-demo'], repo, 'pnpm build');
for (const dir of Object.values(published)) {
  if (!existsSync(join(repo, dir, 'dist'))) throw new Error(`${dir}/dist missing: run pnpm build`);
}

/** `import … from 'x'`, `export … from 'x'`, `import 'x'` at a line start, `import('x')`: x bare. */
const importRe =
  /(?:^\s*(?:import|export)\b[^;'"]*?\bfrom\s*|^\s*import\s*|\bimport\(\s*)["']((?:@[\w.-]+\/)?\w[\w.-]*(?:\/[\w./-]*)?)["']/gm;
/** Bare imports in a package's built JavaScript that its manifest does not declare. */
function undeclaredImports(dir) {
  const manifest = JSON.parse(readFileSync(join(repo, dir, 'package.json'), 'utf8'));
  const { dependencies, peerDependencies, optionalDependencies } = manifest;
  const declared = new Set([manifest.name, ...Object.keys({ ...dependencies, ...peerDependencies, ...optionalDependencies })]); // prettier-ignore
  const found = new Set();
  for (const file of readdirSync(join(repo, dir, 'dist'), { recursive: true })) {
    if (!file.endsWith('.js')) continue;
    const code = readFileSync(join(repo, dir, 'dist', file), 'utf8');
    for (const [, spec] of code.matchAll(importRe)) {
      if (spec.startsWith('node:') || builtinModules.includes(spec)) continue;
      const name = spec
        .split('/')
        .slice(0, spec.startsWith('@') ? 2 : 1)
        .join('/');
      if (!declared.has(name)) found.add(`${name} (dist/${file})`);
    }
  }
  return [...found];
}
for (const [name, dir] of Object.entries(published)) {
  const undeclared = undeclaredImports(dir);
  if (undeclared.length > 0) throw new Error(`${name} imports undeclared packages: ${undeclared.join(', ')}`);
}

rmSync(work, { recursive: true, force: true });
mkdirSync(packs, { recursive: true });
const tarballs = {};
const packedBytes = {};
for (const [name, dir] of Object.entries(published)) {
  execFileSync('pnpm', ['pack', '--pack-destination', packs], { cwd: join(repo, dir), stdio: 'ignore' });
  const prefix = `${name.slice(1).replace('/', '-')}-`;
  const file = join(packs, readdirSync(packs).find((f) => f.startsWith(prefix) && /^\d/.test(f.slice(prefix.length)))); // prettier-ignore
  tarballs[name] = file;
  packedBytes[name] = statSync(file).size;
  const listed = execFileSync('tar', ['tzf', file], { encoding: 'utf8' }).split('\n');
  for (const must of ['package/README.md', 'package/LICENSE'])
    if (!listed.includes(must)) throw new Error(`${name}: ${must} missing from the tarball`);
  const manifest = execFileSync('tar', ['xzf', file, '-O', 'package/package.json'], { encoding: 'utf8' });
  if (/"(workspace|catalog):/.test(manifest))
    throw new Error(`${name}: workspace:/catalog: left in the packed manifest`);
}

// Two at a time (the CI machine has two cores); each tool's report printed in order.
let t = performance.now();
const exec = promisify(execFileCb);
const checks = Object.values(tarballs).flatMap((file) => [
  () => exec(bin('publint'), ['run', file, '--strict']),
  () => exec(bin('attw'), [file, '--profile', 'esm-only', '--format', 'table-flipped', '--no-color']),
]);
for (let i = 0; i < checks.length; i += 2) {
  for (const { stdout } of await Promise.all(checks.slice(i, i + 2).map((c) => c())))
    console.log(stdout.trim());
}
timings['publint + attw'] = Math.round(performance.now() - t);

/** `npm install` of README names, as tarballs, plus the @pulsemesh packages they pull in. */
function npmInstall(dir, names, extra, label) {
  const needed = new Set(names);
  for (const name of names) {
    const deps =
      JSON.parse(readFileSync(join(repo, published[name], 'package.json'), 'utf8')).dependencies ?? {};
    for (const dep of Object.keys(deps)) if (published[dep]) needed.add(dep);
  }
  for (const name of [...needed]) {
    const deps =
      JSON.parse(readFileSync(join(repo, published[name], 'package.json'), 'utf8')).dependencies ?? {};
    for (const dep of Object.keys(deps)) if (published[dep]) needed.add(dep);
  }
  const files = Object.keys(published)
    .filter((n) => needed.has(n))
    .map((n) => tarballs[n]);
  run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', ...files, ...extra], dir, label);
}

// The app: the fixture files, a package.json as `npm init` would write it, the README's install.
cpSync(join(repo, 'test/consumer/app'), app, { recursive: true });
writeFileSync(
  join(app, 'package.json'),
  JSON.stringify({ name: 'consumer-app', private: true, type: 'module' }, null, 2),
);
const catalog = readFileSync(join(repo, 'pnpm-workspace.yaml'), 'utf8');
const pin = (name) => `${name}@${catalog.match(new RegExp(`^  '?${name}'?: (\\S+)$`, 'm'))[1]}`;
npmInstall(app, appPackages, [], 'npm install (app)');
// Install size of what the README's app command brings in (before the app's own tools).
const du = (dir) => Number(execFileSync('du', ['-sb', dir], { encoding: 'utf8' }).split('\t')[0]);
const appInstallBytes = du(join(app, 'node_modules'));
const appInstallPackages =
  execFileSync('npm', ['ls', '--all', '--parseable'], { cwd: app, encoding: 'utf8' }).trim().split('\n')
    .length - 1;
const appTools = ['vite', 'typescript', 'react', 'react-dom', '@types/react', '@types/react-dom'].map(pin);
run(
  'npm',
  ['install', '--no-audit', '--no-fund', '--prefer-offline', '-D', ...appTools],
  app,
  'npm install -D (app tools)',
);
run(join(app, 'node_modules/.bin/tsc'), ['-p', '.'], app, 'tsc --noEmit (app)');
run(join(app, 'node_modules/.bin/vite'), ['build', '--logLevel', 'warn'], app, 'vite build (app)');

// The plain page: the no-bundler file and one HTML file, nothing else.
const cdn = join(app, 'node_modules/@pulsemesh/elements/dist/pulsemesh.js');
mkdirSync(join(app, 'plain'));
cpSync(cdn, join(app, 'plain/pulsemesh.js'));
cpSync(join(app, 'plain.html'), join(app, 'plain/index.html'));

// Node side: the signal server and an edge peer, as an operator installs them.
mkdirSync(server);
writeFileSync(
  join(server, 'package.json'),
  JSON.stringify({ name: 'consumer-server', private: true, type: 'module' }, null, 2),
);
npmInstall(server, serverPackages, [], 'npm install (server)');
// A Node project's view of the same install: the server-side types under strict settings.
cpSync(join(repo, 'test/consumer/server'), server, { recursive: true });
run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '-D', pin('@types/node')], server, 'npm install -D (server tools)'); // prettier-ignore
t = performance.now();
console.log('consumer: tsc --noEmit (server: no DOM, WebRTC)');
const serverTsc = (project) =>
  exec(join(app, 'node_modules/.bin/tsc'), ['-p', project], { cwd: server }).catch((e) => {
    throw new Error(`tsc -p ${project} (server):\n${e.stdout}${e.stderr}`);
  });
await Promise.all([serverTsc('tsconfig.json'), serverTsc('tsconfig.webrtc.json')]); // two cores
timings['tsc --noEmit (server, both)'] = Math.round(performance.now() - t);

// What a browser app installed and bundled: none of the Node-only packages, no native module.
const prodDirs = execFileSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], {
  cwd: app,
  encoding: 'utf8',
})
  .trim()
  .split('\n')
  .slice(1);
const nodeOnly = ['node-datachannel', 'webrtc-polyfill', 'ws', 'ioredis', 'pino', 'prom-client', 'jose'];
const leaked = prodDirs.filter((d) => nodeOnly.some((n) => d.endsWith(`/node_modules/${n}`)));
if (leaked.length > 0) throw new Error(`browser app installed Node-only packages: ${leaked.join(', ')}`);
const assets = join(app, 'dist/assets');
const js = readdirSync(assets).filter((f) => f.endsWith('.js'));
const bundle = js.map((f) => readFileSync(join(assets, f), 'utf8')).join('\n');
for (const bad of ['node-datachannel', '__vite-browser-external', 'node:stream']) {
  if (bundle.includes(bad)) throw new Error(`app bundle contains ${bad}`);
}
const appGzipBytes = js.reduce(
  (sum, f) => sum + gzipSync(readFileSync(join(assets, f)), { level: 9 }).length,
  0,
);

const state = {
  work,
  app,
  server,
  tarballs,
  packedBytes,
  cdnBytes: statSync(cdn).size,
  cdnGzipBytes: gzipSync(readFileSync(cdn), { level: 9 }).length,
  appInstallPackages,
  appInstallBytes,
  appGzipBytes,
  timingsMs: timings,
  totalMs: Math.round(performance.now() - started),
};
mkdirSync(join(repo, '.tmp'), { recursive: true });
writeFileSync(stateFile, `${JSON.stringify(state, null, 2)}\n`);
console.log(JSON.stringify({ ...state, tarballs: undefined }, null, 2));
