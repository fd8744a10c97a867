/**
 * The join proof (decision 0012): a peer whose id is derived from an Ed25519 key signs the server's
 * per-socket nonce, the room and its id, so the server admits that id only to the key's holder.
 * Isomorphic: base64url and the signed bytes, no crypto (the signer is the caller's).
 */
import { FieldLimits } from './protocol.js';

/** Shape of a key-derived peer id (`k` + 24 base32); only these need a proof. */
const KEY_DERIVED_ID = /^k[a-z2-7]{24}$/;

/** True when `peer` has the shape of a key-derived id, so its join must carry a key proof. */
export function needsKeyProof(peer: string): boolean {
  return KEY_DERIVED_ID.test(peer);
}

/** What a client needs to prove its key-derived id: the public key and a synchronous signer. */
export interface KeyProofSigner {
  /** Ed25519 public key, 32 bytes. */
  readonly publicKey: Uint8Array;
  /** Ed25519 signature (64 bytes) over `data`. */
  sign(data: Uint8Array): Uint8Array;
}

const encoder = new TextEncoder();

/** The bytes a join proof signs: `"pulsemesh-join-v1\0" nonce "\0" room "\0" peer` (UTF-8). */
export function joinProofBytes(nonce: string, room: string, peer: string): Uint8Array {
  if (nonce.length > FieldLimits.nonceCharsMax) throw new RangeError('nonce too long');
  return encoder.encode(`pulsemesh-join-v1\0${nonce}\0${room}\0${peer}`);
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** base64url without padding (RFC 4648 §5). */
export function toBase64Url(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = ((bytes[i] as number) << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    const chars = Math.min(4, Math.ceil(((bytes.length - i) * 8) / 6));
    for (let j = 0; j < chars; j++) out += ALPHABET[(n >>> (18 - 6 * j)) & 63];
  }
  return out;
}
