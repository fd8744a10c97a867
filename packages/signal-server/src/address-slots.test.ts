/**
 * Socket slots per address (decision 0065): a socket that replaces a closed one of its address
 * takes its slot (and with it that socket's relay floors); at most `slotsMax` a key. Pure.
 */
import { describe, expect, it } from 'vitest';
import { AddressSlots } from './server/address-slots.js';

describe('AddressSlots', () => {
  it('hands out the lowest free slot, at most slotsMax a key, each key its own', () => {
    const slots = new AddressSlots(3);
    expect([slots.take('a'), slots.take('a'), slots.take('a'), slots.take('a')]).toEqual([
      0,
      1,
      2,
      undefined,
    ]);
    expect(slots.take('b')).toBe(0);
    expect(slots.size).toBe(2);
  });

  it('a socket opened after one closed takes its slot; an address with none held is forgotten', () => {
    const slots = new AddressSlots(64);
    for (let i = 0; i < 5; i++) slots.take('a');
    slots.release('a', 3);
    slots.release('a', 1);
    expect([slots.take('a'), slots.take('a'), slots.take('a')]).toEqual([1, 3, 5]);
    for (const slot of [0, 1, 2, 3, 4, 5]) slots.release('a', slot);
    expect(slots.size).toBe(0);
  });

  it('churn: 100 rounds of 60 sockets opened and closed use the same 60 slots', () => {
    const slots = new AddressSlots(64);
    const seen = new Set<number>();
    for (let round = 0; round < 100; round++) {
      const batch = Array.from({ length: 60 }, () => slots.take('a') as number);
      for (const slot of batch) seen.add(slot);
      for (const slot of batch) slots.release('a', slot);
    }
    expect(seen.size).toBe(60);
  });
});
