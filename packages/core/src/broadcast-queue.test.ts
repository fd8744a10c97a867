import { describe, expect, it } from 'vitest';
import { BroadcastQueue, Spend, type PastHolders } from './broadcast-queue.js';
import { UpdateKind, updateBytes, type Update } from './codec.js';

const alive = (peer: string, incarnation = 0): Update => ({
  kind: UpdateKind.alive,
  peer,
  incarnation,
  from: undefined,
});

describe('BroadcastQueue', () => {
  it('sends least-sent first, newest first among equals, and retires at the limit', () => {
    const q = new BroadcastQueue(100);
    q.push(alive('p1'));
    q.push(alive('p2'));
    expect(q.take('x', 1000, 2).map((u) => u.peer)).toEqual(['p2', 'p1']);
    q.push(alive('p3'));
    expect(q.take('y', 1000, 2).map((u) => u.peer)).toEqual(['p3', 'p2', 'p1']);
    expect(q.size).toBe(1);
    expect(q.take('z', 1000, 2).map((u) => u.peer)).toEqual(['p3']);
    expect(q.size).toBe(0);
    expect(q.take('x', 1000, 2)).toEqual([]);
  });

  it('re-sorts after a take that sent only some entries, and after a push (the sort-skip fast path)', () => {
    const q = new BroadcastQueue(100);
    for (const p of ['p1', 'p2', 'p3']) q.push(alive(p));
    const one = updateBytes(alive('p1'));
    // Budget for all: every entry moves up by one, the order stands.
    expect(q.take('d1', 1000, 9).map((u) => u.peer)).toEqual(['p3', 'p2', 'p1']);
    // Budget for one: p3 is sent twice now, so the next take must pick p2, then p1.
    expect(q.take('d2', one, 9).map((u) => u.peer)).toEqual(['p3']);
    expect(q.take('d3', one, 9).map((u) => u.peer)).toEqual(['p2']);
    expect(q.take('d4', one, 9).map((u) => u.peer)).toEqual(['p1']);
    expect(q.take('d5', 1000, 9).map((u) => u.peer)).toEqual(['p3', 'p2', 'p1']);
    // A push after a full take: the new entry, never sent, goes first (distinct destinations: none holds it).
    q.push(alive('p4'));
    expect(q.take('d6', one, 9).map((u) => u.peer)).toEqual(['p4']);
  });

  it('a free take (a witnessed check) sends copies without spending them, but counts the update about its destination', () => {
    const q = new BroadcastQueue(100);
    q.push(alive('p1'));
    q.push(alive('c'));
    // A reconnect storm: a hundred checks of c, each a free take to c.
    for (let i = 0; i < 100; i++) q.take('c', 1000, 2, Spend.free);
    expect(q.size).toBe(2); // c's own update counted once for c (decision 0063), p1's not at all
    // p1 is still owed to the room in full, and not re-sent to c, which holds it.
    expect(q.take('x', 1000, 2).map((u) => u.peer)).toEqual(['p1', 'c']);
    expect(q.size).toBe(1); // c's own: counted for c and x, its limit
    expect(q.take('c', 1000, 2)).toEqual([]); // p1: the skip at c counted (once), its limit
    expect(q.size).toBe(0);
  });

  it("replies from any number of ids count one destination's share; past it they ride free (decision 0070)", () => {
    const q = new BroadcastQueue(100);
    q.push(alive('dave'));
    // Limit 12: one destination's share is 3. 1,000 ids each answered 10 times.
    let sent = 0;
    for (let i = 0; i < 1_000; i++)
      for (let k = 0; k < 10; k++) sent += q.take(`id${i}`, 1000, 12, Spend.reply).length;
    // The first 48 (`HOLDERS_MAX`) got dave once each (a copy notes its holder); past a full holder
    // list a reply past the share carries nothing it could not note, so no id gets it on every answer.
    expect(sent).toBe(48);
    expect(q.size).toBe(1);
    const e = (q as unknown as { list: { transmits: number; replies: number }[] }).list[0];
    expect(e).toMatchObject({ transmits: 3, replies: 3 });
    // The other 9 transmissions go out on sends this peer chose, one each.
    for (let i = 0; i < 8; i++) expect(q.take(`h${i}`, 1000, 12).map((u) => u.peer)).toEqual(['dave']);
    expect(q.size).toBe(1);
    q.take('h8', 1000, 12);
    expect(q.size).toBe(0);
  });

  it('past a full holder list a reply to a member with its own record carries each update once (decision 0078)', () => {
    const q = new BroadcastQueue(100);
    q.push(alive('dave'));
    // 48 ids fill dave's holder list and spend the replies' share (limit 12: a share of 3).
    for (let i = 0; i < 48; i++) q.take(`id${i}`, 1000, 12, Spend.reply);
    // A member past the list (h1, its record kept by the detector) is answered 10 times: it gets
    // dave once, noted in its own record, not skipped and not on every answer.
    const h1: PastHolders = { heldPastHolders: undefined };
    let toH1 = 0;
    for (let k = 0; k < 10; k++) toH1 += q.take('h1', 1000, 12, Spend.reply, Infinity, h1).length;
    expect(toH1).toBe(1);
    // A newer update about dave is news again, also past a full list: the record holds the update.
    q.push(alive('dave', 1));
    for (let i = 0; i < 48; i++) q.take(`id${i}`, 1000, 12, Spend.reply);
    expect(q.take('h1', 1000, 12, Spend.reply, Infinity, h1).map((u) => u.incarnation)).toEqual([1]);
    // A sender with no record (a stranger) past a full list is still skipped (decision 0070).
    expect(q.take('stranger', 1000, 12, Spend.reply)).toEqual([]);
  });

  it('a reply counts the update about its destination for that destination only, as a free take does', () => {
    const q = new BroadcastQueue(100);
    q.push(alive('c'));
    for (let i = 0; i < 100; i++) expect(q.take('c', 1000, 4, Spend.reply).map((u) => u.peer)).toEqual(['c']);
    expect(q.size).toBe(1); // c's own: counted once (c's share, 1 of 4), then sent uncounted
    q.take('x', 1000, 4, Spend.reply); // the replies' share (1 of 4): counted
    q.take('y', 1000, 4, Spend.reply); // past it: sent, free
    q.take('z', 1000, 4);
    expect(q.size).toBe(1); // 3 of 4
    q.take('w', 1000, 4);
    expect(q.size).toBe(0);
  });

  it('keeps one update per peer, the newest, with a fresh transmit count', () => {
    const q = new BroadcastQueue(100);
    q.push(alive('p1', 1));
    q.take('x', 1000, 2);
    q.push({ kind: UpdateKind.suspect, peer: 'p1', incarnation: 1, from: 'q' });
    expect(q.size).toBe(1);
    expect(q.take('x', 1000, 2)).toEqual([
      { kind: UpdateKind.suspect, peer: 'p1', incarnation: 1, from: 'q' },
    ]);
    expect(q.size).toBe(1);
  });

  it('puts the update about the destination first and respects the byte budget', () => {
    const q = new BroadcastQueue(100);
    for (let i = 0; i < 10; i++) q.push(alive(`peer-${i}`));
    const one = updateBytes(alive('peer-0'));
    const got = q.take('peer-0', one * 3, 10);
    expect(got.map((u) => u.peer)).toEqual(['peer-0', 'peer-9', 'peer-8']);
  });

  it('is bounded: past max the oldest-queued update is dropped; per-update limits apply', () => {
    const q = new BroadcastQueue(3);
    for (let i = 0; i < 5; i++) q.push(alive(`p${i}`));
    expect(q.size).toBe(3);
    expect(q.take('x', 1000, 9).map((u) => u.peer)).toEqual(['p4', 'p3', 'p2']);
    q.push(alive('once'), 1);
    q.take('x', 1000, 9);
    expect(q.take('x', 1000, 9).map((u) => u.peer)).not.toContain('once');
  });

  it('does not send an update to a peer known to hold it, but counts the skip towards the limit', () => {
    const q = new BroadcastQueue(100);
    q.push(alive('p1'));
    q.push(alive('p2'));
    q.held('x', alive('p1'));
    q.held('x', alive('p2', 1)); // another incarnation: x does not hold the queued one
    expect(q.take('x', 1000, 3).map((u) => u.peer)).toEqual(['p2']);
    expect(q.take('x', 1000, 3)).toEqual([]); // p2 went to x: held there now
    expect(q.take('y', 1000, 3).map((u) => u.peer)).toEqual(['p2', 'p1']);
    expect(q.size).toBe(2); // the second take at x counted nothing: x was counted once (decision 0063)
    expect(q.take('z', 1000, 3).map((u) => u.peer)).toEqual(['p2', 'p1']);
    expect(q.size).toBe(0); // each: 3 transmissions (x, y, z), p1's at x a skip
    const suspect = (from: string): Update => ({
      kind: UpdateKind.suspect,
      peer: 'p3',
      incarnation: 0,
      from,
    });
    q.push(suspect('a'));
    q.held('x', suspect('b')); // another accuser's suspicion is another confirmation
    expect(q.take('x', 1000, 3).map((u) => u.peer)).toEqual(['p3']);
  });

  it('counts at most a quarter of the limit per destination: a flood of messages to one member retires nothing (decision 0063)', () => {
    const q = new BroadcastQueue(100);
    q.push(alive('dave'));
    // Mallory makes this peer answer her 1,000 times: dave's alive goes to her once, counted once.
    const toMallory = Array.from({ length: 1_000 }, () => q.take('mallory', 1000, 4));
    expect(toMallory.filter((got) => got.length > 0)).toHaveLength(1);
    expect(q.size).toBe(1);
    // Still owed to three others: the limit (4) is reached at the third.
    for (const h of ['h1', 'h2', 'h3']) expect(q.take(h, 1000, 4).map((u) => u.peer)).toEqual(['dave']);
    expect(q.size).toBe(0);
    // At N = 1000 (limit 16) one destination counts at most a quarter: 4 of Mallory's 1,000.
    q.push(alive('erin'));
    for (let i = 0; i < 1_000; i++) q.take('mallory', 1000, 16);
    for (let i = 0; i < 11; i++) q.take(`h${i}`, 1000, 16);
    expect(q.size).toBe(1);
    expect(q.take('h11', 1000, 16).map((u) => u.peer)).toEqual(['erin']);
    expect(q.size).toBe(0);
  });

  it('retires an update counted for every link (`reach`) below its limit: nobody is left to tell', () => {
    const q = new BroadcastQueue(100);
    q.push(alive('p1'));
    q.held('a', alive('p1'));
    expect(q.take('b', 1000, 4, Spend.chosen, 3).map((u) => u.peer)).toEqual(['p1']);
    expect(q.take('c', 1000, 4, Spend.chosen, 3).map((u) => u.peer)).toEqual(['p1']);
    expect(q.size).toBe(1);
    expect(q.take('a', 1000, 4, Spend.chosen, 3)).toEqual([]); // a holds it: the skip counts, the third link
    expect(q.size).toBe(0);
  });
  it("reply copies past the replies' share still order the queue: newer news goes first (0079)", () => {
    const q = new BroadcastQueue(100);
    const one = updateBytes(alive('old'));
    q.push(alive('old'));
    // 40 ids each answered once: 4 count (one destination's share of 16), 36 ride along uncounted.
    for (let i = 0; i < 40; i++) q.take(`id${i}`, one, 16, Spend.reply);
    q.push(alive('new'));
    // Five chosen sends of the new one: it has counted more than the old one's 4.
    for (let i = 0; i < 5; i++) expect(q.take(`h${i}`, one, 16, Spend.chosen)[0]?.peer).toBe('new');
    // The old one went out 40 times, the new one 5: room for one, the new one goes first.
    expect(q.take('h9', one, 16, Spend.chosen).map((u) => u.peer)).toEqual(['new']);
  });
});
