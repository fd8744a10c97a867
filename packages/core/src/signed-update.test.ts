import { describe, expect, it } from 'vitest';
import {
  decode,
  encode,
  MessageType,
  SIGNATURE_BLOCK_BYTES,
  UpdateKind,
  updateBytes,
  type Update,
} from './codec.js';
import { signerOf, signUpdate, updateSigningBytes, verifyUpdate } from './signed-update.js';
import { testTrust } from './test-trust.js';

const alive: Update = { kind: UpdateKind.alive, peer: 'b', incarnation: 7, from: undefined };
const failed: Update = { kind: UpdateKind.failed, peer: 'b', incarnation: 7, from: 'a' };

describe('signed updates', () => {
  it('are signed by the subject (alive, left) or the accuser (suspect, failed)', () => {
    expect(signerOf(alive)).toBe('b');
    expect(signerOf({ ...alive, kind: UpdateKind.left })).toBe('b');
    expect(signerOf(failed)).toBe('a');
    expect(signerOf({ ...failed, kind: UpdateKind.suspect })).toBe('a');
  });

  it('round-trip through the codec with key and signature, 96 bytes more per update', () => {
    const signed = signUpdate(testTrust('b'), alive);
    const bytes = encode({ type: MessageType.sync, seq: 3, updates: [signed, failed], extensions: [] });
    const unsigned = encode({ type: MessageType.sync, seq: 3, updates: [alive, failed], extensions: [] });
    expect(bytes.length - unsigned.length).toBe(SIGNATURE_BLOCK_BYTES);
    expect(updateBytes(signed) - updateBytes(alive)).toBe(96);
    const r = decode(bytes);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const [u, v] = r.message.updates as [Update, Update];
    expect(u.key).toEqual(signed.key);
    expect(u.signature).toEqual(signed.signature);
    expect(v.signature).toBeUndefined();
    expect(verifyUpdate(testTrust('x'), u)).toBe(true);
  });

  it('verify only for the right signer, key and statement', () => {
    const t = testTrust('a');
    const signed = signUpdate(testTrust('a'), failed);
    expect(verifyUpdate(t, signed)).toBe(true);
    expect(verifyUpdate(t, { ...signed, incarnation: 8 })).toBe(false); // another statement
    expect(verifyUpdate(t, { ...signed, from: 'c' })).toBe(false); // another accuser
    expect(verifyUpdate(t, { ...signUpdate(testTrust('c'), failed) })).toBe(false); // c's key for a's accusation
    expect(verifyUpdate(t, failed)).toBe(false); // unsigned
    // The domain tag and every field are covered.
    expect(updateSigningBytes(failed)).not.toEqual(
      updateSigningBytes({ ...failed, kind: UpdateKind.suspect }),
    );
  });

  it('a truncated signature block or an unknown high kind bit is a typed decode error', () => {
    const bytes = encode({
      type: MessageType.sync,
      seq: 1,
      updates: [signUpdate(testTrust('b'), alive)],
      extensions: [],
    });
    expect(decode(bytes.subarray(0, bytes.length - 1))).toEqual({ ok: false, error: { code: 'truncated' } });
    const bad = encode({ type: MessageType.sync, seq: 1, updates: [alive], extensions: [] });
    bad[6] = 0x40; // kind byte with a reserved bit
    expect(decode(bad)).toEqual({ ok: false, error: { code: 'bad-update-kind' } });
  });
});
