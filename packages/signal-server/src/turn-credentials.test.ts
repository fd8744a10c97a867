// TURN REST API credentials: the arithmetic (table test against a value computed independently
// with `openssl dgst -sha1 -hmac`), and the roster each joined peer gets from a real server.
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseServerMessage } from '@pulsemesh/signal';
import { iceServersFor, turnCredential } from './server/turn-credentials.js';
import { resolveServerOptions } from './server/options.js';
import { parseCommand } from './config.js';
import { joined, next, testHarness } from './test-support.js';

const { server, client } = testHarness();

const secret = 'lab-secret-0123456789';
const urls = [
  'stun:203.0.113.10:443',
  'turn:203.0.113.10:443?transport=udp',
  'turn:203.0.113.10:443?transport=tcp',
];

describe('turnCredential', () => {
  it('is <expiry>:<user> and base64(HMAC-SHA1(secret, username)), as coturn use-auth-secret checks', () => {
    // printf '1700086400:tab-1' | openssl dgst -sha1 -hmac lab-secret-0123456789 -binary | base64
    expect(turnCredential(secret, 'tab-1', 1_700_000_000_000, 86_400)).toEqual({
      username: '1700086400:tab-1',
      credential: 'U2aWD/1W2wIST+68eveda9jM1ZU=',
    });
    const c = turnCredential(secret, 'edge-2', 1_700_000_000_999, 600);
    expect(c.username).toBe('1700000600:edge-2'); // whole seconds
    expect(c.credential).toBe(createHmac('sha1', secret).update(c.username).digest('base64'));
  });

  it('hands out every URL with one credential per peer', () => {
    const [server] = iceServersFor({ secret, urls, ttlSeconds: 3600 }, 'p', 0);
    expect(server).toEqual({ urls, username: '3600:p', credential: expect.any(String) });
  });

  it('rejects short secrets, non-STUN/TURN URLs and silly lifetimes', () => {
    const resolve = (turn: object) => () => resolveServerOptions({ turn } as never, () => 'id');
    expect(resolve({ secret: 'short', urls })).toThrow(RangeError);
    expect(resolve({ secret, urls: ['http://x'] })).toThrow(RangeError);
    expect(resolve({ secret, urls: [] })).toThrow(RangeError);
    expect(resolve({ secret, urls, ttlSeconds: 5 })).toThrow(RangeError);
    expect(resolve({ secret, urls })).not.toThrow();
  });

  it('is configured from flags or env, both together', () => {
    const cmd = parseCommand(['--turn-secret', secret, '--turn-urls', urls.join(',')], {});
    expect(cmd).toMatchObject({ kind: 'serve', options: { turn: { secret, urls } } });
    const env = parseCommand([], {
      PULSEMESH_SIGNAL_TURN_SECRET: secret,
      PULSEMESH_SIGNAL_TURN_URLS: urls[1],
      PULSEMESH_SIGNAL_TURN_TTL_SECONDS: '600',
      PULSEMESH_SIGNAL_TURN_RENEW_SECONDS: '120',
    });
    expect(env).toMatchObject({
      options: { turn: { secret, urls: [urls[1]], ttlSeconds: 600, renewAfterSeconds: 120 } },
    });
    expect(() => parseCommand(['--turn-secret', secret], {})).toThrow(/go together/);
  });
});

describe('roster with TURN credentials', () => {
  it('each peer gets its own time-limited credential; without TURN settings, none', async () => {
    const before = Math.floor(Date.now() / 1000);
    const r = await server({ turn: { secret, urls, ttlSeconds: 600 } });
    const a = client(r.url, 'room', 'a');
    const b = client(r.url, 'room', 'b');
    const rosterA = next(a, 'roster');
    await joined(a);
    const rosterB = next(b, 'roster');
    await joined(b);
    const [ia, ib] = [(await rosterA).detail.iceServers, (await rosterB).detail.iceServers];
    expect(ia?.[0]?.urls).toEqual(urls);
    const [expiry, user] = ia![0]!.username!.split(':');
    expect(user).toBe('a');
    expect(Number(expiry) - before).toBeGreaterThanOrEqual(600);
    expect(Number(expiry) - before).toBeLessThanOrEqual(602);
    expect(ib![0]!.username!.endsWith(':b')).toBe(true);
    expect(ia![0]!.credential).not.toBe(ib![0]!.credential);
    // The secret itself is in no frame.
    expect(JSON.stringify([ia, ib])).not.toContain(secret);

    const plain = await server();
    const c = client(plain.url, 'room', 'c');
    const rosterC = next(c, 'roster');
    await joined(c);
    expect((await rosterC).detail.iceServers).toBeUndefined();
  });

  it('a peer that stays joined gets a fresh credential (with the current roster) before its own expires', async () => {
    const r = await server({ turn: { secret, urls, ttlSeconds: 60, renewAfterSeconds: 1.2 } });
    const a = client(r.url, 'room', 'a');
    const b = client(r.url, 'room', 'b');
    const first = next(a, 'roster');
    await joined(a);
    await joined(b);
    const expiry = (e: Awaited<typeof first>) => Number(e.detail.iceServers![0]!.username!.split(':')[0]);
    const e0 = expiry(await first);
    // Two renewals, each a whole roster (b is in it) with a later expiry, about 1.2 s apart.
    const renewed1 = await next(a, 'roster', () => true, 5_000);
    const renewed2 = await next(a, 'roster', () => true, 5_000);
    expect(renewed1.detail.peers).toEqual(['b']);
    expect(expiry(renewed1)).toBeGreaterThanOrEqual(e0 + 1);
    expect(expiry(renewed2)).toBeGreaterThanOrEqual(expiry(renewed1) + 1);
    expect(renewed2.detail.iceServers![0]!.credential).toBe(
      createHmac('sha1', secret).update(renewed2.detail.iceServers![0]!.username!).digest('base64'),
    );
    // A renewal is the room as it is now: b gone, a alone.
    b.close();
    const renewed3 = await next(a, 'roster', (e) => e.detail.peers.length === 0, 5_000);
    expect(expiry(renewed3)).toBeGreaterThan(expiry(renewed2));
    const resolve = (turn: object) => () => resolveServerOptions({ turn } as never, () => 'id');
    expect(resolve({ secret, urls, ttlSeconds: 60, renewAfterSeconds: 60 })).toThrow(RangeError);
    expect(resolve({ secret, urls, ttlSeconds: 60, renewAfterSeconds: 0.5 })).toThrow(RangeError);
  });

  it('a hostile roster (too many servers, huge or empty fields) is a typed parse error', () => {
    const roster = (iceServers: unknown) => JSON.stringify({ v: 1, t: 6, room: 'r', peers: [], iceServers });
    const ok = parseServerMessage(roster([{ urls: ['turn:x'], username: 'u', credential: 'c' }]));
    expect(ok.ok).toBe(true);
    for (const bad of [
      Array(5).fill({ urls: ['turn:x'] }),
      [{ urls: [] }],
      [{ urls: ['x'.repeat(513)] }],
      [{ urls: ['turn:x'], username: '' }],
      [{ urls: 'turn:x' }],
    ]) {
      const parsed = parseServerMessage(roster(bad));
      expect(parsed.ok, JSON.stringify(bad).slice(0, 60)).toBe(false);
    }
  });
});
