// Session-23 second review (s23review2) of decision 0076 (a retry from the unseated pool may take
// the seat of a once-linked member whose link has been down for `UNLINKED_GRACE_MS` = 10 s; a
// relink ends the grace, the next link-down starts it again) as a hostile room member attacks it and
// as an honest member suffers it. `TestNetwork` (lan preset, virtual clock: every run is the same).
// victim has `membersMax` 3, below its links: the configuration decisions 0069, 0072 and 0076 are
// for (with the defaults no link is ever refused).
// A held property is an `it`; a hole is an `it.fails` naming the property, with its numbers and a fix.
// Run: nice -n 10 pnpm vitest run packages/core/src/review-s23b-seat.test.ts
import { describe, expect, it } from 'vitest';
import { presets } from './config.js';
import { UNLINKED_GRACE_MS } from './membership.js';
import { TestNetwork } from './test-network.js';

const END_MS = 44_000;

interface Seats {
  /** When `waiting` first held a linked seat at victim, ms after its link-up at 3 s (Infinity: never). */
  seatedAfterMs: number;
  /** Whether `waiting` holds a linked seat at the end. */
  seatedAtEnd: boolean;
  /** victim's refused seat tries over the run. */
  refused: number;
  /** Share of the run (from 4 s) the cycling member's link to victim was up. */
  linkedShare: number;
}

/**
 * victim (`membersMax` 3) linked to h1, h2 and `cycler`, all linked to h1 (so `cycler` stays alive
 * through h1 while its own link to victim is down). At 3 s newcomer (linked to h1) links to
 * victim: the full table refuses it, it waits unseated and retries on its messages. From 4 s the
 * cycler's link to victim goes down and comes back for `upMs` every `periodMs`, to the end (44 s).
 */
function cycling(periodMs: number, upMs: number): Seats {
  const net = new TestNetwork(5);
  net.add('victim', { ...presets.lan, membersMax: 3 });
  for (const id of ['h1', 'h2', 'cycler', 'newcomer']) net.add(id);
  for (const id of ['h2', 'cycler', 'newcomer']) net.link('h1', id);
  for (const id of ['h1', 'h2', 'cycler']) net.link('victim', id);
  net.run(3_000);
  const victim = net.get('victim');
  const dropped = victim.stats().membersDropped;
  net.link('victim', 'newcomer');
  net.run(4_000);
  let seatedAtMs = Infinity;
  let upFor = 0;
  for (let t = 4_000; t < END_MS; t += 50) {
    const phase = (t - 4_000) % periodMs;
    if (phase === 0) net.unlink('victim', 'cycler');
    if (phase === periodMs - upMs) net.link('victim', 'cycler');
    if (phase >= periodMs - upMs) upFor += 50;
    net.run(t + 50);
    if (seatedAtMs === Infinity && victim.peer('newcomer')?.direct === true) seatedAtMs = t + 50;
  }
  return {
    seatedAfterMs: seatedAtMs - 3_000,
    seatedAtEnd: victim.peer('newcomer')?.direct === true,
    refused: victim.stats().membersDropped - dropped,
    linkedShare: upFor / (END_MS - 4_000),
  };
}

const show = (what: string, r: Seats): string =>
  `${what}: newcomer seated after ${r.seatedAfterMs} ms (at the end: ${r.seatedAtEnd}), ` +
  `${r.refused} seat tries refused; the cycler's link was up ${(100 * r.linkedShare).toFixed(1)} % of 40 s`;

describe('decision 0076: a member that relinks to keep its seat', () => {
  // Held: a cycle just over the grace (down 10.4 s, up 0.1 s) gives the seat to the newcomer at
  // the first cycle's end, as a link down for good does.
  it('a member down just over the grace between relinks loses its seat to a linked newcomer', () => {
    const r = cycling(UNLINKED_GRACE_MS + 500, 100);
    console.log(show('cycler down 10.4 s, up 0.1 s', r));
    expect(r.seatedAfterMs).toBeLessThan(13_000);
    expect(r.seatedAtEnd).toBe(true);
  });

  // HOLE (s23review2; named open by 0076's author): Mallory keeps a seat with a link that is up
  // 100 ms every 9.9 s (~1 % of the time): each relink ends the grace and the next link-down
  // starts it again at zero, so a linked newcomer, refused by a full table, is never seated in 40 s
  // (numbers printed: seated after Infinity ms, hundreds of seat tries refused) while victim
  // monitors Mallory through h1 only. Proposed fix: the grace counts the time unlinked, not since
  // the last link-down: a relink ends it only once the link has stayed up for a whole grace (or
  // carried an acked probe of ours after 2 s up); e.g. keep `unlinkedAtMs` through a relink and
  // clear it in the probe-ack path when the link has been up `UNLINKED_GRACE_MS`.
  it.fails('a linked newcomer is seated within 30 s while Mallory relinks for 100 ms every 9.9 s', () => {
    const r = cycling(UNLINKED_GRACE_MS - 100, 100);
    console.log(show('Mallory down 9.8 s, up 0.1 s', r));
    expect(r.seatedAfterMs).toBeLessThan(30_000);
  });
});

/**
 * victim (`membersMax` 3) linked to h1, h2 and h3 (all linked to h1); newcomer (linked to h1)
 * links to victim at 3 s and waits unseated. h2's link to victim goes down at 4 s (an ICE restart)
 * and comes back `restartMs` later. Runs to 44 s.
 */
function iceRestart(restartMs: number): {
  h2Linked: boolean;
  h2Member: boolean;
  newcomerLinked: boolean;
  evicted: number;
} {
  const net = new TestNetwork(5);
  net.add('victim', { ...presets.lan, membersMax: 3 });
  for (const id of ['h1', 'h2', 'h3', 'newcomer']) net.add(id);
  for (const id of ['h2', 'h3', 'newcomer']) net.link('h1', id);
  for (const id of ['h1', 'h2', 'h3']) net.link('victim', id);
  net.run(3_000);
  net.link('victim', 'newcomer');
  net.run(4_000);
  net.unlink('victim', 'h2');
  net.run(4_000 + restartMs);
  net.link('victim', 'h2');
  net.run(END_MS);
  const victim = net.get('victim');
  return {
    h2Linked: victim.peer('h2')?.direct === true,
    h2Member: victim.peer('h2') !== undefined,
    newcomerLinked: victim.peer('newcomer')?.direct === true,
    evicted: victim.stats().membersEvicted,
  };
}

const showRestart = (ms: number, r: ReturnType<typeof iceRestart>): string =>
  `h2's ICE restart of ${ms} ms: at 44 s h2 linked seat ${r.h2Linked} (a member at all: ${r.h2Member}), ` +
  `newcomer linked seat ${r.newcomerLinked}, victim membersEvicted ${r.evicted}`;

describe('decision 0076: an honest member whose ICE restart outlasts the grace', () => {
  // Held: a 9 s restart keeps the seat (the grace's purpose); the newcomer stays unseated.
  it('a 9 s ICE restart keeps its seat against a waiting linked newcomer', () => {
    const r = iceRestart(9_000);
    console.log(showRestart(9_000, r));
    expect(r.h2Linked).toBe(true);
    expect(r.evicted).toBe(0);
  });

  // HOLE (s23review2; named "weak" in 0076): a 12 s ICE restart (within what browsers take to
  // declare ICE failed and restart: Chrome's `failed` comes ~30 s after `disconnected` on some
  // paths) loses h2 its seat at 10 s to the waiting newcomer; at its relink 2 s later the table is
  // all linked and h2 waits unseated, unmonitored, for the rest of the run (30 s: numbers printed)
  // and for as long as every seat stays linked. Whoever waits is honest here, so the fix is a
  // trade-off, not a free win: derive the grace from each member's own history (the longest
  // link-down it came back from, × 2, at least 10 s) so a member that restarts slowly keeps its
  // seat, or let a member evicted for its grace reclaim a seat at its relink within one grace from
  // the peer that took it (which then waits, as it did before).
  it.fails('an honest member back from a 12 s ICE restart holds a linked seat again', () => {
    const r = iceRestart(12_000);
    console.log(showRestart(12_000, r));
    expect(r.h2Linked).toBe(true);
  });
});
