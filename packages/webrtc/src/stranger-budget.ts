/**
 * A room-wide budget of links built for strangers (decisions 0056 and 0064). The per-member
 * `sessionBudget` (decision 0050) is keyed by peer id, the attacker's choice: one address may
 * hold 64 ids in a room, each with a full bucket (session 20's review: 200 offers over 20 fresh
 * ids built 200 links; 40 ids holding one unanswered offer each filled the accept capacity and
 * isolated a newcomer). What this peer knows about an offerer that fresh ids cannot multiply is
 * whether a link to it ever held. So:
 *
 * - An **established** member (a link to it held `stableLinkMs` since its slot was made, and no
 *   link built for it since closed without opening) is charged its own `sessionBudget` only: its
 *   share is reserved, no flood of fresh ids spends it. One link that never opens ends that
 *   standing (0064): an id established once cannot hold unanswered links uncharged for good.
 * - A **stranger** (anyone else) is charged its `sessionBudget` and one token of this shared
 *   bucket per link built on its initiative (its offer in a new session, its dial request). The
 *   token comes back when the link opens: honest newcomers cost nothing once linked; links nobody
 *   completes stay charged. Default `links` = max(8, ⌈maxConnections / 2⌉) + `reserved` (18 at 32),
 *   refilled `links` per `windowMs` (60 s).
 * - The last `reserved` (2) tokens are a newcomer's: a stranger with no link ever built here
 *   takes one only by displacing the oldest **unheard** link: built on a stranger's initiative,
 *   never opened, and past its chance. The chance depends on how the link was built (0064): at
 *   ease (at most `reserved` other strangers' links charged: the bucket all but full),
 *   `unheardCalmAfterMs` = 5 s (a TURN handshake's slow end), so a flood that comes after an
 *   honest newcomer's offer cannot cut her handshake; in a burst, `unheardAfterMs` = 500 ms (a
 *   LAN handshake opens in ~0.3 s, ~1 s on a loaded 2-core machine), so a flood's links make
 *   room for a newcomer fast. The same displacement makes room when `acceptConnectionsMax` is
 *   reached, so links nobody completes never hold a newcomer out for `connectTimeoutMs`.
 */
import type { PeerSlot } from './peer-slots.js';
import { fullBucket, holds, refill, type TokenBucket } from './token-bucket.js';

/** The shared budget's size (see the module comment). */
export interface StrangerBudgetOptions {
  /** Tokens in the bucket, `reserved` included. */
  links: number;
  /** Tokens only a first contact displacing an unheard link may take. */
  reserved: number;
  /** The bucket refills `links` per `windowMs`. */
  windowMs: number;
  /** A stranger's link built in a burst, not open after this long (ms), is unheard: displaceable. */
  unheardAfterMs: number;
  /** The same for a link built at ease (at most `reserved` other strangers' links charged). */
  unheardCalmAfterMs: number;
}

/** The default for `maxConnections` (see the module comment). */
export function strangerBudgetFor(maxConnections: number): StrangerBudgetOptions {
  const reserved = 2;
  return {
    links: Math.max(8, Math.ceil(maxConnections / 2)) + reserved,
    reserved,
    windowMs: 60_000,
    unheardAfterMs: 500,
    unheardCalmAfterMs: 5_000,
  };
}

/** What a stranger's new link may do: be built, be built in place of `displace`'s link, or not. */
export type StrangerVerdict = { build: true; displace?: PeerSlot } | { build: false };

/** See the module comment. */
export class StrangerBudget {
  readonly options: StrangerBudgetOptions;
  #bucket: TokenBucket;

  constructor(options: StrangerBudgetOptions, nowMs: number) {
    if (!(
      options.links >= 1 &&
      options.reserved >= 0 &&
      options.reserved < options.links &&
      options.windowMs > 0 &&
      options.unheardAfterMs >= 0 &&
      options.unheardCalmAfterMs >= options.unheardAfterMs
    ))
      throw new RangeError(
        'strangerBudget needs links >= 1, 0 <= reserved < links, windowMs > 0 and ' +
          '0 <= unheardAfterMs <= unheardCalmAfterMs',
      );
    this.options = options;
    this.#bucket = fullBucket(options.links, nowMs);
  }

  /**
   * Whether `slot`'s stranger may make this peer build one more link now. `full`: the accept
   * capacity is reached (a build must displace an unheard link). A yes takes a token and sets the
   * new link's chance (`slot.strangerChanceMs`); the caller closes `displace`'s link, if any, and
   * marks the link it builds as charged (`slot.strangerLinkAtMs`).
   */
  admit(slot: PeerSlot, slots: Iterable<PeerSlot>, nowMs: number, full: boolean): StrangerVerdict {
    const { links, reserved, windowMs } = this.options;
    refill(this.#bucket, nowMs, (links * 1000) / windowMs, links);
    if (!full && holds(this.#bucket, reserved + 1)) return this.#take(slot);
    if (slot.everBuilt || !holds(this.#bucket, 1)) return { build: false };
    const displace = oldestUnheard(slots, slot, nowMs);
    return displace === undefined ? { build: false } : { ...this.#take(slot), displace };
  }

  /** `slot`'s charged link opened: its token comes back. */
  opened(slot: PeerSlot): void {
    if (Number.isNaN(slot.strangerLinkAtMs)) return;
    slot.strangerLinkAtMs = NaN;
    this.#bucket.tokens = Math.min(this.options.links, this.#bucket.tokens + 1);
  }

  #take(slot: PeerSlot): { build: true } {
    const { links, reserved, unheardAfterMs, unheardCalmAfterMs } = this.options;
    this.#bucket.tokens -= 1;
    const calm = holds(this.#bucket, links - 1 - reserved); // at most `reserved` others charged
    slot.strangerChanceMs = calm ? unheardCalmAfterMs : unheardAfterMs;
    return { build: true };
  }
}

/**
 * Whether `slot`'s member is established here: a link to it held `stableLinkMs` (the one open
 * now, or one before it since its slot was made, `slot.established`), and its current link, if
 * any, is not one still connecting. Recorded when a link closes, so a link that closes without
 * ever opening ends the standing (decision 0064): the next one is a stranger's, charged.
 */
export function isEstablished(slot: PeerSlot, nowMs: number, stableLinkMs: number): boolean {
  if (!slot.link) return slot.established;
  const openedAtMs = slot.link.openedAtMs;
  if (openedAtMs === undefined) return false;
  return slot.established || nowMs - openedAtMs >= stableLinkMs;
}

/** The oldest link built on a stranger's initiative, never opened, past its chance (not `except`'s). */
function oldestUnheard(slots: Iterable<PeerSlot>, except: PeerSlot, nowMs: number): PeerSlot | undefined {
  let oldest: PeerSlot | undefined;
  for (const s of slots) {
    if (s === except || !s.link || s.link.openedAtMs !== undefined || Number.isNaN(s.strangerLinkAtMs))
      continue;
    if (nowMs - s.strangerLinkAtMs < s.strangerChanceMs) continue;
    if (oldest === undefined || s.strangerLinkAtMs < oldest.strangerLinkAtMs) oldest = s;
  }
  return oldest;
}
