// LinkTable never lets a bad id or a handler's throw escape into a link's listener (session-19
// review: `detector.linkUp` asserted on a 100-byte id and threw out of a data channel listener).
import { describe, expect, it } from 'vitest';
import { LinkTable, type PeerLink } from './link-table.js';

function link(): PeerLink & { closed: string[] } {
  const closed: string[] = [];
  return {
    closed,
    send: () => true,
    sendReliable: () => true,
    bufferedBytes: () => 0,
    close: (reason) => void closed.push(reason),
  };
}

describe('LinkTable guards', () => {
  it('refuses a non-canonical id (too long, upper case, look-alike), counted, never calls handlers', () => {
    const table = new LinkTable('me');
    const seen: string[] = [];
    table.onLinkChange((peer) => seen.push(peer));
    for (const id of ['m'.repeat(100), 'Carol', '\u04bbonest', 'a\u200bb', ''])
      expect(table.up(id, link())).toBe(false);
    expect(table.counters.idsRefused).toBe(5);
    expect(seen).toEqual([]);
    expect([...table.linkedPeers()]).toEqual([]);
  });

  it('a link handler that throws: up returns false, counted, the link is not kept', () => {
    const table = new LinkTable('me');
    table.onLinkChange(() => {
      throw new Error('boom');
    });
    expect(table.up('carol', link())).toBe(false);
    expect(table.counters.handlerErrors).toBe(1);
    expect(table.lastHandlerError).toBe('Error: boom');
    expect(table.has('carol')).toBe(false);
  });

  it('a message handler that throws: counted, that link closed and down, others untouched', () => {
    const table = new LinkTable('me');
    const downs: string[] = [];
    table.onLinkChange((peer, up) => void (up ? undefined : downs.push(peer)));
    table.onMessage((from) => {
      if (from === 'mallory') throw new TypeError('bad');
    });
    const [m, c] = [link(), link()];
    table.up('mallory', m);
    table.up('carol', c);
    expect(() => table.deliver('mallory', new Uint8Array([1]))).not.toThrow();
    table.deliver('carol', new Uint8Array([1]));
    expect(table.counters.handlerErrors).toBe(1);
    expect(m.closed).toEqual(['handler threw: TypeError: bad']);
    expect(c.closed).toEqual([]);
    expect(downs).toEqual(['mallory']);
    expect(table.has('carol')).toBe(true);
  });
});
