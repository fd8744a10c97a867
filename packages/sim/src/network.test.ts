import { seededRandom } from '@pulsemesh/core';
import { describe, expect, it } from 'vitest';
import { exponential, paretoTail, quantileSorted } from './distributions.js';
import { Network, type NetworkConfig, perfectNetwork } from './network.js';

const base: NetworkConfig = { ...perfectNetwork, delayMaxMs: 1e9 };

function samples(config: NetworkConfig, count: number, seed = 1): Float64Array {
  const net = new Network(config, seededRandom(seed), 99, 4);
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) out[i] = net.sampleDelayMs(0, 1);
  return out.sort();
}

describe('distributions', () => {
  it.each([
    [0, 10, 0],
    [0.5, 10, 10 * Math.LN2],
    [1 - Math.exp(-1), 10, 10],
  ])('exponential(%f, mean %f) = %f', (u, m, want) => {
    expect(exponential(u, m)).toBeCloseTo(want, 9);
  });
  it.each([
    [0, 10, 1.5, 0],
    [0.5, 10, 1.5, 10 * (Math.pow(2, 1 / 1.5) - 1)],
    [0.99, 10, 1.5, 10 * (Math.pow(100, 1 / 1.5) - 1)],
  ])('paretoTail(%f, scale %f, alpha %f) = %f', (u, s, a, want) => {
    expect(paretoTail(u, s, a)).toBeCloseTo(want, 9);
  });
});

describe('Network delays', () => {
  it('min + exponential tail: mean and median match the model', () => {
    const d = samples({ ...base, minDelayMs: 5, tail: { kind: 'exponential', meanMs: 20 } }, 100_000);
    const mean = d.reduce((s, x) => s + x, 0) / d.length;
    expect(d[0]).toBeGreaterThanOrEqual(5);
    expect(mean).toBeGreaterThan(5 + 20 * 0.98);
    expect(mean).toBeLessThan(5 + 20 * 1.02);
    expect(quantileSorted(d, 0.5)).toBeCloseTo(5 + 20 * Math.LN2, 0);
  });

  it('Pareto tail is heavy: p99.9 far above the median, capped at delayMaxMs', () => {
    const d = samples(
      { ...base, tail: { kind: 'pareto', scaleMs: 10, alpha: 1.5 }, delayMaxMs: 3000 },
      100_000,
    );
    const p50 = quantileSorted(d, 0.5);
    const p999 = quantileSorted(d, 0.999);
    expect(p50).toBeCloseTo(1 + 10 * (Math.pow(2, 1 / 1.5) - 1), 0);
    expect(p999 / p50).toBeGreaterThan(100);
    expect(d[d.length - 1]).toBeLessThanOrEqual(3000);
  });

  it('jitter spreads uniformly and per-link spread is fixed per unordered pair', () => {
    const net = new Network({ ...base, linkSpreadMs: 50 }, seededRandom(1), 5, 10);
    expect(net.linkBaseMs(2, 7)).toBe(net.linkBaseMs(7, 2));
    const bases = new Set(Array.from({ length: 9 }, (_, i) => net.linkBaseMs(0, i + 1)));
    expect(bases.size).toBe(9);
    const d = samples({ ...base, jitterMs: 10 }, 20_000);
    expect(d[0]).toBeGreaterThanOrEqual(1);
    expect(d[d.length - 1]).toBeLessThan(11);
    expect(quantileSorted(d, 0.5)).toBeCloseTo(6, 0);
  });

  it('loses and duplicates at the configured rates', () => {
    const net = new Network({ ...base, loss: 0.1, duplicate: 0.05 }, seededRandom(2), 1, 2);
    let lost = 0;
    let dup = 0;
    for (let i = 0; i < 100_000; i++) {
      const c = net.plan(0, 1, i);
      if (c === 0) lost++;
      if (c === 2) dup++;
    }
    expect(lost / 100_000).toBeCloseTo(0.1, 2);
    expect(dup / 90_000).toBeCloseTo(0.05, 2);
  });

  it('asymmetric loss affects one direction only', () => {
    const net = new Network(base, seededRandom(3), 1, 2);
    net.setLinkLoss(0, 1, 1);
    expect(net.plan(0, 1, 0)).toBe(0);
    expect(net.plan(1, 0, 0)).toBe(1);
  });
});

describe('Network ordering', () => {
  const noisy: NetworkConfig = { ...base, tail: { kind: 'exponential', meanMs: 50 } };
  function arrivals(config: NetworkConfig): number[] {
    const net = new Network(config, seededRandom(4), 1, 2);
    const out: number[] = [];
    for (let i = 0; i < 1000; i++) {
      net.plan(0, 1, i);
      out.push(net.planned[0] as number);
    }
    return out;
  }
  it('FIFO links never reorder', () => {
    const a = arrivals({ ...noisy, ordering: 'fifo' });
    for (let i = 1; i < a.length; i++) expect(a[i]).toBeGreaterThanOrEqual(a[i - 1] as number);
  });
  it('unordered links do reorder', () => {
    const a = arrivals({ ...noisy, ordering: 'unordered' });
    let inversions = 0;
    for (let i = 1; i < a.length; i++) if ((a[i] as number) < (a[i - 1] as number)) inversions++;
    expect(inversions).toBeGreaterThan(100);
  });
  it('a clogged link holds messages until released', () => {
    const net = new Network(base, seededRandom(5), 1, 2);
    net.clog(0, 1, 500);
    net.plan(0, 1, 10);
    expect(net.planned[0]).toBe(500);
    net.plan(1, 0, 10);
    expect(net.planned[0]).toBe(11);
  });
});

describe('Network partitions', () => {
  it('symmetric: no traffic across groups, within groups fine; heal restores', () => {
    const net = new Network(base, seededRandom(6), 1, 4);
    net.partition([0, 0, 1, 1]);
    expect(net.plan(0, 2, 0)).toBe(0);
    expect(net.plan(2, 0, 0)).toBe(0);
    expect(net.plan(0, 1, 0)).toBe(1);
    expect(net.plan(2, 3, 0)).toBe(1);
    net.heal();
    expect(net.plan(0, 2, 0)).toBe(1);
  });
  it('one-way: only from→to is blocked', () => {
    const net = new Network(base, seededRandom(7), 1, 4);
    net.partition([0, 0, 1, 1], { from: 0, to: 1 });
    expect(net.plan(0, 2, 0)).toBe(0);
    expect(net.blocked(0, 2)).toBe(true);
    expect(net.plan(2, 0, 0)).toBe(1);
  });
});
