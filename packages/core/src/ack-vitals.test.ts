import { describe, expect, it } from 'vitest';
import { decode, MessageType } from './codec.js';
import { presets } from './config.js';
import { VITALS_REFRESH_MS } from './receive.js';
import { TestNetwork } from './test-network.js';

describe('ack vital signs', () => {
  it('ride on an ack when they changed or every VITALS_REFRESH_MS, not on every ack', () => {
    const net = new TestNetwork(1);
    for (const id of ['a', 'b']) net.add(id, presets.lan);
    net.fullMesh(['a', 'b']);
    net.recordSends = true;
    net.run(130_000);
    const acks = (at: (ms: number) => boolean) =>
      net.sent
        .filter((s) => s.from === 'b' && at(s.atMs))
        .map((s) => decode(s.bytes))
        .flatMap((d) => (d.ok && d.message.type === MessageType.ack ? [d.message] : []));
    const steady = acks((ms) => ms >= 10_000);
    const withVitals = steady.filter((m) => m.vitals !== undefined).length;
    expect(steady.length).toBeGreaterThan(20);
    expect(withVitals).toBeGreaterThanOrEqual(Math.floor(120_000 / VITALS_REFRESH_MS));
    expect(withVitals).toBeLessThanOrEqual(Math.ceil(120_000 / VITALS_REFRESH_MS) + 1);
    // Extrapolated from when they arrived: b's uptime as b sees it, less a one-way delay.
    const uptimeMs = net.get('a').peer('b')?.vitals?.uptimeMs as number;
    expect(uptimeMs).toBeGreaterThan(129_500);
    expect(uptimeMs).toBeLessThanOrEqual(130_000);
    // A change rides on the next ack.
    net.get('b').setMetadata(new Uint8Array([7]));
    const from = net.nowMs;
    net.run(from + 2_000);
    expect(net.get('a').peer('b')?.vitals?.metadata).toEqual(new Uint8Array([7]));
  });
});
