import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decode,
  encode,
  ExtensionType,
  MessageType,
  UpdateKind,
  type Message,
  type Update,
} from './codec.js';
import { Lifecycle } from './types.js';

const seed = Number(process.env.SEED ?? Math.floor(Math.random() * 2 ** 31)); // eslint-disable-line no-restricted-properties
const params = { seed, numRuns: 500 };
const reproduce = `SEED=${seed} node_modules/.bin/vitest run packages/core/src/codec.test.ts`;

// Canonical ids (`isCanonicalPeerId`): anything else is refused at decode (decision 0052, tested below).
const peerId = fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,63}$/);
const u16 = fc.integer({ min: 0, max: 0xffff });
const inc = fc.integer({ min: 0, max: 2 ** 40 });
const update: fc.Arbitrary<Update> = fc
  .record({
    kind: fc.constantFrom(0, 1, 2, 3) as fc.Arbitrary<Update['kind']>,
    peer: peerId,
    incarnation: inc,
    from: peerId,
  })
  .map((u) => ({
    ...u,
    from: u.kind === UpdateKind.suspect || u.kind === UpdateKind.failed ? u.from : undefined,
  }));
const vitals = fc.record({
  loadMs: fc.integer({ min: 0, max: 0xffffffff }),
  uptimeMs: fc.integer({ min: 0, max: 2 ** 48 }),
  lifecycle: fc.constantFrom(...Object.values(Lifecycle)),
  metadata: fc.uint8Array({ maxLength: 64 }),
});
const base = {
  seq: u16,
  updates: fc.array(update, { maxLength: 8 }),
  extensions: fc.array(
    fc.record({ type: fc.integer({ min: 0, max: 255 }), bytes: fc.uint8Array({ maxLength: 80 }) }),
    { maxLength: 3 },
  ),
};
const message: fc.Arbitrary<Message> = fc.oneof(
  fc.record({ ...base, type: fc.constant(MessageType.ping) }),
  fc.record({
    ...base,
    type: fc.constant(MessageType.ack),
    ackSeq: u16,
    relayed: fc.boolean(),
    vitals: fc.option(vitals, { nil: undefined }),
  }),
  fc.record({ ...base, type: fc.constant(MessageType.pingReq), target: peerId }),
  fc.record({ ...base, type: fc.constant(MessageType.nack), ackSeq: u16 }),
  fc.record({ ...base, type: fc.constant(MessageType.leave), incarnation: inc }),
  fc.record({ ...base, type: fc.constant(MessageType.sync) }),
  fc.record({ ...base, type: fc.constant(MessageType.syncRequest) }),
  fc.record({ ...base, type: fc.constant(MessageType.vitals), vitals }),
) as fc.Arbitrary<Message>;

function check<T extends unknown[]>(property: fc.IProperty<T>): void {
  const out = fc.check(property, params);
  if (out.failed) throw new Error(`${fc.defaultReportMessage(out)}\nreproduce: ${reproduce}`);
}

describe('codec', () => {
  it(`round-trips every message (seed ${seed})`, () => {
    check(
      fc.property(message, (m) => {
        const r = decode(encode(m));
        expect(r).toEqual({ ok: true, message: m, idsRefused: 0 });
      }),
    );
  });

  it(`never throws on random bytes (seed ${seed})`, () => {
    check(
      fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
        const r = decode(b);
        expect(typeof r.ok).toBe('boolean');
      }),
    );
  });

  it(`never throws on mutated valid messages (seed ${seed})`, () => {
    check(
      fc.property(message, fc.nat(), fc.integer({ min: 0, max: 255 }), fc.nat(), (m, pos, byte, cut) => {
        const b = encode(m);
        b[pos % b.length] = byte;
        const r1 = decode(b);
        const r2 = decode(b.subarray(0, cut % (b.length + 1)));
        expect([typeof r1.ok, typeof r2.ok]).toEqual(['boolean', 'boolean']);
      }),
    );
  });

  it('a bare probe is 5 bytes (budget 24) with a known layout', () => {
    const b = encode({ type: MessageType.ping, seq: 0x1234, updates: [], extensions: [] });
    expect([...b]).toEqual([1, 1, 0, 0x12, 0x34]);
    const ack = encode({
      type: MessageType.ack,
      seq: 7,
      ackSeq: 0x1234,
      relayed: false,
      updates: [],
      extensions: [],
      vitals: { loadMs: 3, uptimeMs: 1000, lifecycle: 'visible', metadata: new Uint8Array(0) },
    });
    expect(ack.length).toBeLessThanOrEqual(24);
  });

  it('carries a signature extension after the updates', () => {
    const sig = new Uint8Array(64).fill(7);
    const m: Message = {
      type: MessageType.ping,
      seq: 1,
      updates: [],
      extensions: [{ type: ExtensionType.signature, bytes: sig }],
    };
    const b = encode(m);
    expect(b.length).toBe(5 + 1 + 1 + 1 + 64);
    expect(decode(b)).toEqual({ ok: true, message: m, idsRefused: 0 });
  });

  it("reuses a signer's decoded key and a statement's signature only while their bytes are the same", () => {
    const keyA = new Uint8Array(32).fill(1);
    const keyB = new Uint8Array(32).fill(2);
    const signed = (incarnation: number, key: Uint8Array): Update => ({
      kind: UpdateKind.alive,
      peer: 'key-reuse',
      incarnation,
      from: undefined,
      key,
      signature: new Uint8Array(64).fill(incarnation),
    });
    const decodeUpdates = (...updates: Update[]): readonly Update[] => {
      const r = decode(encode({ type: MessageType.sync, seq: 1, updates, extensions: [] }));
      if (!r.ok) throw new Error(r.error.code);
      return r.message.updates;
    };
    const [a1, a2] = decodeUpdates(signed(1, keyA), signed(2, keyA));
    expect(a1?.key).toEqual(keyA);
    expect(a2?.key).toBe(a1?.key); // one array for one signer's key
    expect(a1?.signature).not.toBe(a2?.signature);
    const [b, a3] = decodeUpdates(signed(3, keyB), signed(4, keyA));
    expect(b?.key).toEqual(keyB); // another key under the same id is read as sent, never the cached one
    expect(a3?.key).toEqual(keyA);
    expect(a1?.key).toEqual(keyA); // and the held array is never overwritten
    const [r1, r2] = decodeUpdates(signed(5, keyA), signed(5, keyA)); // one statement, relayed twice
    expect(r2?.signature).toBe(r1?.signature);
    expect(r1?.signature).toEqual(new Uint8Array(64).fill(5));
    expect(a2?.signature).toEqual(new Uint8Array(64).fill(2));
  });

  it.each([
    ['empty', [], 'empty'],
    ['future version', [2, 1, 0, 0, 0], 'unsupported-version'],
    ['unknown type', [1, 99, 0, 0, 0], 'unknown-type'],
    ['unknown flag', [1, 1, 0x80, 0, 0], 'unsupported-flags'],
    ['vitals flag on a ping', [1, 1, 8, 0, 0], 'unsupported-flags'],
    ['truncated header', [1, 1], 'truncated'],
    ['trailing bytes', [1, 1, 0, 0, 0, 9], 'trailing-bytes'],
    ['zero-length peer id', [1, 3, 0, 0, 0, 0], 'bad-peer-id'],
    ['invalid utf-8 id', [1, 3, 0, 0, 0, 1, 0xff], 'bad-peer-id'],
    ['bad update kind', [1, 1, 1, 0, 0, 1, 9, 0, 1, 97], 'bad-update-kind'],
    ['varint overflow', [1, 5, 0, 0, 0, 255, 255, 255, 255, 255, 255, 255, 255, 1], 'varint-overflow'],
    ['bad lifecycle', [1, 7, 0, 0, 0, 0, 0, 9, 0], 'bad-lifecycle'],
  ])('rejects %s', (_name, bytes, code) => {
    expect(decode(Uint8Array.from(bytes as number[]))).toEqual({ ok: false, error: { code } });
  });
});
