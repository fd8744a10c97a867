/**
 * A peer's identity: an Ed25519 key pair and the peer id derived from its public key
 * (`derivePeerId` in core). It signs synchronously (see `ed25519.ts`). Where it is kept is up to the
 * caller: `identity-store.ts` (IndexedDB, one slot per tab) in browsers, `identity-file.ts` (a 0600
 * file) for edge peers, or nowhere (a fresh identity per run).
 */
import { derivePeerId, keyMatchesId, type PeerId, type Trust } from '@pulsemesh/core';
import { ed25519Runtime, SEED_BYTES, type Ed25519 } from './ed25519.js';

/** What a peer needs to prove it is who its id says. */
export interface Identity {
  /** Key-derived peer id (`k` + 24 base32 characters). */
  readonly id: PeerId;
  /** Ed25519 public key (32 bytes). */
  readonly publicKey: Uint8Array;
  /** Ed25519 signature (64 bytes) over `data`. */
  sign(data: Uint8Array): Uint8Array;
}

/** An identity whose private key seed can be stored (by the stores in this package). */
export interface KeyPairIdentity extends Identity {
  /** The 32-byte private key seed: keep it secret. */
  readonly seed: Uint8Array;
}

/** The identity of a 32-byte private key seed. */
export function identityFromSeed(seed: Uint8Array, impl: Ed25519 = ed25519Runtime()): KeyPairIdentity {
  if (seed.length !== SEED_BYTES) throw new RangeError('an Ed25519 seed is 32 bytes');
  const s = seed.slice();
  const publicKey = impl.publicKey(s);
  return { id: derivePeerId(publicKey), publicKey, seed: s, sign: (data) => impl.sign(s, data) };
}

/** A new random identity (the seed comes from `crypto.getRandomValues`). */
export function generateIdentity(impl: Ed25519 = ed25519Runtime()): KeyPairIdentity {
  return identityFromSeed(crypto.getRandomValues(new Uint8Array(SEED_BYTES)), impl);
}

/** Verifies an Ed25519 signature with the runtime's implementation. */
export function verifySignature(publicKey: Uint8Array, data: Uint8Array, signature: Uint8Array): boolean {
  return ed25519Runtime().verify(publicKey, data, signature);
}

/**
 * The detector's signer/verifier for `identity` (signed membership, decision 0012): signs with the
 * identity's key, binds keys to key-derived ids, verifies with the runtime's Ed25519.
 */
export function trustFor(identity: Identity): Trust {
  const impl = ed25519Runtime();
  return {
    publicKey: identity.publicKey,
    sign: (data) => identity.sign(data),
    keyMatches: keyMatchesId,
    verify: (publicKey, data, signature) => impl.verify(publicKey, data, signature),
  };
}
