import { describe, expect, it } from 'vitest';
import { analyticsReport, newOutageLog, peerReport, recordTransition } from './analytics.js';
import type { PeerState } from './types.js';

type Step = [PeerState, number];

function report(firstSeenMs: number, steps: Step[], nowMs: number) {
  const log = newOutageLog(firstSeenMs);
  for (const [to, at] of steps) recordTransition(log, to, at);
  return peerReport('p', log, nowMs);
}

describe('peerReport', () => {
  it.each<[string, number, Step[], number, Record<string, number | undefined>]>([
    [
      'never failed',
      0,
      [],
      1000,
      { failures: 0, recoveries: 0, availability: 1, mtbfMs: undefined, mttrMs: undefined },
    ],
    [
      'one outage, recovered',
      0,
      [
        ['suspected', 100],
        ['failed', 200],
        ['recovering', 300],
        ['healthy', 400],
      ],
      1000,
      { failures: 1, recoveries: 1, downtimeMs: 200, availability: 0.8, mtbfMs: 800, mttrMs: 200 },
    ],
    [
      'ongoing downtime is counted',
      0,
      [['failed', 600]],
      1000,
      { failures: 1, recoveries: 0, downtimeMs: 400, availability: 0.6, mttrMs: undefined, mtbfMs: 600 },
    ],
    [
      'a relapse while recovering is the same outage, so one recovery matches one failure',
      0,
      [
        ['failed', 100],
        ['recovering', 200],
        ['suspected', 250],
        ['failed', 300],
        ['recovering', 500],
        ['healthy', 600],
      ],
      1000,
      { failures: 1, recoveries: 1, downtimeMs: 500, mttrMs: 500, availability: 0.5 },
    ],
    [
      'two outages, two recoveries',
      0,
      [
        ['failed', 100],
        ['healthy', 200],
        ['failed', 500],
        ['healthy', 800],
      ],
      1000,
      { failures: 2, recoveries: 2, downtimeMs: 400, mttrMs: 200, mtbfMs: 300, availability: 0.6 },
    ],
    [
      'window starts when the peer was first seen, not at its first event',
      1000,
      [
        ['failed', 5000],
        ['healthy', 6000],
      ],
      11000,
      { observedMs: 10000, availability: 0.9, failuresPerDay: 8640 },
    ],
    [
      'graceful leave ends the window and closes an open outage without a recovery',
      0,
      [
        ['failed', 200],
        ['left', 400],
      ],
      10000,
      { observedMs: 400, downtimeMs: 200, availability: 0.5, recoveries: 0, failures: 1 },
    ],
    ['empty window', 500, [], 500, { observedMs: 0, availability: 1, failuresPerDay: 0 }],
  ])('%s', (_name, first, steps, now, want) => {
    expect(report(first, steps, now)).toMatchObject(want);
  });
});

describe('analyticsReport', () => {
  it('sums failures, pools MTBF/MTTR over peers and averages availability', () => {
    const a = report(
      0,
      [
        ['failed', 100],
        ['healthy', 300],
      ],
      1000,
    ); // up 800, 1 failure, repair 200
    const b = report(0, [], 1000); // up 1000
    const c = report(0, [['failed', 500]], 1000); // up 500, 1 failure, ongoing
    const r = analyticsReport([a, b, c], 1000);
    expect(r.cluster).toEqual({
      failures: 2,
      recoveries: 1,
      mtbfMs: (800 + 1000 + 500) / 2,
      mttrMs: 200,
      availability: (0.8 + 1 + 0.5) / 3,
    });
    expect(analyticsReport([], 5).cluster).toEqual({
      failures: 0,
      recoveries: 0,
      mtbfMs: undefined,
      mttrMs: undefined,
      availability: 1,
    });
  });
});
