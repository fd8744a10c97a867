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
    [
      'time away after a leave is neither up nor observed',
      0,
      [
        ['left', 200_000],
        ['healthy', 1_100_000],
        ['failed', 1_150_000],
        ['healthy', 1_200_000],
      ],
      1_300_000,
      // observed 200 s + 200 s; down 50 s (counting the 900 s away as up would give MTBF 1,250 s)
      { observedMs: 400_000, downtimeMs: 50_000, mtbfMs: 350_000, mttrMs: 50_000, availability: 0.875 },
    ],
    [
      'while away nothing accrues, and a second leave is ignored',
      0,
      [
        ['left', 100],
        ['left', 500],
      ],
      10_000,
      { observedMs: 100, downtimeMs: 0, availability: 1, failures: 0 },
    ],
    [
      'an outage cut short by a leave is down time without a recovery; the return starts up',
      0,
      [
        ['failed', 100],
        ['left', 300],
        ['healthy', 1_000],
      ],
      1_300,
      { observedMs: 600, downtimeMs: 200, recoveries: 0, failures: 1, mtbfMs: 400, mttrMs: undefined },
    ],
    [
      'returning straight into failed opens an outage at the return',
      0,
      [
        ['left', 100],
        ['failed', 1_000],
      ],
      1_100,
      { observedMs: 200, downtimeMs: 100, failures: 1, availability: 0.5 },
    ],
  ])('%s', (_name, first, steps, now, want) => {
    expect(report(first, steps, now)).toMatchObject(want);
  });
});

describe('analyticsReport', () => {
  it('pools MTBF/MTTR over peers and weights availability by observed time', () => {
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
      availability: (800 + 1000 + 500) / 3000,
      observedMs: 3000,
      downtimeMs: 700,
    });
    expect(analyticsReport([], 5).cluster).toEqual({
      failures: 0,
      recoveries: 0,
      mtbfMs: undefined,
      mttrMs: undefined,
      availability: 1,
      observedMs: 0,
      downtimeMs: 0,
    });
  });

  it.each<[string, [number, Step[]][], number, number]>([
    // a day-long peer and a 60 s peer half down: the unweighted mean of ratios would read 0.75
    [
      'a day-long peer beside a short one half down',
      [
        [0, []],
        [86_340_000, [['failed', 86_370_000]]],
      ],
      86_400_000,
      (86_400 + 30) / 86_460,
    ],
    [
      'equal windows',
      [
        [
          0,
          [
            ['failed', 250],
            ['healthy', 500],
          ],
        ],
        [0, []],
      ],
      1000,
      0.875,
    ],
    [
      'a peer away half the time counts only its present half',
      [
        [0, [['left', 500]]],
        [
          0,
          [
            ['failed', 500],
            ['healthy', 1000],
          ],
        ],
      ],
      1000,
      1000 / 1500,
    ],
  ])('availability is Σ up / Σ observed: %s', (_name, peers, now, want) => {
    const r = analyticsReport(
      peers.map(([first, steps]) => report(first, steps, now)),
      now,
    );
    expect(r.cluster.availability).toBeCloseTo(want, 12);
  });

  it.each<[string, [number, Step[]][], number]>([
    [
      'one peer, two outages',
      [
        [
          0,
          [
            ['failed', 100],
            ['healthy', 200],
            ['failed', 500],
            ['healthy', 800],
          ],
        ],
      ],
      1000,
    ],
    [
      'three peers, a leave and a return, every outage recovered',
      [
        [
          0,
          [
            ['failed', 100],
            ['recovering', 300],
            ['healthy', 400],
          ],
        ],
        [
          50,
          [
            ['left', 300],
            ['healthy', 700],
            ['failed', 800],
            ['healthy', 950],
          ],
        ],
        [0, []],
      ],
      1000,
    ],
  ])('with every outage recovered, availability = MTBF / (MTBF + MTTR): %s', (_name, peers, now) => {
    const { cluster } = analyticsReport(
      peers.map(([first, steps]) => report(first, steps, now)),
      now,
    );
    expect(cluster.failures).toBe(cluster.recoveries);
    const mtbf = cluster.mtbfMs!;
    const mttr = cluster.mttrMs!;
    expect(cluster.availability).toBeCloseTo(mtbf / (mtbf + mttr), 12);
    expect(cluster.downtimeMs).toBeCloseTo(mttr * cluster.recoveries, 9);
  });
});
