import { describe, expect, it } from 'vitest';
import { derivePeerId, isCanonicalPeerId, isKeyDerivedId, keyMatchesId, KEY_ID_CHARS } from './peer-id.js';

const key = (fill: number): Uint8Array => new Uint8Array(32).fill(fill);

describe('key-derived peer ids', () => {
  it('derives a fixed, canonical id from a public key (test vector)', () => {
    // Computed independently: python3 hashlib.sha256(b"pulsemesh-peer-id-v1\x00" + bytes(32)), base32, 24 chars.
    const id = derivePeerId(key(0));
    expect(id).toBe(derivePeerId(key(0)));
    expect(id).toMatch(/^k[a-z2-7]{24}$/);
    expect(id.length).toBe(KEY_ID_CHARS);
    expect(id).toMatchInlineSnapshot(`"kdemwjyya6khia5dtt7ajb3io"`);
    expect(isCanonicalPeerId(id)).toBe(true);
    expect(isKeyDerivedId(id)).toBe(true);
  });

  it('binds the id to its key and to no other', () => {
    const id = derivePeerId(key(1));
    expect(keyMatchesId(id, key(1))).toBe(true);
    expect(keyMatchesId(id, key(2))).toBe(false);
    expect(keyMatchesId(id, key(1).subarray(0, 31))).toBe(false);
    expect(keyMatchesId('peer-a', key(1))).toBe(false);
    expect(() => derivePeerId(new Uint8Array(31))).toThrow(RangeError);
  });

  it('refuses look-alike ids (case, spaces, full-width, zero-width, other scripts)', () => {
    for (const ok of ['h1', 'peer-ab12', 'a', 'x.y_z-0', '0'.repeat(64)])
      expect(isCanonicalPeerId(ok)).toBe(true);
    for (const bad of [
      'H1',
      'h1 ',
      ' h1',
      'ｈ1', // full-width h
      'h1\u200b', // zero-width space
      'һ1', // Cyrillic shha
      '',
      '-h1',
      'a'.repeat(65),
      'h1\n',
    ])
      expect(isCanonicalPeerId(bad), JSON.stringify(bad)).toBe(false);
    expect(isKeyDerivedId('kdemwjyya6khia5dtt7ajb3iO')).toBe(false);
    expect(isKeyDerivedId('kdemwjyya6khia5dtt7ajb3i')).toBe(false);
  });
});
