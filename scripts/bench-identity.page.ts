// Runs in Chromium (bundled by scripts/bench-identity.ts): per-operation Ed25519 cost with the
// pure-JS implementation the runtime uses in browsers (noble, sync) and with WebCrypto (async).
import { nobleEd25519 } from '../packages/webrtc/src/ed25519.js';

type Samples = Record<string, number[]>;
/** Operations per timed sample: Chromium's clock has 100 µs resolution without isolation. */
const BATCH = 20;

async function run(n: number): Promise<Samples> {
  const out: Samples = { 'noble-sign': [], 'noble-verify': [], 'webcrypto-sign': [], 'webcrypto-verify': [] };
  const seed = crypto.getRandomValues(new Uint8Array(32));
  const data = crypto.getRandomValues(new Uint8Array(48)); // about one signed update's signing bytes
  const pk = nobleEd25519.publicKey(seed);
  const sig = nobleEd25519.sign(seed, data);
  for (let i = 0; i < n / BATCH; i++) {
    let t = performance.now();
    for (let j = 0; j < BATCH; j++) nobleEd25519.sign(seed, data);
    out['noble-sign']!.push((performance.now() - t) / BATCH);
    t = performance.now();
    for (let j = 0; j < BATCH; j++)
      if (!nobleEd25519.verify(pk, data, sig)) throw new Error('noble verify failed');
    out['noble-verify']!.push((performance.now() - t) / BATCH);
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
