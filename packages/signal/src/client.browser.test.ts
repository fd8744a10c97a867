// The isomorphic client in real Chromium, with the browser's own WebSocket, against the real
// signaling server that scripts/wtr-services.js starts (`signalUrl`).
import { expect } from '@open-wc/testing';
import { SignalClient } from './index.js';
import type { SignalClientEventMap, WebSocketConstructorLike } from './index.js';

// Compile-time check: the browser's WebSocket fits the client's constructor type.
const browserWebSocket: WebSocketConstructorLike = WebSocket;

function next<K extends keyof SignalClientEventMap>(
  c: SignalClient,
  type: K,
): Promise<SignalClientEventMap[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${type}`)), 5_000);
    c.addEventListener(
      type,
      (e) => {
        clearTimeout(timer);
        resolve(e);
      },
      { once: true },
    );
  });
}

describe('SignalClient in the browser', () => {
  it('joins, relays an offer and sees a leave, using the platform WebSocket', async () => {
    const { signalUrl } = (await (await fetch('/__services.json')).json()) as { signalUrl?: string };
    expect(signalUrl, 'signal server from wtr services').to.be.a('string');
    const room = `browser-${Math.random().toString(36).slice(2)}`;
    const a = new SignalClient({ url: signalUrl as string, room, peerId: 'a', WebSocket: browserWebSocket });
    const b = new SignalClient({ url: signalUrl as string, room, peerId: 'b' });
    try {
      const rosterA = next(a, 'roster');
      a.connect();
      expect((await rosterA).detail.peers).to.deep.equal([]);
      const joinSeen = next(a, 'peer-join');
      const rosterB = next(b, 'roster');
      b.connect();
      expect((await rosterB).detail.peers).to.deep.equal(['a']);
      expect((await joinSeen).detail.peer).to.equal('b');
      expect(a.state).to.equal('connected');
      const got = next(b, 'signal');
      a.signal('b', { type: 'offer', sdp: 'v=0' });
      expect((await got).detail).to.deep.equal({ from: 'a', payload: { type: 'offer', sdp: 'v=0' } });
      const left = next(a, 'peer-leave');
      b.close();
      expect((await left).detail.peer).to.equal('b');
    } finally {
      a.close();
      b.close();
    }
  });
});
