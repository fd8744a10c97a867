import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffDelayMs } from './backoff.js';
import { encode, parseClientMessage, parseServerMessage } from './codec.js';
import { ErrorCode, MessageType, PROTOCOL_VERSION } from './protocol.js';
import type { ClientMessage, ServerMessage } from './protocol.js';
import { depthWithin, isCanonicalPeerId, isValidId } from './schema.js';

const seed = Number(process.env.SEED ?? Math.floor(Math.random() * 2 ** 31));
console.log(`codec.test SEED=${seed}`);
const reproduce = `SEED=${seed} bash scripts/netns.sh vitest run packages/signal/src/codec.test.ts`;
const claim = 'c'.repeat(20);

describe('protocol codec', () => {
  const clientFrames: ClientMessage[] = [
    { v: 1, t: MessageType.join, room: 'r', peer: 'p', claim },
    { v: 1, t: MessageType.join, room: 'r', peer: 'p', claim, token: 'x.y.z' },
    { v: 1, t: MessageType.leave, room: 'r' },
    { v: 1, t: MessageType.signal, room: 'r', to: 'q', payload: { type: 'offer', sdp: 'v=0\r\n' } },
    { v: 1, t: MessageType.ping, n: 7 },
    { v: 1, t: MessageType.pong, n: 7 },
  ];
  const serverFrames: ServerMessage[] = [
    { v: 1, t: MessageType.roster, room: 'r', peers: ['a', 'b'] },
    { v: 1, t: MessageType.peerJoin, room: 'r', peer: 'a' },
    { v: 1, t: MessageType.peerLeave, room: 'r', peer: 'a' },
    { v: 1, t: MessageType.relay, room: 'r', from: 'a', payload: [1, null, 'x'] },
    { v: 1, t: MessageType.error, code: ErrorCode.roomFull, message: 'full', room: 'r' },
  ];

  it.each(clientFrames)('round-trips client frame %j', (frame) => {
    expect(parseClientMessage(encode(frame))).toEqual({ ok: true, message: frame });
  });
  it.each(serverFrames)('round-trips server frame %j', (frame) => {
    expect(parseServerMessage(encode(frame))).toEqual({ ok: true, message: frame });
  });

  it.each<[string, string, string]>([
    ['not json', '{', ErrorCode.malformed],
    ['array', '[1]', ErrorCode.malformed],
    ['null', 'null', ErrorCode.malformed],
    ['no version', '{"t":4,"n":1}', ErrorCode.unsupportedVersion],
    ['future version', '{"v":2,"t":4,"n":1}', ErrorCode.unsupportedVersion],
    ['unknown type', '{"v":1,"t":99}', ErrorCode.malformed],
    ['server frame sent by client', '{"v":1,"t":6,"room":"r","peers":[]}', ErrorCode.malformed],
    ['empty peer id', `{"v":1,"t":1,"room":"r","peer":"","claim":"${claim}"}`, ErrorCode.invalidPeerId],
    [
      'long peer id',
      `{"v":1,"t":1,"room":"r","peer":"${'x'.repeat(65)}","claim":"${claim}"}`,
      ErrorCode.invalidPeerId,
    ],
    // Look-alikes of `h1` (decision 0012): each would otherwise be a second peer that reads as h1.
    ...['H1', 'h1 ', ' h1', '\uff481', 'h1\u200b', '\u200bh1', '\u04bb1', 'h\u00a01'].map(
      (id) =>
        [
          `look-alike peer id ${JSON.stringify(id)}`,
          `{"v":1,"t":1,"room":"r","peer":"${id}","claim":"${claim}"}`,
          ErrorCode.invalidPeerId,
        ] as [string, string, string],
    ),
    ['look-alike signal target', '{"v":1,"t":3,"room":"r","to":"B","payload":1}', ErrorCode.invalidPeerId],
    [
      'control char in room',
      `{"v":1,"t":1,"room":"a\\u0001","peer":"p","claim":"${claim}"}`,
      ErrorCode.malformed,
    ],
    ['short claim', '{"v":1,"t":1,"room":"r","peer":"p","claim":"abc"}', ErrorCode.malformed],
    ['signal without payload', '{"v":1,"t":3,"room":"r","to":"q"}', ErrorCode.malformed],
    ['negative ping', '{"v":1,"t":4,"n":-1}', ErrorCode.malformed],
    [
      'deep payload',
      `{"v":1,"t":3,"room":"r","to":"q","payload":${'['.repeat(40)}${']'.repeat(40)}}`,
      ErrorCode.malformed,
    ],
  ])('refuses %s with a typed error', (_name, text, code) => {
    const result = parseClientMessage(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe(code);
  });

  it('strips unknown keys', () => {
    const result = parseClientMessage('{"v":1,"t":4,"n":1,"evil":{"__proto__":1}}');
    expect(result).toEqual({ ok: true, message: { v: PROTOCOL_VERSION, t: MessageType.ping, n: 1 } });
  });

  it('peer ids: canonical ASCII only, the same rule as core', () => {
    for (const id of ['a', 'h1', 'k'.padEnd(25, 'a'), 'tab-7', 'a.b_c-d', '0', 'x'.repeat(64)])
      expect([id, isCanonicalPeerId(id)]).toEqual([id, true]);
    for (const id of ['', 'H1', 'h1 ', '-a', '.a', 'ｈ1', 'h1\u200b', 'é', 'a/b', 'x'.repeat(65)])
      expect([id, isCanonicalPeerId(id)]).toEqual([id, false]);
  });

  it('ids: 1-64 UTF-8 bytes, no control characters', () => {
    expect(isValidId('a')).toBe(true);
    expect(isValidId('é'.repeat(32))).toBe(true); // 64 bytes
    expect(isValidId('é'.repeat(33))).toBe(false); // 66 bytes
    expect(isValidId('a\nb')).toBe(false);
    expect(isValidId('')).toBe(false);
  });

  it('depthWithin counts nesting iteratively', () => {
    expect(depthWithin(1, 0)).toBe(true);
    expect(depthWithin([[1]], 2)).toBe(true);
    expect(depthWithin([[1]], 1)).toBe(false);
    let deep: unknown = 0;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(depthWithin(deep, 32)).toBe(false);
  });

  it('parse never throws on arbitrary text or JSON (fuzz)', () => {
    try {
      fc.assert(
        fc.property(
          fc.oneof(
            fc.string(),
            fc.json(),
            fc.jsonValue().map((v) => JSON.stringify({ v: 1, t: 3, ...Object(v) })),
          ),
          (text) => {
            const c = parseClientMessage(text);
            const s = parseServerMessage(text);
            return typeof c.ok === 'boolean' && typeof s.ok === 'boolean';
          },
        ),
        { seed, numRuns: 2_000 },
      );
    } catch (err) {
      console.error(`reproduce: ${reproduce}`);
      throw err;
    }
  });
});

describe('backoffDelayMs', () => {
  it.each([
    [0, 125, 250],
    [3, 1_000, 2_000],
    [10, 5_000, 10_000],
    [1_000, 5_000, 10_000],
  ])('attempt %i lies in [%i, %i] ms (min 250, max 10,000)', (attempt, low, high) => {
    expect(backoffDelayMs(attempt, 250, 10_000, () => 0)).toBe(low);
    expect(backoffDelayMs(attempt, 250, 10_000, () => 0.999_999)).toBeCloseTo(high, 0);
  });
  it('rejects a bad range (programmer error)', () => {
    expect(() => backoffDelayMs(0, 0, 10, Math.random)).toThrow(RangeError);
  });
});
