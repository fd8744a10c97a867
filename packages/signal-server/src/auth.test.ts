import { describe, expect, it } from 'vitest';
import { ErrorCode } from '@pulsemesh/signal';
import { mintToken } from './server/auth.js';
import { joined, next, nextFrame, rawSocket, testHarness, until } from './test-support.js';

const secret = 'test-secret-that-is-at-least-32-bytes-long';
const { server, client, raw } = testHarness();
async function joinError(url: string, token: string | undefined, peer = 'p'): Promise<string> {
  const c = client(url, 'room', peer, token === undefined ? {} : { token });
  const err = next(c, 'error');
  c.connect();
  const code = (await err).detail.code;
  await until(() => c.state === 'offline', 2_000, 'offline after a fatal join error');
  return code;
}

describe('auth', () => {
  it('admits a valid token and refuses none, bad, expired, wrong room and wrong peer', async () => {
    const { url } = await server({ tokenSecret: secret });
    expect(
      await joined(client(url, 'room', 'ok', { token: await mintToken({ secret, room: 'room' }) })),
    ).toEqual([]);
    expect(await joinError(url, undefined)).toBe(ErrorCode.unauthorized);
    expect(await joinError(url, 'not.a.jwt')).toBe(ErrorCode.unauthorized);
    const forged = await mintToken({ secret: 'another-secret-another-secret-12345', room: 'room' });
    expect(await joinError(url, forged)).toBe(ErrorCode.unauthorized);
    expect(await joinError(url, await mintToken({ secret, room: 'room', ttlSeconds: -10 }))).toBe(
      ErrorCode.tokenExpired,
    );
    expect(await joinError(url, await mintToken({ secret, room: 'other' }))).toBe(ErrorCode.wrongRoom);
    expect(await joinError(url, await mintToken({ secret, room: 'room', peer: 'someone' }), 'me')).toBe(
      ErrorCode.wrongRoom,
    );
  });

  it('runs open without a secret', async () => {
    const { url } = await server();
    expect(await joined(client(url, 'room', 'a'))).toEqual([]);
  });

  it('refuses handshakes from origins not on the allow-list with HTTP 403', async () => {
    const { url } = await server({ allowedOrigins: ['https://good.example'] });
    await expect(rawSocket(url, { origin: 'https://evil.example' })).rejects.toThrow(/403/);
    // each resolves once its socket is open (and rejects on a refused handshake)
    await raw(url, { origin: 'https://good.example' });
    await raw(url); // no Origin header: not a browser, not refused
  });
});

describe('isolation and peer ids', () => {
  it('keeps rooms apart: no roster, join notice or relay crosses rooms', async () => {
    const { url } = await server();
    const a = client(url, 'red', 'a');
    const b = client(url, 'blue', 'b');
    await joined(a);
    expect(await joined(b)).toEqual([]);
    const ws = await raw(url);
    ws.send(JSON.stringify({ v: 1, t: 1, room: 'blue', peer: 'x', claim: 'x'.repeat(16) }));
    expect(await nextFrame(ws)).toMatchObject({ t: 6, peers: ['b'] });
    ws.send(JSON.stringify({ v: 1, t: 3, room: 'red', to: 'a', payload: 'sneaky' }));
    expect(await nextFrame(ws)).toMatchObject({ t: 10, code: ErrorCode.notInRoom });
    ws.send(JSON.stringify({ v: 1, t: 3, room: 'blue', to: 'a', payload: 'sneaky' }));
    expect(await nextFrame(ws)).toMatchObject({ t: 10, code: ErrorCode.unknownPeer });
  });

  it('lets the same claim take a peer id over: the old socket gets replaced, relays follow the new one', async () => {
    const { url } = await server();
    const join = JSON.stringify({ v: 1, t: 1, room: 'room', peer: 'a', claim: 'same-claim-0123456789' });
    const old = await raw(url);
    const fresh = await raw(url);
    old.send(join);
    expect(await nextFrame(old)).toMatchObject({ t: 6 });
    const replaced = nextFrame(old);
    fresh.send(join);
    expect(await nextFrame(fresh)).toMatchObject({ t: 6, peers: [] });
    expect(await replaced).toMatchObject({ t: 10, code: ErrorCode.replaced, room: 'room' });
    const b = client(url, 'room', 'b');
    const joinSeen = nextFrame(fresh);
    expect(await joined(b)).toEqual(['a']);
    expect(await joinSeen).toMatchObject({ t: 7, peer: 'b' });
    const relayed = nextFrame(fresh);
    b.signal('a', 'to the new socket');
    expect(await relayed).toMatchObject({ t: 9, from: 'b', payload: 'to the new socket' });
  });

  it('refuses a peer id held by another client; the owner re-takes it after a reconnect', async () => {
    const { url } = await server();
    const owner = client(url, 'room', 'a');
    await joined(owner);
    expect(await joinError(url, undefined, 'a')).toBe(ErrorCode.peerIdTaken);
    expect(owner.state).toBe('connected');

    // Same claim from a fresh socket (the owner reconnecting before the server saw the old one die).
    const ws = await raw(url);
    const b = client(url, 'room', 'b');
    await joined(b);
    const claimOf = (owner as unknown as Record<string, unknown>)['claimForTests'];
    expect(claimOf).toBeUndefined(); // the claim is private; a raw socket cannot guess it
    ws.send(JSON.stringify({ v: 1, t: 1, room: 'room', peer: 'a', claim: 'guess'.repeat(4) }));
    expect(await nextFrame(ws)).toMatchObject({ t: 10, code: ErrorCode.peerIdTaken });
    const got = next(owner, 'signal');
    b.signal('a', 'still yours');
    expect((await got).detail.payload).toBe('still yours');
  });
});
