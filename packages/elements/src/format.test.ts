import { describe, expect, it } from 'vitest';
import { formatAgo, formatDuration, formatMs, formatNumber, formatRatio } from './format.js';

describe('formatDuration', () => {
  it.each([
    [undefined, '—'],
    [Number.POSITIVE_INFINITY, '—'],
    [-5, '0 ms'],
    [850, '850 ms'],
    [12_400, '12 s'],
    [60_000, '1 m'],
    [200_000, '3 m 20 s'],
    [7_500_000, '2 h 5 m'],
    [3_600_000, '1 h'],
    [97_200_000, '1 d 3 h'],
  ])('%s ms → %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});

describe('formatMs / formatRatio / formatNumber / formatAgo', () => {
  it.each([
    [0.4213, '0.42 ms'],
    [4.26, '4.3 ms'],
    [42.4, '42 ms'],
    [undefined, '—'],
  ])('formatMs(%s) → %s', (ms, text) => {
    expect(formatMs(ms)).toBe(text);
  });
  it('formats ratios, numbers and ages', () => {
    expect(formatRatio(0.9876)).toBe('98.8%');
    expect(formatRatio(1, 0)).toBe('100%');
    expect(formatRatio(Number.NaN)).toBe('—');
    expect(formatNumber(1.5)).toBe('1.5');
    expect(formatNumber(2.04)).toBe('2');
    expect(formatAgo(1_000, 1_500)).toBe('just now');
    expect(formatAgo(0, 65_000)).toBe('1 m 5 s ago');
  });
});
