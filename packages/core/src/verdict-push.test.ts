import { describe, expect, it } from 'vitest';
import { presets } from './config.js';
import { TestNetwork } from './test-network.js';
import { WitnessKind } from './witness.js';

const ids = Array.from({ length: 12 }, (_, i) => `p${i}`);

/** A signed full mesh of 12 peers on the browser default, 2 ms links, settled for 10 s. */
function mesh(seed: number): TestNetwork {
  const net = new TestNetwork(seed, true);
  net.latencyMs = () => 2;
  for (const id of ids) net.add(id, presets.browser);
  net.fullMesh(ids);
  net.run(10_000);
  return net;
}

const total = (net: TestNetwork, key: 'pushesSent' | 'verdictPushesSuppressed'): number =>
  ids.reduce((sum, id) => sum + net.get(id).stats()[key], 0);

describe('a witnessed verdict waits a backoff before its push (decision 0066)', () => {
  it('in a full mesh most declarers hear two others first and skip the push; every live peer fails it', () => {
    for (let seed = 1; seed <= 5; seed++) {
      const net = mesh(seed);
      const pushesBefore = total(net, 'pushesSent');
      net.crashed.add('p3');
      const at = net.nowMs;
      for (const id of ids)
        if (id !== 'p3') net.apply(id, net.get(id).witness('p3', WitnessKind.closedByPeer, at));
      net.run(at + 3_000);
      const msg = `SEED=${seed}`;
      for (const id of ids) if (id !== 'p3') expect(net.stateOf(id, 'p3'), msg).toBe('failed');
      expect(total(net, 'verdictPushesSuppressed'), msg).toBeGreaterThan(0);
      // Without the backoff each of the 11 declarers pushed to `pushFanout` = 4 links.
      expect(total(net, 'pushesSent') - pushesBefore, msg).toBeLessThan(11 * 4);
    }
  });

  it('a lone declarer (no other signer heard) still pushes', () => {
    const net = mesh(1);
    const pushesBefore = net.get('p0').stats().pushesSent;
    net.crashed.add('p3');
    const at = net.nowMs;
    net.apply('p0', net.get('p0').witness('p3', WitnessKind.closedByPeer, at));
    net.run(at + 1_000);
    expect(net.stateOf('p0', 'p3')).toBe('failed');
    expect(net.get('p0').stats().verdictPushesSuppressed).toBe(0);
    expect(net.get('p0').stats().pushesSent - pushesBefore).toBeGreaterThanOrEqual(
      presets.browser.pushFanout,
    );
  });
});
