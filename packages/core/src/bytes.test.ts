import { describe, expect, it } from 'vitest';
import { ByteWriter, encodeUtf8, internUtf8, SLAB_BYTES } from './bytes.js';

/** `id`'s UTF-8 bytes inside a larger buffer (ids are decoded in place from a message). */
function framed(id: string): [Uint8Array, number, number] {
  const b = encodeUtf8(id);
  const buf = new Uint8Array(b.length + 7);
  buf.set(b, 3);
  return [buf, 3, 3 + b.length];
}

/** The intern cache's slot of `id` (FNV-1a over its bytes, 2^14 slots, as in bytes.ts). */
function slotOf(id: string): number {
  let h = 0x811c9dc5;
  for (const c of encodeUtf8(id)) h = Math.imul(h ^ c, 0x01000193);
  return (h >>> 0) & ((1 << 14) - 1);
}

describe('internUtf8', () => {
  it('tells apart two ids in one slot with the same length and first 8 bytes', () => {
    const bySlot = new Map<number, string>();
    let pair: [string, string] | undefined;
    for (let i = 1000; pair === undefined; i++) {
      const id = `abcdefgh-${i}`;
      const other = bySlot.get(slotOf(id));
      if (other !== undefined && other.length === id.length) pair = [other, id];
      else bySlot.set(slotOf(id), id);
    }
    for (let round = 0; round < 3; round++) for (const id of pair) expect(internUtf8(...framed(id))).toBe(id);
  });

  it('tells apart ids that share their length and first 8 bytes, and non-ASCII ids', () => {
    const ids = ['abcdefgh1', 'abcdefgh2', 'abcdefgh', 'abcdefg', 'n1', 'n12', 'é1', 'é2ü', 'x'.repeat(64)];
    for (let round = 0; round < 3; round++) for (const id of ids) expect(internUtf8(...framed(id))).toBe(id);
  });

  it('gives the decoded string for 20,000 ids, twice (every slot filled, most replaced)', () => {
    const ids = Array.from({ length: 20_000 }, (_, i) => (i % 3 === 0 ? `peer-${i}-of-the-mesh` : `n${i}`));
    const wrong = [...ids, ...ids].filter((id) => internUtf8(...framed(id)) !== id);
    expect(wrong).toEqual([]);
  });

  it('refuses malformed UTF-8', () => {
    expect(internUtf8(new Uint8Array([0x6e, 0xff]))).toBeUndefined();
  });
});

describe('ByteWriter', () => {
  it('writes short and long byte strings and ASCII the same as set()', () => {
    const w = new ByteWriter(4);
    const long = Uint8Array.from({ length: 70 }, (_, i) => i);
    w.bytes(Uint8Array.of(1, 2, 3));
    w.bytes(long);
    w.ascii('n42', 3);
    expect([...w.finish()]).toEqual([1, 2, 3, ...long, 0x6e, 0x34, 0x32]);
  });

  it('views the bytes written since the last reset, also after the buffer grew', () => {
    const w = new ByteWriter(4);
    w.reset().bytes(Uint8Array.of(1, 2, 3));
    expect([...w.view()]).toEqual([1, 2, 3]);
    w.reset().bytes(Uint8Array.of(4, 5, 6));
    expect([...w.view()]).toEqual([4, 5, 6]);
    w.reset().bytes(Uint8Array.of(7, 8));
    expect([...w.view()]).toEqual([7, 8]);
    w.reset().bytes(Uint8Array.of(9, 9, 9, 9, 9)); // grows the buffer
    w.reset().bytes(Uint8Array.of(1, 1, 1));
    expect([...w.view()]).toEqual([1, 1, 1]); // a view of the new buffer, not the old one
  });

  it('hands out slab views that later messages never overwrite, across slabs', () => {
    const w = new ByteWriter(4);
    const kept: [Uint8Array, number][] = [];
    const n = 1000;
    // Enough messages to fill more than two slabs.
    for (let i = 0; i < (3 * SLAB_BYTES) / n; i++) {
      w.reset().bytes(new Uint8Array(n).fill(i & 0xff));
      kept.push([w.finishInSlab(), i & 0xff]);
    }
    for (const [b, v] of kept) expect(b.length === n && b.every((x) => x === v)).toBe(true);
    expect(new Set(kept.map(([b]) => b.buffer)).size).toBeGreaterThan(2);
    // A message larger than an eighth of a slab gets a buffer of its own.
    w.reset().bytes(new Uint8Array(SLAB_BYTES / 4).fill(7));
    const big = w.finishInSlab();
    expect(big.buffer.byteLength).toBe(SLAB_BYTES / 4);
    expect(big.every((x) => x === 7)).toBe(true);
  });
});
