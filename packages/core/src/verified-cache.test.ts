import { describe, expect, it } from 'vitest';
import { UpdateKind, type Update } from './codec.js';
import { signUpdate } from './signed-update.js';
import { testTrust } from './test-trust.js';
import { VerifiedCache } from './verified-cache.js';

const alive = signUpdate(testTrust('b'), {
  kind: UpdateKind.alive,
  peer: 'b',
  incarnation: 3,
  from: undefined,
});
const failed = signUpdate(testTrust('a'), { kind: UpdateKind.failed, peer: 'b', incarnation: 3, from: 'a' });
/** The same bytes in other arrays, as a decoder that did not reuse them hands them out. */
const copy = (u: Update): Update => ({ ...u, key: u.key?.slice(), signature: u.signature?.slice() });

describe('VerifiedCache (records shared between the caches of one process)', () => {
  it('holds only what it was given, though another cache holds the same statement', () => {
    const a = new VerifiedCache();
    const b = new VerifiedCache();
    a.add(alive);
    expect(a.has(alive)).toBe(true);
    expect(a.has(copy(alive))).toBe(true);
    expect(b.has(alive)).toBe(false);
    b.add(copy(alive));
    expect(b.has(alive)).toBe(true);
    expect(b.has(failed)).toBe(false);
  });

  it('never matches other signature or key bytes, nor another content', () => {
    const c = new VerifiedCache();
    c.add(alive);
    c.add(failed);
    const badSig = alive.signature!.slice();
    badSig[0] = (badSig[0]! + 1) & 0xff;
    expect(c.has({ ...alive, signature: badSig })).toBe(false);
    expect(c.has({ ...alive, key: testTrust('c').publicKey })).toBe(false);
    expect(c.has({ ...alive, incarnation: 4 })).toBe(false);
    expect(c.has({ ...failed, from: 'c' })).toBe(false);
    expect(c.has({ ...failed, kind: UpdateKind.suspect })).toBe(false);
    expect(c.has(copy(failed))).toBe(true);
    // A record made for another cache with other bytes is not taken for this one's.
    const other = new VerifiedCache();
    other.add({ ...alive, signature: badSig });
    expect(c.has({ ...alive, signature: badSig })).toBe(false);
    expect(other.has(alive)).toBe(false);
  });
});
