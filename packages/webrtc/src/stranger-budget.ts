/**
 * A room-wide budget of links built for strangers (decision 0056). The per-member
 * `sessionBudget` (decision 0050) is keyed by peer id, the attacker's choice: one address may
 * hold 64 ids in a room, each with a full bucket (session 20's review: 200 offers over 20 fresh
 * ids built 200 links; 40 ids holding one unanswered offer each filled the accept capacity and
 * isolated a newcomer). What this peer knows about an offerer that fresh ids cannot multiply is
 * whether a link to it ever held. So:
 *
 * - An **established** member (a link to it held `stableLinkMs` since its slot was made) is
 *   charged its own `sessionBudget` only: its share is reserved, no flood of fresh ids spends it.
 * - A **stranger** (anyone else) is charged its `sessionBudget` and one token of this shared
 *   bucket per link built on its initiative (its offer in a new session, its dial request). The
 *   token comes back when the link opens: honest newcomers cost nothing once linked; links nobody
 *   completes stay charged. Default `links` = max(8, ⌈maxConnections / 2⌉) + `reserved` (18 at 32),
 *   refilled `links` per `windowMs` (60 s).
 * - The last `reserved` (2) tokens are a newcomer's: a stranger with no link ever built here
 *   takes one only by displacing the oldest **unheard** link (built on a stranger's initiative,
 *   never opened, older than `unheardAfterMs` = 500 ms; a LAN handshake opens in ~0.3 s, ~1 s on
 *   a loaded 2-core machine: a flood may cost such a link a retry). The same displacement makes room when `acceptConnectionsMax` is reached, so links
 *   nobody completes never hold a newcomer out for `connectTimeoutMs`.
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
  /** A stranger's link not open after this long (ms) is unheard: displaceable. */
  unheardAfterMs: number;
}

/** The default for `maxConnections` (see the module comment). */
export function strangerBudgetFor(maxConnections: number): StrangerBudgetOptions {
  const reserved = 2;
  return {
    links: Math.max(8, Math.ceil(maxConnections / 2)) + reserved,
    reserved,
    windowMs: 60_000,
    unheardAfterMs: 500,
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
      options.windowMs > 0
    ))
      throw new RangeError('strangerBudget needs links >= 1, 0 <= reserved < links and windowMs > 0');
    this.options = options;
    this.#bucket = fullBucket(options.links, nowMs);
  }

  /**
   * Whether `slot`'s stranger may make this peer build one more link now. `full`: the accept
   * capacity is reached (a build must displace an unheard link). A yes takes a token; the caller
   * closes `displace`'s link, if any, and marks the link it builds as charged
   * (`slot.strangerLinkAtMs`).
   */
  admit(slot: PeerSlot, slots: Iterable<PeerSlot>, nowMs: number, full: boolean): StrangerVerdict {
    const { links, reserved, windowMs, unheardAfterMs } = this.options;
    refill(this.#bucket, nowMs, (links * 1000) / windowMs, links);
    if (!full && holds(this.#bucket, reserved + 1)) return this.#take();
    if (slot.everBuilt || !holds(this.#bucket, 1)) return { build: false };
    const displace = oldestUnheard(slots, slot, nowMs, unheardAfterMs);
    return displace === undefined ? { build: false } : { ...this.#take(), displace };
  }

  /** `slot`'s charged link opened: its token comes back. */
  opened(slot: PeerSlot): void {
    if (Number.isNaN(slot.strangerLinkAtMs)) return;
    slot.strangerLinkAtMs = NaN;
    this.#bucket.tokens = Math.min(this.options.links, this.#bucket.tokens + 1);
  }

  #take(): { build: true } {
    this.#bucket.tokens -= 1;
    return { build: true };
  }
}

/**
 * Whether `slot`'s member is established here: a link to it held `stableLinkMs` (the one open
 * now, or one before it since its slot was made, `slot.established`).
 */
export function isEstablished(slot: PeerSlot, nowMs: number, stableLinkMs: number): boolean {
  const openedAtMs = slot.link?.openedAtMs;
  return slot.established || (openedAtMs !== undefined && nowMs - openedAtMs >= stableLinkMs);
}

/** The oldest link built on a stranger's initiative, never opened, older than `afterMs` (not `except`'s). */
function oldestUnheard(
  slots: Iterable<PeerSlot>,
  except: PeerSlot,
  nowMs: number,
  afterMs: number,
): PeerSlot | undefined {
  let oldest: PeerSlot | undefined;
  for (const s of slots) {
    if (s === except || !s.link || s.link.openedAtMs !== undefined || Number.isNaN(s.strangerLinkAtMs))
      continue;
    if (nowMs - s.strangerLinkAtMs < afterMs) continue;
    if (oldest === undefined || s.strangerLinkAtMs < oldest.strangerLinkAtMs) oldest = s;
  }
  return oldest;
}
