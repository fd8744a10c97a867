/**
 * A per-accuser budget for unconfirmed accusations (with trust, on a partial mesh): a `failed`
 * about a peer this one has no link to costs a relay check (`indirectChecks` ping-reqs, each a
 * ping by a relay) and is passed on when the relays cannot reach the accused. One member's word
 * must not buy that for any number of peers: each accuser gets at most
 * {@link ACCUSER_UNCONFIRMED_MAX} such checks per {@link ACCUSER_WINDOW_MS} here. Past it, its
 * accusations are dropped (counted, `accusationsThrottled`); a peer that really failed is also
 * accused by its other neighbours, and their verdicts are checked on their own budgets.
 */
import type { PeerId } from './types.js';

/** Relay checks one accuser's unconfirmed accusations may start here per window. */
export const ACCUSER_UNCONFIRMED_MAX = 3;
/** The window of {@link ACCUSER_UNCONFIRMED_MAX} (ms): two suspicion maxima of the defaults. */
export const ACCUSER_WINDOW_MS = 10_000;
/** Accusers tracked at once (bounded; the least recently charged are forgotten). */
export const ACCUSERS_TRACKED_MAX = 1024;

interface Window {
  startMs: number;
  used: number;
}

/** See the module comment. */
export class AccuserBudget {
  private readonly windows = new Map<PeerId, Window>();

  /** True (and one unit charged to `accuser`) when one more of its accusations may be checked. */
  take(accuser: PeerId, nowMs: number): boolean {
    let w = this.windows.get(accuser);
    if (w === undefined || nowMs - w.startMs >= ACCUSER_WINDOW_MS) {
      if (w === undefined && this.windows.size >= ACCUSERS_TRACKED_MAX) {
        const oldest = this.windows.keys().next().value as PeerId;
        this.windows.delete(oldest);
      }
      w = { startMs: nowMs, used: 0 };
    }
    this.windows.delete(accuser); // re-insert: the map's order is recency
    this.windows.set(accuser, w);
    if (w.used >= ACCUSER_UNCONFIRMED_MAX) return false;
    w.used += 1;
    return true;
  }
}
