/**
 * The byte breakdown on hand-encoded messages: every byte lands in exactly one part row of its
 * type, signature blocks are split off, and the redundancy rows see repeats, echoes, news about
 * the receiver and a second accuser's copy.
 */
import { encode, MessageType, signUpdate, testTrust, UpdateKind, type Update } from '@pulsemesh/core';
import { describe, expect, it } from 'vitest';
import { encodeSwim, SwimType, UpdateKind as SwimKind } from './baselines/swim-codec.js';
import { ByteBreakdown } from './byte-breakdown.js';

const failed = (peer: string, from: string): Update =>
  signUpdate(testTrust(from), { kind: UpdateKind.failed, incarnation: 3, peer, from });
const alive = (peer: string): Update => ({ kind: UpdateKind.alive, incarnation: 300, peer, from: undefined });

/** Sum of the part rows (`type/...`) of `type`. */
function parts(t: ByteBreakdown, type: string): number {
  return t
    .rows()
    .filter((r) => r.key.startsWith(`${type}/`))
    .reduce((a, r) => a + r.bytes, 0);
}

describe('ByteBreakdown', () => {
  it('splits a ping with a signed verdict and an unsigned alive into header, update fields and signature', () => {
    const t = new ByteBreakdown('pulsemesh');
    const bytes = encode({
      type: MessageType.ping,
      seq: 7,
      updates: [failed('x', 'a'), alive('y')],
      extensions: [],
    });
    t.add('a', 'b', bytes);
    expect(t.total).toBe(bytes.length);
    expect(t.row('ping')).toEqual({ key: 'ping', bytes: bytes.length, count: 1 });
    expect(t.row('ping/header').bytes).toBe(5);
    expect(t.row('ping/updates-count').bytes).toBe(1);
    // failed: kind 1 + incarnation 1 + peer 2 + accuser 2; the 96-byte key and signature apart.
    expect(t.row('ping/upd-failed').bytes).toBe(6);
    expect(t.row('ping/upd-failed-sig').bytes).toBe(96);
    // alive: kind 1 + incarnation 300 (2-byte varint) + peer 2, unsigned.
    expect(t.row('ping/upd-alive').bytes).toBe(5);
    expect(t.row('ping/upd-alive-sig').count).toBe(0);
    expect(t.row('ping/body').bytes).toBe(0);
    expect(parts(t, 'ping')).toBe(bytes.length);
  });

  it("parts an ack's ackSeq from its vitals", () => {
    const t = new ByteBreakdown('pulsemesh');
    const vitals = {
      loadMs: 3,
      uptimeMs: 200_000,
      lifecycle: 'visible',
      metadata: new Uint8Array(4),
    } as const;
    const bytes = encode({
      type: MessageType.ack,
      seq: 1,
      ackSeq: 9,
      relayed: false,
      vitals,
      updates: [],
      extensions: [],
    });
    t.add('b', 'a', bytes);
    // load 1 + uptime 3 (varint of 200,000) + lifecycle 1 + metaLen 1 + metadata 4.
    expect(t.row('ack/vitals').bytes).toBe(10);
    expect(t.row('ack/body').bytes).toBe(2);
    expect(parts(t, 'ack')).toBe(bytes.length);
  });

  it('marks repeats on a link, echoes to their sender, news about the receiver and a second accuser', () => {
    const t = new ByteBreakdown('pulsemesh');
    const sync = (updates: Update[]): Uint8Array =>
      encode({ type: MessageType.sync, seq: 0, updates, extensions: [] });
    t.add('a', 'b', sync([failed('x', 'a')]));
    expect(t.rows().filter((r) => r.key.startsWith('~'))).toEqual([]);
    t.add('a', 'b', sync([failed('x', 'a')])); // the same copy again
    t.add('b', 'a', sync([failed('x', 'a')])); // back to where it came from
    t.add('c', 'b', sync([failed('x', 'c')])); // b heard x failed from a already
    t.add('a', 'x', sync([failed('x', 'a')])); // to the accused itself
    const copy = 6 + 96;
    expect(t.row('~repeat-same-link/sync/failed').bytes).toBe(copy);
    expect(t.row('~echo-to-sender/sync/failed').bytes).toBe(copy);
    expect(t.row('~other-accuser/sync/failed').bytes).toBe(copy);
    expect(t.row('~to-subject/sync/failed').bytes).toBe(copy);
  });

  it('counts what does not decode, and splits swim messages by its own codec', () => {
    const t = new ByteBreakdown('pulsemesh');
    t.add('a', 'b', new Uint8Array([9, 9, 9]));
    expect(t.row('undecodable')).toEqual({ key: 'undecodable', bytes: 3, count: 1 });

    const s = new ByteBreakdown('swim');
    const bytes = encodeSwim({
      type: SwimType.pingReq,
      seq: 5,
      target: 'n7',
      updates: [{ kind: SwimKind.suspect, incarnation: 2, id: 'n3', from: 'n1' }],
    });
    s.add('n1', 'n2', bytes);
    expect(s.row('pingReq').bytes).toBe(bytes.length);
    expect(s.row('pingReq/upd-suspect').bytes).toBe(1 + 4 + 3 + 3);
    expect(s.row('pingReq/body').bytes).toBe(3 + 1); // target id and the update count
    expect(parts(s, 'pingReq')).toBe(bytes.length);
  });
});
