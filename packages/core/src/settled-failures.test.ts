import { describe, expect, it } from 'vitest';
import { VerdictTimes } from './settled-failures.js';

describe('VerdictTimes', () => {
  it('counts the verdicts before a time, in and out of order, with repeats', () => {
    const t = new VerdictTimes();
    for (const ms of [100, 200, 200, 400]) t.add(ms);
    t.add(50); // a restored past member: an older verdict
    expect(t.size).toBe(5);
    expect([0, 50, 51, 200, 201, 400, 401].map((ms) => t.countBefore(ms))).toEqual([0, 0, 1, 2, 4, 4, 5]);
    t.remove(200);
    t.remove(300); // absent: nothing happens
    expect(t.size).toBe(4);
    expect(t.countBefore(201)).toBe(3);
    expect(t.countBefore(Infinity)).toBe(4);
    expect(t.countBefore(-Infinity)).toBe(0);
  });
});
