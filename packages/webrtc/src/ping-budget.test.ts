// The per-member ping budget (decision 0050): its defaults from the detector's config, the bucket,
// and what it lets through. Pure: no WebRTC, no clock (times are passed in).
import { describe, expect, it } from 'vitest';
import { encode, MessageType, presets, type Message } from '@pulsemesh/core';
import { honestPingsPerPeriodMax, isPing, PingBudget, pingBudgetFor } from './ping-budget.js';

const message = (type: MessageType): Uint8Array =>
  encode({ type, seq: 1, updates: [], extensions: [], target: 'x' } as unknown as Message);

describe('pingBudgetFor: the documented defaults', () => {
  it.each([
    ['browser', 19, 190, 147],
    ['node', 19, 190, 147],
    ['lan', 19, 190, 147],
    ['wan', 19, 76, 147],
  ] as const)('%s: %i pings a period at most, %i/s, burst %i', (preset, perPeriod, rate, burst) => {
    const config = presets[preset];
    expect(honestPingsPerPeriodMax(config)).toBe(perPeriod);
    expect(pingBudgetFor(config)).toEqual({ pingsPerSecond: rate, burstPings: burst });
  });
});

describe('PingBudget', () => {
  it('reads the message type from the header: only pings are counted against the budget', () => {
    expect(isPing(message(MessageType.ping))).toBe(true);
    expect(isPing(message(MessageType.ack))).toBe(false);
    expect(isPing(message(MessageType.pingReq))).toBe(false);
    expect(isPing(new Uint8Array([0, MessageType.ping]))).toBe(false); // not this wire version
    expect(isPing(new Uint8Array(1))).toBe(false);
  });

  it('answers a burst, then the sustained rate; other members and other messages are untouched', () => {
    const budget = new PingBudget({ pingsPerSecond: 100, burstPings: 10 });
    const ping = message(MessageType.ping);
    const ack = message(MessageType.ack);
    let admitted = 0;
    for (let i = 0; i < 50; i++) if (budget.admit('mallory', ping, 0)) admitted += 1;
    expect(admitted).toBe(10);
    expect(budget.counters.pingsThrottled).toBe(40);
    expect(budget.admit('mallory', ack, 0)).toBe(true); // acks are not pings
    expect(budget.admit('honest', ping, 0)).toBe(true); // a bucket per member
    // 100 ms later: 10 more tokens (100/s), never more than the burst.
    admitted = 0;
    for (let i = 0; i < 50; i++) if (budget.admit('mallory', ping, 100)) admitted += 1;
    expect(admitted).toBe(10);
    expect(budget.throttledFrom('mallory')).toBe(80);
    expect(budget.throttledFrom('honest')).toBe(0);
    budget.forget('mallory'); // its link went down: a new link starts with a full bucket
    expect(budget.throttledFrom('mallory')).toBe(0);
    expect(budget.admit('mallory', ping, 100)).toBe(true);
  });

  it('never throttles an honest member sending its peak every period for a minute', () => {
    const config = presets.browser;
    const budget = new PingBudget(pingBudgetFor(config));
    const ping = message(MessageType.ping);
    const perPeriod = honestPingsPerPeriodMax(config);
    // Worse than any honest member: its peak at once, every shortest period, plus every relay job
    // it may run (2 pings each) at once every 2 s (a witness burst at N ≥ 64 every 2 s).
    for (let t = 0; t < 60_000; t += config.probeIntervalMsMin) {
      const pings = perPeriod + (t % 2000 === 0 ? 2 * config.relayJobsMax : 0);
      for (let i = 0; i < pings; i++) budget.admit('honest', ping, t);
    }
    expect(budget.counters.pingsThrottled).toBe(0);
  });

  it('refuses a budget that would answer nothing', () => {
    expect(() => new PingBudget({ pingsPerSecond: 0, burstPings: 10 })).toThrow(RangeError);
    expect(() => new PingBudget({ pingsPerSecond: 10, burstPings: 0 })).toThrow(RangeError);
  });
});
