/**
 * Key proof on attached links (decision 0049). An attached connection's remote id comes from the
 * app (y-webrtc's signaling, the app's own): nothing vouches for it. A link must be proven when
 * that id is key-derived (`k` + 24 base32, `isKeyDerivedId`): it counts as that peer's only after
 * the far end proved the key the id is derived from. It must be proven too when this mesh has an
 * identity (`trust` and a key-derived id of its own) and the app's id is a plain one (y-webrtc's
 * room ids are random UUIDs): the link then counts as the peer whose id the proven key derives,
 * and the app's id is only a label. The proof is a challenge-response on the link's reliable channel:
 *
 * ```
 * proof-msg = 2:u8 (ReliableTag.proof) | kind:u8 | body
 *   kind 0  challenge   body = nonce (16 B, fresh per set of channels) | challenger id (UTF-8)
 *   kind 1  proof       body = publicKey (32 B) | signature (64 B)
 * signed    = "pulsemesh-attach-v1\0" signer "\0" recipient "\0" hex(nonce) "\0" fp *("\n" fp)
 * ```
 * `signer` is the id the key derives, `recipient` the challenger's own id (as its challenge says),
 * `nonce` the challenge's; `fp` are the DTLS fingerprints of both ends of this
 * connection (local and remote description, normalised and sorted as in `link-proof.ts`), so both
 * ends sign and check the same list, and DTLS guarantees the far end holds its certificate. A proof
 * made on another connection (a member relaying a challenge to the real owner of the id over its own
 * link to it) covers other fingerprints and is refused; so is one for another nonce or id pair.
 * Links to plain ids are not proven (nothing to prove them against): they run as before.
 */
import {
  derivePeerId,
  isCanonicalPeerId,
  isKeyDerivedId,
  keyMatchesId,
  type PeerId,
  type Trust,
} from '@pulsemesh/core';
import { verifySignature } from './identity.js';
import { sdpFingerprints } from './link-proof.js';
import { ReliableTag } from './link-table.js';

/** Proof message kinds (second byte). Append-only. */
export const ProofKind = { challenge: 0, proof: 1 } as const;
export type ProofKind = (typeof ProofKind)[keyof typeof ProofKind];

export const proofNonceBytes = 16;
const publicKeyBytes = 32;
const signatureBytes = 64;

/** Why an attached link's key proof was refused (counted; the link never counts, and is closed). */
export const AttachProofError = {
  /** Not a challenge or proof of the right length, or a kind not known. */
  malformed: 'malformed',
  /** The key is not the one the attached id is derived from. */
  wrongKey: 'wrong-key',
  /** The proven key's id is this mesh's own. */
  ownId: 'own-id',
  /** The signature does not cover this pair of ids, our nonce and this connection's fingerprints. */
  badSignature: 'bad-signature',
  /** The connection has no readable DTLS fingerprint: nothing to bind the proof to. */
  noFingerprint: 'no-fingerprint',
  /** A proof arrived before our challenge went out, or after one was taken, or a second challenge. */
  unexpected: 'unexpected',
  /** No valid proof within `proofTimeoutMs` of the far side answering. */
  timeout: 'timeout',
  /**
   * A valid proof of a key other than the one pinned to this plain app id: the first key proven
   * under it in this mesh's session, until that key's member is `left` or reaped (decision 0057).
   */
  pinnedKey: 'pinned-key',
} as const;
export type AttachProofError = (typeof AttachProofError)[keyof typeof AttachProofError];

/** What an attached mesh counts about key proofs (`AttachedMesh.proofCounters`). */
export interface ProofCounters {
  /** Links whose far end proved the key of its key-derived id. */
  proven: number;
  /** Proofs refused, by reason (the link was closed). */
  refused: Record<AttachProofError, number>;
  /** A second connection claiming an id a proven link holds, refused (the proven link stays). */
  challengersRefused: number;
  /** Detector messages from a link not proven yet, dropped. */
  unprovenMessages: number;
  /** Challenges answered with a proof (ours). */
  answered: number;
}

/** All-zero {@link ProofCounters}. */
export function newProofCounters(): ProofCounters {
  const refused = Object.fromEntries(Object.values(AttachProofError).map((e) => [e, 0]));
  return {
    proven: 0,
    refused: refused as Record<AttachProofError, number>,
    challengersRefused: 0,
    unprovenMessages: 0,
    answered: 0,
  };
}

/**
 * Whether an attached link to `remote` must be proven before it counts: its id is key-derived, or
 * this mesh has an identity (`hasIdentity`; the proven key then names the peer, see above).
 */
export function attachNeedsProof(remote: PeerId, hasIdentity: boolean): boolean {
  return hasIdentity || isKeyDerivedId(remote);
}

/** The bytes a proof signs (see the file comment). */
export function attachProofBytes(
  signer: PeerId,
  recipient: PeerId,
  nonce: Uint8Array,
  fingerprints: readonly string[],
): Uint8Array {
  const hex = [...nonce].map((b) => b.toString(16).padStart(2, '0')).join('');
  return new TextEncoder().encode(
    `pulsemesh-attach-v1\0${signer}\0${recipient}\0${hex}\0${fingerprints.join('\n')}`,
  );
}

/** The fingerprints of both ends of `pc` (sorted, de-duplicated); undefined when unreadable. */
export function connectionFingerprints(pc: RTCPeerConnection): string[] | undefined {
  const local = pc.localDescription?.sdp;
  const remote = pc.remoteDescription?.sdp;
  if (!local || !remote) return undefined;
  const a = sdpFingerprints(local);
  const b = sdpFingerprints(remote);
  return a && b ? [...new Set([...a, ...b])].sort() : undefined;
}

/** `tag | kind | body`. */
export function proofMessage(kind: ProofKind, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(2 + body.length);
  out[0] = ReliableTag.proof;
  out[1] = kind;
  out.set(body, 2);
  return out;
}

/**
 * Checks an untrusted proof body for our `nonce`: by the key of `claimed` when the app's id is
 * key-derived, else by any key (its id is what the proof proves). Returns the proven id or why not.
 * Never throws.
 */
export function checkAttachProof(
  body: Uint8Array,
  claimed: PeerId,
  recipient: PeerId,
  nonce: Uint8Array,
  fingerprints: readonly string[] | undefined,
): { id: PeerId } | { error: AttachProofError } {
  if (body.length !== publicKeyBytes + signatureBytes) return { error: AttachProofError.malformed };
  const publicKey = body.slice(0, publicKeyBytes);
  if (isKeyDerivedId(claimed) && !keyMatchesId(claimed, publicKey))
    return { error: AttachProofError.wrongKey };
  const signer = derivePeerId(publicKey);
  if (signer === recipient) return { error: AttachProofError.ownId };
  if (!fingerprints) return { error: AttachProofError.noFingerprint };
  const signed = attachProofBytes(signer, recipient, nonce, fingerprints);
  return verifySignature(publicKey, signed, body.slice(publicKeyBytes))
    ? { id: signer }
    : { error: AttachProofError.badSignature };
}

/** What {@link AttachProof.receive} made of a proof message. */
export type ProofStep =
  { kind: 'proven'; id: PeerId } | { kind: 'refused'; error: AttachProofError } | undefined;

/**
 * The proof exchange of one set of channels on one attached connection. `start` sends our
 * challenge (when the remote must prove); `receive` takes the far side's proof messages: it answers
 * its challenge (when we have a key-derived id and its key) and checks its proof.
 */
export class AttachProof {
  /** Whether the remote must prove its key before the link counts. */
  readonly required: boolean;
  #local: PeerId;
  #remote: PeerId;
  #signer: Trust | undefined;
  #fingerprints: () => string[] | undefined;
  #send: (bytes: Uint8Array) => boolean;
  #nonce: Uint8Array | undefined;
  #provenId: PeerId | undefined;
  #answered = false;

  constructor(options: {
    local: PeerId;
    remote: PeerId;
    trust: Trust | undefined;
    fingerprints: () => string[] | undefined;
    send: (bytes: Uint8Array) => boolean;
  }) {
    this.#local = options.local;
    this.#remote = options.remote;
    const trust = options.trust;
    this.#signer = trust && keyMatchesId(options.local, trust.publicKey) ? trust : undefined;
    this.required = attachNeedsProof(options.remote, this.#signer !== undefined);
    this.#fingerprints = options.fingerprints;
    this.#send = options.send;
  }

  get proven(): boolean {
    return this.#provenId !== undefined;
  }

  /** The id the far end's proven key derives (undefined until proven). */
  get provenId(): PeerId | undefined {
    return this.#provenId;
  }

  /** Sends our challenge (once), if the remote must prove. */
  start(): void {
    if (!this.required || this.#nonce) return;
    this.#nonce = crypto.getRandomValues(new Uint8Array(proofNonceBytes));
    const id = new TextEncoder().encode(this.#local);
    const body = new Uint8Array(proofNonceBytes + id.length);
    body.set(this.#nonce, 0);
    body.set(id, proofNonceBytes);
    this.#send(proofMessage(ProofKind.challenge, body));
  }

  /** One proof message (`tag | kind | body`) from the far side. Never throws. */
  receive(message: Uint8Array): ProofStep {
    const body = message.subarray(2);
    if (message[1] === ProofKind.challenge) return this.#answer(body);
    if (message[1] !== ProofKind.proof) return { kind: 'refused', error: AttachProofError.malformed };
    if (!this.required || !this.#nonce || this.#provenId !== undefined)
      return { kind: 'refused', error: AttachProofError.unexpected };
    const result = checkAttachProof(body, this.#remote, this.#local, this.#nonce, this.#fingerprints());
    if ('error' in result) return { kind: 'refused', error: result.error };
    this.#provenId = result.id;
    return { kind: 'proven', id: result.id };
  }

  #answer(body: Uint8Array): ProofStep {
    const challenger = decodeId(body.subarray(proofNonceBytes));
    if (body.length <= proofNonceBytes || challenger === undefined)
      return { kind: 'refused', error: AttachProofError.malformed };
    if (this.#answered) return { kind: 'refused', error: AttachProofError.unexpected };
    this.#answered = true;
    const fingerprints = this.#fingerprints();
    // No key (a plain id) or no fingerprints: nothing to answer with; the far side times out.
    if (!this.#signer || !fingerprints) return undefined;
    const nonce = body.subarray(0, proofNonceBytes);
    const signature = this.#signer.sign(attachProofBytes(this.#local, challenger, nonce, fingerprints));
    const proof = new Uint8Array(publicKeyBytes + signatureBytes);
    proof.set(this.#signer.publicKey, 0);
    proof.set(signature, publicKeyBytes);
    this.#send(proofMessage(ProofKind.proof, proof));
    return undefined;
  }
}

/** A challenger's id: canonical, else undefined (never signed into a proof). */
function decodeId(bytes: Uint8Array): PeerId | undefined {
  if (bytes.length === 0 || bytes.length > 64) return undefined;
  const id = new TextDecoder().decode(bytes);
  return isCanonicalPeerId(id) ? id : undefined;
}
