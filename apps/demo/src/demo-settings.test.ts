import { describe, expect, it } from 'vitest';
import { defaultRoom, defaultSignalUrl, readSettings } from './demo-settings.js';

describe('readSettings', () => {
  it('defaults: room demo, the local signaling server, no detector overrides (the stock defaults)', () => {
    const { settings, errors } = readSettings('', undefined);
    expect(settings).toEqual({
      signalUrl: defaultSignalUrl,
      room: defaultRoom,
      peerId: undefined,
      config: {},
      theme: 'auto',
    });
    expect(errors).toEqual([]);
  });

  it('the build-time URL, then ?signal=, win in that order', () => {
    expect(readSettings('', 'wss://built.example').settings.signalUrl).toBe('wss://built.example');
    expect(readSettings('?signal=ws://127.0.0.1:9', 'wss://built.example').settings.signalUrl).toBe(
      'ws://127.0.0.1:9',
    );
  });

  it('reads room, id, config overrides and theme', () => {
    const { settings } = readSettings(
      '?room=r1&id=tab-7&config={"probeIntervalMs":500}&theme=dark',
      undefined,
    );
    expect(settings.room).toBe('r1');
    expect(settings.peerId).toBe('tab-7');
    expect(settings.config).toEqual({ probeIntervalMs: 500 });
    expect(settings.theme).toBe('dark');
  });

  it('ignores malformed values, says so, and still starts', () => {
    const { settings, errors } = readSettings('?signal=http://x&id=Tab-7&config=[&theme=pink', undefined);
    expect(settings.signalUrl).toBe(defaultSignalUrl);
    expect(settings.peerId).toBeUndefined();
    expect(settings.config).toEqual({});
    expect(settings.theme).toBe('auto');
    expect(errors).toHaveLength(3);
  });
});
