/**
 * Signed membership updates: what a signature covers, who must sign which update, and the
 * injected signer/verifier (`Trust`). Core stays pure: the runtime passes Ed25519 in (Node's
 * `crypto` or noble, `@pulsemesh/webrtc`'s `trustFor(identity)`); tests and the simulator pass
 * `testTrust` (`test-trust.ts`). See decision 0012 (trust model).
 */
import { ByteWriter } from './bytes.js';
import { UpdateKind, writeId, type Update } from './codec.js';
import type { PeerId } from './types.js';

/**
 * Synchronous signing and verification, injected into the detector (`DetectorOptions.trust`).
 * With it, the detector signs what it says about itself and its accusations, and believes a
 * relayed update only when its signer's signature verifies.
 */
export interface Trust {
  /** This peer's public key (32 bytes); the local id must belong to it (`keyMatches`). */
  readonly publicKey: Uint8Array;
  /**
   * Signature (64 bytes) over `data` with this peer's private key. `data` may be a view of a
   * reused buffer: read it during the call, never keep it (the same for `verify`).
   */
  sign(data: Uint8Array): Uint8Array;
  /** True when `publicKey` is the key of `peer` (for real keys: `keyMatchesId`). */
  keyMatches(peer: PeerId, publicKey: Uint8Array): boolean;
  /** True when `signature` is `publicKey`'s over `data`. Never throws. */
  verify(publicKey: Uint8Array, data: Uint8Array, signature: Uint8Array): boolean;
}

/** Domain tag: a signature over an update can never be taken for a signature over anything else. */
const DOMAIN = new Uint8Array([0x70, 0x6d, 0x2d, 0x75, 0x70, 0x64, 0x31, 0x00]); // "pm-upd1\0"
const writer = new ByteWriter(160);

/** Who must sign `u`: the subject for `alive`/`left`, the accuser for `suspect`/`failed`. */
export function signerOf(u: Update): PeerId {
  return u.kind === UpdateKind.suspect || u.kind === UpdateKind.failed ? (u.from ?? u.peer) : u.peer;
}

/** The bytes a signature over `u` covers: domain tag, kind, incarnation, peer, accuser. */
export function updateSigningBytes(u: Update): Uint8Array {
  return writeSigningBytes(u).finish();
}

/**
 * {@link updateSigningBytes} as a view of the shared writer, valid until the next call: `Trust`'s
 * `sign` and `verify` are synchronous and consume their data at once, so no copy per check.
 */
function signingView(u: Update): Uint8Array {
  return writeSigningBytes(u).view();
}

function writeSigningBytes(u: Update): ByteWriter {
  const w = writer.reset();
  w.bytes(DOMAIN);
  w.u8(u.kind);
  w.varint(u.incarnation);
  // Ids as the codec writes them: ASCII ids from their char codes, not through the id cache (a
  // Map lookup per id, ~2.4 % of CPU samples at N = 2,000 when every received update is checked).
  writeId(w, u.peer);
  if (u.kind === UpdateKind.suspect || u.kind === UpdateKind.failed) writeId(w, u.from ?? u.peer);
  return w;
}

/** `u` signed by this peer (which must be its signer). */
export function signUpdate(trust: Trust, u: Update): Update {
  return { ...u, key: trust.publicKey, signature: trust.sign(signingView(u)) };
}

/** True when `u` carries a valid signature by its signer (`signerOf`) with that signer's key. */
export function verifyUpdate(trust: Trust, u: Update): boolean {
  if (u.key === undefined || u.signature === undefined) return false;
  if (!trust.keyMatches(signerOf(u), u.key)) return false;
  return trust.verify(u.key, signingView(u), u.signature);
}
