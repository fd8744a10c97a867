/**
 * Ed25519 for the runtime, synchronous everywhere (the detector signs and verifies inside its sync
 * `receive`/`tick` steps; decision 0012): Node's `crypto` (OpenSSL) when the runtime is Node, else
 * the audited pure-JS `@noble/curves` (browsers: WebCrypto's Ed25519 is async only). Both verify
 * strictly per RFC 8032 (noble with `zip215: false`), so a crafted signature cannot be valid for
 * some peers and not for others.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { bytesToNumberLE, concatBytes } from '@noble/curves/utils.js';
import { sha512 } from '@noble/hashes/sha2.js';

/** Bytes of a private key seed, a public key and a signature. */
export const SEED_BYTES = 32;
export const PUBLIC_KEY_BYTES = 32;
export const SIGNATURE_BYTES = 64;

/** The synchronous Ed25519 operations the runtime uses. */
export interface Ed25519 {
  /** `node` (OpenSSL through `node:crypto`) or `noble` (pure JS). */
  readonly kind: 'node' | 'noble';
  publicKey(seed: Uint8Array): Uint8Array;
  sign(seed: Uint8Array, data: Uint8Array): Uint8Array;
  /** False (never throws) on a malformed key or signature. */
  verify(publicKey: Uint8Array, data: Uint8Array, signature: Uint8Array): boolean;
}

const KEY_CACHE_MAX = 4096;

function hex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}

/** Keys whose decoded point (and, after two valid signatures, multiples table) the noble verifier keeps. */
const POINT_CACHE_MAX = 1024;
/** Keys with a precomputed table (~150 KB each at window 4); later keys keep only their point. */
const TABLE_KEYS_MAX = 64;
const TABLE_WINDOW = 4;

/** Runs `job` when the thread is idle (browsers), else on the next macrotask. */
function whenIdle(job: () => void): void {
  const g = globalThis as { requestIdleCallback?: (cb: () => void, o?: { timeout: number }) => unknown };
  if (typeof g.requestIdleCallback === 'function') g.requestIdleCallback(job, { timeout: 2_000 });
  else setTimeout(job, 0);
}

type EdPoint = InstanceType<typeof ed25519.Point>;
interface KeyPoint {
  point: EdPoint;
  uses: number;
}

/**
 * Noble's strict verify (RFC 8032 with `zip215: false`, the same checks as `ed25519.verify` in
 * `@noble/curves` 2.4.0: canonical A and R, small-order A refused, `s < L`, the cofactored
 * equation `[8][S]B = [8]R + [8][k]A`), with each key's decoded point cached and, after two valid
 * signatures by it, its multiples precomputed: ~3.4 → ~1.5 ms a verify in V8 (decision 0013). The table
 * (~10 ms) is built when the thread is idle, not inside the verify that asked for it.
 */
function nobleVerifier(): Ed25519['verify'] {
  const Point = ed25519.Point;
  const points = new Map<string, KeyPoint>();
  let tables = 0;
  const keyPoint = (publicKey: Uint8Array): KeyPoint | undefined => {
    const h = hex(publicKey);
    let k = points.get(h);
    if (k === undefined) {
      const point = Point.fromBytes(publicKey, false); // throws on a non-canonical or off-curve key
      if (point.isSmallOrder()) return undefined;
      if (points.size >= POINT_CACHE_MAX) {
        points.clear();
        tables = 0; // the tables go with their points
      }
      k = { point, uses: 0 };
      points.set(h, k);
    }
    return k;
  };
  /** Counts a verified signature by `k`: a key's second one asks for its table. */
  const used = (k: KeyPoint): void => {
    k.uses += 1;
    if (k.uses !== 2 || tables >= TABLE_KEYS_MAX) return;
    tables += 1;
    const point = k.point;
    // Lazy: the table is built by the first multiplication after `precompute`, this one.
    whenIdle(() => point.precompute(TABLE_WINDOW, true).multiplyUnsafe(2n));
  };
  return (publicKey, data, signature) => {
    if (publicKey.length !== PUBLIC_KEY_BYTES || signature.length !== SIGNATURE_BYTES) return false;
    try {
      const a = keyPoint(publicKey);
      if (a === undefined) return false;
      const r = signature.subarray(0, 32);
      const R = Point.fromBytes(r, false);
      const SB = Point.BASE.multiplyUnsafe(bytesToNumberLE(signature.subarray(32))); // throws unless s < L
      const k = Point.Fn.create(bytesToNumberLE(sha512(concatBytes(r, publicKey, data))));
      const valid = R.add(a.point.multiplyUnsafe(k)).subtract(SB).clearCofactor().is0();
      if (valid) used(a);
      return valid;
    } catch {
      return false; // a key or R that is not a canonical curve point, or s ≥ L
    }
  };
}

/** Noble's RFC 8032 signing with each seed's expanded key cached (one base multiplication a signature, not two). */
function nobleSigner(): Ed25519['sign'] {
  const Fn = ed25519.Point.Fn;
  const keys = new Map<string, ReturnType<typeof ed25519.utils.getExtendedPublicKey>>();
  return (seed, data) => {
    const h = hex(seed);
    let key = keys.get(h);
    if (key === undefined) {
      key = ed25519.utils.getExtendedPublicKey(seed);
      if (keys.size >= KEY_CACHE_MAX) keys.clear();
      keys.set(h, key);
    }
    const r = Fn.create(bytesToNumberLE(sha512(concatBytes(key.prefix, data))));
    const R = ed25519.Point.BASE.multiply(r).toBytes();
    const k = Fn.create(bytesToNumberLE(sha512(concatBytes(R, key.pointBytes, data))));
    return concatBytes(R, Fn.toBytes(Fn.create(r + k * key.scalar)));
  };
}

/** The pure-JS implementation (browsers; also usable in Node, e.g. to compare). */
export const nobleEd25519: Ed25519 = {
  kind: 'noble',
  publicKey: (seed) => ed25519.getPublicKey(seed),
  sign: nobleSigner(),
  verify: nobleVerifier(),
};

/** `@noble/curves`' own strict `sign`/`verify`, nothing cached: the reference for tests and `scripts/bench-identity.ts`. */
export const nobleUncached: Ed25519 = {
  kind: 'noble',
  publicKey: (seed) => ed25519.getPublicKey(seed),
  sign: (seed, data) => ed25519.sign(data, seed),
  verify: (publicKey, data, signature) => {
    if (publicKey.length !== PUBLIC_KEY_BYTES || signature.length !== SIGNATURE_BYTES) return false;
    try {
      return ed25519.verify(signature, data, publicKey, { zip215: false });
    } catch {
      return false; // a public key that is not a curve point (noble throws on it)
    }
  },
};

/** The subset of `node:crypto` used here (reached without an import: browser bundles stay clean). */
interface NodeCrypto {
  createPrivateKey(o: { key: Uint8Array; format: 'der'; type: 'pkcs8' }): unknown;
  createPublicKey(o: unknown): { export(o: { format: 'der'; type: 'spki' }): Uint8Array };
  sign(alg: null, data: Uint8Array, key: unknown): Uint8Array;
  verify(alg: null, data: Uint8Array, key: unknown, signature: Uint8Array): boolean;
}

const PKCS8_PREFIX = Uint8Array.from([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
]);
const SPKI_PREFIX = Uint8Array.from([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00]);

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** Node's OpenSSL Ed25519, with key objects cached (parsing a DER key costs more than a verify). */
export function nodeEd25519(crypto: NodeCrypto): Ed25519 {
  const privateKeys = new Map<string, unknown>();
  const publicKeys = new Map<string, unknown>();
  const cached = (cache: Map<string, unknown>, k: Uint8Array, make: () => unknown): unknown => {
    const h = hex(k);
    let v = cache.get(h);
    if (v === undefined) {
      v = make();
      if (cache.size >= KEY_CACHE_MAX) cache.clear();
      cache.set(h, v);
    }
    return v;
  };
  const privateKey = (seed: Uint8Array): unknown =>
    cached(privateKeys, seed, () =>
      crypto.createPrivateKey({ key: concat(PKCS8_PREFIX, seed), format: 'der', type: 'pkcs8' }),
    );
  return {
    kind: 'node',
    publicKey: (seed) =>
      new Uint8Array(crypto.createPublicKey(privateKey(seed)).export({ format: 'der', type: 'spki' })).slice(
        SPKI_PREFIX.length,
      ),
    sign: (seed, data) => new Uint8Array(crypto.sign(null, data, privateKey(seed))),
    verify: (publicKey, data, signature) => {
      if (publicKey.length !== PUBLIC_KEY_BYTES || signature.length !== SIGNATURE_BYTES) return false;
      try {
        const key = cached(publicKeys, publicKey, () =>
          crypto.createPublicKey({ key: concat(SPKI_PREFIX, publicKey), format: 'der', type: 'spki' }),
        );
        return crypto.verify(null, data, key, signature);
      } catch {
        return false; // OpenSSL refuses a key that is not a valid point
      }
    },
  };
}

let chosen: Ed25519 | undefined;

/** The runtime's implementation: Node's `crypto` in Node (≥ 20.16, `process.getBuiltinModule`), else noble. */
export function ed25519Runtime(): Ed25519 {
  if (chosen !== undefined) return chosen;
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const crypto = proc?.getBuiltinModule?.('node:crypto') as NodeCrypto | undefined;
  chosen = crypto !== undefined && typeof crypto.sign === 'function' ? nodeEd25519(crypto) : nobleEd25519;
  return chosen;
}
