/**
 * Abuse below the signaling protocol (issue 12): malformed and slow HTTP upgrades, RFC 6455
 * violations, rate abuse, look-alike peer ids. Real `ws` server and raw TCP on loopback.
 */
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CloseCode, ErrorCode } from '@pulsemesh/signal';
import { closed, joined, makeClient, nextFrame, rawSocket, testHarness, until } from './test-support.js';
import type { Running } from './test-support.js';

const seed = Number(process.env.SEED ?? Math.floor(Math.random() * 2 ** 31));
console.log(`handshake-abuse.test SEED=${seed}`);
const reproduce = `SEED=${seed} pnpm exec vitest run packages/signal-server/src/handshake-abuse.test.ts`;

const { server, raw, rejections, track } = testHarness();

/** A raw TCP connection to the server; resolves once connected. */
function tcp(r: Running): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(r.port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
    track(s);
  });
}
/** Everything the server sends until it closes the connection (or `timeoutMs`). */
function response(s: Socket, timeoutMs = 5_000): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve) => {
    let text = '';
    s.on('data', (d) => (text += d.toString('latin1')));
    const timer = setTimeout(() => resolve({ text, closed: false }), timeoutMs);
    s.once('close', () => {
      clearTimeout(timer);
      resolve({ text, closed: true });
    });
    s.on('error', () => undefined);
  });
}
const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
function upgradeRequest(headers: Record<string, string | undefined>, method = 'GET'): string {
  const base: Record<string, string | undefined> = {
    Host: '127.0.0.1',
    Upgrade: 'websocket',
    Connection: 'Upgrade',
    'Sec-WebSocket-Key': KEY,
    'Sec-WebSocket-Version': '13',
    'Sec-WebSocket-Protocol': 'pulsemesh-signal.v1',
    ...headers,
  };
  const lines = Object.entries(base)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}: ${String(v)}`);
  return `${method} / HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`;
}
/** Handshakes that `ws` refuses after the server took a per-IP slot for them (RFC 6455 §4.2.1). */
const MALFORMED_UPGRADES: [string, string][] = [
  ['no key', upgradeRequest({ 'Sec-WebSocket-Key': undefined })],
  ['short key', upgradeRequest({ 'Sec-WebSocket-Key': 'abc' })],
  ['version 12', upgradeRequest({ 'Sec-WebSocket-Version': '12' })],
  ['no version', upgradeRequest({ 'Sec-WebSocket-Version': undefined })],
  ['POST', upgradeRequest({}, 'POST')],
  ['Upgrade: h2c', upgradeRequest({ Upgrade: 'h2c' })],
  ['bad subprotocol list', upgradeRequest({ 'Sec-WebSocket-Protocol': 'a,,b' })],
];

/** A client frame built by hand (RFC 6455 §5.2), so it can break the rules `ws` would enforce. */
function frame(
  payload: Buffer,
  { opcode = 1, masked = true, rsv = 0 }: { opcode?: number; masked?: boolean; rsv?: number },
): Buffer {
  const head = Buffer.from([0x80 | (rsv << 4) | opcode, (masked ? 0x80 : 0) | payload.length]);
  if (!masked) return Buffer.concat([head, payload]);
  const mask = Buffer.from([1, 2, 3, 4]);
  const body = Buffer.from(payload.map((b, i) => b ^ (mask[i % 4] as number)));
  return Buffer.concat([head, mask, body]);
}
/** Opens a WebSocket over raw TCP (so the test controls every byte after the handshake). */
async function rawWebSocket(r: Running): Promise<{ s: Socket; closeCode: Promise<number> }> {
  const s = await tcp(r);
  let buffered = Buffer.alloc(0);
  const closeCode = new Promise<number>((resolve) => {
    s.on('data', (d: Buffer) => {
      buffered = Buffer.concat([buffered, d]);
      const end = buffered.indexOf('\r\n\r\n');
      const frames = end < 0 ? Buffer.alloc(0) : buffered.subarray(end + 4);
      if (frames.length >= 4 && ((frames[0] as number) & 0x0f) === 8) resolve(frames.readUInt16BE(2));
    });
    s.once('close', () => resolve(-1));
  });
  const switched = new Promise<void>((resolve) => {
    const onData = (): void => {
      if (buffered.includes('\r\n\r\n')) {
        s.off('data', onData);
        resolve();
      }
    };
    s.on('data', onData);
  });
  s.write(upgradeRequest({}));
  await switched;
  expect(buffered.toString('latin1')).toMatch(/^HTTP\/1\.1 101 /);
  return { s, closeCode };
}

describe('refused handshakes give their per-IP slot back', () => {
  it('64 malformed upgrades do not lock an IP out; each is counted as handshake-refused', async () => {
    const r = await server({ socketsPerIpMax: 4 });
    for (let i = 0; i < 64; i++) {
      const [, request] = MALFORMED_UPGRADES[i % MALFORMED_UPGRADES.length] as [string, string];
      const s = await tcp(r);
      const answer = response(s);
      s.write(request);
      const { text, closed: gone } = await answer;
      expect(gone).toBe(true);
      expect(text).toMatch(/^HTTP\/1\.1 40[05] /);
    }
    await until(() => r.server.stats().ips === 0, 3_000, 'slots released');
    expect(await rejections(r, 'handshake-refused')).toBe(64);
    // The full quota is still there.
    for (let i = 0; i < 4; i++) await raw(r.url);
    await expect(rawSocket(r.url)).rejects.toThrow(/429/);
  });

  it('behind a trusted proxy, refused handshakes naming any address release it too', async () => {
    const r = await server({ socketsPerIpMax: 1, trustProxy: true });
    for (let i = 0; i < 8; i++) {
      const s = await tcp(r);
      const answer = response(s);
      s.write(upgradeRequest({ 'Sec-WebSocket-Key': undefined, 'X-Forwarded-For': '203.0.113.9' }));
      expect((await answer).closed).toBe(true);
    }
    await until(() => r.server.stats().ips === 0, 3_000, 'slots released');
    await raw(r.url, { 'x-forwarded-for': '203.0.113.9' });
  });

  it('random handshake headers never leak a slot (fuzz)', async () => {
    const r = await server({ socketsPerIpMax: 2 });
    const header = fc.option(
      fc.oneof(fc.constantFrom('websocket', '13', KEY, ''), fc.string({ maxLength: 30 })),
    );
    const ascii = (v: string | null): string | undefined =>
      v === null ? undefined : v.replace(/[^\x20-\x7e]/g, '');
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.record({ upgrade: header, key: header, version: header, protocol: header }),
          fc.constantFrom('GET', 'POST', 'PUT'),
          async (h, method) => {
            const s = await tcp(r);
            const answer = response(s, 300);
            s.write(
              upgradeRequest(
                {
                  Upgrade: ascii(h.upgrade) ?? 'websocket',
                  'Sec-WebSocket-Key': ascii(h.key),
                  'Sec-WebSocket-Version': ascii(h.version),
                  'Sec-WebSocket-Protocol': ascii(h.protocol),
                },
                method,
              ),
            );
            await answer;
            s.destroy();
            await until(() => r.server.stats().ips === 0, 3_000, 'slot released');
          },
        ),
        { seed, numRuns: 60 },
      );
    } catch (err) {
      console.error(`reproduce: ${reproduce}`);
      throw err;
    }
    await raw(r.url);
    await raw(r.url);
  });
});

describe('slow and broken HTTP', () => {
  it('closes a slowloris handshake (headers a byte at a time) with 408, counted', async () => {
    const r = await server({ handshakeTimeoutMs: 300 });
    const s = await tcp(r);
    const answer = response(s, 10_000);
    const request = upgradeRequest({});
    let i = 0;
    const drip = setInterval(() => {
      if (i < request.length - 2 && !s.destroyed) s.write(request[i++] as string);
    }, 50);
    const { text, closed: gone } = await answer;
    clearInterval(drip);
    expect(gone).toBe(true);
    expect(text).toMatch(/^HTTP\/1\.1 408 /);
    expect(await rejections(r, 'handshake-timeout')).toBe(1);
    expect(r.server.stats().ips).toBe(0);
  });

  it('closes a connection that never sends a byte', async () => {
    const r = await server({ handshakeTimeoutMs: 300 });
    const s = await tcp(r);
    expect((await response(s, 10_000)).closed).toBe(true);
    await until(async () => (await rejections(r, 'handshake-timeout')) === 1, 3_000, 'counted');
  });

  it('leaves an open WebSocket alone after the handshake timeout', async () => {
    const r = await server({ handshakeTimeoutMs: 200 });
    const ws = await raw(r.url);
    await new Promise((resolve) => setTimeout(resolve, 900));
    expect(ws.readyState).toBe(1);
    ws.send(JSON.stringify({ v: 1, t: 4, n: 7 }));
    expect(await nextFrame(ws)).toMatchObject({ t: 5, n: 7 });
    expect(await rejections(r, 'handshake-timeout')).toBe(0);
  });

  it('answers unparseable HTTP with 400, counted as bad-request', async () => {
    const r = await server();
    const s = await tcp(r);
    const answer = response(s);
    s.write('HELLO THERE\r\n\r\n');
    const { text, closed: gone } = await answer;
    expect(gone).toBe(true);
    expect(text).toMatch(/^HTTP\/1\.1 400 /);
    expect(await rejections(r, 'bad-request')).toBe(1);
  });
});

describe('RFC 6455 violations on an open socket', () => {
  it.each([
    ['an unmasked client frame', frame(Buffer.from('{}'), { masked: false }), 1002],
    ['reserved bits set', frame(Buffer.from('{}'), { rsv: 4 }), 1002],
    ['a reserved opcode', frame(Buffer.from('{}'), { opcode: 3 }), 1002],
    ['invalid UTF-8 in a text frame', frame(Buffer.from([0xc3, 0x28]), {}), 1007],
  ])('closes on %s and counts it as protocol-violation', async (_name, bytes, code) => {
    const r = await server();
    const { s, closeCode } = await rawWebSocket(r);
    s.write(bytes);
    expect(await closeCode).toBe(code);
    await until(async () => (await rejections(r, 'protocol-violation')) === 1, 3_000, 'counted');
    await until(() => r.server.stats().sockets === 0, 3_000, 'socket gone');
    expect(r.server.stats().ips).toBe(0);
  });
});

describe('rate abuse', () => {
  it('counts closed sockets, not the frames they had in flight', async () => {
    const r = await server({ messagesPerSecondMax: 10 });
    const abusers = [await raw(r.url), await raw(r.url)];
    const codes = abusers.map((ws) => closed(ws));
    for (const ws of abusers) for (let i = 0; i < 200; i++) ws.send(JSON.stringify({ v: 1, t: 4, n: i }));
    expect(await Promise.all(codes)).toEqual([CloseCode.policyViolation, CloseCode.policyViolation]);
    await until(() => r.server.stats().sockets === 0, 3_000, 'sockets closed');
    expect(await rejections(r, 'rate-abuse')).toBe(2);
    // Dropped frames are still counted one by one, but only until the socket is closed.
    expect(await rejections(r, 'rate-limited')).toBe(2 * (10 + 1));
  });
});

describe('look-alike peer ids', () => {
  const claim = 'c'.repeat(16);
  const LOOK_ALIKES = ['H1', 'h1 ', '\uff481', 'h1\u200b', '\u200bh1', '\u04bb1', 'h\u00a01', ' h1'];

  it('refuses every look-alike of a member with invalid-peer-id; the room sees only the member', async () => {
    const r = await server();
    const member = makeClient(r.url, 'room', 'h1');
    try {
      expect(await joined(member)).toEqual([]);
      const joins: string[] = [];
      member.addEventListener('peer-join', (e) => joins.push(e.detail.peer));
      const ws = await raw(r.url);
      for (const peer of LOOK_ALIKES) {
        ws.send(JSON.stringify({ v: 1, t: 1, room: 'room', peer, claim }));
        expect(await nextFrame(ws)).toMatchObject({ t: 10, code: ErrorCode.invalidPeerId });
      }
      // A signal addressed to a look-alike of the member is refused the same way.
      ws.send(JSON.stringify({ v: 1, t: 1, room: 'room', peer: 'x1', claim }));
      expect(await nextFrame(ws)).toMatchObject({ t: 6, peers: ['h1'] });
      ws.send(JSON.stringify({ v: 1, t: 3, room: 'room', to: 'H1', payload: 1 }));
      expect(await nextFrame(ws)).toMatchObject({ t: 10, code: ErrorCode.invalidPeerId });
      expect(await rejections(r, 'invalid-peer-id')).toBe(LOOK_ALIKES.length + 1);
      await until(() => joins.length === 1, 2_000, 'x1 joined');
      expect(joins).toEqual(['x1']);
    } finally {
      member.close();
    }
  });

  it('the client refuses a non-canonical id of its own', () => {
    for (const peer of LOOK_ALIKES)
      expect(() => makeClient('ws://127.0.0.1:1', 'room', peer)).toThrow(RangeError);
  });
});
