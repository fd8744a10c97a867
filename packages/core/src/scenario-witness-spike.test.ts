// A witnessed check reads a link's recent round trip with its lone spike set aside (decision 0048):
// the pure rule (`witnessRecentRttMs`) as a table, and scenarios on the browser default where one
// slow ack, not the target's stall, would have stretched the check to 2 × 250 ms.
import { describe, expect, it } from 'vitest';
import { Member } from './member.js';
import { presets } from './config.js';
import { TestNetwork } from './test-network.js';
import { crashWitnessed, others, witness } from './test-witness.js';
import { WitnessKind, witnessRecentRttMs } from './witness.js';

describe('witnessRecentRttMs: the second longest of the last 4 samples (decision 0048)', () => {
  const cases: [number[], number | undefined][] = [
    [[], undefined],
    [[184], undefined],
    [[2, 223], 2],
    [[54, 5, 2], 5],
    [[102, 2, 7, 6], 7],
    [[7, 2, 3, 2], 3],
    [[209, 315, 4, 4], 209],
    [[300, 296], 296],
    // Only the last 4 count: an old spike has left, two recent ones keep the wait.
    [[400, 2, 3, 2, 1], 2],
    [[1, 1, 150, 2, 160], 150],
  ];
  it.each(cases)('%j → %s', (samples, expected) => {
    const m = new Member('p', 0);
    for (const ms of samples) m.addRttSample(ms);
    expect(witnessRecentRttMs(m)).toBe(expected);
  });
});

describe('a lone RTT spike does not stretch a witnessed check (decision 0048)', () => {
  /**
   * Five peers on 2 ms links from 0 s, `a` joining at 12 s (so its samples of `c` were all taken
   * after c's start-up: `startedAfterItsStartup`), run to 40 s (every start-up over); then each
   * spike, a `spikeMs` one-way delay on everything c sends (relays' answers too, so a's direct ack
   * comes in while its probe is still open and is sampled), lasts until a has taken one more
   * sample of c: one slow ack per spike, as the real mesh's [2, 223] and [102, 2, 7, 6], with no
   * stall c could report. The run goes on until a has one more fast sample after the last.
   */
  function spiked(spikes: number, aJoinsMs = 12_000, spikeMs = 200): TestNetwork {
    const net = new TestNetwork(1);
    net.latencyMs = () => 2;
    for (const id of others('a')) net.add(id, presets.browser);
    net.fullMesh(others('a'));
    net.run(aJoinsMs);
    net.add('a', presets.browser);
    for (const id of others('a')) net.link('a', id);
    net.run(40_000);
    let slow = false;
    net.latencyMs = (x) => (slow && x === 'c' ? spikeMs : 2);
    const count = (): number => net.get('a').witnessWindow('c')?.rttSampleCount ?? 0;
    const waitSamples = (k: number): void => {
      const target = count() + k;
      while (count() < target && net.nowMs < 120_000) net.run(net.nowMs + 10);
    };
    for (let i = 0; i < spikes; i++) {
      slow = true;
      waitSamples(1);
      slow = false;
      if (i + 1 < spikes) waitSamples(1);
    }
    waitSamples(1);
    return net;
  }

  it('a crash is failed within ~0.35 s of the witness when one of the last 4 samples was a spike', () => {
    const net = spiked(1);
    const recent = net.get('a').peer('c')?.link.rttSamplesMs.slice(-4) ?? [];
    // The premise: one recent slow ack (which the longest-of-4 rule made a 2 × 250 ms window) and
    // a target that reports no stall.
    expect(recent.filter((ms) => ms > 150)).toHaveLength(1);
    expect(net.get('a').peer('c')?.vitals?.loadMs).toBeLessThan(50);
    // The path's estimate (this spike in it too) still bounds the wait from below, under 150 ms.
    expect(net.get('a').witnessWindow('c')?.probeTimeoutMs).toBeLessThan(150);
    expect(net.get('a').witnessWindow('c')?.windowMs).toBe(300);
    const { ms, by } = crashWitnessed(net, 'a');
    expect(by).toContain('a:witnessed');
    expect(ms).toBeLessThanOrEqual(350);
  });

  it("a checker that started with its target keeps the longest sample's wait (its spikes may be the target's start-up stalls)", () => {
    // hostile-dense.ts seeds 1-8: 110 false `failed` with this, 129 when these too set the spike aside.
    const net = spiked(1, 0);
    expect(
      net
        .get('a')
        .peer('c')
        ?.link.rttSamplesMs.slice(-4)
        .filter((ms) => ms > 150),
    ).toHaveLength(1);
    expect(net.get('a').witnessWindow('c')?.probeTimeoutMs).toBeGreaterThan(150);
  });

  it('two spikes in the last 4 samples keep the wait: a live peer reset now answers', () => {
    const net = spiked(2);
    const recent = net.get('a').peer('c')?.link.rttSamplesMs.slice(-4) ?? [];
    expect(recent.filter((ms) => ms > 150)).toHaveLength(2);
    expect(net.get('a').witnessWindow('c')?.probeTimeoutMs).toBeGreaterThan(150);
    // c's link to a is slow again as the witness comes: the check must wait for it.
    net.latencyMs = (x, y) => (x === 'c' && y === 'a' ? 200 : 2);
    const at = net.nowMs;
    witness(net, 'c', WitnessKind.closedByPeer);
    net.run(at + 5_000);
    for (const o of others('c'))
      expect(net.transitions(o, 'c').filter((t) => t.endsWith('->failed'))).toEqual([]);
  });
});
