import { describe, expect, it } from 'vitest';
import { presets } from './config.js';
import { RELAY_REQUESTERS_TRACKED_MAX, RelayJobBudget, relayJobBudgetFor } from './relay-budget.js';

const config = presets.browser;

describe('RelayJobBudget (decision 0056)', () => {
  it('derives 16 at once and 20 a second from the defaults (wan: 8 a second); per target 64 at once, 4 reserved', () => {
    expect(relayJobBudgetFor(config)).toEqual({
      burstJobs: 16,
      jobsPerSecond: 20,
      targetBurstJobs: 64,
      targetReservedJobs: 4,
      // Decision 0071: 16 + 4 x 4 targets remembered a requester; 4 of the 64 open jobs reserved.
      askedTargetsMax: 32,
      openReservedJobs: 4,
    });
    expect(relayJobBudgetFor(presets.wan).jobsPerSecond).toBe(8);
  });

  it('never refuses honest asking: a job every period at the shortest period, plus a mass crash', () => {
    const budget = new RelayJobBudget(config);
    let refused = 0;
    for (let t = 0; t < 60_000; t += config.probeIntervalMsMin) {
      if (!budget.take('honest', t)) refused += 1;
      // Every 2 s a burst of relay checks: 3 accusers x ACCUSER_UNCONFIRMED_MAX 3 = 9 at once,
      // more than one requester can start about peers it has no link to within its accuser budgets.
      if (t % 2_000 === 0) for (let i = 0; i < 9; i++) if (!budget.take('honest', t)) refused += 1;
    }
    expect(refused).toBe(0);
  });

  it('bounds a flood to the burst plus the refill, per requester, without touching another', () => {
    const budget = new RelayJobBudget(config);
    let taken = 0;
    for (let t = 0; t < 10_000; t += 2) if (budget.take('mallory', t)) taken += 1;
    expect(taken).toBeLessThanOrEqual(16 + 10 * 20 + 1);
    expect(taken).toBeGreaterThanOrEqual(16 + 10 * 20 - 1);
    for (let i = 0; i < 16; i++) expect(budget.take('honest', 10_000)).toBe(true);
  });

  it('forgets the least recently charged requester past the tracking bound (a fresh, full bucket)', () => {
    const budget = new RelayJobBudget(config);
    for (let i = 0; i < 16; i++) budget.take('first', 0);
    expect(budget.take('first', 0)).toBe(false);
    for (let i = 0; i < RELAY_REQUESTERS_TRACKED_MAX; i++) budget.take(`r${i}`, 0);
    expect(budget.take('first', 0)).toBe(true);
  });

  it('bounds all requesters together at one target to its burst plus the refill (decision 0063)', () => {
    const budget = new RelayJobBudget(config);
    const sybils = Array.from({ length: 8 }, (_, i) => `mallory${i}`);
    let taken = 0;
    // 8 ids, each at its own budget (20 jobs/s: one every 50 ms), 10 s.
    for (let t = 0; t < 10_000; t += 50)
      for (const id of sybils) if (budget.takeAt('carol', id, t)) taken += 1;
    expect(taken).toBeLessThanOrEqual(64 + 10 * 20 + 1);
    expect(taken).toBeGreaterThanOrEqual(64 - 4 + 10 * 20 - 4 - 1);
    // Another target has its own bucket.
    expect(budget.takeAt('dave', 'mallory0', 10_000)).toBe(true);
  });

  it("keeps the target's last tokens for a requester without a job there within a period", () => {
    const budget = new RelayJobBudget(config);
    let t = 0;
    // Mallory asks about carol every 10 ms: she gets the burst less the reserved 4, then the refill
    // less 4.
    let mallory = 0;
    for (; t < 5_000; t += 10) if (budget.takeAt('carol', 'mallory', t)) mallory += 1;
    expect(mallory).toBeLessThanOrEqual(64 - 4 + 5 * 20);
    // An honest prober asking once a period (200 ms) through the flood is never refused.
    let refused = 0;
    for (; t < 15_000; t += 10) {
      budget.takeAt('carol', 'mallory', t);
      if (t % 200 === 0 && !budget.takeAt('carol', 'honest', t)) refused += 1;
    }
    expect(refused).toBe(0);
  });

  it('hands the reserve by quiet time: none within a period, the upper half within 800 ms (decision 0071)', () => {
    const budget = new RelayJobBudget(config);
    expect([0, 199, 200, 799, 800, Infinity].map((gapMs) => budget.reserveFor(gapMs, 4))).toEqual([
      4, 4, 2, 2, 0, 0,
    ]);
    // Three requesters ask about carol at 500 ms, one at 950 ms. At 1,000 ms 60 others drain
    // carol's bucket (full again) to its reserve of 4, then: the one that asked 50 ms ago gets
    // nothing, those that asked 500 ms ago take it down to 2, quiet ones down to 0.
    for (const id of ['paced1', 'paced2', 'paced3']) budget.takeAt('carol', id, 500);
    budget.takeAt('carol', 'hasty', 950);
    for (let i = 0; i < 60; i++) expect(budget.takeAt('carol', `m${i}`, 1_000)).toBe(true);
    expect(budget.takeAt('carol', 'hasty', 1_000)).toBe(false);
    expect(['paced1', 'paced2', 'paced3'].map((id) => budget.takeAt('carol', id, 1_000))).toEqual([
      true,
      true,
      false,
    ]);
    expect(['q0', 'q1', 'q2'].map((id) => budget.takeAt('carol', id, 1_000))).toEqual([true, true, false]);
  });

  it("measures a requester's gap between its last two ping-reqs, any target", () => {
    const budget = new RelayJobBudget(config);
    expect(budget.askGapMs('p')).toBe(Infinity);
    budget.take('p', 1_000);
    expect(budget.askGapMs('p')).toBe(Infinity);
    budget.take('p', 1_250);
    expect(budget.askGapMs('p')).toBe(250);
  });
});
