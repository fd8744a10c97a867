// noble with cached key points and precomputed tables (`nobleEd25519`) against `@noble/curves`' own
// strict `ed25519.sign`/`verify`: the same signatures, the same verdict on every valid, tampered,
// non-canonical and small-order input, before and after a key's table is built.
import { ed25519 } from '@noble/curves/ed25519.js';
import { bytesToNumberLE, numberToBytesLE } from '@noble/curves/utils.js';
import { describe, expect, it } from 'vitest';
import { nobleEd25519, nobleUncached } from './ed25519.js';

const reference = nobleUncached.verify;
const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));
const L = ed25519.Point.Fn.ORDER;
const P = ed25519.Point.Fp.ORDER;

/** Checks that both verifiers agree on `(pk, data, sig)`, and returns the verdict. */
function agree(pk: Uint8Array, data: Uint8Array, sig: Uint8Array): boolean {
  const v = nobleEd25519.verify(pk, data, sig);
  expect(v).toBe(reference(pk, data, sig));
  return v;
}

describe('noble Ed25519 with cached key points', () => {
  it('signs RFC 8032 vectors 1-3 byte for byte, and verifies them', () => {
    const vectors = [
      ['9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60', ''],
      ['4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb', '72'],
      ['c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7', 'af82'],
    ];
    for (const [seed, msg] of vectors) {
      const s = hex(seed as string);
      const m = hex(msg as string);
      const sig = nobleEd25519.sign(s, m);
      expect(Buffer.from(sig).toString('hex')).toBe(Buffer.from(ed25519.sign(m, s)).toString('hex'));
      expect(agree(ed25519.getPublicKey(s), m, sig)).toBe(true);
    }
  });

  it('agrees with noble on valid and tampered signatures, before and after the table is built', async () => {
    for (let key = 0; key < 3; key++) {
      const seed = crypto.getRandomValues(new Uint8Array(32));
      const pk = nobleEd25519.publicKey(seed);
      for (let i = 0; i < 12; i++) {
        const data = crypto.getRandomValues(new Uint8Array(20 + i));
        const sig = nobleEd25519.sign(seed, data);
        expect(sig).toEqual(ed25519.sign(data, seed));
        expect(agree(pk, data, sig)).toBe(true);
        const bad = sig.slice();
        bad[(i * 5) % 64] = (bad[(i * 5) % 64] as number) ^ (1 << (i % 8));
        expect(agree(pk, data, bad)).toBe(false);
        const other = data.slice();
        other[0] = (other[0] as number) ^ 1;
        expect(agree(pk, other, sig)).toBe(false);
        await new Promise((r) => setTimeout(r, 1)); // the table is built in between (`whenIdle`)
      }
    }
  });

  it('refuses what strict RFC 8032 refuses: s ≥ L, non-canonical R or A, small-order A, bad lengths', () => {
    const seed = crypto.getRandomValues(new Uint8Array(32));
    const pk = ed25519.getPublicKey(seed);
    const data = Uint8Array.of(1, 2, 3);
    const sig = ed25519.sign(data, seed);
    // s + L verifies under the equation but is not canonical.
    const sPlusL = sig.slice();
    sPlusL.set(numberToBytesLE(bytesToNumberLE(sig.subarray(32)) + L, 32), 32);
    expect(agree(pk, data, sPlusL)).toBe(false);
    // R or A encoded with y ≥ p (y = p + 1 encodes the same point as y = 1 when reduced).
    const yP1 = numberToBytesLE(P + 1n, 32);
    const rNonCanonical = sig.slice();
    rNonCanonical.set(yP1, 0);
    expect(agree(pk, data, rNonCanonical)).toBe(false);
    expect(agree(yP1, data, sig)).toBe(false);
    // The identity as the key, with R = identity and s = 0: the cofactored equation holds.
    const identity = numberToBytesLE(1n, 32);
    const trivial = new Uint8Array(64);
    trivial.set(identity, 0);
    for (let i = 0; i < 5; i++) expect(agree(identity, data, trivial)).toBe(false);
    expect(agree(new Uint8Array(32).fill(0xff), data, sig)).toBe(false);
    expect(nobleEd25519.verify(pk, data, sig.subarray(0, 63))).toBe(false);
    expect(nobleEd25519.verify(pk.subarray(1), data, sig)).toBe(false);
  });
});
