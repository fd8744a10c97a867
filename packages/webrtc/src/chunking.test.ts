import { describe, expect, it } from 'vitest';
import { backoffDelayMs } from './backoff.js';
import { chunkHeaderBytes, chunkMessage, Reassembler } from './chunking.js';
import { isInitiator } from './initiator.js';
import { parseLinkSignal } from './link-signal.js';
import { selectedPairStats } from './link-stats.js';
import { SequenceLoss } from './sequence-loss.js';

describe('chunking', () => {
  it.each([0, 1, 100, 991, 992, 5_000])('round-trips %i bytes through 1,000-byte frames', (size) => {
    const payload = new Uint8Array(size).map((_, i) => i % 256);
    const frames = chunkMessage(7, payload, 1_000);
    expect(frames.every((f) => f.length <= 1_000)).toBe(true);
    expect(frames.length).toBe(Math.max(1, Math.ceil(size / (1_000 - chunkHeaderBytes))));
    const r = new Reassembler(1 << 20);
    const results = frames.map((f) => r.push(f));
    expect(results.slice(0, -1).every((x) => x.kind === 'partial')).toBe(true);
    expect(results.at(-1)).toEqual({ kind: 'message', payload });
  });

  it('rejects out-of-sequence, unknown and oversized frames, then recovers', () => {
    const r = new Reassembler(1_500);
    const frames = chunkMessage(1, new Uint8Array(3_000), 1_000);
    expect(r.push(frames[1]!).kind).toBe('error');
    expect(r.push(new Uint8Array([9, 0, 0, 0, 0, 0, 0, 0, 1])).kind).toBe('error');
    expect(r.push(new Uint8Array(3)).kind).toBe('error');
    expect(r.push(frames[0]!).kind).toBe('partial');
    expect(r.push(frames[1]!)).toEqual({ kind: 'error', error: 'message too large' });
    const small = chunkMessage(2, new Uint8Array([1, 2]), 1_000);
    expect(r.push(small[0]!)).toEqual({ kind: 'message', payload: new Uint8Array([1, 2]) });
  });

  it('an oversized message is one error: its remaining chunks are dropped quietly', () => {
    const r = new Reassembler(1_500);
    const results = chunkMessage(4, new Uint8Array(13_000), 1_000).map((f) => r.push(f));
    expect(results.filter((x) => x.kind === 'error')).toEqual([
      { kind: 'error', error: 'message too large' },
    ]);
    expect(results.some((x) => x.kind === 'message')).toBe(false);
    const next = chunkMessage(5, new Uint8Array(1_200).fill(7), 1_000);
    expect(next.map((f) => r.push(f)).at(-1)).toEqual({
      kind: 'message',
      payload: new Uint8Array(1_200).fill(7),
    });
    // A chunk out of sequence while dropping is still an error.
    const big = chunkMessage(6, new Uint8Array(3_000), 1_000);
    expect(r.push(big[0]!).kind).toBe('partial');
    expect(r.push(big[1]!).kind).toBe('error');
    expect(r.push(big[3]!)).toEqual({ kind: 'error', error: 'chunk out of sequence' });
  });
});

describe('backoffDelayMs', () => {
  it('doubles from initialMs up to maxMs, jittered in [0.5, 1)', () => {
    const options = { initialMs: 1_000, maxMs: 30_000 };
    expect([0, 1, 2, 3, 4, 5, 6].map((n) => backoffDelayMs(n, options, () => 0))).toEqual([
      500, 1_000, 2_000, 4_000, 8_000, 15_000, 15_000,
    ]);
    expect(backoffDelayMs(0, options, () => 0.999_999)).toBe(1_000);
  });
});

describe('isInitiator', () => {
  it('is antisymmetric and refuses a self link', () => {
    expect(isInitiator('a', 'b')).toBe(true);
    expect(isInitiator('b', 'a')).toBe(false);
    expect(() => isInitiator('a', 'a')).toThrow();
  });
});

describe('parseLinkSignal', () => {
  it.each([
    [{ v: 1, t: 'dial' }, true],
    [{ v: 1, t: 'busy' }, true],
    [{ v: 1, t: 'bye', s: 'abc' }, true],
    [{ v: 1, t: 'sdp', s: 'abc', d: [{ type: 'offer', sdp: 'v=0' }] }, true],
    [{ v: 1, t: 'sdp', s: 'abc', d: [] }, false],
    [{ v: 1, t: 'sdp', s: 'abc', d: { type: 'offer', sdp: 'v=0' } }, false],
    [
      { v: 1, t: 'sdp', s: 'abc', d: [{ type: 'candidate', candidate: { candidate: 'c', sdpMid: '0' } }] },
      true,
    ],
    [{ v: 2, t: 'dial' }, false],
    [{ v: 1, t: 'bye' }, false],
    [{ v: 1, t: 'sdp', s: 'a b', d: [{ type: 'offer', sdp: '' }] }, false],
    [{ v: 1, t: 'sdp', s: 'abc', d: [{ type: 'offer', sdp: 'x'.repeat(70_000) }] }, false],
    [{ v: 1, t: 'sdp', s: 'abc', d: [{ type: 'candidate' }] }, false],
    [{ v: 1, t: 'sdp', s: 'abc', d: [{ type: 'offer', sdp: 'v=0' }], p: { k: 'a', g: 'b' } }, true],
    [{ v: 1, t: 'sdp', s: 'abc', d: [{ type: 'offer', sdp: 'v=0' }], p: { k: 'a' } }, false],
    [
      { v: 1, t: 'sdp', s: 'abc', d: [{ type: 'offer', sdp: 'v=0' }], p: { k: 'a', g: 'b'.repeat(200) } },
      false,
    ],
    [{ v: 1, t: 'nope' }, false],
    [null, false],
    ['dial', false],
  ])('%j → ok %s', (payload, ok) => {
    expect(parseLinkSignal(payload).ok).toBe(ok);
  });
});

describe('SequenceLoss', () => {
  it('counts gaps as loss and lets late arrivals fill them', () => {
    const loss = new SequenceLoss();
    for (const seq of [0, 1, 2, 4, 5, 7]) loss.record(seq);
    expect(loss.ratio()).toBeCloseTo(2 / 8);
    loss.record(3);
    expect(loss.ratio()).toBeCloseTo(1 / 8);
    const fresh = new SequenceLoss();
    fresh.record(0xffff_ffff);
    fresh.record(0);
    expect(fresh.ratio()).toBe(0);
  });
});

describe('selectedPairStats', () => {
  it('reads the selected pair through the transport (seconds → ms)', () => {
    const stats = selectedPairStats(
      [
        { id: 'T', type: 'transport', selectedCandidatePairId: 'P', bytesSent: 10, bytesReceived: 20 },
        {
          id: 'P',
          type: 'candidate-pair',
          currentRoundTripTime: 0.004,
          localCandidateId: 'L',
          remoteCandidateId: 'R',
        },
        { id: 'X', type: 'candidate-pair', currentRoundTripTime: 9 },
        { id: 'L', type: 'local-candidate', address: '127.0.0.1' },
        { id: 'R', type: 'remote-candidate', ip: '::1' },
      ],
      1_000,
    );
    expect(stats).toEqual({
      rttMs: 4,
      bytesSent: 10,
      bytesReceived: 20,
      localAddress: '127.0.0.1',
      remoteAddress: '::1',
    });
  });

  it('falls back to a selected pair and reports nothing when there is none', () => {
    expect(
      selectedPairStats([{ id: 'P', type: 'candidate-pair', selected: true, currentRoundTripTime: 3 }], 1)
        .rttMs,
    ).toBe(3);
    expect(selectedPairStats([], 1).rttMs).toBeUndefined();
  });
});
