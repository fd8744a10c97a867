/**
 * evaluateFloors on hand-built runs: each floor passes on numbers that meet it and misses on numbers
 * that would once have flattered it (an undetected crash, too few samples for a p99, a topology
 * change across N, broadcast suspicions counted against first-hand ones).
 */
import { describe, expect, it } from 'vitest';
import { BYTES_TOPOLOGY, evaluateFloors, type FloorInput, judgedPresets } from './floors.js';
import { Metrics, percentiles } from './metrics.js';
import type { ScalePoint } from './scale.js';
import type { RunResult } from './scenario.js';

const empty = new Metrics(1, 0, String).finish(0);

function run(over: Partial<RunResult>): RunResult {
  return {
    ...empty,
    strategy: 'pulsemesh',
    preset: 'default',
    profile: 'lan',
    n: 100,
    seed: 1,
    simSeconds: 600,
    topology: 'full',
    sim: { events: 0, sent: 0, delivered: 0, dropped: {} as RunResult['sim']['dropped'] },
    wallSeconds: 1,
    cpuSeconds: 1,
    eventsPerSec: 0,
    ...over,
  };
}

const many = (k: number, ms: number): number[] => Array.from({ length: k }, () => ms);

function verdict(input: FloorInput, id: string, preset = 'default'): boolean | null | undefined {
  return evaluateFloors(input).find((f) => f.id === id && (f.preset === preset || f.preset === '-'))?.pass;
}

describe('evaluateFloors', () => {
  it.each<[string, number[], boolean]>([
    ['fast, 47 crashes, all detected', many(47, 900), true],
    ['p50 too slow', many(47, 1_600), false],
    ['tail over 3 s (max of 47: no p99 with < 100 samples)', [...many(46, 900), 3_100], false],
    ['one undetected crash among two', [500, Infinity], false],
    [
      'one undetected among 120: p99 is finite, yet the floor needs 0 undetected',
      [...many(119, 900), Infinity],
      false,
    ],
  ])('lan N=100 detection: %s', (_name, samples, pass) => {
    const input = { runs: [run({ detectionAllMs: percentiles(samples) })] };
    expect(verdict(input, 'lan-100-detection')).toBe(pass);
  });

  it('says whether the tail is a p99 or a max', () => {
    const few = evaluateFloors({ runs: [run({ detectionAllMs: percentiles(many(47, 900)) })] });
    expect(few.find((f) => f.id === 'lan-100-detection')?.measured).toContain('max of 47');
    const lots = evaluateFloors({ runs: [run({ detectionAllMs: percentiles(many(120, 900)) })] });
    expect(lots.find((f) => f.id === 'lan-100-detection')?.measured).toContain('p99 of 120');
  });

  it.each<[string, number[], boolean]>([
    ['125 changes within 2 s', many(125, 1_500), true],
    ['6 fast changes are not a p99', many(6, 300), false],
    ['one change never delivered', [...many(124, 300), Infinity], false],
  ])('lan N=1000 dissemination: %s', (_name, samples, pass) => {
    const input = { runs: [run({ n: 1000, topology: 'random-32', disseminationMs: percentiles(samples) })] };
    expect(verdict(input, 'lan-1000-dissemination')).toBe(pass);
  });

  it('bytes: one topology across N, or no verdict', () => {
    const bytes = (n: number, mean: number, topology = BYTES_TOPOLOGY): RunResult =>
      run({ n, topology, bytesPerNodePerSec: { mean, max: mean } });
    const seed = run({ strategy: 'seed', n: 1000, bytesPerNodePerSec: { mean: 25_000, max: 25_000 } });
    const flat = [bytes(10, 60), bytes(100, 70), bytes(1000, 72), seed];
    expect(verdict({ runs: flat }, 'lan-bytes-flat')).toBe(true);
    // N = 10 and 100 only on a full mesh: the ratio would mix topologies, so there is none.
    const mixed = [bytes(10, 31, 'full'), bytes(100, 66, 'full'), bytes(1000, 72), seed];
    expect(verdict({ runs: mixed }, 'lan-bytes-flat')).toBeNull();
    const steep = [bytes(10, 31), bytes(100, 66), bytes(1000, 72), seed];
    expect(verdict({ runs: steep }, 'lan-bytes-flat')).toBe(false);
  });

  it('hostile-browser: false suspicions are judged as transitions and as first-hand accusations', () => {
    const hostile = (over: Partial<RunResult>): RunResult =>
      run({ profile: 'hostile-browser', nodeHours: 102, ...over });
    const swim = hostile({
      strategy: 'swim',
      preset: 'lan-defaults',
      falseSuspectedPerNodeHour: 9_000,
      falseAccusationsPerNodeHour: 100,
    });
    const quiet = hostile({ falseSuspectedPerNodeHour: 8, falseAccusationsPerNodeHour: 5 });
    expect(verdict({ runs: [quiet, swim] }, 'hostile-100-false')).toBe(true);
    // 1,000× fewer transitions but only 8× fewer accusations: misses.
    const broadcastOnly = hostile({ falseSuspectedPerNodeHour: 9, falseAccusationsPerNodeHour: 12 });
    expect(verdict({ runs: [broadcastOnly, swim] }, 'hostile-100-false')).toBe(false);
    const oneFailed = hostile({
      falseSuspectedPerNodeHour: 8,
      falseAccusationsPerNodeHour: 5,
      falseFailed: 1,
    });
    expect(verdict({ runs: [oneFailed, swim] }, 'hostile-100-false')).toBe(false);
    const short = hostile({ nodeHours: 99, falseSuspectedPerNodeHour: 8, falseAccusationsPerNodeHour: 5 });
    expect(verdict({ runs: [short, swim] }, 'hostile-100-false')).toBe(false);
  });

  it('scale: 10,000 nodes × 60 s within 45 s wall', () => {
    const point = (wallSeconds: number): ScalePoint => {
      const counts = { events: 1, eventsPerSec: 1, messages: 1 };
      const memory = { liveBytes: null, liveBytesPerNode: null, rssBytes: null };
      const strategy = 'pulsemesh:browser+membersMax=64';
      return {
        strategy,
        n: 10_000,
        simSeconds: 60,
        wallSeconds,
        cpuSeconds: wallSeconds,
        ...counts,
        ...memory,
      };
    };
    expect(verdict({ runs: [], scale: [point(44)] }, 'scale-10000')).toBe(true);
    expect(verdict({ runs: [], scale: [point(46)] }, 'scale-10000')).toBe(false);
    expect(verdict({ runs: [] }, 'scale-10000')).toBeNull();
  });

  it('judges the default preset when there is one, else every pulsemesh preset', () => {
    const lan = run({ preset: 'lan' });
    const browser = run({ preset: 'browser' });
    expect(judgedPresets([lan, browser])).toEqual(['lan', 'browser']);
    expect(judgedPresets([lan, browser, run({})])).toEqual(['default']);
    expect(judgedPresets([run({ strategy: 'swim' })])).toEqual([]);
    const floors = evaluateFloors({ runs: [] });
    expect(floors.every((f) => f.pass === null)).toBe(true);
  });
});
