import { describe, expect, it } from 'vitest';
import { presets } from './config.js';
import { MIN_OBSERVED_MS, pastFromHistory, replayWindow, type HistoryRecord } from './history-replay.js';
import { TestNetwork } from './test-network.js';

const MIN = 60_000;
const entry = (atMs: number, peer: string, to: string, from = 'healthy'): HistoryRecord =>
  ({ k: 'entry', atMs, peer, kind: 'status-change', from, to, reason: 'test' }) as HistoryRecord;
const join = (atMs: number, peer: string): HistoryRecord => ({ k: 'entry', atMs, peer, kind: 'join' });

describe('replayWindow', () => {
  it('the documented example: healthy 1 h, failed 10 min, healthy 50 min', () => {
    const records: HistoryRecord[] = [
      { k: 'session', atMs: 0, observer: 'me' },
      join(0, 'p'),
      entry(60 * MIN, 'p', 'failed'),
      entry(70 * MIN, 'p', 'healthy', 'failed'),
      { k: 'mark', atMs: 120 * MIN },
    ];
    const r = replayWindow(records, 0, 120 * MIN);
    const p = r.peers[0]!;
    expect(p).toMatchObject({ failures: 1, recoveries: 1, observedMs: 120 * MIN, downtimeMs: 10 * MIN });
    expect(p.availability).toBeCloseTo(11 / 12, 12);
    expect(p.mttrMs).toBe(10 * MIN);
    expect(r.claims['p']).toBe(true);
    // The last hour only: the failure happened before it, so none is counted and nothing is down.
    const late = replayWindow(records, 75 * MIN, 120 * MIN).peers[0]!;
    expect(late).toMatchObject({ failures: 0, recoveries: 0, observedMs: 45 * MIN, downtimeMs: 0 });
    // A window opening inside the outage: downtime from the window start, the recovery counted.
    const mid = replayWindow(records, 65 * MIN, 120 * MIN).peers[0]!;
    expect(mid).toMatchObject({ failures: 0, recoveries: 1, observedMs: 55 * MIN, downtimeMs: 5 * MIN });
  });

  it('time between sessions (the observer was closed) is neither up nor down', () => {
    const records: HistoryRecord[] = [
      { k: 'session', atMs: 0, observer: 'me' },
      join(0, 'p'),
      entry(20 * MIN, 'p', 'failed'),
      { k: 'mark', atMs: 30 * MIN },
      // closed for an hour, then reloaded; p is back
      { k: 'session', atMs: 90 * MIN, observer: 'me' },
      join(90 * MIN, 'p'),
      { k: 'mark', atMs: 100 * MIN },
    ];
    const p = replayWindow(records, 0, 200 * MIN).peers[0]!;
    expect(p).toMatchObject({ failures: 1, recoveries: 0, observedMs: 40 * MIN, downtimeMs: 10 * MIN });
  });

  it('says nothing per peer below the minimum observation time', () => {
    const records: HistoryRecord[] = [
      { k: 'session', atMs: 0, observer: 'me' },
      join(0, 'short'),
      entry(30_000, 'short', 'failed'),
      { k: 'mark', atMs: MIN_OBSERVED_MS - 1 },
    ];
    const r = replayWindow(records, 0, MIN_OBSERVED_MS);
    expect(r.claims['short']).toBe(false);
    expect(r.clusterClaims).toBe(false);
  });

  it('a persisted and reloaded history gives the live detector’s figures, and past members', () => {
    const net = new TestNetwork(31);
    const ids = ['a', 'b', 'c', 'd', 'e'];
    for (const id of ids) net.add(id);
    net.fullMesh(ids);
    net.run(10_000);
    net.crashed.add('e');
    net.run(20_000);
    net.apply('d', net.get('d').leave(net.nowMs));
    net.crashed.add('d');
    net.run(20_000 + presets.lan.reapAfterMs + 5_000);
    // What a store would have written for observer a: its history, then its reaps.
    const a = net.get('a');
    const records: HistoryRecord[] = [{ k: 'session', atMs: 0, observer: 'a' }];
    for (const h of a.history()) records.push({ k: 'entry', ...h });
    for (const x of net.events)
      if (x.observer === 'a' && x.event.type === 'reap') {
        const { peer, ended, reason, atMs, endedAtMs } = x.event.detail;
        records.push({ k: 'reap', atMs, peer, ended, reason, endedAtMs });
      }
    records.sort((x, y) => x.atMs - y.atMs);
    // "Reload": serialise, parse, replay up to now.
    const reloaded = JSON.parse(JSON.stringify(records)) as HistoryRecord[];
    reloaded.push({ k: 'mark', atMs: a.nowMs() });
    const replay = replayWindow(reloaded, 0, a.nowMs());
    const live = a.analytics();
    const pick = (r: {
      peer: string;
      failures: number;
      recoveries: number;
      observedMs: number;
      downtimeMs: number;
    }) => [r.peer, r.failures, r.recoveries, r.observedMs, r.downtimeMs] as const;
    expect(replay.peers.map(pick).sort()).toEqual(live.peers.map(pick).sort());
    expect(replay.cluster).toEqual(live.cluster);
    expect(
      pastFromHistory(reloaded)
        .map((p) => [p.peer, p.ended])
        .sort(),
    ).toEqual([
      ['d', 'left'],
      ['e', 'failed'],
    ]);
  });
});
