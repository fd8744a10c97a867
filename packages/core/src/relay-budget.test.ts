import { describe, expect, it } from 'vitest';
import { presets } from './config.js';
import { RELAY_REQUESTERS_TRACKED_MAX, RelayJobBudget, relayJobBudgetFor } from './relay-budget.js';

const config = presets.browser;

describe('RelayJobBudget (decision 0056)', () => {
  it('derives 16 at once and 20 a second from the defaults (wan: 8 a second)', () => {
    expect(relayJobBudgetFor(config)).toEqual({ burstJobs: 16, jobsPerSecond: 20 });
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
});
