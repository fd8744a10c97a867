// Two real WebRTC links in one Node process (node-datachannel), signals passed in-process.
import { afterEach, describe, expect, it } from 'vitest';
import { Link, livePeerConnectionCount } from './link.js';
import { until } from './test-helpers.js';

interface Pair {
  a: Link;
  b: Link;
  heartbeats: Uint8Array[];
  reliable: Uint8Array[];
  closed: string[];
}

/**
 * libdatachannel has a rare race (seen ~1 in 50 runs on a loaded 2-core machine) where applying the
 * answer fails with "Got a remote candidate without ICE transport". In a mesh the connection
 * manager retries such a link with backoff (`webrtc-transport.test.ts`, "recovers a dropped link"); here we retry the pair
 * for that one known error only, so any other failure still fails the test.
 */
async function linkPair(attempts = 3): Promise<Pair> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await linkPairOnce();
    } catch (err) {
      const knownRace = String(err).includes('remote candidate without ICE transport');
      if (!knownRace || attempt >= attempts) throw err;
      console.warn(`link pair attempt ${attempt} hit the libdatachannel ICE race; retrying`);
      await until(() => livePeerConnectionCount() === 0, 5_000, 'failed pair closed');
    }
  }
}

function linkPairOnce(): Promise<Pair> {
  const heartbeats: Uint8Array[] = [];
  const reliable: Uint8Array[] = [];
  const closed: string[] = [];
  let opened = 0;
  return new Promise((resolve, reject) => {
    const common = { iceServers: [], bindAddress: '127.0.0.1', reliableMessageBytesMax: 1 << 20 };
    const onOpen = () => {
      opened += 1;
      if (opened === 2) resolve(pair);
    };
    const a: Link = new Link({
      ...common,
      remoteId: 'b',
      initiator: true,
      handlers: {
        signal: (d) => b.signal(d),
        open: onOpen,
        close: (r) => {
          closed.push(`a:${r}`);
          if (opened < 2) {
            b.close();
            reject(new Error(`a closed before opening: ${r}`));
          }
        },
      },
    });
    const b: Link = new Link({
      ...common,
      remoteId: 'a',
      initiator: false,
      handlers: {
        signal: (d) => a.signal(d),
        open: onOpen,
        close: (r) => closed.push(`b:${r}`),
        heartbeat: (bytes) => heartbeats.push(bytes.slice()),
        reliable: (bytes) => void reliable.push(bytes),
      },
    });
    const pair = { a, b, heartbeats, reliable, closed };
  });
}

describe('Link (node-datachannel, loopback)', () => {
  afterEach(async () => {
    await until(() => livePeerConnectionCount() === 0, 5_000, 'no live RTCPeerConnection');
  });

  it('opens both channels, delivers heartbeats and chunked reliable messages, closes cleanly', async () => {
    const { a, b, heartbeats, reliable, closed } = await linkPair();
    expect(a.state).toBe('open');
    expect(b.state).toBe('open');
    expect(livePeerConnectionCount()).toBe(2);

    for (let i = 0; i < 10; i++) a.sendHeartbeat(new Uint8Array([i, 1, 2, 3]));
    await until(() => heartbeats.length >= 9, 5_000, 'heartbeats');
    for (const h of heartbeats) expect([...h.subarray(1)]).toEqual([1, 2, 3]);
    expect(b.loss.ratio()).toBeLessThan(0.5);

    const big = new Uint8Array(100_000).map((_, i) => i % 251);
    expect(a.sendReliable(big)).toBe(true);
    expect(a.sendReliable(new Uint8Array([7]))).toBe(true);
    await until(() => reliable.length === 2, 5_000, 'reliable');
    expect(reliable[0]).toEqual(big);
    expect([...reliable[1]!]).toEqual([7]);

    const stats = await a.stats();
    expect(stats?.rttMs).toBeTypeOf('number');
    expect(stats!.rttMs!).toBeLessThan(1000);
    expect(stats?.remoteAddress).toMatch(/^(127\.0\.0\.1|::1)$/);

    a.close();
    await until(() => closed.length === 2, 5_000, 'both closed');
    expect(closed).toContain('a:local close');
    expect(b.state).toBe('closed');
  });
});
