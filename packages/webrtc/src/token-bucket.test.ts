// The token bucket behind decision 0050's budgets, and the session budget's option checks.
import { describe, expect, it } from 'vitest';
import { resolveConnectionOptions } from './connection-options.js';
import { fullBucket, takeToken } from './token-bucket.js';

describe('takeToken', () => {
  it('takes the capacity at once, then refills at the rate, never above the capacity', () => {
    // The session budget's default: 10, refilled 10 a minute (one every 6 s).
    const perSecond = 10 / 60;
    const bucket = fullBucket(10, 0);
    const takes = (nowMs: number, n: number): number => {
      let taken = 0;
      for (let i = 0; i < n; i++) if (takeToken(bucket, nowMs, perSecond, 10)) taken += 1;
      return taken;
    };
    expect(takes(0, 200)).toBe(10);
    expect(takes(5_999, 5)).toBe(0);
    expect(takes(6_000, 5)).toBe(1);
    expect(takes(3_600_000, 50)).toBe(10); // an hour later: full again, not 600
  });

  it('a clock that steps back gives nothing and loses nothing', () => {
    const bucket = fullBucket(2, 1_000);
    expect(takeToken(bucket, 1_000, 1, 2)).toBe(true);
    expect(takeToken(bucket, 1_000, 1, 2)).toBe(true);
    expect(takeToken(bucket, 500, 1, 2)).toBe(false);
    expect(takeToken(bucket, 2_000, 1, 2)).toBe(true); // one second after 1,000 ms, not after 500
  });
});

describe('sessionBudget option', () => {
  const base = { localId: 'a', sendSignal: () => undefined, handlers: {} };
  it('defaults to 10 per minute and refuses a budget that builds nothing', () => {
    expect(resolveConnectionOptions(base).sessionBudget).toEqual({ sessions: 10, windowMs: 60_000 });
    expect(() => resolveConnectionOptions({ ...base, sessionBudget: { sessions: 0, windowMs: 1 } })).toThrow(
      RangeError,
    );
    expect(() => resolveConnectionOptions({ ...base, sessionBudget: { sessions: 1, windowMs: 0 } })).toThrow(
      RangeError,
    );
  });
});
