import { describe, expect, it } from 'vitest';
import { helpText, parseEdgePeerArgs } from './args.js';
import { renderView } from './terminal-view.js';

describe('parseEdgePeerArgs', () => {
  it('reads flags, falls back to env vars, and lets flags win', () => {
    const r = parseEdgePeerArgs(
      ['--signal=ws://a:1', '--id', 'x', '--probe-interval-ms', '250', '--ice', 'stun:s:3478'],
      {
        PULSEMESH_ROOM: 'r1',
        PULSEMESH_IDENTITY_FILE: '/tmp/k',
        PULSEMESH_ID: 'ignored',
        PULSEMESH_METRICS_PORT: '0',
        PULSEMESH_JSON: '1',
        PULSEMESH_CONFIG: '{"suspicionMaxTimeoutMult":4}',
      },
    );
    expect(r).toMatchObject({
      ok: true,
      args: {
        signal: 'ws://a:1',
        room: 'r1',
        id: 'x',
        identityFile: '/tmp/k',
        historyFile: '/tmp/k.history.jsonl',
        probeIntervalMs: 250,
        metricsPort: 0,
        json: true,
        preset: 'node',
        iceServers: ['stun:s:3478'],
        config: { suspicionMaxTimeoutMult: 4 },
      },
    });
  });

  it('keeps the history next to the identity file unless --history-file says where', () => {
    const parse = (argv: string[]) => parseEdgePeerArgs(['--signal=ws://a:1', ...argv], {});
    expect(parse([])).toMatchObject({ ok: true, args: { historyFile: undefined } });
    expect(parse(['--history-file=/h'])).toMatchObject({ ok: true, args: { historyFile: '/h' } });
    expect(parse(['--identity-file=/k', '--history-file=/h'])).toMatchObject({
      ok: true,
      args: { historyFile: '/h' },
    });
  });

  it.each([
    [[], 'missing --signal'],
    [['--signal=http://x'], 'ws://'],
    [['--signal=ws://x', '--preset=moon'], 'unknown preset'],
    [['--signal=ws://x', '--probe-interval-ms=-5'], 'must be a number'],
    [['--signal=ws://x', '--metrics-port=70000'], 'must be a number'],
    [['--signal=ws://x', '--nope'], 'Unknown option'],
    [['--signal=ws://x', '--config={'], 'not JSON'],
    [['--signal=ws://x', '--config={"a":"b"}'], 'must be a number'],
  ])('rejects %j', (argv, message) => {
    const r = parseEdgePeerArgs(argv, {});
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toContain(message);
  });

  it('accepts --help without --signal and documents every flag with its env var', () => {
    expect(parseEdgePeerArgs(['--help'], {})).toMatchObject({ ok: true, args: { help: true } });
    for (const flag of [
      '--signal',
      '--room',
      '--id',
      '--identity-file',
      '--history-file',
      '--token',
      '--preset',
      '--bind-address',
      '--metrics-port',
      '--json',
    ])
      expect(helpText).toContain(flag);
    expect(helpText).toContain('PULSEMESH_SIGNAL');
  });
});

describe('renderView', () => {
  it('shows the cluster line and one row per peer, sorted', () => {
    const link = { rttMs: 1.5, rttVarMs: 0.2, loss: 0.25, rttSamplesMs: [], bytesSent: 0, bytesReceived: 0 };
    const lines = renderView({
      id: 'me',
      room: 'r',
      signal: 'connected',
      health: {
        counts: { healthy: 2, suspected: 0, failed: 1, recovering: 0, left: 0 },
        total: 3,
        healthPercent: 66.7,
        tier: 'CRITICAL',
        minorityPartition: false,
      },
      localHealthScore: 0,
      protocolPeriodMs: 1000,
      timerLateMs: 3,
      peers: [
        {
          id: 'zed',
          state: 'failed',
          sinceMs: 0,
          incarnation: 0,
          phi: 9.2,
          direct: true,
          link,
          vitals: undefined,
          signalingLost: false,
        },
        {
          id: 'amy',
          state: 'healthy',
          sinceMs: 500,
          incarnation: 0,
          phi: 0.1,
          direct: false,
          link,
          vitals: undefined,
          signalingLost: false,
        },
      ],
      links: new Map(),
      nowMs: 10_500,
    });
    expect(lines[0]).toContain('signaling connected');
    expect(lines[1]).toContain('CRITICAL 67%');
    expect(lines[5]).toMatch(/^amy\s+● healthy\s+10s\s+1\.5\s+-\s+25\.0%\s+0\.1\s+gossip/);
    expect(lines[6]).toMatch(/^zed\s+✖ failed/);
  });
});
