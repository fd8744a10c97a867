// Decision 0032: a check's window (`unansweredForMs`, the own-pings condition for taking a verdict
// two independent declarers signed at once) counts from the first ping unanswered since this peer
// last heard from the accused, whatever the gaps between its pings. A hidden tab (timers on a 1 s
// grid) pings a second apart, which 0029's fixed `chainGapMs` (550 ms) splits into chains; counted
// from its latest chain, a verdict arriving just after a ping was checked first and taken on the
// next 1 s tick.
import { describe, expect, it } from 'vitest';
import { decode, MessageType } from './codec.js';
import { presets } from './config.js';
import { TestNetwork } from './test-network.js';
import { hideTabs, lieFailed, seedsFrom } from './test-sparse.js';

const SEEDS = seedsFrom(process.env.SEED);
const IDS = ['p0', 'p1', 'p2', 'p3', 'p4', 'x', 'y', 'h'];

/**
 * p0 crashes; `x` tells the hidden tab `h` it failed (one declarer: `h` checks and suspects);
 * 20 ms after `h`'s first ping to p0 that comes over half a second after its first, `y` tells
 * `h` too (two declarers). Returns how long after `y`'s word `h` held p0 failed (ms).
 */
function lagAfterSecondDeclarer(seed: number): number {
  const net = new TestNetwork(seed, true);
  for (const id of IDS) net.add(id, presets.browser);
  net.fullMesh(IDS);
  hideTabs(net, ['h']);
  net.run(20_000);
  const t0 = net.nowMs;
  net.crashed.add('p0');
  net.recordSends = true;
  net.run(t0 + 10);
  lieFailed(net, 'x', 'p0', ['h']);
  const pings = (): number[] =>
    net.sent
      .filter((m) => {
        const r = m.from === 'h' && m.to === 'p0' ? decode(m.bytes) : undefined;
        return r?.ok === true && r.message.type === MessageType.ping;
      })
      .map((m) => m.atMs);
  let later: number | undefined;
  while (later === undefined && net.nowMs < t0 + 5_000) {
    net.run(net.nowMs + 10);
    const p = pings();
    later = p.find((t) => t - (p[0] as number) > 500);
  }
  if (later === undefined) return Infinity;
  net.run(later + 20);
  const told = net.nowMs;
  lieFailed(net, 'y', 'p0', ['h']);
  net.run(told + 3_000);
  return (net.firstTransitionMs('h', 'p0', 'failed', t0) ?? Infinity) - told;
}

describe("a hidden tab's check window counts from its first unanswered ping (decision 0032)", () => {
  it('a hidden tab whose pings to a crashed peer went unanswered a second takes two declarers at once', () => {
    const late: Record<number, number> = {};
    for (const seed of SEEDS) {
      const lag = lagAfterSecondDeclarer(seed);
      if (!(lag <= 0)) late[seed] = lag;
    }
    expect(late).toEqual({});
  });
});
