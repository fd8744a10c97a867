import { seededRandom } from '@pulsemesh/core';
import { describe, expect, it } from 'vitest';
import { EventKind, EventQueue, SequenceCounter } from './event-queue.js';
import { TimerHeap } from './timer-heap.js';

describe('TimerHeap', () => {
  it('matches a reference model under random set/move/delete/pop', () => {
    const n = 64;
    const heap = new TimerHeap(n);
    const model = new Map<number, { t: number; seq: number }>();
    const random = seededRandom(11);
    let seq = 0;
    for (let step = 0; step < 8_000; step++) {
      const r = random.next();
      const i = Math.floor(random.next() * n);
      if (r < 0.6) {
        const t = Math.floor(random.next() * 100);
        heap.set(i, t);
        model.set(i, { t, seq: seq++ });
      } else if (r < 0.75) {
        heap.delete(i);
        model.delete(i);
      } else {
        let best: number | undefined;
        for (const [k, v] of model) {
          const b = best === undefined ? undefined : model.get(best);
          if (b === undefined || v.t < b.t || (v.t === b.t && v.seq < b.seq)) best = k;
        }
        expect(heap.peekTimeMs()).toBe(best === undefined ? Infinity : model.get(best)?.t);
        expect(heap.pop()).toBe(best ?? -1);
        if (best !== undefined) model.delete(best);
      }
      expect(heap.size).toBe(model.size);
      expect(heap.timeOf(i)).toBe(model.get(i)?.t ?? Infinity);
    }
  });

  it('shares the sequence with the event queue: equal times pop in scheduling order', () => {
    const seq = new SequenceCounter();
    const q = new EventQueue(16, seq);
    const timers = new TimerHeap(4, seq);
    q.push(10, EventKind.action, 0, 0);
    timers.set(2, 10);
    q.push(10, EventKind.action, 1, 0);
    timers.set(3, 10);
    expect(q.peekSeq()).toBeLessThan(timers.peekSeq());
    q.release(q.pop());
    expect(timers.peekSeq()).toBeLessThan(q.peekSeq());
    expect(timers.pop()).toBe(2);
    expect(q.peekSeq()).toBeLessThan(timers.peekSeq());
  });
});
