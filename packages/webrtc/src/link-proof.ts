/**
 * Link proofs (decision 0012, trust model): a peer with a key-derived id signs the DTLS
 * fingerprints of every offer or answer it sends, and the other side checks that signature before
 * it feeds the SDP to its connection, and again when the link opens, against the fingerprints of
 * the remote description the connection really negotiated. DTLS then guarantees that the far end
 * of the link holds the certificate the peer's key vouched for, so a signaling server (or anyone
 * relaying signals) that swaps the SDP to sit in the middle of a link is refused.
 *
 * ```
 * proof  = { k: base64url(publicKey 32 B), g: base64url(signature 64 B) }    in link-signal "p"
 * signed = "pulsemesh-dtls-v1\0" signer "\0" recipient "\0" session "\0" fp *("\n" fp)
 * fp     = lowercase hash name " " uppercase hex pairs joined by ":"   e.g. "sha-256 AB:CD:…"
 * ```
 * The fingerprints are every `a=fingerprint` line of the SDP, normalised, de-duplicated and
 * sorted; the receiver recomputes them from the SDP it received, so the proof carries no copy.
 * Only key-derived ids (`k` + 24 base32) prove links: a plain id has no key (tests, meshes that
 * need no trust), and nothing about it is authenticated.
 */
import { isKeyDerivedId, keyMatchesId, type PeerId } from '@pulsemesh/core';
import { toBase64Url } from '@pulsemesh/signal';
import { verifySignature, type Identity } from './identity.js';

/** A link proof as it travels in a link signal (`p`). */
export interface LinkProof {
  /** The signer's Ed25519 public key, base64url (43 characters). */
  k: string;
  /** Ed25519 signature over {@link linkProofBytes}, base64url (86 characters). */
  g: string;
}

/** Why a link proof was refused (counted; the link never counts). */
export const LinkProofError = {
  /** A key-derived peer sent an offer or answer without a proof. */
  missing: 'missing',
  /** Not two base64url strings of the right lengths. */
  malformed: 'malformed',
  /** The key is not the one the sender's id is derived from. */
  wrongKey: 'wrong-key',
  /** The SDP has no `a=fingerprint` line (nothing to bind), or too many. */
  noFingerprint: 'no-fingerprint',
  /** The signature does not cover these fingerprints, this pair of peers and this session. */
  badSignature: 'bad-signature',
  /** The connection negotiated other fingerprints than the proof covered (checked at open). */
  fingerprintMismatch: 'fingerprint-mismatch',
} as const;
export type LinkProofError = (typeof LinkProofError)[keyof typeof LinkProofError];

/** Most fingerprints read from one SDP (one per certificate; stacks send one or two). */
const fingerprintsMax = 8;
const PUBLIC_KEY_CHARS = 43;
const SIGNATURE_CHARS = 86;
const FINGERPRINT_LINE = /^a=fingerprint:([A-Za-z0-9-]{1,16}) ((?:[0-9A-Fa-f]{2}:){15,63}[0-9A-Fa-f]{2})\s*$/;

/** Whether links to `peer` must carry a proof: its id is key-derived. */
export function linkNeedsProof(peer: PeerId): boolean {
  return isKeyDerivedId(peer);
}

/** The normalised DTLS fingerprints of an SDP (see the module comment); undefined when none or too many. */
export function sdpFingerprints(sdp: string): string[] | undefined {
  const found = new Set<string>();
  for (const line of sdp.split('\n')) {
    if (!line.startsWith('a=fingerprint:')) continue;
    const m = FINGERPRINT_LINE.exec(line.replace(/\r$/, ''));
    if (!m) return undefined; // a fingerprint we cannot read is one we cannot vouch for
    found.add(`${m[1]!.toLowerCase()} ${m[2]!.toUpperCase()}`);
    if (found.size > fingerprintsMax) return undefined;
  }
  return found.size === 0 ? undefined : [...found].sort();
}

/** The bytes a link proof signs (see the module comment). */
export function linkProofBytes(
  signer: PeerId,
  recipient: PeerId,
  session: string,
  fingerprints: readonly string[],
): Uint8Array {
  return new TextEncoder().encode(
    `pulsemesh-dtls-v1\0${signer}\0${recipient}\0${session}\0${fingerprints.join('\n')}`,
  );
}

/** Signs the fingerprints of `sdp` for a link to `recipient`; undefined if the SDP has none. */
export function signLinkProof(
  identity: Identity,
  recipient: PeerId,
  session: string,
  sdp: string,
): LinkProof | undefined {
  const fingerprints = sdpFingerprints(sdp);
  if (!fingerprints) return undefined;
  const signature = identity.sign(linkProofBytes(identity.id, recipient, session, fingerprints));
  return { k: toBase64Url(identity.publicKey), g: toBase64Url(signature) };
}

/** Result of {@link checkLinkProof}: the fingerprints the signer vouched for, or why not. */
export type LinkProofCheck = { ok: true; fingerprints: string[] } | { ok: false; error: LinkProofError };

/**
 * Checks an untrusted proof from `signer` over the fingerprints of `sdps` (the offers/answers of
 * one signal message; all must carry the same fingerprints). Never throws.
 */
export function checkLinkProof(
  proof: unknown,
  signer: PeerId,
  recipient: PeerId,
  session: string,
  sdps: readonly string[],
): LinkProofCheck {
  if (proof === undefined) return { ok: false, error: LinkProofError.missing };
  const key =
    typeof proof === 'object' && proof !== null ? (proof as Record<string, unknown>)['k'] : undefined;
  const sig =
    typeof proof === 'object' && proof !== null ? (proof as Record<string, unknown>)['g'] : undefined;
  const publicKey =
    typeof key === 'string' && key.length === PUBLIC_KEY_CHARS ? fromBase64Url(key) : undefined;
  const signature =
    typeof sig === 'string' && sig.length === SIGNATURE_CHARS ? fromBase64Url(sig) : undefined;
  if (!publicKey || !signature) return { ok: false, error: LinkProofError.malformed };
  if (!keyMatchesId(signer, publicKey)) return { ok: false, error: LinkProofError.wrongKey };
  let fingerprints: string[] | undefined;
  for (const sdp of sdps) {
    const own = sdpFingerprints(sdp);
    if (!own) return { ok: false, error: LinkProofError.noFingerprint };
    if (fingerprints && !sameFingerprints(fingerprints, own))
      return { ok: false, error: LinkProofError.badSignature };
    fingerprints = own;
  }
  if (!fingerprints) return { ok: false, error: LinkProofError.noFingerprint };
  const signed = linkProofBytes(signer, recipient, session, fingerprints);
  if (!verifySignature(publicKey, signed, signature))
    return { ok: false, error: LinkProofError.badSignature };
  return { ok: true, fingerprints };
}

/** Whether two normalised, sorted fingerprint lists are equal. */
export function sameFingerprints(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((f, i) => f === b[i]);
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** Strict base64url (no padding; the canonical encoding only): undefined on anything else. */
function fromBase64Url(text: string): Uint8Array | undefined {
  const bytes = new Uint8Array(Math.floor((text.length * 6) / 8));
  let bits = 0;
  let value = 0;
  let n = 0;
  for (const ch of text) {
    const v = ALPHABET.indexOf(ch);
    if (v < 0) return undefined;
    value = ((value << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes[n++] = (value >>> bits) & 0xff;
    }
  }
  return toBase64Url(bytes) === text ? bytes : undefined;
}
