import { describe, expect, it } from 'vitest';
import { TestNetwork } from './test-network.js';

describe('scenarios', () => {
  it('detects a crashed peer and every survivor agrees', () => {
    const net = new TestNetwork(1);
    const ids = ['a', 'b', 'c', 'd', 'e'];
    for (const id of ids) net.add(id);
    net.fullMesh(ids);
    net.run(10_000);
    for (const o of ids) for (const p of ids) if (o !== p) expect(net.stateOf(o, p)).toBe('healthy');
    net.crashed.add('e');
    const crashAt = net.nowMs;
    net.run(crashAt + 40_000);
    for (const o of ['a', 'b', 'c', 'd']) expect(net.stateOf(o, 'e')).toBe('failed');
    expect(net.get('a').stats().failuresDeclared + net.get('b').stats().failuresDeclared).toBeGreaterThan(0);
  });
});
