import { describe, expect, it } from 'vitest';
import { presets } from './config.js';
import { Member } from './member.js';
import { memberSnapshot, suspicionFailAtMs } from './member-view.js';
import { updateArrival } from './phi.js';

/** A probed member suspected at 0 by `suspectors`, with arrivals every `gapMs` until `lastHeardMs`. */
function suspect(suspectors: number, gapMs?: number, lastHeardMs = 0): Member {
  const m = new Member('x', 0);
  m.probed = true;
  m.suspicionStartMs = 0;
  m.suspectors = Array.from({ length: suspectors }, (_, i) => `p${i}`);
  if (gapMs !== undefined) {
    for (let i = 0; i < 20; i++) updateArrival(m, i % 2 === 0 ? gapMs / 2 : (3 * gapMs) / 2);
    m.lastHeardMs = lastHeardMs;
  }
  return m;
}

describe('suspicionFailAtMs (the documented example: N = 100, lan preset, min 750 ms, max 4.5 s)', () => {
  const c = presets.lan;
  it.each([
    ['3 confirmations: the minimum', suspect(4), 750],
    ['1 confirmation: log-scaled between', suspect(2), 2625],
    ['no confirmation: the maximum', suspect(1), 4500],
    // Phi is informative (mean gap 500 ms < 4.5 s) and unconfirmed: its deadline, 2500 + about
    // 500 + 4.1 × 250 (gaps of 250/750 ms), adds patience beyond the Lifeguard deadline of 2625 ms.
    [
      '1 confirmation, a peer heard every ~500 ms until 2.5 s: phi adds patience',
      suspect(2, 500, 2500),
      4031,
    ],
    // Sparse arrivals (mean gap 12 s > 4.5 s): phi says nothing useful and is ignored.
    ['1 confirmation, a peer heard every ~12 s: phi ignored', suspect(2, 12_000, 0), 2625],
    ['3 confirmations outweigh phi', suspect(4, 500, 2500), 750],
  ])('%s', (_name, m, want) => {
    expect(Math.round(suspicionFailAtMs(m, c, 100))).toBe(want);
  });
  it('expects only the confirmations live members can give: one other survivor confirms fully', () => {
    expect(suspicionFailAtMs(suspect(2), c, 100, 3)).toBe(750);
    expect(suspicionFailAtMs(suspect(1), c, 100, 3)).toBe(4500);
    expect(suspicionFailAtMs(suspect(2), c, 100, 100)).toBe(2625);
  });
  it('relays that could not try (no link to it) are not waited for (decision 0030)', () => {
    const m = suspect(1);
    m.linked = true;
    // All three relays nacked without trying: nothing to wait for, the minimum.
    m.relaysUnable = 3;
    expect(suspicionFailAtMs(m, c, 100)).toBe(750);
    // One relay could try and did not confirm: the maximum, as before.
    m.relaysUnable = 2;
    expect(suspicionFailAtMs(m, c, 100)).toBe(4500);
    // It confirmed: all the confirmations there could be.
    m.suspectors = ['p0', 'p1'];
    expect(suspicionFailAtMs(m, c, 100)).toBe(750);
    // One of two possible: 4500 − 3750 × log 2 / log 3.
    m.relaysUnable = 1;
    expect(suspicionFailAtMs(m, c, 100)).toBe(2134);
    // No link (it dropped): no own silence holds the verdict, so every relay is waited for again.
    m.linked = false;
    m.suspectors = ['p0'];
    m.relaysUnable = 3;
    expect(suspicionFailAtMs(m, c, 100)).toBe(4500);
  });
  it('a gossip-only member (not probed) waits for the maximum × lifecycle patience', () => {
    const m = suspect(4);
    m.probed = false;
    expect(suspicionFailAtMs(m, c, 100)).toBe(4500);
    m.vitals = { loadMs: 0, uptimeMs: 0, lifecycle: 'hidden', metadata: new Uint8Array(0) };
    expect(suspicionFailAtMs(m, c, 100)).toBe(3 * 4500);
  });
});

describe('memberSnapshot', () => {
  it('carries when the member was last heard (a silent peer went silent then), absent if never', () => {
    expect(memberSnapshot(suspect(1), 9_000, 10)).not.toHaveProperty('lastHeardMs');
    expect(memberSnapshot(suspect(1, 500, 2500), 9_000, 10).lastHeardMs).toBe(2500);
  });
});
