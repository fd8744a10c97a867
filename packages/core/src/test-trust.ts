/**
 * A cheap, deterministic, **insecure** stand-in for Ed25519, for core tests and the simulator
 * (10,000 nodes must not spend their time in elliptic curves): each id has a fixed 32-byte "key",
 * and a "signature" is 64 bytes of a keyed FNV-1a hash. Anyone who knows this file can forge it,
 * so it only tells honest test peers from test attackers that send wrong or missing signatures.
 * Its sizes equal Ed25519's, so byte counts on the wire are honest.
 */
import { encodeUtf8 } from './bytes.js';
import { PUBLIC_KEY_BYTES, SIGNATURE_BYTES } from './peer-id.js';
import type { Trust } from './signed-update.js';
import type { PeerId } from './types.js';

function fnvFill(seed: Uint8Array, data: Uint8Array, out: Uint8Array): Uint8Array {
  let h = 0x811c9dc5;
  for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ (seed[i] as number), 0x01000193);
  for (let i = 0; i < data.length; i++) h = Math.imul(h ^ (data[i] as number), 0x01000193);
  for (let i = 0; i < out.length; i++) {
    h = Math.imul(h ^ i, 0x01000193);
    out[i] = (h >>> 24) & 0xff;
  }
  return out;
}

const keys = new Map<PeerId, Uint8Array>();

/** The test "public key" of `id` (cached). */
export function testKey(id: PeerId): Uint8Array {
  let k = keys.get(id);
  if (k === undefined) {
    k = fnvFill(encodeUtf8(id), new Uint8Array(0), new Uint8Array(PUBLIC_KEY_BYTES));
    if (keys.size >= 65_536) keys.clear();
    keys.set(id, k);
  }
  return k;
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** FNV-1a state after `seed` then `data` (the first two loops of {@link fnvFill}). */
function fnvPrefix(seed: Uint8Array, data: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ (seed[i] as number), 0x01000193);
  for (let i = 0; i < data.length; i++) h = Math.imul(h ^ (data[i] as number), 0x01000193);
  return h;
}

/** Whether `expected` equals {@link fnvFill}'s output from state `h` (computed byte by byte, no copy). */
function fnvMatches(h: number, expected: Uint8Array, bytes: number): boolean {
  if (expected.length !== bytes) return false;
  for (let i = 0; i < bytes; i++) {
    h = Math.imul(h ^ i, 0x01000193);
    if (((h >>> 24) & 0xff) !== expected[i]) return false;
  }
  return true;
}

/**
 * Whether `key` is {@link testKey}`(id)`, computed from the id's char codes when it is ASCII (every
 * simulator id): the key cache is a Map lookup per check, a cache miss at 10,000 nodes, where these
 * ~40 multiplications are not. Same answer as comparing with `testKey(id)`.
 */
function isTestKey(id: PeerId, key: Uint8Array): boolean {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    if (c >= 0x80) return equal(testKey(id), key);
    h = Math.imul(h ^ c, 0x01000193);
  }
  return fnvMatches(h, key, PUBLIC_KEY_BYTES);
}

/**
 * The test signature check, one function for every id (a `SharedStatementTable` remembers answers
 * only across trusts with the same functions). The expected signature is compared as it is
 * computed: no scratch copy, and a forgery stops at its first wrong byte. Same answer as comparing
 * with `fnvFill(key, data, …)`.
 */
function verifyTest(key: Uint8Array, data: Uint8Array, signature: Uint8Array): boolean {
  return fnvMatches(fnvPrefix(key, data), signature, SIGNATURE_BYTES);
}

/** The insecure test {@link Trust} of `id` (see the module comment). */
export function testTrust(id: PeerId): Trust {
  const publicKey = testKey(id);
  return {
    publicKey,
    sign: (data) => fnvFill(publicKey, data, new Uint8Array(SIGNATURE_BYTES)),
    keyMatches: isTestKey,
    verify: verifyTest,
  };
}
