// Whether a link a member asks for gets built (decisions 0050, 0056, 0064): its own `sessionBudget`,
// the accept capacity, and for a stranger the shared `strangerBudget` (`stranger-budget.ts`).
import type { PeerId } from '@pulsemesh/core';
import type { ResolvedConnectionOptions } from './connection-options.js';
import type { LinkSignal } from './link-signal.js';
import type { PeerSlot, PeerSlots } from './peer-slots.js';
import { isEstablished, StrangerBudget } from './stranger-budget.js';
import { fullBucket, takeToken } from './token-bucket.js';

/** The `ConnectionManager` counters a gate keeps. */
export interface GateCounters {
  busySent: number;
  sessionsRefused: number;
  strangerSessionsRefused: number;
  unheardLinksDisplaced: number;
  strangerLinksBuilt: number;
}

/** What a gate does through its manager. */
export interface GateHooks {
  send(to: PeerId, signal: LinkSignal): void;
  error(peer: PeerId, error: string): void;
  trace(peer: PeerId, what: string): void;
  /** Closes `slot`'s link on purpose (not final: the slot may link again). */
  close(slot: PeerSlot, reason: string): void;
}

/** See the file comment. Refusals are counted, never thrown. */
export class SessionGate {
  readonly #options: ResolvedConnectionOptions;
  readonly #counters: GateCounters;
  readonly #slots: PeerSlots;
  readonly #hooks: GateHooks;
  readonly #strangers: StrangerBudget;

  constructor(
    options: ResolvedConnectionOptions,
    counters: GateCounters,
    slots: PeerSlots,
    hooks: GateHooks,
  ) {
    this.#options = options;
    this.#counters = counters;
    this.#slots = slots;
    this.#hooks = hooks;
    this.#strangers = new StrangerBudget(options.strangerBudget, performance.now());
  }

  /**
   * Whether `slot`'s peer may make us build one more link (its `sessionBudget`). Refused: counted,
   * an error reported, and `busy` sent at most once a refill (so the refusals cannot make this peer
   * over-send on signaling); an honest peer waits `busyRetryMs` and tries again.
   */
  sessionAllowed(slot: PeerSlot, session: string | undefined): boolean {
    const { sessions, windowMs } = this.#options.sessionBudget;
    const now = performance.now();
    slot.sessions ??= fullBucket(sessions, now);
    if (takeToken(slot.sessions, now, (sessions * 1000) / windowMs, sessions)) return true;
    this.#counters.sessionsRefused += 1;
    this.#refused(slot, 'signal: session budget spent', busyFor(session), now);
    return false;
  }

  /**
   * Whether a link `slot`'s member asked for may be built now (`undefined`: refused, answered
   * `busy` when the accept capacity is full or, past the shared `strangerBudget`, at most once a
   * refill), and whether it is charged to that budget (a stranger's: the caller marks the link,
   * `slot.strangerLinkAtMs`). An unheard link may be closed to make room for a newcomer's.
   */
  roomFor(slot: PeerSlot, session: string | undefined): boolean | undefined {
    const now = performance.now();
    const full =
      !slot.link && !slot.requestPending && this.#slots.used() >= this.#options.acceptConnectionsMax;
    const stranger = !isEstablished(slot, now, this.#options.stableLinkMs);
    const verdict = stranger
      ? this.#strangers.admit(slot, this.#slots.values(), now, full)
      : { build: !full };
    if (verdict.build) {
      if ('displace' in verdict && verdict.displace) {
        this.#counters.unheardLinksDisplaced += 1;
        this.#hooks.close(verdict.displace, `unheard, displaced by ${slot.id}`);
      }
      if (stranger) this.#counters.strangerLinksBuilt += 1;
      return stranger;
    }
    if (full) {
      this.#counters.busySent += 1;
      this.#hooks.send(slot.id, busyFor(session));
    } else {
      this.#counters.sessionsRefused += 1;
      this.#counters.strangerSessionsRefused += 1;
      this.#refused(slot, 'signal: stranger budget spent', busyFor(session), now);
    }
    return undefined;
  }

  /** `slot`'s current link opened: a stranger's token comes back. */
  opened(slot: PeerSlot): void {
    this.#strangers.opened(slot);
  }

  /** A refused session: traced, an error reported and `busy` sent at most once a `sessionBudget` refill. */
  #refused(slot: PeerSlot, error: string, busy: LinkSignal, now: number): void {
    const { sessions, windowMs } = this.#options.sessionBudget;
    this.#hooks.trace(slot.id, `session refused (${error})`);
    if (now - slot.refusedBusyAtMs < windowMs / sessions) return;
    slot.refusedBusyAtMs = now;
    this.#hooks.error(slot.id, error);
    this.#hooks.send(slot.id, busy);
  }
}

function busyFor(session: string | undefined): LinkSignal {
  return session === undefined ? { v: 1, t: 'busy' } : { v: 1, t: 'busy', s: session };
}
