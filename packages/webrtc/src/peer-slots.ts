// The connection manager's bounded table of known peers: one slot per room member or signal
// sender, with its link, session, retry state and timer.
import type { PeerId } from '@pulsemesh/core';
import type { Link } from './link.js';
import type { SignalData } from './link-signal.js';
import type { TokenBucket } from './token-bucket.js';

/** What the connection manager knows about one peer. */
export interface PeerSlot {
  id: PeerId;
  inRoster: boolean;
  link: Link | undefined;
  session: string | undefined;
  attempts: number;
  /** A link to it was built (dialled or accepted) or a dial asked for, and no `busy` came back since. */
  tried: boolean;
  /** Non-initiator asked the initiator to dial and waits for an offer. */
  requestPending: boolean;
  retryAtMs: number;
  timer: ReturnType<typeof setTimeout> | undefined;
  /** Signals of the current session waiting to be sent together. */
  outbox: { session: string; data: SignalData[] } | undefined;
  /** Linked another way (a same-browser tab over BroadcastChannel): no WebRTC link to it. */
  elsewhere: boolean;
  /** Fingerprints the peer's link proof vouched for in `session` (key-derived peers only). */
  proven: { session: string; fingerprints: string[] } | undefined;
  /** Links this peer may still make us build (`sessionBudget`); made at its first. */
  sessions: TokenBucket | undefined;
  /** When a refused session was last answered `busy` (ms). */
  refusedBusyAtMs: number;
  /** A link was built for it since its slot was made (a later offer is no first contact). */
  everBuilt: boolean;
  /** A link to it held `stableLinkMs` (it is established: `stranger-budget.ts`). */
  established: boolean;
  /** When its current link was built on its initiative as a stranger's, charged (NaN: not). */
  strangerLinkAtMs: number;
  /** How long (ms) that link may connect before it is unheard (`stranger-budget.ts`). */
  strangerChanceMs: number;
}

/**
 * At most `knownPeersMax` slots. A new peer past the limit takes the place of an idle one (not in
 * the roster, not linked elsewhere, no link, no pending request); with none idle it gets no slot.
 */
export class PeerSlots {
  readonly #slots = new Map<PeerId, PeerSlot>();
  readonly #knownPeersMax: number;

  constructor(knownPeersMax: number) {
    this.#knownPeersMax = knownPeersMax;
  }

  /** The slot of `id`, if it has one. */
  get(id: PeerId): PeerSlot | undefined {
    return this.#slots.get(id);
  }

  /** The slot of `id`, made if needed; `undefined` when the table is full of peers in use. */
  getOrAdd(id: PeerId): PeerSlot | undefined {
    let slot = this.#slots.get(id);
    if (slot) return slot;
    if (this.#slots.size >= this.#knownPeersMax) this.#evictIdle();
    if (this.#slots.size >= this.#knownPeersMax) return undefined;
    slot = {
      id,
      inRoster: false,
      link: undefined,
      session: undefined,
      attempts: 0,
      tried: false,
      requestPending: false,
      retryAtMs: 0,
      timer: undefined,
      outbox: undefined,
      elsewhere: false,
      proven: undefined,
      sessions: undefined,
      refusedBusyAtMs: -Infinity,
      everBuilt: false,
      established: false,
      strangerLinkAtMs: NaN,
      strangerChanceMs: 0,
    };
    this.#slots.set(id, slot);
    return slot;
  }

  values(): IterableIterator<PeerSlot> {
    return this.#slots.values();
  }

  /** Slots holding a link (connecting or open) or waiting for an asked-for offer. */
  used(): number {
    let n = 0;
    for (const slot of this.#slots.values()) if (slot.link || slot.requestPending) n += 1;
    return n;
  }

  /**
   * Room members that may be linked now (no link, no pending request, not linked elsewhere, retry
   * time reached), shuffled (Fisher-Yates with `random`) so a full manager links a random subset.
   */
  dialCandidates(nowMs: number, random: () => number): PeerSlot[] {
    const candidates = [...this.#slots.values()].filter(
      (s) => s.inRoster && !s.elsewhere && !s.link && !s.requestPending && s.retryAtMs <= nowMs,
    );
    for (let i = candidates.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [candidates[i], candidates[j]] = [candidates[j]!, candidates[i]!];
    }
    return candidates;
  }

  #evictIdle(): void {
    for (const slot of this.#slots.values()) {
      if (!slot.inRoster && !slot.elsewhere && !slot.link && !slot.requestPending) {
        clearTimeout(slot.timer);
        this.#slots.delete(slot.id);
        return;
      }
    }
  }
}
