// The attach path's key proof (decision 0049) without WebRTC: two `AttachProof`s wired back to back
// with fixed fingerprints, and hand-made hostile proofs. The same on real connections:
// `attach-proof-link.test.ts`.
import { describe, expect, it } from 'vitest';
import {
  AttachProof,
  AttachProofError,
  attachNeedsProof,
  attachProofBytes,
  checkAttachProof,
  ProofKind,
  proofMessage,
  proofNonceBytes,
} from './attach-proof.js';
import { generateIdentity, trustFor, type KeyPairIdentity } from './identity.js';

const fpsAB = ['sha-256 AA:BB', 'sha-256 CC:DD'];
const fpsAC = ['sha-256 AA:BB', 'sha-256 EE:FF'];

/** Two sides of one connection: `a` attached `b` under `bAs`, `b` attached `a` under `aAs`. */
function pair(options: {
  a?: KeyPairIdentity | undefined;
  b?: KeyPairIdentity | undefined;
  aAs: string;
  bAs: string;
  fingerprints?: string[] | undefined;
}): { a: AttachProof; b: AttachProof; toA: Uint8Array[]; toB: Uint8Array[] } {
  const toA: Uint8Array[] = [];
  const toB: Uint8Array[] = [];
  const fps = 'fingerprints' in options ? options.fingerprints : fpsAB;
  const side = (me: KeyPairIdentity | undefined, meAs: string, them: string, out: Uint8Array[]) =>
    new AttachProof({
      local: me?.id ?? meAs,
      remote: them,
      trust: me && trustFor(me),
      fingerprints: () => fps,
      send: (bytes) => (out.push(bytes.slice()), true),
    });
  return {
    a: side(options.a, options.aAs, options.bAs, toB),
    b: side(options.b, options.bAs, options.aAs, toA),
    toA,
    toB,
  };
}

function proofFrom(signer: KeyPairIdentity, key: Uint8Array, signed: Uint8Array): Uint8Array {
  const body = new Uint8Array(96);
  body.set(key, 0);
  body.set(signer.sign(signed), 32);
  return proofMessage(ProofKind.proof, body);
}

const nonceOf = (challenge: Uint8Array): Uint8Array => challenge.slice(2, 2 + proofNonceBytes);

describe('attach key proof', () => {
  it('requires a proof for key-derived ids, and for every id when this side has an identity', () => {
    const id = generateIdentity().id;
    expect([
      attachNeedsProof('carol', false),
      attachNeedsProof(id, false),
      attachNeedsProof('carol', true),
      attachNeedsProof(id, true),
    ]).toEqual([false, true, true, true]);
  });

  it('two sides with identities prove each other by key ids; plain app ids map to the keys', () => {
    const [ia, ib] = [generateIdentity(), generateIdentity()];
    for (const [aAs, bAs] of [
      [ia.id, ib.id],
      ['uuid-a', 'uuid-b'],
    ] as const) {
      const { a, b, toA, toB } = pair({ a: ia, b: ib, aAs, bAs });
      a.start();
      b.start();
      expect(b.receive(toB.shift()!)).toBeUndefined(); // a's challenge: b answers
      expect(a.receive(toA.shift()!)).toBeUndefined(); // b's challenge: a answers
      expect(a.receive(toA.shift()!)).toEqual({ kind: 'proven', id: ib.id });
      expect(b.receive(toB.shift()!)).toEqual({ kind: 'proven', id: ia.id });
      expect([a.provenId, b.provenId]).toEqual([ib.id, ia.id]);
    }
  });

  it('plain ids without identities: no challenge, nothing required', () => {
    const { a, toB } = pair({ aAs: 'alice', bAs: 'bob' });
    a.start();
    expect([a.required, toB.length, a.proven]).toEqual([false, 0, false]);
  });

  it('a side without a key stays silent on a challenge; the challenger times out (not here)', () => {
    const ib = generateIdentity();
    const { a, b, toA, toB } = pair({ b: ib, aAs: 'alice', bAs: ib.id });
    a.start(); // alice must hear bob's key-derived id proven
    b.start(); // bob has an identity: alice must prove too, and cannot
    expect(a.receive(toA.shift()!)).toBeUndefined();
    expect(toB.filter((m) => m[1] === ProofKind.proof)).toEqual([]);
    expect(b.receive(toB.shift()!)).toBeUndefined(); // alice's challenge: bob answers
    expect(a.receive(toA.shift()!)).toEqual({ kind: 'proven', id: ib.id });
    expect(b.proven).toBe(false);
  });

  const [carol, mallory, victim] = [generateIdentity(), generateIdentity(), generateIdentity()];
  const forged: [string, (nonce: Uint8Array) => Uint8Array, AttachProofError][] = [
    [
      'mallory’s own key and a valid signature, for carol’s id',
      (n) => proofFrom(mallory, mallory.publicKey, attachProofBytes(mallory.id, victim.id, n, fpsAB)),
      AttachProofError.wrongKey,
    ],
    [
      'carol’s key, signed by mallory',
      (n) => proofFrom(mallory, carol.publicKey, attachProofBytes(carol.id, victim.id, n, fpsAB)),
      AttachProofError.badSignature,
    ],
    [
      'carol’s genuine proof from another connection (other fingerprints)',
      (n) => proofFrom(carol, carol.publicKey, attachProofBytes(carol.id, victim.id, n, fpsAC)),
      AttachProofError.badSignature,
    ],
    [
      'carol’s genuine proof for another challenge (replayed nonce)',
      () =>
        proofFrom(carol, carol.publicKey, attachProofBytes(carol.id, victim.id, new Uint8Array(16), fpsAB)),
      AttachProofError.badSignature,
    ],
    [
      'carol’s genuine proof made for another recipient',
      (n) => proofFrom(carol, carol.publicKey, attachProofBytes(carol.id, mallory.id, n, fpsAB)),
      AttachProofError.badSignature,
    ],
    ['a 95-byte body', () => proofMessage(ProofKind.proof, new Uint8Array(95)), AttachProofError.malformed],
    ['an unknown kind', () => proofMessage(7 as ProofKind, new Uint8Array(96)), AttachProofError.malformed],
  ];
  for (const [what, make, error] of forged)
    it(`refuses ${what}: ${error}`, () => {
      const { a, toB } = pair({ a: victim, aAs: victim.id, bAs: carol.id });
      a.start();
      expect(a.receive(make(nonceOf(toB[0]!)))).toEqual({ kind: 'refused', error });
      expect(a.proven).toBe(false);
    });

  it('refuses a proof of this side’s own key (own-id) and a proof with no fingerprints to bind', () => {
    const body = (signed: Uint8Array): Uint8Array => proofFrom(victim, victim.publicKey, signed).subarray(2);
    const n = new Uint8Array(16);
    const own = checkAttachProof(
      body(attachProofBytes(victim.id, victim.id, n, fpsAB)),
      'x',
      victim.id,
      n,
      fpsAB,
    );
    expect(own).toEqual({ error: AttachProofError.ownId });
    const signed = proofFrom(carol, carol.publicKey, attachProofBytes(carol.id, victim.id, n, fpsAB));
    expect(checkAttachProof(signed.subarray(2), carol.id, victim.id, n, undefined)).toEqual({
      error: AttachProofError.noFingerprint,
    });
  });

  it('refuses a proof before its challenge, a second proof, and a second or malformed challenge', () => {
    const { a, b, toA, toB } = pair({ a: victim, b: carol, aAs: victim.id, bAs: carol.id });
    const early = proofFrom(
      carol,
      carol.publicKey,
      attachProofBytes(carol.id, victim.id, new Uint8Array(16), fpsAB),
    );
    expect(a.receive(early)).toEqual({ kind: 'refused', error: AttachProofError.unexpected });
    a.start();
    const challenge = toB.shift()!;
    expect(b.receive(challenge)).toBeUndefined();
    expect(b.receive(challenge)).toEqual({ kind: 'refused', error: AttachProofError.unexpected });
    const proof = toA.shift()!;
    expect(a.receive(proof)).toEqual({ kind: 'proven', id: carol.id });
    expect(a.receive(proof)).toEqual({ kind: 'refused', error: AttachProofError.unexpected });
    const fresh = pair({ a: victim, b: carol, aAs: victim.id, bAs: carol.id }).b;
    for (const bad of [new Uint8Array(10), new Uint8Array(16), new Uint8Array([...new Uint8Array(16), 0x41])])
      expect(fresh.receive(proofMessage(ProofKind.challenge, bad))).toEqual({
        kind: 'refused',
        error: AttachProofError.malformed,
      });
  });
});
