import { describe, expect, it } from 'vitest';
import { Member, RTT_SAMPLES_MAX } from './member.js';

describe('Member RTT samples (ring of the last RTT_SAMPLES_MAX)', () => {
  it('is empty before any sample', () => {
    expect(new Member('p', 0).rttSamplesInOrder()).toEqual([]);
  });

  it('keeps samples oldest first until full', () => {
    const m = new Member('p', 0);
    for (const ms of [3, 1, 4]) m.addRttSample(ms);
    expect(m.rttSamplesInOrder()).toEqual([3, 1, 4]);
  });

  it('keeps only the newest RTT_SAMPLES_MAX, oldest first, after wrapping', () => {
    const m = new Member('p', 0);
    const total = RTT_SAMPLES_MAX * 2 + 5;
    for (let i = 0; i < total; i++) m.addRttSample(i);
    const expected = Array.from({ length: RTT_SAMPLES_MAX }, (_, i) => total - RTT_SAMPLES_MAX + i);
    expect(m.rttSamplesInOrder()).toEqual(expected);
  });
});
