import { seededRandom } from '@pulsemesh/core';
import { describe, expect, it } from 'vitest';
import { EventKind, EventQueue } from './event-queue.js';

describe('EventQueue', () => {
  it('pops in time order, ties in insertion order, across growth and slot reuse', () => {
    const q = new EventQueue(16);
    const random = seededRandom(7);
    const pushed: { t: number; id: number }[] = [];
    let id = 0;
    const out: { t: number; id: number }[] = [];
    for (let round = 0; round < 20; round++) {
      for (let k = 0; k < 200; k++) {
        const t = Math.floor(random.next() * 50) + round * 10;
        q.push(t, EventKind.action, id, 0);
        pushed.push({ t, id: id++ });
      }
      for (let k = 0; k < 150; k++) {
        const s = q.pop();
        out.push({ t: q.timeOf(s), id: q.aOf(s) });
        q.release(s);
      }
    }
    while (q.size > 0) {
      const s = q.pop();
      out.push({ t: q.timeOf(s), id: q.aOf(s) });
      q.release(s);
    }
    expect(out).toHaveLength(pushed.length);
    // Popping interleaved with pushing: each pop is the minimum of what was pending then, so the
    // whole sequence is not sorted, but within each time the ids (insertion order) increase.
    const lastIdAt = new Map<number, number>();
    for (const e of out) {
      expect(e.id).toBeGreaterThan(lastIdAt.get(e.t) ?? -1);
      lastIdAt.set(e.t, e.id);
    }
  });

  it('drains a batch fully sorted by (time, sequence)', () => {
    const q = new EventQueue();
    const random = seededRandom(3);
    const items = Array.from({ length: 5000 }, (_, i) => ({ t: Math.floor(random.next() * 100), i }));
    for (const x of items) q.push(x.t, EventKind.timer, x.i, 0);
    const sorted = [...items].sort((x, y) => x.t - y.t || x.i - y.i);
    for (const x of sorted) {
      const s = q.pop();
      expect([q.timeOf(s), q.aOf(s)]).toEqual([x.t, x.i]);
      q.release(s);
    }
    expect(q.pop()).toBe(-1);
    expect(q.peekTimeMs()).toBe(Infinity);
  });
});
