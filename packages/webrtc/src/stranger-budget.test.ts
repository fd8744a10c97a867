// The shared budget of links built for strangers (decisions 0056 and 0064), sans-IO: slots with stand-in
// links, a virtual clock. The real-WebRTC checks are `review-s20-mesh.test.ts` (a flood of fresh
// ids) and `member-budgets-churn.test.ts` (an honest mesh never hits it).
import { describe, expect, it } from 'vitest';
import type { Link } from './link.js';
import { PeerSlots, type PeerSlot } from './peer-slots.js';
import { isEstablished, StrangerBudget, strangerBudgetFor } from './stranger-budget.js';

/** A stranger's slot whose link (if the budget lets it be built) was built at `nowMs`. */
function offer(slots: PeerSlots, budget: StrangerBudget, id: string, nowMs: number, full = false) {
  const slot = slots.getOrAdd(id)!;
  const verdict = budget.admit(slot, slots.values(), nowMs, full);
  if (!verdict.build) return { slot, built: false, displaced: undefined };
  const displaced = verdict.displace;
  if (displaced) [displaced.link, displaced.strangerLinkAtMs] = [undefined, NaN];
  slot.link = { openedAtMs: undefined } as unknown as Link;
  [slot.everBuilt, slot.strangerLinkAtMs] = [true, nowMs];
  return { slot, built: true, displaced: displaced?.id };
}

const open = (budget: StrangerBudget, slot: PeerSlot, nowMs: number): void => {
  slot.link = { openedAtMs: nowMs } as unknown as Link;
  budget.opened(slot);
};

describe('StrangerBudget (decisions 0056 and 0064)', () => {
  it('defaults to 18 tokens, 2 of them reserved, for 32 connections', () => {
    expect(strangerBudgetFor(32)).toEqual({
      links: 18,
      reserved: 2,
      windowMs: 60_000,
      unheardAfterMs: 500,
      unheardCalmAfterMs: 5_000,
    });
    expect(() => new StrangerBudget({ ...strangerBudgetFor(32), reserved: 18 }, 0)).toThrow(RangeError);
    expect(() => new StrangerBudget({ ...strangerBudgetFor(32), unheardCalmAfterMs: 400 }, 0)).toThrow(
      RangeError,
    );
  });

  it('40 fresh ids at once: 16 built; 0.5 s on, a newcomer displaces the oldest unheard link', () => {
    const [slots, budget] = [new PeerSlots(4_096), new StrangerBudget(strangerBudgetFor(32), 0)];
    const built = Array.from({ length: 40 }, (_, i) => offer(slots, budget, `m${i}`, i).built);
    expect(built.filter(Boolean)).toHaveLength(16);
    // m0-m2 were built at ease (at most 2 others charged): 5 s each; m3-m15 in the burst: 0.5 s.
    expect(Array.from({ length: 16 }, (_, i) => slots.get(`m${i}`)!.strangerChanceMs)).toEqual([
      ...Array<number>(3).fill(5_000),
      ...Array<number>(13).fill(500),
    ]);
    // Refused again later: not a first contact any more for the 16, no free token for the rest.
    expect(offer(slots, budget, 'm0', 600).built).toBe(false);
    expect(offer(slots, budget, 'carol', 600)).toMatchObject({ built: true, displaced: 'm3' });
    expect(offer(slots, budget, 'dave', 600)).toMatchObject({ built: true, displaced: 'm4' });
    // The reserve is spent: a third newcomer waits for the refill (18 a minute).
    expect(offer(slots, budget, 'erin', 600).built).toBe(false);
    // After 5 s the links built at ease are unheard too, the oldest first.
    expect(offer(slots, budget, 'erin', 5_000)).toMatchObject({ built: true, displaced: 'm0' });
    expect(offer(slots, budget, 'frank', 8_400)).toMatchObject({ built: true, displaced: 'm1' });
  });

  it('displaces nothing younger than 0.5 s, nothing open, and only for a first contact', () => {
    const [slots, budget] = [new PeerSlots(4_096), new StrangerBudget(strangerBudgetFor(32), 0)];
    for (let i = 0; i < 16; i++) offer(slots, budget, `m${i}`, 0);
    expect(offer(slots, budget, 'carol', 499).built).toBe(false);
    for (let i = 0; i < 16; i++) open(budget, slots.get(`m${i}`)!, 400);
    // Every token came back when its link opened: 16 more strangers fit at once.
    for (let i = 0; i < 16; i++) expect(offer(slots, budget, `n${i}`, 2_000).built).toBe(true);
    expect(offer(slots, budget, 'carol', 2_400).built).toBe(false); // n* are 400 ms old, m* open
  });

  it('at the accept capacity, a first contact displaces an unheard link even with free tokens', () => {
    const [slots, budget] = [new PeerSlots(4_096), new StrangerBudget(strangerBudgetFor(32), 0)];
    offer(slots, budget, 'm0', 0); // at ease: a TURN handshake's 5 s
    expect(offer(slots, budget, 'carol', 4_999, true).built).toBe(false);
    expect(offer(slots, budget, 'carol', 5_000, true)).toMatchObject({ built: true, displaced: 'm0' });
  });

  it('an honest 11-peer cold start, then 20 fresh-id rejoins a minute, never hits it', () => {
    const [slots, budget] = [new PeerSlots(4_096), new StrangerBudget(strangerBudgetFor(32), 0)];
    for (let i = 0; i < 11; i++) expect(offer(slots, budget, `p${i}`, 0).built).toBe(true);
    for (let i = 0; i < 11; i++) open(budget, slots.get(`p${i}`)!, 300);
    for (let t = 1_000; t < 60_000; t += 3_000) {
      const { slot, built } = offer(slots, budget, `fresh${t}`, t);
      expect(built).toBe(true);
      open(budget, slot, t + 300);
    }
  });

  it('established: a link to it held stableLinkMs (now or before), none connecting since', () => {
    const slot = new PeerSlots(8).getOrAdd('p')!;
    expect(isEstablished(slot, 0, 10_000)).toBe(false);
    slot.link = { openedAtMs: 1_000 } as unknown as Link;
    expect(isEstablished(slot, 10_999, 10_000)).toBe(false);
    expect(isEstablished(slot, 11_000, 10_000)).toBe(true);
    [slot.link, slot.established] = [undefined, true];
    expect(isEstablished(slot, 0, 10_000)).toBe(true);
    // A link built since, still connecting: not established (its close records that, 0064).
    slot.link = { openedAtMs: undefined } as unknown as Link;
    expect(isEstablished(slot, 20_000, 10_000)).toBe(false);
    slot.link = { openedAtMs: 20_500 } as unknown as Link;
    expect(isEstablished(slot, 21_000, 10_000)).toBe(true);
  });
});
