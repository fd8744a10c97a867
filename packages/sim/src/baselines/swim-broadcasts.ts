/**
 * memberlist's `TransmitLimitedQueue` for the `swim` baseline: one pending update per member, sent
 * least-transmitted first and newest first among equals, dropped after `limit` transmissions.
 * Buckets by transmit count with lazy deletion, so picking a message's piggyback is
 * O(updates taken), not a sort of the whole queue per message.
 */
import { type SwimUpdate, updateBytes } from './swim-codec.js';

interface Entry {
  update: SwimUpdate;
  transmits: number;
  live: boolean;
}

/** Transmit-limited broadcast queue. */
export class BroadcastQueue {
  private readonly byId = new Map<string, Entry>();
  /** `levels[k]`: entries sent k times, oldest first (may hold stale entries). */
  private readonly levels: Entry[][] = [];

  get size(): number {
    return this.byId.size;
  }

  /** Queues an update, replacing any pending one about the same member. */
  push(update: SwimUpdate): void {
    const old = this.byId.get(update.id);
    if (old) old.live = false;
    const e: Entry = { update, transmits: 0, live: true };
    this.byId.set(update.id, e);
    this.level(0).push(e);
  }

  /** Takes updates for one message within `budgetBytes` (and 255 updates), counting a transmission each. */
  take(budgetBytes: number, limit: number): SwimUpdate[] {
    const out: SwimUpdate[] = [];
    const moved: Entry[] = [];
    let budget = budgetBytes;
    for (let k = 0; k < this.levels.length && out.length < 255; k++) {
      const list = this.levels[k] as Entry[];
      for (let i = list.length - 1; i >= 0 && out.length < 255; i--) {
        const e = list[i] as Entry;
        if (!e.live || e.transmits !== k) continue;
        const size = updateBytes(e.update);
        if (size > budget) continue;
        budget -= size;
        out.push(e.update);
        e.transmits++;
        if (e.transmits >= limit) {
          e.live = false;
          this.byId.delete(e.update.id);
        } else moved.push(e);
      }
      this.compact(k);
    }
    for (const e of moved) this.level(e.transmits).push(e);
    return out;
  }

  private level(k: number): Entry[] {
    while (this.levels.length <= k) this.levels.push([]);
    return this.levels[k] as Entry[];
  }

  private compact(k: number): void {
    const list = this.levels[k] as Entry[];
    if (list.length < 64) return;
    let live = 0;
    for (const e of list) if (e.live && e.transmits === k) live++;
    if (live * 2 < list.length) this.levels[k] = list.filter((e) => e.live && e.transmits === k);
  }
}
