// Checks and watches of suspects (`checks.ts`) on the fake clock.
import { describe, expect, it } from 'vitest';
import { presets } from './config.js';
import { TestNetwork } from './test-network.js';

describe('watching a suspect', () => {
  it('a suspect whose link drops leaves every timer running (no NaN deadline)', () => {
    // Only a watches b (c has no link to it), so a's suspicion runs long enough to watch b.
    const net = new TestNetwork(41);
    for (const id of ['a', 'b', 'c']) net.add(id, presets.lan);
    net.link('a', 'b');
    net.link('a', 'c');
    net.run(5_000);
    net.crashed.add('b');
    let t = 5_000;
    while (net.stateOf('a', 'b') !== 'suspected' && t < 10_000) net.run((t += 10));
    net.unlink('a', 'b');
    // Past the next once-a-period watch of b (it finds no link): the next deadline stays a number.
    const probes = net.get('a').stats().probesSent;
    for (const end = t + 1_000; t < end;) {
      net.run((t += 10));
      expect(net.stateOf('a', 'b')).toBe('suspected');
      expect(net.get('a').nextDeadlineMs()).not.toBeNaN();
    }
    expect(net.get('a').stats().probesSent).toBeGreaterThan(probes);
    net.run(30_000);
    expect(net.stateOf('a', 'b')).toBe('failed');
  });
});
