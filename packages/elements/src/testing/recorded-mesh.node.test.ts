import { describe, expect, it } from 'vitest';
import { RecordedMesh } from './recorded-mesh.js';
import { recordMesh } from './mesh-recorder.js';
import { TinyNetwork } from './tiny-network.js';

const seed = Number(process.env['SEED'] ?? Math.floor(Math.random() * 1_000_000));

describe('RecordedMesh', () => {
  it('keeps state, health, history and analytics, and fires the detector events', () => {
    const mesh = new RecordedMesh({ localId: 'me' });
    const fired: string[] = [];
    for (const name of ['join', 'status-change', 'leave', 'health-change']) {
      mesh.addEventListener(name, (e) => fired.push(`${e.type}`));
    }
    mesh.join('a');
    mesh.join('b');
    mesh.advance(1_000);
    mesh.setState('a', 'failed', 'timeout'); // 2 of 3 healthy: 66.7% → CRITICAL
    mesh.advance(500);
    mesh.leave('b');
    expect(fired).to.deep.equal(['join', 'join', 'status-change', 'health-change', 'leave']);
    const health = mesh.health();
    expect(health.counts).to.deep.equal({ healthy: 1, suspected: 0, failed: 1, recovering: 0, left: 1 });
    expect(health.tier).toBe('CRITICAL'); // 1 healthy of 2 present: 50% is the CRITICAL floor
    expect(health.healthPercent).toBe(50);
    expect(mesh.history('a').map((h) => `${h.kind}:${h.to ?? ''}`)).toEqual([
      'join:',
      'status-change:failed',
    ]);
    const a = mesh.analytics().peers.find((p) => p.peer === 'a')!;
    expect(a.failures).toBe(1);
    expect(a.downtimeMs).toBe(500);
    expect(a.availability).toBeCloseTo(1_000 / 1_500);
  });

  it(`replays a stream recorded from a real detector into the same view (seed ${seed})`, () => {
    const net = new TinyNetwork(['a', 'b', 'c', 'd'], seed);
    net.run(3_000);
    const live = net.get('a');
    const recording = recordMesh(live);
    net.crashed.add('d');
    net.run(30_000);
    net.crashed.delete('c');
    recording.snapshot();
    recording.stop();

    const replay = new RecordedMesh({ localId: 'a' });
    for (const frame of recording.frames) replay.apply(frame);
    try {
      expect(
        replay
          .peers()
          .map((p) => [p.id, p.state])
          .sort(),
      ).toEqual(
        live
          .peers()
          .map((p) => [p.id, p.state])
          .sort(),
      );
      expect(live.peers().find((p) => p.id === 'd')?.state).toBe('failed');
      expect(replay.health()).toEqual(live.health());
      const events = (m: {
        history(): readonly { kind: string; peer: string; to?: string; atMs: number }[];
      }) =>
        m
          .history()
          .filter((h) => h.kind !== 'interval-change' && h.atMs >= recording.frames[0]!.atMs)
          .map((h) => `${h.atMs} ${h.peer} ${h.kind} ${h.to ?? ''}`);
      expect(events(replay)).toEqual(events(live));
      const failures = (m: RecordedMesh | typeof live) =>
        m.analytics().peers.find((p) => p.peer === 'd')?.failures;
      expect(failures(replay)).toBe(1);
      expect(failures(live)).toBe(1);
    } catch (error) {
      console.log(
        `reproduce: SEED=${seed} bash scripts/netns.sh node_modules/.bin/vitest run packages/elements/src/testing`,
      );
      throw error;
    }
  });
});
