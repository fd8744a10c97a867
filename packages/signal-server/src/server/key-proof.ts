/**
 * Checks a join's key proof (decision 0012): a key-derived peer id (`k` + 24 base32 of
 * SHA-256("pulsemesh-peer-id-v1\0" ‖ key), core's `derivePeerId`) is admitted only with that key
 * and its Ed25519 signature over this socket's nonce, the room and the id. So the server (and
 * through it every peer) knows a member holds the key of the id it joins as: an id cannot be
 * taken by a member without the key, even while its owner is away, nor with a stolen join token.
 */
import { createHash, createPublicKey, verify } from 'node:crypto';
import { joinProofBytes } from '@pulsemesh/signal';
import type { JoinMessage } from '@pulsemesh/signal';

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';
/** DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410); the 32-byte key follows. */
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** The key-derived peer id of a 32-byte Ed25519 public key (same rule as core's `derivePeerId`). */
export function keyDerivedId(publicKey: Uint8Array): string {
  const hash = createHash('sha256').update('pulsemesh-peer-id-v1\0').update(publicKey).digest();
  let out = 'k';
  let bits = 0;
  let value = 0;
  for (const byte of hash) {
    value = ((value << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5 && out.length < 25) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    if (out.length >= 25) break;
  }
  return out;
}

/** True when `msg` proves, for this socket's `nonce`, that its sender holds the key of `msg.peer`. */
export function checkKeyProof(msg: JoinMessage, nonce: string | undefined): boolean {
  if (nonce === undefined || msg.key === undefined || msg.proof === undefined) return false;
  const key = Buffer.from(msg.key, 'base64url');
  const signature = Buffer.from(msg.proof, 'base64url');
  if (key.length !== 32 || signature.length !== 64 || keyDerivedId(key) !== msg.peer) return false;
  try {
    const publicKey = createPublicKey({
      key: Buffer.concat([SPKI_PREFIX, key]),
      format: 'der',
      type: 'spki',
    });
    return verify(null, joinProofBytes(nonce, msg.room, msg.peer), publicKey, signature);
  } catch {
    return false; // not a point on the curve
  }
}
