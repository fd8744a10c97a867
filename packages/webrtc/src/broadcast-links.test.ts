import { encode, MessageType, type Message } from '@pulsemesh/core';
import { describe, expect, it } from 'vitest';
import { BroadcastLinks } from './broadcast-links.js';
import type { LinkSink, PeerLink } from './link-table.js';

/** A sink that records the links and the messages a `BroadcastLinks` hands it. */
function sink(localId: string): LinkSink & { links: Map<string, PeerLink>; got: Uint8Array[] } {
  const links = new Map<string, PeerLink>();
  const got: Uint8Array[] = [];
  return {
    localId,
    links,
    got,
    up: (peer, link) => void links.set(peer, link),
    down: (peer) => void links.delete(peer),
    deliver: (_from, bytes) => void got.push(bytes),
    deliverReliable: () => {},
  };
}

const until = async (ok: () => boolean): Promise<void> => {
  for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 5));
};

describe('BroadcastLinks', () => {
  it('posts a detector message as its own bytes, not the shared slab it is a view of', async () => {
    const name = `bl-test-${Math.random()}`;
    const a = sink('tab-a');
    const b = sink('tab-b');
    const la = new BroadcastLinks(a, name);
    const lb = new BroadcastLinks(b, name);
    try {
      await until(() => a.links.has('tab-b'));
      const msg: Message = { type: MessageType.ping, seq: 1, updates: [], extensions: [] };
      encode(msg); // a message before it, so the next one sits inside the slab
      const bytes = encode(msg);
      expect(bytes.buffer.byteLength).toBeGreaterThan(bytes.length); // a view, as the contract says
      a.links.get('tab-b')?.send(bytes);
      await until(() => b.got.length > 0);
      expect([...(b.got[0] as Uint8Array)]).toEqual([...bytes]);
      expect((b.got[0] as Uint8Array).buffer.byteLength).toBe(bytes.length);
    } finally {
      la.close();
      lb.close();
    }
  });
});
