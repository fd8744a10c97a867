import { describe, expect, it } from 'vitest';
import { UpdateKind, type Update } from './codec.js';
import { seededRandom } from './random.js';
import { signUpdate, verifyUpdate, type Trust } from './signed-update.js';
import { testTrust } from './test-trust.js';
import { SharedStatementTable, VERIFIED_CACHE_MAX, VerifiedCache } from './verified-cache.js';

const SEED = Number(process.env.SEED ?? Math.floor(Math.random() * 2 ** 31)); // eslint-disable-line no-restricted-properties
const reproduce = `SEED=${SEED} node_modules/.bin/vitest run packages/core/src/shared-statement-table.test.ts`;

const checker = testTrust('checker');
const PEERS = 8;

/** Signed statements: alive of each peer at many incarnations, and failed verdicts between peers. */
function statements(count: number): Update[] {
  const out: Update[] = [];
  for (let i = 0; out.length < count; i++) {
    const peer = `p${i % PEERS}`;
    const incarnation = Math.floor(i / PEERS);
    out.push(signUpdate(testTrust(peer), { kind: UpdateKind.alive, peer, incarnation, from: undefined }));
    const from = `p${(i + 1) % PEERS}`;
    out.push(signUpdate(testTrust(from), { kind: UpdateKind.failed, peer, incarnation, from }));
  }
  return out;
}

/** What a decoder that did not reuse arrays hands out, and a forgery of the same statement. */
const copy = (u: Update): Update => ({ ...u, key: u.key?.slice(), signature: u.signature?.slice() });
function forged(u: Update): Update {
  const signature = (u.signature as Uint8Array).slice();
  signature[5] = ((signature[5] as number) + 1) & 0xff;
  return { ...u, signature };
}

/** `admitUpdate`'s three calls: whether `u` was held, and whether it is admitted. */
function admit(c: VerifiedCache | ReturnType<SharedStatementTable['cacheFor']>, trust: Trust, u: Update) {
  if (c.has(u)) return { held: true, valid: true };
  const valid = c.verify(trust, u);
  if (valid) c.add(u);
  return { held: false, valid };
}

describe('SharedStatementTable (one table, a slot per detector; decision 0074)', () => {
  it('answers every slot as its own VerifiedCache would, through clears when full', () => {
    const random = seededRandom(SEED);
    const pool = statements(VERIFIED_CACHE_MAX + 4_000);
    const slots = 3;
    const table = new SharedStatementTable(slots, checker);
    const shared = Array.from({ length: slots }, (_, i) => table.cacheFor(i));
    const own = Array.from({ length: slots }, () => new VerifiedCache());
    const adds = [0, 0, 0];
    for (let step = 0; step < 60_000; step++) {
      const slot = Math.floor(random.next() * slots);
      const base = pool[Math.floor(random.next() * pool.length)] as Update;
      const r = random.next();
      const u = r < 0.1 ? forged(base) : r < 0.3 ? copy(base) : base;
      const trust = testTrust(`t${slot}`);
      const want = admit(own[slot] as VerifiedCache, trust, u);
      const got = admit(shared[slot]!, trust, u);
      if (got.held !== want.held || got.valid !== want.valid)
        expect.fail(`step ${step} slot ${slot}: ${JSON.stringify({ got, want })}; ${reproduce}`);
      expect(want.valid, reproduce).toBe(verifyUpdate(trust, u));
      if (!want.held && want.valid) adds[slot] = (adds[slot] as number) + 1;
    }
    // Every slot went past a clear (the case a shared table must get right).
    for (const a of adds) expect(a, reproduce).toBeGreaterThan(VERIFIED_CACHE_MAX);
  });

  it('holds only what its slots hold: a new cache for a slot starts empty, unheld records go', () => {
    const [a, b] = statements(2) as [Update, Update];
    const table = new SharedStatementTable(40, checker);
    const s0 = table.cacheFor(0);
    const s33 = table.cacheFor(33);
    expect(admit(s0, checker, a)).toEqual({ held: false, valid: true });
    expect(admit(s33, checker, copy(a))).toEqual({ held: false, valid: true });
    expect(admit(s33, checker, b)).toEqual({ held: false, valid: true });
    expect(table.size).toBe(2);
    expect(s0.has(a)).toBe(true);
    expect(s0.has(b)).toBe(false);
    const again = table.cacheFor(33);
    expect(again.has(a)).toBe(false);
    expect(s0.has(a)).toBe(true);
    expect(table.size).toBe(1);
    table.cacheFor(0);
    expect(table.size).toBe(0);
    expect(() => table.cacheFor(64)).toThrow(RangeError);
  });

  it('remembers a verification only for a trust with the table’s own functions', () => {
    const [a] = statements(1) as [Update];
    const table = new SharedStatementTable(2, checker);
    const first = table.cacheFor(0);
    const second = table.cacheFor(1);
    admit(first, checker, a);
    // Another verifier (one that refuses everything) gets its own answer, not the table's.
    const strict: Trust = { ...checker, verify: () => false };
    expect(admit(second, strict, a)).toEqual({ held: false, valid: false });
    expect(admit(second, checker, a)).toEqual({ held: false, valid: true });
    // A record made through another verifier is not taken as checked by the table's functions.
    const lax: Trust = { ...checker, verify: () => true };
    const other = table.cacheFor(0);
    const forgery = forged(a);
    expect(admit(other, lax, forgery)).toEqual({ held: false, valid: true });
    expect(admit(second, checker, forgery)).toEqual({ held: false, valid: false });
  });
});
