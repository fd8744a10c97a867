/**
 * The client address per-IP bounds count (decision 0055): normalization, the `X-Forwarded-For`
 * entry the trusted proxies appended, and the fallback (counted) when the header is unusable.
 * Table tests of the pure functions, then the real server on port 0 with real `ws` sockets.
 */
import fc from 'fast-check';
import { isIP } from 'node:net';
import { describe, expect, it } from 'vitest';
import { addressKey, clientAddress, normalizeAddress, trustedHopsOf } from './server/client-address.js';
import { RejectReason } from './server/metrics.js';
import { resolveServerOptions } from './server/options.js';
import { joinFrame, nextFrame, rawSocket, testHarness, until } from './test-support.js';

const { server, raw, rejections } = testHarness();
const seed = Number(process.env.SEED ?? Math.floor(Math.random() * 2 ** 31));
console.log(`client-address.test SEED=${seed}`);
const reproduce = `SEED=${seed} pnpm exec vitest run packages/signal-server/src/client-address.test.ts`;

describe('normalizeAddress', () => {
  it.each([
    ['192.0.2.1', '192.0.2.1'],
    [' 192.0.2.1 ', '192.0.2.1'],
    ['192.0.2.1:51234', '192.0.2.1'],
    ['::ffff:192.0.2.1', '192.0.2.1'],
    ['::FFFF:192.0.2.1', '192.0.2.1'],
    ['::ffff:c000:201', '192.0.2.1'],
    ['[::ffff:192.0.2.1]:443', '192.0.2.1'],
    ['2001:DB8::1', '2001:db8::1'],
    ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['[2001:db8::1]', '2001:db8::1'],
    ['[2001:db8::1]:8080', '2001:db8::1'],
    ['fe80::1%eth0', 'fe80::1'],
    ['::1', '::1'],
  ])('%j -> %j', (text, address) => {
    expect(normalizeAddress(text)).toBe(address);
  });

  it.each([
    '',
    'unknown',
    'not-an-ip',
    '999.1.1.1',
    '192.0.2',
    '1.2.3.4.5',
    '2001:db8::g',
    '[1.2.3.4',
    'x'.repeat(300),
  ])('%j -> undefined', (text) => {
    expect(normalizeAddress(text)).toBeUndefined();
  });
});

describe('addressKey (decisions 0060, 0065: IPv6 counted by its /64 or the IPv4 it carries)', () => {
  it.each([
    ['192.0.2.1', '192.0.2.1'],
    ['2001:db8::1', '2001:db8::/64'],
    ['2001:db8::ffff:ffff:ffff:ffff', '2001:db8::/64'],
    ['2001:db8:0:1::1', '2001:db8:0:1::/64'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:db8:a:b::', '2001:db8:a:b::/64'],
    ['::1', '::/64'],
    ['fe80::1', 'fe80::/64'],
    ['2001:db8::/64', '2001:db8::/64'], // a key is its own key (an envelope from a 0060 instance)
    // An IPv6 address that carries its client's public IPv4 address is keyed by it (decision 0065).
    ['2002:c000:201:1::1', '192.0.2.1'], // 6to4 (2002:AABB:CCDD::/48)
    ['2002:c000:201:ffff:1:2:3:4', '192.0.2.1'],
    ['2002:c000:201:1::/64', '192.0.2.1'], // a 6to4 key of a 0060 instance
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', '192.0.2.45'], // Teredo: ~client in the last 32 bits
    ['2001:0:4136:e378:8000:1234:3fff:fdd2', '192.0.2.45'], // its other mapped port: one key
    ['2001:0:4136:e378::/64', '2001:0:4136:e378::/64'], // a Teredo key of a 0060 instance: as is
    ['2001:1::5', '2001:1::/64'], // not Teredo (2001:0::/32 only)
    ['64:ff9b::192.0.2.9', '192.0.2.9'], // NAT64 / SIIT, the well-known prefix
    ['64:ff9b:1::c000:209', '64:ff9b:1::/64'], // a local-use NAT64 prefix: cannot tell, /64
    ['::ffff:192.0.2.1', '192.0.2.1'],
    ['unknown', 'unknown'],
  ])('%j -> %j', (address, key) => {
    expect(addressKey(address)).toBe(key);
  });

  it('any two addresses of one /64 share a key; of two /64s, never (fuzz)', () => {
    const group = fc.integer({ min: 0, max: 0xffff }).map((n) => n.toString(16));
    // Prefixes that embed an IPv4 address (6to4, Teredo, NAT64) are keyed by it, not by the /64.
    const embeds = (p: string[]): boolean =>
      p[0] === '2002' || (p[0] === '2001' && p[1] === '0') || (p[0] === '64' && p[1] === 'ff9b');
    const half = fc.array(group, { minLength: 4, maxLength: 4 });
    const prefix = half.filter((p) => !embeds(p));
    try {
      fc.assert(
        fc.property(prefix, prefix, half, half, (p, q, a, b) => {
          const [pa, pb, qa] = [
            [...p, ...a],
            [...p, ...b],
            [...q, ...a],
          ].map((g) => g.join(':'));
          expect(addressKey(pa as string)).toBe(addressKey(pb as string));
          expect(addressKey(pa as string) === addressKey(qa as string)).toBe(p.join() === q.join());
          expect(addressKey(pa as string)).toBe(addressKey(addressKey(pa as string)));
        }),
        { seed, numRuns: 2_000 },
      );
    } catch (err) {
      console.log(`reproduce: ${reproduce}`);
      throw err;
    }
  });
});

describe('clientAddress', () => {
  const socket = '::ffff:10.0.0.9'; // the proxy, as a dual-stack listener reports it
  it.each([
    // [X-Forwarded-For, trusted hops, address, source]
    [undefined, 0, '10.0.0.9', 'socket'],
    ['203.0.113.7', 0, '10.0.0.9', 'socket'],
    ['203.0.113.7', 1, '203.0.113.7', 'forwarded'],
    ['10.66.0.1, 203.0.113.7', 1, '203.0.113.7', 'forwarded'],
    ['10.66.0.1,203.0.113.7', 1, '203.0.113.7', 'forwarded'],
    ['forged, 203.0.113.7, 10.0.0.2', 2, '203.0.113.7', 'forwarded'],
    ['203.0.113.7, 10.0.0.2', 2, '203.0.113.7', 'forwarded'],
    [['10.66.0.1', '2001:DB8::7'], 1, '2001:db8::7', 'forwarded'],
    ['::ffff:203.0.113.7', 1, '203.0.113.7', 'forwarded'],
    // Unusable: missing, empty, shorter than the hops, not an address where the proxy's entry is.
    [undefined, 1, '10.0.0.9', 'forwarded-invalid'],
    ['', 1, '10.0.0.9', 'forwarded-invalid'],
    ['203.0.113.7', 2, '10.0.0.9', 'forwarded-invalid'],
    ['203.0.113.7, garbage', 1, '10.0.0.9', 'forwarded-invalid'],
    ['203.0.113.7,', 1, '10.0.0.9', 'forwarded-invalid'],
    ['unknown', 1, '10.0.0.9', 'forwarded-invalid'],
  ] as const)('%j, %i hops -> %s (%s)', (header, hops, address, source) => {
    expect(clientAddress(socket, header, hops)).toEqual({ address, key: addressKey(address), source });
  });

  it("any header (fuzz): never throws; the address is the socket's or a canonical IP no client wrote", () => {
    const entry = fc.oneof(
      fc.ipV4(),
      fc.ipV6(),
      fc.ipV4().map((v4) => `::ffff:${v4}`),
      fc.string({ maxLength: 40 }).filter((x) => !x.includes(',')),
      fc.constantFrom('', ' ', 'unknown', '[', '[::1', '1.2.3.4:', '%', '::ffff:'),
    );
    const forged = '192.0.2.66'; // what the client writes left of the trusted entries
    try {
      fc.assert(
        fc.property(fc.array(entry, { maxLength: 6 }), fc.integer({ min: 0, max: 4 }), (trusted, hops) => {
          const header = [forged, ...trusted].join(',');
          const got = clientAddress('10.0.0.9', header, hops);
          if (got.source === 'forwarded') {
            // The entry `hops` from the right, canonical; the client's own entry only when more
            // hops are trusted than there are proxies (the operator's misconfiguration).
            expect(isIP(got.address)).not.toBe(0);
            expect(got.address).toBe(normalizeAddress(header.split(',').at(-hops) ?? ''));
            if (hops <= trusted.length && got.address === forged)
              expect(trusted.map(normalizeAddress)).toContain(forged);
          } else expect(got.address).toBe('10.0.0.9');
          expect(got.source === 'socket').toBe(hops === 0);
        }),
        { seed, numRuns: 2_000 },
      );
    } catch (err) {
      console.log(`reproduce: ${reproduce}`);
      throw err;
    }
  });

  it('without a socket address (a destroyed socket) answers "unknown"', () => {
    const got = clientAddress(undefined, undefined, 0);
    expect(got).toEqual({ address: 'unknown', key: 'unknown', source: 'socket' });
  });

  it.each([
    [false, 0],
    [true, 1],
    [3, 3],
  ])('trustProxy %j -> %i hops', (trustProxy, hops) => {
    expect(trustedHopsOf(trustProxy)).toBe(hops);
  });

  it.each([-1, 1.5, 17])('trustProxy %j is refused (RangeError)', (trustProxy) => {
    expect(() => resolveServerOptions({ trustProxy }, () => 'id')).toThrow(RangeError);
  });
});

describe('behind a trusted proxy, on the real server', () => {
  it('one address however written (IPv4-mapped, upper case, uncompressed IPv6) is one address', async () => {
    const r = await server({ socketsPerIpMax: 1, trustProxy: true });
    await raw(r.url, { 'x-forwarded-for': '203.0.113.5' });
    await expect(rawSocket(r.url, { 'x-forwarded-for': '::ffff:203.0.113.5' })).rejects.toThrow(/429/);
    await raw(r.url, { 'x-forwarded-for': '2001:DB8::1' });
    const longForm = { 'x-forwarded-for': 'forged, 2001:db8:0:0:0:0:0:1' };
    await expect(rawSocket(r.url, longForm)).rejects.toThrow(/429/);
    expect(r.server.stats().ips).toBe(2);
    expect(await rejections(r, RejectReason.forwardedInvalid)).toBe(0);
  });

  it('sockets and joins per IP count an IPv6 client by its /64 (decision 0060)', async () => {
    const r = await server({ socketsPerIpMax: 2, joinsPerIpPerSecondMax: 1, trustProxy: true });
    const a = await raw(r.url, { 'x-forwarded-for': '2001:db8:0:1::a' });
    const b = await raw(r.url, { 'x-forwarded-for': '2001:db8:0:1:ffff:ffff:ffff:ffff' });
    await expect(rawSocket(r.url, { 'x-forwarded-for': '2001:db8:0:1::c' })).rejects.toThrow(/429/);
    await raw(r.url, { 'x-forwarded-for': '2001:db8:0:2::a' }); // the next /64: another client
    expect(r.server.stats().ips).toBe(2);
    // Join burst = socketsPerIpMax x roomsPerSocketMax = 16: both sockets fill their 8 rooms,
    // then a leaves one and joins another, the 17th join of the /64 within a second: refused.
    const answers = [];
    for (let i = 0; i < 16; i++) {
      const ws = i % 2 ? b : a;
      const answer = nextFrame(ws);
      ws.send(joinFrame(`p${i}`, `p${i}`.padEnd(16, '_'), `r${i}`));
      answers.push((await answer)['t']);
    }
    expect(answers.filter((t) => t === 6)).toHaveLength(16);
    a.send(JSON.stringify({ v: 1, t: 2, room: 'r0' }));
    a.send(joinFrame('p16', 'p16'.padEnd(16, '_'), 'r16'));
    await until(
      async () => (await rejections(r, RejectReason.joinRate)) >= 1,
      3_000,
      'the 17th join refused',
    );
    expect(await rejections(r, RejectReason.joinRate)).toBe(1);
  });

  it('a malformed or missing header falls back to the socket address and is counted', async () => {
    const r = await server({ socketsPerIpMax: 2, trustProxy: true });
    await raw(r.url, { 'x-forwarded-for': '203.0.113.7, garbage' });
    await raw(r.url); // no header: not through the proxy
    // Both count under 127.0.0.1, the socket's address: a third is refused, not a fresh address.
    await expect(rawSocket(r.url, { 'x-forwarded-for': 'x'.repeat(2_000) })).rejects.toThrow(/429/);
    expect(await rejections(r, RejectReason.forwardedInvalid)).toBe(3);
    expect(await rejections(r, RejectReason.socketsPerIp)).toBe(1);
    await raw(r.url, { 'x-forwarded-for': '203.0.113.7' }); // a good header still gets in
    expect(r.server.stats()).toMatchObject({ sockets: 3, ips: 2 });
  });

  it('two trusted hops: the entry left of the nearest proxy, never what the client wrote', async () => {
    const r = await server({ socketsPerIpMax: 1, trustProxy: 2 });
    await raw(r.url, { 'x-forwarded-for': '10.66.0.1, 203.0.113.9, 10.0.0.2' });
    const forged = { 'x-forwarded-for': '10.66.0.2, 203.0.113.9, 10.0.0.2' };
    await expect(rawSocket(r.url, forged)).rejects.toThrow(/429/);
    expect(r.server.stats().ips).toBe(1);
  });
});
