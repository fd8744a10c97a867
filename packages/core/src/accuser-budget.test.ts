import { describe, expect, it } from 'vitest';
import {
  ACCUSER_UNCONFIRMED_MAX,
  ACCUSER_WINDOW_MS,
  ACCUSERS_TRACKED_MAX,
  AccuserBudget,
} from './accuser-budget.js';

describe('AccuserBudget', () => {
  it('gives each accuser ACCUSER_UNCONFIRMED_MAX checks per window, independently', () => {
    const b = new AccuserBudget();
    const takes = (id: string, t: number, n: number): boolean[] =>
      Array.from({ length: n }, () => b.take(id, t));
    expect(takes('x', 0, ACCUSER_UNCONFIRMED_MAX + 2)).toEqual([
      ...Array<boolean>(ACCUSER_UNCONFIRMED_MAX).fill(true),
      false,
      false,
    ]);
    expect(b.take('y', 1)).toBe(true);
    expect(b.take('x', ACCUSER_WINDOW_MS - 1)).toBe(false);
    expect(b.take('x', ACCUSER_WINDOW_MS)).toBe(true);
  });

  it('stays bounded: the least recently charged accuser is forgotten first', () => {
    const b = new AccuserBudget();
    for (let i = 0; i < ACCUSER_UNCONFIRMED_MAX; i++) b.take('x', 0);
    for (let i = 0; i < ACCUSERS_TRACKED_MAX; i++) b.take(`s${i}`, 1);
    expect(b.take('x', 2)).toBe(true); // x was forgotten: a fresh window
  });
});
