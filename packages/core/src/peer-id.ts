/**
 * Peer ids: canonical ASCII, and key-derived (self-certifying) ids. A key-derived id is
 * `k` + the first 24 base32 characters (120 bits) of SHA-256 over a domain tag and the peer's
 * Ed25519 public key, so whoever shows a key and a signature proves the id is theirs, and nobody
 * can choose a key for someone else's id (a second preimage of 120 bits). A human display name is
 * separate metadata, never the id. See `docs/decisions/0012-identity-keys.md`.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { encodeUtf8 } from './bytes.js';

/** First character of every key-derived id. */
export const KEY_ID_PREFIX = 'k';
/** Base32 characters after the prefix (5 bits each: 120 bits of the hash). */
export const KEY_ID_HASH_CHARS = 24;
/** Length of a key-derived id (characters = bytes, ASCII). */
export const KEY_ID_CHARS = KEY_ID_PREFIX.length + KEY_ID_HASH_CHARS;
/** Bytes of an Ed25519 public key. */
export const PUBLIC_KEY_BYTES = 32;
/** Bytes of an Ed25519 signature. */
export const SIGNATURE_BYTES = 64;

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';
// Pure: a bundle that takes only `isCanonicalPeerId` (the elements) drops it and `bytes.ts`.
const DOMAIN = /* @__PURE__ */ encodeUtf8('pulsemesh-peer-id-v1\0');
const KEY_ID = /^k[a-z2-7]{24}$/;
/**
 * Canonical ASCII: lowercase letters, digits, `.`, `_`, `-`, starting with a letter or digit, at
 * most 64 characters. Everything a look-alike needs (upper case, spaces, full-width or zero-width
 * characters, other scripts) is outside it, so two ids that look alike are the same id.
 */
const CANONICAL = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/** True when `id` is canonical ASCII (see `CANONICAL`); every key-derived id is. */
export function isCanonicalPeerId(id: string): boolean {
  return CANONICAL.test(id);
}

/** Byte classes of `CANONICAL`: 2 may start an id (`a-z`, `0-9`), 1 may follow (`.`, `_`, `-`). */
const CANONICAL_BYTE = new Uint8Array(256);
for (let c = 0x61; c <= 0x7a; c++) CANONICAL_BYTE[c] = 2;
for (let c = 0x30; c <= 0x39; c++) CANONICAL_BYTE[c] = 2;
for (const c of [0x2e, 0x5f, 0x2d]) CANONICAL_BYTE[c] = 1;

/**
 * True when `bytes[start..end)` is the UTF-8 of a canonical id (as {@link isCanonicalPeerId} of
 * its string): decode checks an id's bytes before it becomes a string, a table lookup per byte.
 */
export function isCanonicalIdBytes(bytes: Uint8Array, start: number, end: number): boolean {
  const n = end - start;
  if (n < 1 || n > 64 || end > bytes.length || CANONICAL_BYTE[bytes[start] as number] !== 2) return false;
  for (let i = start + 1; i < end; i++) if (CANONICAL_BYTE[bytes[i] as number] === 0) return false;
  return true;
}

/** True when `id` has the shape of a key-derived id (it still needs its key to be trusted). */
export function isKeyDerivedId(id: string): boolean {
  return KEY_ID.test(id);
}

/** The key-derived peer id of an Ed25519 public key (32 bytes). */
export function derivePeerId(publicKey: Uint8Array): string {
  if (publicKey.length !== PUBLIC_KEY_BYTES) throw new RangeError('public key must be 32 bytes');
  const input = new Uint8Array(DOMAIN.length + publicKey.length);
  input.set(DOMAIN);
  input.set(publicKey, DOMAIN.length);
  return KEY_ID_PREFIX + base32(sha256(input), KEY_ID_HASH_CHARS);
}

/** True when `publicKey` is the key `id` was derived from. */
export function keyMatchesId(id: string, publicKey: Uint8Array): boolean {
  return publicKey.length === PUBLIC_KEY_BYTES && isKeyDerivedId(id) && derivePeerId(publicKey) === id;
}

/** The first `chars` base32 (RFC 4648, lowercase, no padding) characters of `bytes`. */
function base32(bytes: Uint8Array, chars: number): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (let i = 0; i < bytes.length && out.length < chars; i++) {
    value = (value << 8) | (bytes[i] as number);
    bits += 8;
    while (bits >= 5 && out.length < chars) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  return out;
}
