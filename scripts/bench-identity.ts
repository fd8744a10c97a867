// Ed25519 cost per signed membership update, in Node (OpenSSL through node:crypto, the runtime's
// choice there, and noble for comparison) and in Chromium (noble, the runtime's choice there, and
// WebCrypto, async). Each sample is the mean of a batch of 20 operations (Chromium's clock has
// 100 µs resolution); percentiles over all samples.
//
//   node --conditions=source --import tsx scripts/bench-identity.ts [--n 2000] [--out FILE]
//
// Writes bench-results/identity.json (or --out). The machine is shared: compare ratios measured
// in one run rather than absolute times across runs.
import { writeFileSync } from 'node:fs';
import { provenance } from './bench-provenance.js';
import { build } from 'esbuild';
import { nobleEd25519, ed25519Runtime, type Ed25519 } from '../packages/webrtc/src/ed25519.js';
import { launchChromium } from '../test/harness/chromium.js';

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i < 0 ? undefined : process.argv[i + 1];
};
const n = Number(arg('--n') ?? 2000);
const prov = provenance(`node --conditions=source --import tsx scripts/bench-identity.ts --n ${n}`);
const out = arg('--out') ?? 'bench-results/identity.json';
const BATCH = 20;

function summary(samples: number[]): { n: number; p50Us: number; p99Us: number; meanUs: number } {
  const s = [...samples].sort((a, b) => a - b);
  const q = (p: number): number => (s[Math.min(s.length - 1, Math.floor(p * s.length))] as number) * 1000;
  const mean = (s.reduce((a, b) => a + b, 0) / s.length) * 1000;
  return { n: s.length, p50Us: +q(0.5).toFixed(1), p99Us: +q(0.99).toFixed(1), meanUs: +mean.toFixed(1) };
}

function nodeSamples(impl: Ed25519): Record<string, number[]> {
  const seed = crypto.getRandomValues(new Uint8Array(32));
  const data = crypto.getRandomValues(new Uint8Array(48));
  const pk = impl.publicKey(seed);
  const sig = impl.sign(seed, data);
  const sign: number[] = [];
  const verify: number[] = [];
  for (let i = 0; i < 50; i++) impl.verify(pk, data, impl.sign(seed, data)); // warm-up, not recorded
  for (let i = 0; i < n / BATCH; i++) {
    let t = performance.now();
    for (let j = 0; j < BATCH; j++) impl.sign(seed, data);
    sign.push((performance.now() - t) / BATCH);
    t = performance.now();
    for (let j = 0; j < BATCH; j++)
      if (!impl.verify(pk, data, sig)) throw new Error(`${impl.kind} verify failed`);
    verify.push((performance.now() - t) / BATCH);
  }
  return { [`${impl.kind}-sign`]: sign, [`${impl.kind}-verify`]: verify };
}

const node = { ...nodeSamples(ed25519Runtime()), ...nodeSamples(nobleEd25519) };

const bundle = await build({
  entryPoints: [new URL('./bench-identity.page.ts', import.meta.url).pathname],
  bundle: true,
  format: 'iife',
  platform: 'browser',
  write: false,
  conditions: ['source'],
});
const browser = await launchChromium();
let chromium: Record<string, number[]>;
try {
  const page = await browser.newPage();
  // WebCrypto needs a secure context: serve the page from an https origin intercepted in the
  // browser itself (nothing goes to the network).
  const js = bundle.outputFiles[0]?.text ?? '';
  await page.route('https://bench.invalid/**', (route) =>
    route.fulfill({ contentType: 'text/html', body: `<!doctype html><script>${js}</script>` }),
  );
  await page.goto('https://bench.invalid/');
  chromium = await page.evaluate(
    (count) =>
      (
        globalThis as unknown as { benchIdentity(n: number): Promise<Record<string, number[]>> }
      ).benchIdentity(count),
    n,
  );
} finally {
  await browser.close();
}

const result = {
  ...prov,
  note: 'shared 2-core machine, other jobs running; each sample = mean of a batch of 20 operations; percentiles over all samples (n = batches)',
  dataBytes: 48,
  signatureBytes: 64,
  node: Object.fromEntries(Object.entries(node).map(([k, v]) => [k, summary(v)])),
  chromium: Object.fromEntries(Object.entries(chromium).map(([k, v]) => [k, summary(v)])),
};
writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
console.log(JSON.stringify(result, null, 2));
