// Runs in Chromium (bundled by scripts/bench-identity.ts): per-operation Ed25519 cost with the
// pure-JS implementation the runtime uses in browsers (noble, sync: `noble` with its key tables built,
// `noble-uncached` @noble/curves' own sign/verify) and with WebCrypto (async).
import { nobleEd25519, nobleUncached } from '../packages/webrtc/src/ed25519.js';

type Samples = Record<string, number[]>;
/** Operations per timed sample: Chromium's clock has 100 µs resolution without isolation. */
const BATCH = 20;

async function run(n: number): Promise<Samples> {
  const out: Samples = {
    'noble-sign': [],
    'noble-verify': [],
    'noble-uncached-sign': [],
    'noble-uncached-verify': [],
    'webcrypto-sign': [],
    'webcrypto-verify': [],
  };
  const seed = crypto.getRandomValues(new Uint8Array(32));
  const data = crypto.getRandomValues(new Uint8Array(48)); // about one signed update's signing bytes
  const pk = nobleEd25519.publicKey(seed);
  const sig = nobleEd25519.sign(seed, data);
  // A mesh peer's key is verified again and again: its table is built when the tab is idle.
  nobleEd25519.verify(pk, data, sig);
  nobleEd25519.verify(pk, data, sig);
  await new Promise((r) => setTimeout(r, 500));
  for (const [name, impl] of [
    ['noble-uncached', nobleUncached],
    ['noble', nobleEd25519],
  ] as const) {
    for (let i = 0; i < n / BATCH; i++) {
      let t = performance.now();
      for (let j = 0; j < BATCH; j++) impl.sign(seed, data);
      out[`${name}-sign`]!.push((performance.now() - t) / BATCH);
      t = performance.now();
      for (let j = 0; j < BATCH; j++)
        if (!impl.verify(pk, data, sig)) throw new Error(`${name} verify failed`);
      out[`${name}-verify`]!.push((performance.now() - t) / BATCH);
    }
  }
  const keys = (await crypto.subtle.generateKey({ name: 'Ed25519' }, false, [
    'sign',
    'verify',
  ])) as CryptoKeyPair;
  const wsig = await crypto.subtle.sign({ name: 'Ed25519' }, keys.privateKey, data);
  for (let i = 0; i < n / BATCH; i++) {
    let t = performance.now();
    for (let j = 0; j < BATCH; j++) await crypto.subtle.sign({ name: 'Ed25519' }, keys.privateKey, data);
    out['webcrypto-sign']!.push((performance.now() - t) / BATCH);
    t = performance.now();
    for (let j = 0; j < BATCH; j++)
      if (!(await crypto.subtle.verify({ name: 'Ed25519' }, keys.publicKey, wsig, data)))
        throw new Error('webcrypto verify failed');
    out['webcrypto-verify']!.push((performance.now() - t) / BATCH);
  }
  return out;
}

(globalThis as unknown as { benchIdentity: typeof run }).benchIdentity = run;
