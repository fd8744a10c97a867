// `pnpm build`: every published package into its dist/ (decision 0016), then the demo app.
//   1. tsc -b tsconfig.build.json: ESM JavaScript, .d.ts, declaration maps and source maps, one
//      file per source file (Lit decorators compiled away: experimentalDecorators).
//   2. @pulsemesh/webrtc's JavaScript: esbuild, once for browsers (dist/index.js) and once for Node
//      (dist/node/), with the simple-peer fork and webrtc-polyfill bundled in, so the published
//      package does not depend on webrtc-polyfill (which pulls node-datachannel 0.32.x, an
//      install script that downloads from GitHub). Node gets node-datachannel itself (0.33.4).
//   3. The no-bundler build: @pulsemesh/elements/dist/pulsemesh.js, one minified ES module.
//   4. The demo (vite build, from source).
//   node scripts/build.mjs [--no-demo]
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
const started = performance.now();
const bin = (name) => `${root}node_modules/.bin/${name}`;
const step = (name, since) =>
  console.log(`build: ${name} ${((performance.now() - since) / 1000).toFixed(1)} s`);

for (const dir of ['core', 'signal', 'signal-server', 'webrtc', 'elements']) {
  rmSync(`${root}packages/${dir}/dist`, { recursive: true, force: true });
}
rmSync(`${root}apps/edge-peer/dist`, { recursive: true, force: true });

let t = performance.now();
execFileSync(bin('tsc'), ['-b', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
step('tsc -b', t);

/** Options shared by the esbuild steps: same class-field and decorator semantics as tsc. */
const common = {
  bundle: true,
  format: 'esm',
  target: 'es2022',
  sourcemap: true,
  logLevel: 'warning',
  tsconfigRaw: { compilerOptions: { experimentalDecorators: true, useDefineForClassFields: false } },
};

t = performance.now();
const webrtc = `${root}packages/webrtc/`;
// Everything but the simple-peer fork and webrtc-polyfill stays a dependency of the package.
const webrtcExternal = [
  '@pulsemesh/*',
  '@noble/*',
  'debug',
  'err-code',
  'streamx',
  'uint8-util',
  'events',
  'node-datachannel',
];
await build({
  ...common,
  // the y-webrtc monitor is its own entry (subpath export), sharing chunks with the main one
  entryPoints: [`${webrtc}src/index.ts`, `${webrtc}src/y-webrtc.ts`],
  outdir: `${webrtc}dist`,
  splitting: true,
  platform: 'browser',
  external: webrtcExternal,
});
await build({
  ...common,
  entryPoints: [
    `${webrtc}src/index.ts`,
    `${webrtc}src/identity-file.ts`,
    `${webrtc}src/history-file.ts`,
    `${webrtc}src/y-webrtc.ts`,
  ],
  outdir: `${webrtc}dist/node`,
  splitting: true,
  platform: 'node',
  external: webrtcExternal,
});
step('webrtc (esbuild, browser + node)', t);

t = performance.now();
// The edge peer's bin: tsc's dist/main.js re-bundled in place, every JS dependency inlined and
// minified (node-datachannel's native addon stays outside). Node's module loader keeps each of the
// ~130 modules a per-file dist/ loads, and a parsed copy of its text: one minified file cut an edge
// peer's USS from 24.9 to 17.2 MiB at N = 10 (decision 0016). prom-client stays its own chunk, read
// only with --metrics-port. The library entry (dist/edge-peer.js) stays tsc's.
const edgePeer = `${root}apps/edge-peer/`;
await build({
  ...common,
  entryPoints: [`${edgePeer}dist/main.js`],
  outdir: `${edgePeer}dist`,
  allowOverwrite: true,
  splitting: true,
  chunkNames: 'bin-[name]-[hash]',
  platform: 'node',
  target: 'node20',
  minify: true,
  external: ['node-datachannel'],
  // CommonJS dependencies (ws) call require(): give the ES module one.
  banner: {
    js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
  },
});
step('edge-peer bin (esbuild)', t);

t = performance.now();
const elements = `${root}packages/elements/`;
// From the built output (what a CDN serves is what is published), every dependency inlined.
await build({
  ...common,
  entryPoints: [`${elements}dist/cdn.js`],
  outfile: `${elements}dist/pulsemesh.js`,
  platform: 'browser',
  minify: true,
  sourcemap: false, // a map with every dependency's source is 1.5 MB; the per-file dist/ has maps
  legalComments: 'eof',
  define: { 'process.env.NODE_ENV': '"production"' },
});
step('no-bundler file (esbuild)', t);

if (!process.argv.includes('--no-demo')) {
  t = performance.now();
  execFileSync(bin('vite'), ['build', '--logLevel', 'warn'], { cwd: `${root}apps/demo`, stdio: 'inherit' });
  step('demo (vite build)', t);
}
step('total', started);
