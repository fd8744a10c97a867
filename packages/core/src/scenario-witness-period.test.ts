// Review of 4e1268d (session 10): a timer's lateness undercounts a stall by up to the gap to that
// timer, and a peer's timer gap is its period stretched by its local health (Lifeguard), which can
// be well past `probeIntervalMsMax`, the most a witnessed check adds back. Fixed by ticking at least
// every `probeIntervalMsMax` (`DetectorState.lastTickMs`): the late tick then measures the stall.
import { describe, expect, it } from 'vitest';
import { presets } from './config.js';
import { TestNetwork } from './test-network.js';
import { WitnessKind } from './witness.js';

const ids = ['a', 'b', 'c', 'd', 'e', 'f'];
const others = (x: string): string[] => ids.filter((id) => id !== x);

describe('a witnessed check of a staller whose local health stretched its period', () => {
  it('a run of two stalls, each as long as one it had and reported, with a reset at its start, is not failed', () => {
    for (let seed = 1; seed <= 16; seed++) {
      // The node default (edge peers): a timer 150 ms late is a late-timer strike (> 100 ms).
      const net = new TestNetwork(seed);
      net.latencyMs = () => 2;
      for (const id of ids) net.add(id, presets.node);
      net.fullMesh(ids);
      net.run(12_000);
      const c = net.get('c');
      const firstEndMs = c.nextDeadlineMs() + 150;
      net.stalledUntil.set('c', firstEndMs);
      net.run(firstEndMs + 20);
      expect(c.localHealthScore()).toBe(1);
      expect(c.effectiveProtocolPeriodMs()).toBeGreaterThan(presets.node.probeIntervalMsMax);
      // The next stall begins as c's next probe round ends (its ack back) and ends 150 ms past c's
      // following probe, a stretched period after this one: a ~700 ms stall that c's probe timer
      // alone would measure as 150 ms late.
      const probes = c.stats().probesSent;
      while (c.stats().probesSent === probes) net.run(net.nowMs + 1);
      const nextProbeMs = net.nowMs + c.effectiveProtocolPeriodMs();
      net.run(net.nowMs + 5); // the ack is back (2 ms each way)
      const stallMs = nextProbeMs - net.nowMs + 150;
      net.stalledUntil.set('c', net.nowMs + stallMs);
      net.run(net.nowMs + stallMs + 1_000);
      // The rest of the stall (before the probe was due) was more than the longest period, yet
      // every checker heard of a stall short of it by at most that (c ticks at least that often).
      expect(stallMs - 150).toBeGreaterThan(presets.node.probeIntervalMsMax);
      for (const o of others('c'))
        expect(net.get(o).peer('c')?.vitals?.loadMs).toBeGreaterThanOrEqual(
          stallMs - presets.node.probeIntervalMsMax,
        );
      // The run: two such stalls back to back (a silence of ~1.4 s, inside the 1.7 s stall
      // tolerance), the socket reset as it begins.
      const at = net.nowMs;
      net.stalledUntil.set('c', at + 2 * stallMs);
      for (const o of others('c')) net.apply(o, net.get(o).witness('c', WitnessKind.closedByPeer, at));
      net.run(at + 6_000);
      const failed = others('c').filter((o) => net.transitions(o, 'c').some((t) => t.endsWith('->failed')));
      expect(`seed ${seed}: failed by [${failed.join()}]`).toBe(`seed ${seed}: failed by []`);
    }
  });
});
