/**
 * Piggyback dissemination queue (SWIM §4.1, memberlist `TransmitLimitedQueue`): at most one pending
 * update per peer (a newer one replaces the older), each sent up to a retransmit limit, least-sent
 * and then newest first, within a byte budget per message. An update is not piggybacked to a peer
 * known to hold it (it came from there, or went there): in a partial mesh most copies were such
 * echoes, and a signed update is ~110 bytes.
 * One destination spends at most a quarter of an update's transmissions (decision 0063): a peer
 * that makes this one send to it again and again (a member flooding pings or ping-reqs, each
 * answered with gossip) cannot retire what this peer owes the others. All replies together count
 * as one destination (decision 0070), however many ids ask: three quarters go out on sends this
 * peer chose.
 */
import { UpdateKind, updateBytes, type Update } from './codec.js';

interface Entry {
  update: Update;
  transmits: number;
  /** Own retransmit limit, or 0 for the limit given to `take`. */
  limit: number;
  order: number;
  bytes: number;
  retired: boolean;
  /** Peers known to hold this update (it came from them or was sent to them), at most {@link HOLDERS_MAX}. */
  holders: string[];
  /** The destination of each transmission counted (a destination at most its share), at most the retransmit limit. */
  counted: string[];
  /** Transmissions counted on replies ({@link Spend.reply}): all together at most one destination's share. */
  replies: number;
  /**
   * Reply copies sent past the replies' share (not counted against the limit): they still order the
   * queue as sends, so an update carried on many answers does not stay ahead of newer news (0079).
   */
  uncounted: number;
}

/**
 * What a `take`'s copies spend of their updates' retransmit limits:
 * - `chosen`: a send this peer chose (a probe, a ping-req, a push): each copy counts.
 * - `reply`: a send another peer asked for (an ack, a nack, a relayed ack, a relay job's ping):
 *   counts until replies together have counted one destination's share of the update's limit,
 *   then rides along free (decision 0070).
 * - `free`: a witnessed check's ping (decision 0045): only the update about the destination counts.
 */
export const Spend = { chosen: 0, reply: 1, free: 2 } as const;
export type Spend = (typeof Spend)[keyof typeof Spend];

/**
 * A destination's own note of the updates it was sent past their full holder lists (decision
 * 0078): a member record, so the updates a member holds never need the shared list. Weak: an
 * update retired or replaced is dropped with it, so it holds at most the queue's pending updates.
 */
export interface PastHolders {
  heldPastHolders: WeakSet<Update> | undefined;
}

/** Holders remembered per update: past the retransmit limit (16 at N = 1000) and a mesh degree of 32. */
const HOLDERS_MAX = 48;
/**
 * One destination's transmissions count at most `⌊limit / DEST_SHARE⌋` (at least 1) of an update's
 * limit (decision 0063). Not 1: an honest peer of a random-32 mesh talks to the same link several
 * times within an update's lifetime, and counting those repeats retires updates as before
 * (counted once per destination, bytes at N = 1000 rose 10 % for no faster dissemination).
 */
const DEST_SHARE = 4;

/**
 * Whether `held` tells its holder what `queued` does: same kind and incarnation (for a suspicion,
 * also the same accuser: each accuser's is a separate Lifeguard confirmation).
 */
function same(held: Update, queued: Update): boolean {
  return (
    held.kind === queued.kind &&
    held.incarnation === queued.incarnation &&
    (held.kind !== UpdateKind.suspect || held.from === queued.from)
  );
}

/** `e`'s retransmit limit: its own or `limit`, at most `reach` (at least 1). */
function limitOf(e: Entry, limit: number, reach: number): number {
  return Math.min(e.limit > 0 ? e.limit : limit, Math.max(1, reach));
}

/** Transmissions of `e` one destination may count: `⌊limit / DEST_SHARE⌋`, at least 1. */
function shareOf(e: Entry, limit: number, reach: number): number {
  return Math.max(1, Math.floor(limitOf(e, limit, reach) / DEST_SHARE));
}

/** Transmissions of `e` counted for `dest`. */
function countedFor(e: Entry, dest: string): number {
  let n = 0;
  for (let i = 0; i < e.counted.length; i++) if (e.counted[i] === dest) n++;
  return n;
}

const byPriority = (a: Entry, b: Entry): number =>
  a.transmits + a.uncounted - (b.transmits + b.uncounted) || b.order - a.order;

/**
 * Sorts `list` by {@link byPriority} in place. Insertion sort: the list is nearly sorted between
 * calls (a take moves a few entries back), so this is about one comparison per entry, where
 * `Array.prototype.sort` paid its set-up on every message. `order` is unique, so any correct sort
 * gives this order.
 */
function sortByPriority(list: Entry[]): void {
  for (let i = 1; i < list.length; i++) {
    const e = list[i] as Entry;
    let j = i - 1;
    while (j >= 0 && byPriority(list[j] as Entry, e) > 0) {
      list[j + 1] = list[j] as Entry;
      j--;
    }
    list[j + 1] = e;
  }
}

/** Bounded queue of membership updates awaiting piggyback. */
export class BroadcastQueue {
  private readonly byPeer = new Map<string, Entry>();
  /** Kept in priority order between calls; re-sorted after each change (nearly sorted: cheap). */
  private readonly list: Entry[] = [];
  /**
   * Whether `list` is in priority order now (sc fast path): a take that counts every entry once
   * adds one to each, which keeps the order, so the next take skips the sort; `push` clears it.
   */
  private sorted = true;
  private order = 0;

  private readonly max: number;

  /** @param max most pending updates; past it the oldest-queued one is dropped. */
  constructor(max: number) {
    this.max = max;
  }

  /** Number of pending updates (`byPeer.size`, kept here: read before every send, one cache line fewer). */
  get size(): number {
    return this.pending;
  }
  private pending = 0;

  /**
   * Queues `update`, replacing any pending update about the same peer. `limit` overrides the
   * retransmit limit for this update.
   */
  push(update: Update, limit = 0): void {
    const bytes = updateBytes(update);
    const existing = this.byPeer.get(update.peer);
    if (existing !== undefined) {
      existing.update = update;
      existing.transmits = 0;
      existing.limit = limit;
      existing.order = this.order++;
      existing.bytes = bytes;
      existing.holders.length = 0;
      existing.counted.length = 0;
      existing.replies = 0;
      existing.uncounted = 0;
      this.sorted = false;
      return;
    }
    if (this.byPeer.size >= this.max) {
      const oldest = this.byPeer.keys().next();
      if (oldest.done !== true) this.drop(oldest.value);
    }
    const e: Entry = {
      update,
      transmits: 0,
      limit,
      order: this.order++,
      bytes,
      retired: false,
      holders: [],
      counted: [],
      replies: 0,
      uncounted: 0,
    };
    this.byPeer.set(update.peer, e);
    this.pending = this.byPeer.size;
    this.list.push(e);
    this.sorted = false;
  }

  /**
   * Notes that `holder` has `update` (it sent it to us): the pending copy is not sent there. Not
   * also counted as a transmission (Demers et al.'s rumor mongering with feedback): measured at
   * N = 1000 (lan, random-32, 60 s, seed 42) it saved ~12 % more bytes but dissemination p50 went
   * from 1,804 to 2,000 ms.
   * With trust, a skipped update (`Admission.skip`) is noted unverified, so `holder` may claim
   * to hold what it does not. That withholds copies from `holder` only (the copy counts as sent,
   * as a copy it received and dropped would): it cannot keep a verdict from anyone else, nor
   * retire it sooner than its own silence could, and it admits nothing.
   */
  held(holder: string, update: Update): void {
    const e = this.byPeer.get(update.peer);
    if (e === undefined || !same(update, e.update)) return;
    if (e.holders.length < HOLDERS_MAX && !e.holders.includes(holder)) e.holders.push(holder);
  }

  /** Drops any pending update about `peer` (evicted member). */
  drop(peer: string): void {
    const e = this.byPeer.get(peer);
    if (e === undefined) return;
    this.byPeer.delete(peer);
    this.pending = this.byPeer.size;
    const i = this.list.indexOf(e);
    if (i >= 0) this.list.splice(i, 1);
  }

  /**
   * Picks updates for one message to `dest` within `budgetBytes` (and ≤ 255): an update about `dest`
   * itself first (so a suspected peer hears of it and can refute), then least-sent, newest first,
   * skipping (but counting) those `dest` is known to hold. Each picked update counts one
   * transmission; it is retired at its limit, so it reaches the others as without the skip.
   * One `dest` counts at most its share (`DEST_SHARE`, decision 0063): past it a message to `dest`
   * skips what it holds (it was sent there) and counts nothing, so a member that makes this peer
   * answer it hundreds of times a second cannot retire what this peer owes the others. The limit
   * is at most `reach` (this peer's links): in a room smaller than the limit there is nobody left
   * to tell, and the update would sit in the queue.
   * `spend` ({@link Spend}): a reply counts until replies together have counted one destination's
   * share, then its copies ride along (and note `dest` as a holder) without spending it (decision 0070); a free
   * take (a witnessed check's ping, decision 0045) counts only the update about `dest`. So members
   * that make this peer answer them, or reconnect over and over, cannot drain what it owes the room.
   * `mine`: `dest`'s own record ({@link PastHolders}, a member's): past a full holder list a copy
   * is noted there, so a reply need not skip it (decision 0078); without one (a sender with no
   * record) the reply skips it, as decision 0070 had every reply do.
   */
  take(
    dest: string,
    budgetBytes: number,
    limit: number,
    spend: Spend = Spend.chosen,
    reach = Infinity,
    mine?: PastHolders,
  ): Update[] {
    if (this.list.length === 0) return [];
    if (!this.sorted) sortByPriority(this.list);
    const picked: Update[] = [];
    let used = 0;
    let retired = 0;
    let counted = 0;
    const own = this.byPeer.get(dest);
    if (own !== undefined && own.bytes <= budgetBytes) {
      picked.push(own.update);
      used += own.bytes;
      if (own.holders.length < HOLDERS_MAX && !own.holders.includes(dest)) own.holders.push(dest);
      if (countedFor(own, dest) < shareOf(own, limit, reach)) {
        retired += this.transmitted(own, dest, limit, reach);
        counted++;
      }
    }
    const list = this.list;
    for (let i = 0; i < list.length; i++) {
      const e = list[i] as Entry;
      if (picked.length >= 255 || budgetBytes - used < 4) break;
      if (e === own || used + e.bytes > budgetBytes) continue;
      // One that `dest` holds is counted as sent (the copy would have been wasted), so it retires
      // as before, up to `dest`'s share (decision 0063). A destination counted was noted as a
      // holder, so only a holder (or a full holder list) needs the scan.
      const full = e.holders.length >= HOLDERS_MAX;
      const held = e.holders.includes(dest) || (full && mine?.heldPastHolders?.has(e.update) === true);
      // Past the replies' share, a reply carries only a copy it can note (decisions 0070, 0078):
      // with a full holder list, ids with no record of their own would get it on every answer.
      if (
        spend === Spend.reply &&
        !held &&
        full &&
        mine === undefined &&
        e.replies >= shareOf(e, limit, reach)
      )
        continue;
      if (!held) {
        picked.push(e.update);
        used += e.bytes;
        if (!full) e.holders.push(dest);
        else if (mine !== undefined) (mine.heldPastHolders ??= new WeakSet()).add(e.update);
      }
      if (spend === Spend.free) continue;
      if ((held || full) && countedFor(e, dest) >= shareOf(e, limit, reach)) continue;
      if (spend === Spend.reply) {
        if (e.replies >= shareOf(e, limit, reach)) {
          e.uncounted += 1;
          counted++;
          continue;
        }
        e.replies += 1;
      }
      retired += this.transmitted(e, dest, limit, reach);
      counted++;
    }
    // Each entry counted once: all moved up by one transmission, in the same order; none: as sorted above.
    this.sorted = counted === 0 || counted === list.length;
    if (retired > 0) {
      // In place (a filtered copy was a new array per retiring message); order is kept.
      let w = 0;
      for (let i = 0; i < list.length; i++) {
        const e = list[i] as Entry;
        if (!e.retired) list[w++] = e;
      }
      list.length = w;
    }
    return picked;
  }

  /** Counts one transmission of `e` to `dest` (its holders already noted); 1 when that retired it (at its limit, or at `reach`). */
  private transmitted(e: Entry, dest: string, limit: number, reach: number): number {
    e.counted.push(dest);
    e.transmits += 1;
    if (e.transmits < limitOf(e, limit, reach)) return 0;
    e.retired = true;
    this.byPeer.delete(e.update.peer);
    this.pending = this.byPeer.size;
    return 1;
  }
}
