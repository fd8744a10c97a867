/**
 * Session-22 review of decision 0065 (6to4, Teredo and NAT64 clients keyed by the IPv4 address
 * they carry; relay floors per address slot) as a hostile client attacks it: odd input, spellings
 * of one address that might count as two, a /48 or a Teredo server that might mint keys, and slot
 * churn. Unit level only (no sockets): the pure `addressKey` / `clientAddress` and `AddressSlots`.
 * A held property is an `it`; a hole would be an `it.fails` naming the property, its numbers and a fix.
 * Run: nice -n 19 pnpm vitest run packages/signal-server/src/review-s22-signal.test.ts
 */
import fc from 'fast-check';
import { isIPv4 } from 'node:net';
import { describe, expect, it } from 'vitest';
import { AddressSlots } from './server/address-slots.js';
import { addressKey, clientAddress, normalizeAddress } from './server/client-address.js';

const seed = Number(process.env.SEED ?? 1); // fixed unless asked: every run is the same
console.log(`review-s22-signal.test SEED=${seed}`);
const reproduce = `SEED=${seed} pnpm exec vitest run packages/signal-server/src/review-s22-signal.test.ts`;

function check<T>(arb: fc.Arbitrary<T>, property: (value: T) => void, numRuns = 500): void {
  try {
    fc.assert(fc.property(arb, property), { seed, numRuns });
  } catch (err) {
    console.log(`reproduce: ${reproduce}`);
    throw err;
  }
}

const group = fc.integer({ min: 0, max: 0xffff });
const groups8 = fc.array(group, { minLength: 8, maxLength: 8 });
const hex = (g: number): string => g.toString(16);

/** Spellings of one IPv6 address a client or proxy may write: full, upper case, bracketed with a port, with a zone. */
function spellings(g: readonly number[]): string[] {
  const full = g.map((x) => x.toString(16).padStart(4, '0')).join(':');
  const short = g.map(hex).join(':');
  return [full, full.toUpperCase(), short, `[${short}]:443`, `[${full}]`, `${short}%eth0`];
}

describe('decision 0065: address keys against odd input', () => {
  // Held: nothing a client or a proxy header can hold makes `addressKey` or `clientAddress` throw,
  // and a key is its own key (an instance re-keying a key it got from another changes nothing).
  it('arbitrary strings and IPv6 forms never throw; a key is its own key', () => {
    const text = fc.oneof(
      fc.string({ maxLength: 80 }),
      fc.ipV6(),
      fc.ipV4(),
      fc.ipV4Extended(),
      fc.ipV6().map((a) => `${a}/64`),
      fc.ipV6().map((a) => `[${a}]:${a.length}`),
      fc
        .tuple(fc.ipV4(), fc.constantFrom('2002:', '64:ff9b::', '2001:0:1:2::', '::ffff:'))
        .map(([v4, p]) => `${p}${v4}`),
    );
    check(text, (t) => {
      const key = addressKey(t);
      expect(addressKey(key)).toBe(key);
      const c = clientAddress('::ffff:10.0.0.9', `${t}, 203.0.113.7, ${t}`, 3);
      expect(addressKey(c.key)).toBe(c.key);
    });
  });

  // Held: every spelling of one IPv6 address counts as one client (one key), whatever it embeds.
  it('every spelling of one IPv6 address gives one key (6to4, Teredo, NAT64 and native alike)', () => {
    const prefixed = fc.oneof(
      groups8,
      groups8.map((g) => [0x2002, ...g.slice(1)]),
      groups8.map((g) => [0x2001, 0, ...g.slice(2)]),
      groups8.map((g) => [0x64, 0xff9b, 0, 0, 0, 0, ...g.slice(6)]),
    );
    check(prefixed, (g) => {
      const keys = new Set(spellings(g).map((s) => addressKey(normalizeAddress(s) ?? s)));
      expect([...keys]).toHaveLength(1);
    });
  });

  // Held: a 6to4 host's /48 (2^80 addresses, 65,536 /64s) is one key, its IPv4 address; a Teredo
  // address's server, flags and mapped port mint no keys either.
  it('a 6to4 /48 and a Teredo client behind one NAT each count as one IPv4 client', () => {
    const sixToFour = fc
      .tuple(group, group, group, group, group)
      .map((r) => ['2002', 'c000', '201', ...r.map(hex)].join(':'));
    check(sixToFour, (a) => {
      expect(addressKey(a)).toBe('192.0.2.1');
    });
    const teredo = fc
      .tuple(group, group, group, group)
      .map(([s1, s2, flags, port]) =>
        ['2001', '0', hex(s1), hex(s2), hex(flags), hex(port), '3fff', 'fdd2'].join(':'),
      );
    check(teredo, (a) => {
      expect(addressKey(a)).toBe('192.0.2.45');
    });
  });

  // Held: an address that embeds an IPv4 address keys to a dotted IPv4 (never some other string
  // a second form could also produce); everything else IPv6 keys to a canonical /64.
  it('every IPv6 address keys to a dotted IPv4 address or a canonical /64', () => {
    check(fc.ipV6(), (a) => {
      const key = addressKey(normalizeAddress(a) ?? a);
      expect(isIPv4(key) || (key.endsWith('/64') && addressKey(key) === key)).toBe(true);
    });
  });
});

describe('decision 0065: address slots against churn', () => {
  // Held (model check): whatever order sockets of a few addresses open and close in, no slot is
  // handed out twice while held, no address holds more than slotsMax, and an address with none
  // held is forgotten (no memory growth from churned keys).
  it('open/close in any order: never a held slot twice, at most slotsMax an address, none left over', () => {
    const op = fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 3 }), fc.nat());
    check(
      fc.array(op, { maxLength: 400 }),
      (ops) => {
        const slotsMax = 8;
        const slots = new AddressSlots(slotsMax);
        const held = new Map<string, number[]>();
        for (const [open, a, pick] of ops) {
          const key = `203.0.113.${a}`;
          const mine = held.get(key) ?? [];
          if (open) {
            const slot = slots.take(key);
            if (mine.length >= slotsMax) expect(slot).toBeUndefined();
            else {
              expect(slot).toBeDefined();
              expect(mine).not.toContain(slot);
              mine.push(slot as number);
            }
          } else if (mine.length > 0) {
            const [slot] = mine.splice(pick % mine.length, 1);
            slots.release(key, slot as number);
          }
          held.set(key, mine);
        }
        for (const [key, mine] of held) for (const slot of mine) slots.release(key, slot);
        expect(slots.size).toBe(0);
      },
      300,
    );
  });

  // Held: 100,000 addresses opening and closing one socket each leave nothing behind.
  it('100,000 one-socket addresses opened and closed leave no state', () => {
    const slots = new AddressSlots(64);
    for (let i = 0; i < 100_000; i++) {
      const key = `2001:db8:${(i >> 16).toString(16)}:${(i & 0xffff).toString(16)}::/64`;
      const slot = slots.take(key) as number;
      slots.release(key, slot);
    }
    expect(slots.size).toBe(0);
  });
});
