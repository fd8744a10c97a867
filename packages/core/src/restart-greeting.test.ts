import { describe, expect, it } from 'vitest';
import { decode, MessageType, UpdateKind } from './codec.js';
import { presets } from './config.js';
import { TestNetwork } from './test-network.js';

const ids = Array.from({ length: 12 }, (_, i) => `p${i}`);
const others = ids.slice(1);

/** A trusted full mesh of 12 whose p0 crashed, was failed everywhere, and restarts at incarnation 1. */
function restarted(
  seed: number,
  drop?: (from: string, to: string, bytes?: Uint8Array) => boolean,
): TestNetwork {
  const net = new TestNetwork(seed, true);
  for (const id of ids) net.add(id, presets.lan);
  net.fullMesh(ids);
  net.run(5_000);
  net.crashed.add('p0');
  net.run(15_000);
  for (const o of others) expect(net.stateOf(o, 'p0')).toBe('failed');
  net.crashed.delete('p0');
  net.recordSends = true;
  if (drop !== undefined) net.drop = drop;
  net.add('p0', presets.lan, 1);
  for (const o of others) {
    net.unlink('p0', o);
    net.link('p0', o);
  }
  return net;
}

/** Updates about p0 sent after the restart to `to` (by `from` if given), of `kind` (at `incarnation` if given). */
function aboutP0(net: TestNetwork, to: string, kind: number, incarnation?: number, from?: string): number {
  let n = 0;
  for (const s of net.sent) {
    if (s.to !== to || (from !== undefined && s.from !== from)) continue;
    const d = decode(s.bytes);
    if (!d.ok) continue;
    for (const u of d.message.updates)
      if (u.peer === 'p0' && u.kind === kind && (incarnation === undefined || u.incarnation === incarnation))
        n++;
  }
  return n;
}

// `it.fails`: decision 0043 (not adopted, session 19) measured the fix and found the hang tail
// lengthened; on main a restart is still told its old verdict by every link and answers each one.
describe('a restart tells each link its new incarnation about once (decision 0043)', () => {
  it.fails(
    'no link is sent the old verdict, and p0 does not answer one: its greeting reached every link',
    () => {
      const net = restarted(43);
      net.run(35_000);
      for (const o of others) {
        expect(net.get(o).peer('p0')?.incarnation, o).toBe(1);
        expect(['recovering', 'healthy']).toContain(net.stateOf(o, 'p0'));
      }
      // The verdict about its previous life, owed to p0 at link-up, was refuted by p0's first message.
      expect(aboutP0(net, 'p0', UpdateKind.failed)).toBe(0);
      // p0 sent its alive to each link once (its greeting), to the two it asked for the table once
      // more (the `sync-req`), and its own few piggybacked copies: it answered no stale verdict.
      let copies = 0;
      for (const o of others) copies += aboutP0(net, o, UpdateKind.alive, 1, 'p0');
      const retransmit = presets.lan.retransmitMult;
      expect(copies).toBeLessThanOrEqual(others.length + 2 + retransmit);
      expect(net.get('p0').stats().pushesSent).toBe(0);
    },
  );

  it.fails(
    'a lost greeting is repaired (gossip, or the verdict owed on p0’s next message, answered to that link alone)',
    () => {
      let lost = 0;
      // p0's first message to p5 (the greeting on its vitals) is lost.
      const net = restarted(44, (from, to, bytes) => {
        if (from !== 'p0' || to !== 'p5' || bytes === undefined || lost > 0) return false;
        const d = decode(bytes);
        if (!d.ok || d.message.type !== MessageType.vitals) return false;
        lost += 1;
        return true;
      });
      net.run(120_000);
      expect(lost).toBe(1);
      expect(net.get('p5').peer('p0')?.incarnation).toBe(1);
      // Nobody but p5 sent p0 the verdict, and p0 answered it (if it came) to p5 alone, not to all.
      const verdictsTo = others.filter((o) =>
        net.sent.some((s) => s.from === o && s.to === 'p0' && carriesFailed(s.bytes)),
      );
      expect(verdictsTo.filter((o) => o !== 'p5')).toEqual([]);
      expect(net.get('p0').stats().pushesSent).toBe(verdictsTo.length);
    },
  );
});

function carriesFailed(bytes: Uint8Array): boolean {
  const d = decode(bytes);
  return d.ok && d.message.updates.some((u) => u.peer === 'p0' && u.kind === UpdateKind.failed);
}
