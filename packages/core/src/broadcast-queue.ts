/**
 * Piggyback dissemination queue (SWIM §4.1, memberlist `TransmitLimitedQueue`): at most one pending
 * update per peer (a newer one replaces the older), each sent up to a retransmit limit, least-sent
 * and then newest first, within a byte budget per message.
 */
import { updateBytes, type Update } from './codec.js';

interface Entry {
  update: Update;
  transmits: number;
  order: number;
  bytes: number;
}

/** Bounded queue of membership updates awaiting piggyback. */
export class BroadcastQueue {
  private readonly entries = new Map<string, Entry>();
  private order = 0;
  private readonly scratch: Entry[] = [];

  /** @param max most pending updates; past it the oldest-queued one is dropped. */
  constructor(private readonly max: number) {}

  /** Number of pending updates. */
  get size(): number {
    return this.entries.size;
  }

  /** Queues `update`, replacing any pending update about the same peer. */
  push(update: Update): void {
    if (this.entries.size >= this.max && !this.entries.has(update.peer)) {
      const oldest = this.entries.keys().next();
      if (oldest.done !== true) this.entries.delete(oldest.value);
    }
    this.entries.set(update.peer, { update, transmits: 0, order: this.order++, bytes: updateBytes(update) });
  }

  /** Drops any pending update about `peer` (evicted member). */
  drop(peer: string): void {
    this.entries.delete(peer);
  }

  /**
   * Picks updates for one message to `dest` within `budgetBytes` (and ≤ 255): an update about `dest`
   * itself first (so a suspected peer hears of it and can refute), then least-sent, newest first.
   * Each picked update counts one transmission; it is retired at `limit`.
   */
  take(dest: string, budgetBytes: number, limit: number): Update[] {
    if (this.entries.size === 0) return [];
    const picked: Update[] = [];
    let used = 0;
    const own = this.entries.get(dest);
    if (own !== undefined && own.bytes <= budgetBytes) {
      picked.push(own.update);
      used += own.bytes;
      this.count(own, limit);
    }
    const list = this.scratch;
    list.length = 0;
    for (const e of this.entries.values()) if (e !== own) list.push(e);
    list.sort((a, b) => a.transmits - b.transmits || b.order - a.order);
    for (const e of list) {
      if (picked.length >= 255) break;
      if (used + e.bytes > budgetBytes) continue;
      picked.push(e.update);
      used += e.bytes;
      this.count(e, limit);
    }
    list.length = 0;
    return picked;
  }

  private count(e: Entry, limit: number): void {
    e.transmits += 1;
    if (e.transmits >= limit) this.entries.delete(e.update.peer);
  }
}
