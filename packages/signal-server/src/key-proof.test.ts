/**
 * The join proof (issue 12, decision 0012): a key-derived peer id is admitted only to the holder of
 * its key, who signs this socket's nonce. Real server and `ws` clients on loopback; keys from
 * Node's crypto.
 */
import { describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { ErrorCode, joinProofBytes, toBase64Url } from '@pulsemesh/signal';
import type { KeyProofSigner } from '@pulsemesh/signal';
import { mintToken } from './server/auth.js';
import { joined, keyPair, next, nextFrame, testHarness } from './test-support.js';

const { server, client, raw, rejections } = testHarness();

const claim = 'c'.repeat(16);
async function nonceOf(ws: WebSocket): Promise<string> {
  ws.send(JSON.stringify({ v: 1, t: 12 }));
  const frame = await nextFrame(ws);
  expect(frame['t']).toBe(12);
  return frame['nonce'] as string;
}
function joinFrame(peer: string, signer: KeyProofSigner, nonce: string, extra: object = {}): string {
  return JSON.stringify({
    v: 1,
    t: 1,
    room: 'room',
    peer,
    claim,
    key: toBase64Url(signer.publicKey),
    proof: toBase64Url(signer.sign(joinProofBytes(nonce, 'room', peer))),
    ...extra,
  });
}

describe('join proof: a key-derived id only for the holder of its key', () => {
  it('admits a client that signs the nonce, over and over across reconnects', async () => {
    const r = await server();
    const me = keyPair();
    const a = client(r.url, 'room', me.id, { keyProof: me });
    expect(await joined(a)).toEqual([]);
    const b = client(r.url, 'room', 'plain-b'); // plain ids need no proof
    expect(await joined(b)).toEqual([me.id]);
    expect(await rejections(r, 'key-proof')).toBe(0);
  });

  it('refuses the id without a proof, with another key, with a proof for another nonce or room', async () => {
    const r = await server();
    const owner = keyPair();
    const thief = keyPair();
    const ws = await raw(r.url);
    const nonce = await nonceOf(ws);
    const attempts = [
      JSON.stringify({ v: 1, t: 1, room: 'room', peer: owner.id, claim }), // no proof
      joinFrame(owner.id, thief, nonce), // the thief's key does not hash to the id
      joinFrame(owner.id, { ...thief, publicKey: owner.publicKey }, nonce), // owner's key, thief's signature
      joinFrame(owner.id, owner, 'another-sockets-nonce-0123'), // a proof replayed from another socket
    ];
    // A proof the owner made for another room, replayed here.
    const elsewhere = owner.sign(joinProofBytes(nonce, 'other-room', owner.id));
    attempts.push(joinFrame(owner.id, owner, nonce, { proof: toBase64Url(elsewhere) }));
    for (const frame of attempts) {
      ws.send(frame);
      expect(await nextFrame(ws)).toMatchObject({ t: 10, code: ErrorCode.unauthorized, room: 'room' });
    }
    expect(await rejections(r, 'key-proof')).toBe(attempts.length);
    // Without asking for a nonce first, nothing can be proven.
    const ws2 = await raw(r.url);
    ws2.send(joinFrame(owner.id, owner, nonce));
    expect(await nextFrame(ws2)).toMatchObject({ t: 10, code: ErrorCode.unauthorized });
    // The owner itself gets in.
    ws.send(joinFrame(owner.id, owner, nonce));
    expect(await nextFrame(ws)).toMatchObject({ t: 6, room: 'room', peers: [] });
  });

  it('a member cannot take the id of a peer that is away (crashed), only its owner can', async () => {
    const r = await server();
    const owner = keyPair();
    const watcher = client(r.url, 'room', 'watcher');
    await joined(watcher);
    const first = client(r.url, 'room', owner.id, { keyProof: owner });
    await joined(first);
    first.abort(); // the owner's process dies: the id is free at the server
    await next(watcher, 'peer-leave');
    const impostor = keyPair();
    const ws = await raw(r.url);
    ws.send(joinFrame(owner.id, impostor, await nonceOf(ws)));
    expect(await nextFrame(ws)).toMatchObject({ t: 10, code: ErrorCode.unauthorized });
    const back = client(r.url, 'room', owner.id, { keyProof: owner });
    const rejoined = next(watcher, 'peer-join');
    await joined(back);
    expect((await rejoined).detail.peer).toBe(owner.id);
  });

  it('with tokens: a stolen token naming the id is useless without the key', async () => {
    const secret = 's'.repeat(32);
    const r = await server({ tokenSecret: secret });
    const owner = keyPair();
    const token = await mintToken({ secret, room: 'room', peer: owner.id });
    const ws = await raw(r.url);
    ws.send(joinFrame(owner.id, keyPair(), await nonceOf(ws), { token }));
    expect(await nextFrame(ws)).toMatchObject({ t: 10, code: ErrorCode.unauthorized });
    // The token still binds: the owner with its key but without a token is refused too.
    const keyOnly = client(r.url, 'room', owner.id, { keyProof: owner });
    const err = next(keyOnly, 'error');
    keyOnly.connect();
    expect((await err).detail.code).toBe(ErrorCode.unauthorized);
    const both = client(r.url, 'room', owner.id, { keyProof: owner, token });
    expect(await joined(both)).toEqual([]);
  });
});
