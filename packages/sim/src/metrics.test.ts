/**
 * Metrics on hand-built event streams: what a detector reports, replayed at chosen times, and the
 * summary checked number by number.
 */
import type { DetectorEvent, PeerState } from '@pulsemesh/core';
import { describe, expect, it } from 'vitest';
import { Metrics, percentiles, tailOf } from './metrics.js';

const id = (i: number): string => `n${i}`;

/**
 * A stream builder: `n` nodes all started at 0, each knowing every other (warm-up `warmupMs`);
 * `holds` says which members each observer's table still holds (default: all).
 */
function stream(n: number, warmupMs = 0, holds?: (o: number, t: number) => boolean) {
  const m = new Metrics(n, warmupMs, id, holds);
  for (let i = 0; i < n; i++) m.onNodeChange(i, 'start', 0);
  for (let o = 0; o < n; o++)
    for (let t = 0; t < n; t++)
      if (o !== t) m.onEvent(o, { type: 'join', detail: { peer: id(t), atMs: 0 } }, 0);
  const to = (o: number, t: number, state: PeerState, atMs: number, reason = 'probe-failed'): void => {
    const e: DetectorEvent = {
      type: 'status-change',
      detail: { peer: id(t), from: 'healthy', to: state, reason, atMs },
    };
    m.onEvent(o, e, atMs);
  };
  return { m, to };
}

describe('Metrics', () => {
  it('an undetected crash is a +∞ sample: one found in 0.5 s and one never found is not "p99 = 500 ms"', () => {
    const { m, to } = stream(4);
    m.onNodeChange(1, 'crash', 1_000);
    for (const o of [0, 2, 3]) to(o, 1, 'failed', 1_500);
    m.onNodeChange(2, 'crash', 2_000); // nobody ever marks n2 failed
    const s = m.finish(60_000);
    expect(s.crashes).toBe(2);
    expect(s.detectionAllMs).toEqual({
      p50: 500,
      p95: null,
      p99: null,
      max: Infinity,
      count: 2,
      censored: 1,
    });
    expect(s.detectionFirstMs.max).toBe(Infinity);
    expect(tailOf(s.detectionAllMs)).toEqual({ value: Infinity, label: 'max of 2' });
    expect(s.undetectedAll).toBe(1);
    expect(s.undetectedFirst).toBe(1);
    expect(s.censoredAll).toEqual({ restart: 0, end: 1, observersGone: 0 });
    expect(s.samples.detectionAllMs).toEqual([500]); // finite samples only; the count has both
  });

  it('first and all: detection ends at the last observer that knew the node; a restart first censors it', () => {
    const { m, to } = stream(4);
    m.onNodeChange(3, 'crash', 10_000);
    to(0, 3, 'suspected', 10_400);
    to(0, 3, 'failed', 10_700, 'suspicion-timeout');
    to(1, 3, 'failed', 10_900, 'gossip-failed');
    to(2, 3, 'failed', 11_200, 'gossip-failed');
    m.onNodeChange(1, 'crash', 20_000);
    to(0, 1, 'failed', 21_000);
    m.onNodeChange(1, 'restart', 25_000);
    m.onNodeChange(1, 'start', 25_000); // n2 and n3 had not marked n1 failed yet
    const s = m.finish(30_000);
    expect(s.detectionFirstMs).toMatchObject({ p50: 700, max: 1_000, count: 2, censored: 0 });
    expect(s.detectionAllMs).toMatchObject({ p50: 1_200, max: Infinity, count: 2, censored: 1 });
    expect(s.censoredAll).toEqual({ restart: 1, end: 0, observersGone: 0 });
    // Dissemination (first failed → all failed): 500 ms for n3; n1 never reached everyone.
    expect(s.disseminationMs).toMatchObject({ p50: 500, max: Infinity, count: 2, censored: 1 });
  });

  it('a crash whose every observer crashed before detecting it is censored as observers-gone', () => {
    const { m } = stream(2);
    m.onNodeChange(1, 'crash', 1_000);
    m.onNodeChange(0, 'crash', 2_000);
    const s = m.finish(10_000);
    expect(s.undetectedAll).toBe(1);
    expect(s.censoredAll).toEqual({ restart: 0, end: 0, observersGone: 1 });
  });

  it('counts a false suspicion as observer transitions and as first-hand accusations', () => {
    const { m, to } = stream(5);
    to(0, 4, 'suspected', 1_000, 'probe-failed'); // the accusation
    for (const o of [1, 2, 3]) to(o, 4, 'suspected', 1_100, 'gossip-suspect'); // its broadcast
    to(0, 4, 'failed', 3_000, 'suspicion-timeout'); // same mistake, now failed: not a new accusation
    to(1, 4, 'failed', 3_100, 'gossip-failed');
    to(2, 3, 'suspected', 4_000, 'confirmed-suspicion'); // checked someone else's accusation
    const s = m.finish(3_600_000);
    expect(s.falseSuspected).toBe(5);
    expect(s.falseFailed).toBe(2);
    expect(s.falseAccusations).toBe(1);
    expect(s.falseAccusationsPerNodeHour).toBeCloseTo(1 / 5, 12);
    expect(s.falseSuspectedPerNodeHour).toBeCloseTo(5 / 5, 12);
  });

  it('nothing before the warm-up counts: mistakes, accusations or bytes', () => {
    const { m, to } = stream(2, 10_000);
    to(0, 1, 'suspected', 5_000);
    m.onSend(0, 1, 100, 5_000);
    to(0, 1, 'healthy', 6_000);
    m.onSend(0, 1, 40, 12_000);
    const s = m.finish(20_000);
    expect(s.falseSuspected).toBe(0);
    expect(s.falseAccusations).toBe(0);
    expect(s.nodeHours).toBeCloseTo((2 * 10_000) / 3_600_000, 12);
    expect(s.bytesPerNodePerSec.max).toBeCloseTo(4, 12); // 40 B over 10 s of up time
  });

  it('query accuracy integrates mistaken pair-time over monitored pair-time', () => {
    const { m, to } = stream(2);
    to(0, 1, 'suspected', 1_000);
    to(0, 1, 'healthy', 2_000, 'refuted');
    const s = m.finish(4_000);
    expect(s.queryAccuracy).toBeCloseTo(1 - 1_000 / 8_000, 12); // 2 pairs × 4 s, one wrong for 1 s
    expect(s.mistakes).toBe(1);
    expect(s.mistakeDurationMs).toBe(1_000);
  });

  it('a leave disseminates to every observer; one that never hears it leaves a +∞ sample', () => {
    const { m, to } = stream(4);
    m.onNodeChange(3, 'leave', 1_000);
    for (const o of [0, 1, 2]) to(o, 3, 'left', 1_000 + 100 * (o + 1), 'graceful-leave');
    m.onNodeChange(2, 'leave', 5_000);
    to(0, 2, 'left', 5_050, 'graceful-leave'); // n1 never hears
    const s = m.finish(10_000);
    expect(s.leaves).toBe(2);
    expect(s.disseminationMs).toMatchObject({ p50: 300, max: Infinity, count: 2, censored: 1 });
  });
});

describe('Metrics with bounded member tables', () => {
  // lan N = 1000 random-32 seed 1: n560's full table (membersMax 256) evicted gossip-only n851 for
  // a link-up 1 s before n851 crashed, with no event; waiting for n560 made the crash "undetected".
  const evicted = (o: number, t: number): boolean => !(o === 2 && t === 3);

  it('a crash is not waited for at an observer whose table no longer holds the node', () => {
    const { m, to } = stream(4, 0, evicted);
    m.onNodeChange(3, 'crash', 1_000);
    for (const o of [0, 1]) to(o, 3, 'failed', 1_200 + 100 * o, 'gossip-failed');
    const s = m.finish(60_000);
    expect(s.undetectedAll).toBe(0);
    expect(s.detectionAllMs).toMatchObject({ p50: 300, max: 300, count: 1, censored: 0 });
    expect(s.disseminationMs).toMatchObject({ max: 100, censored: 0 });
  });

  it('the same stream with every member held: the observer that never fails it is a miss', () => {
    const { m, to } = stream(4);
    m.onNodeChange(3, 'crash', 1_000);
    for (const o of [0, 1]) to(o, 3, 'failed', 1_200 + 100 * o, 'gossip-failed');
    const s = m.finish(60_000);
    expect(s.undetectedAll).toBe(1);
    expect(s.censoredAll).toEqual({ restart: 0, end: 1, observersGone: 0 });
  });

  it('a leave is not waited for at an observer whose table no longer holds the leaver', () => {
    const { m, to } = stream(4, 0, evicted);
    m.onNodeChange(3, 'leave', 1_000);
    for (const o of [0, 1]) to(o, 3, 'left', 1_100 + 100 * o, 'graceful-leave');
    expect(m.finish(10_000).disseminationMs).toMatchObject({ max: 200, count: 1, censored: 0 });
  });
});

describe('percentiles', () => {
  const upTo = (k: number): number[] => Array.from({ length: k }, (_, i) => i + 1);
  it.each<[string, number[], Record<string, number | null>]>([
    ['no samples', [], { p50: null, p95: null, p99: null, max: null, count: 0, censored: 0 }],
    ['19 samples: no p95 (it would be the max)', upTo(19), { p50: 10, p95: null, max: 19 }],
    ['20 samples: p95 is the 19th', upTo(20), { p95: 19, p99: null, max: 20 }],
    ['99 samples: no p99', upTo(99), { p99: null, max: 99 }],
    ['100 samples: p99 is the 99th', upTo(100), { p50: 50, p95: 95, p99: 99, max: 100 }],
    [
      'one censored among 100 leaves p99 finite (floors check censored)',
      [...upTo(99), Infinity],
      { p99: 99, max: Infinity, censored: 1 },
    ],
    ['half censored: p50 is +∞', [1, Infinity], { p50: 1, max: Infinity, censored: 1 }],
    ['more than half censored', [1, Infinity, Infinity], { p50: Infinity, censored: 2 }],
  ])('%s', (_name, values, want) => {
    expect(percentiles(values)).toMatchObject(want);
  });

  it('tailOf says which statistic it reports', () => {
    expect(tailOf(percentiles(upTo(6)))).toEqual({ value: 6, label: 'max of 6' });
    expect(tailOf(percentiles(upTo(200)))).toEqual({ value: 198, label: 'p99 of 200' });
    expect(tailOf(percentiles([]))).toEqual({ value: null, label: 'max of 0' });
  });
});
