import { describe, expect, it } from 'vitest';
import { presets, retransmitLimit, validateConfig, type DetectorConfig } from './config.js';
import { adaptProtocolPeriodMs } from './interval.js';
import { phiTimeoutMs } from './phi.js';
import { probeTimeoutMs } from './rtt.js';
import { suspicionTimeoutMs, suspicionTimeoutMsMax, suspicionTimeoutMsMin } from './suspicion.js';

describe('documented examples match the formula functions', () => {
  const c = presets.lan;
  it('suspicionMult: "Default 1.5 → 375 ms for N ≤ 10 and 750 ms at N = 100 (at 250 ms)"', () => {
    for (const n of [1, 2, 5, 10])
      expect(suspicionTimeoutMsMin(c.suspicionMult, n, c.probeIntervalMs)).toBe(375);
    expect(suspicionTimeoutMsMin(c.suspicionMult, 100, c.probeIntervalMs)).toBe(750);
  });
  it('suspicionMaxTimeoutMult: "Default 6 → 4.5 s at N = 100"', () => {
    expect(suspicionTimeoutMsMax(c.suspicionMaxTimeoutMult, 750)).toBe(4500);
    expect(suspicionTimeoutMsMax(c.suspicionMaxTimeoutMult, 4000)).toBe(24000);
    expect(suspicionTimeoutMs(4000, 24000, 0, c.suspicionConfirmations)).toBe(24000);
    expect(suspicionTimeoutMs(4000, 24000, c.suspicionConfirmations, c.suspicionConfirmations)).toBe(4000);
  });
  it('probe timeout: max before the first sample, 50 ms floor on a LAN', () => {
    expect(probeTimeoutMs(NaN, NaN, c.probeTimeoutRttVarMult, c.probeTimeoutMsMin, c.probeTimeoutMsMax)).toBe(
      250,
    );
    expect(probeTimeoutMs(2, 1, c.probeTimeoutRttVarMult, c.probeTimeoutMsMin, c.probeTimeoutMsMax)).toBe(50);
  });
  it('retransmitLimit examples', () => {
    expect(retransmitLimit(4, 9)).toBe(4);
    expect(retransmitLimit(4, 10)).toBe(8);
    expect(retransmitLimit(4, 1000)).toBe(16);
  });
  it('phiThreshold 5 means about 4.1 standard deviations of silence beyond the mean', () => {
    expect((phiTimeoutMs(0, 1, c.phiThreshold) * 10) | 0).toBe(41);
  });
  it('interval example: calm network from 500 in [250, 1000]', () => {
    const seq: number[] = [];
    let cur = 500;
    for (let i = 0; i < 5; i++) {
      cur = adaptProtocolPeriodMs({
        currentMs: cur,
        minMs: 250,
        maxMs: 1000,
        loss: 0,
        jitterRatio: 0,
        lossRatioHigh: c.lossRatioHigh,
        jitterRatioHigh: c.jitterRatioHigh,
      });
      seq.push(cur);
    }
    expect(seq).toEqual([750, 875, 938, 1000, 1000]);
  });
});

describe('presets', () => {
  it.each(Object.entries(presets))('%s is valid', (_name, p) => {
    expect(() => validateConfig(p)).not.toThrow();
    // A direct probe times out within the longest period, so probing never falls behind for long.
    expect(p.probeTimeoutMsMax).toBeLessThan(p.probeIntervalMsMax);
  });
  it('the browser preset beats ICE "disconnected" (~7.6 s) at N ≤ 10 with three confirmations', () => {
    const p = presets.browser;
    const min = suspicionTimeoutMsMin(p.suspicionMult, 10, p.probeIntervalMs);
    expect(p.probeIntervalMs + p.probeTimeoutMsMax * 2 + min).toBeLessThan(7600);
  });
});

describe('validateConfig', () => {
  const bad: [string, Partial<DetectorConfig>][] = [
    ['zero interval', { probeIntervalMs: 0 }],
    ['inverted interval bounds', { probeIntervalMsMin: 2000, probeIntervalMsMax: 1000 }],
    ['inverted timeout bounds', { probeTimeoutMsMin: 900, probeTimeoutMsMax: 100 }],
    ['NaN', { suspicionMult: NaN }],
    ['negative k', { indirectChecks: -1 }],
    ['tiny messages', { messageBytesMax: 100 }],
    ['piggyback larger than a message', { piggybackBytesMax: 2000 }],
    ['metadata over 255', { metadataBytesMax: 300 }],
    ['tiers out of order', { degradedPercentMin: 95 }],
  ];
  it.each(bad)('%s throws InvalidConfigError', (_name, patch) => {
    expect(() => validateConfig({ ...presets.lan, ...patch })).toThrow(
      expect.objectContaining({ name: 'InvalidConfigError' }),
    );
  });
});
