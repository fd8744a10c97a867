/**
 * Liar tracking: peers whose word keeps turning out false. A peer scores when it relays an update
 * whose signature does not verify (honest peers verify before they relay, so only a forger does
 * that) and when an accusation it signed is refuted by this peer's own check (the accused
 * answered). The score decays, so an honest peer's rare wrong suspicion (a lost probe) never adds
 * up; a flagged liar's accusations are checked at most once per `LIAR_CHECK_GAP_MS`.
 */
import type { PeerId } from './types.js';

/** Score at which a peer is flagged (emits `liar`). */
export const LIAR_SCORE = 3;
/** Score a relayed forgery adds (enough to flag at once: it cannot be an honest mistake). */
export const FORGERY_SCORE = LIAR_SCORE;
/** A refuted accusation adds 1; the score decays by 1 per this many ms. */
export const LIAR_DECAY_MS = 30_000;
/** A flagged liar's accusations start at most one check per this many ms; the rest are dropped. */
export const LIAR_CHECK_GAP_MS = 10_000;
/** Peers tracked at once (bounded; the least recently scored are forgotten). */
export const LIARS_TRACKED_MAX = 1024;

interface Record {
  score: number;
  atMs: number;
  flagged: boolean;
  lastCheckMs: number;
}

/** Why a peer scored (the `liar` event's `reason`). */
export type LiarReason = 'forged-signature' | 'refuted-accusation';

/** Scores of the peers that said something false; see the module comment. */
export class LiarTable {
  private readonly records = new Map<PeerId, Record>();

  /** Adds `points` to `peer`'s score at `nowMs`; true when this flags it (first time only). */
  score(peer: PeerId, points: number, nowMs: number): boolean {
    let r = this.records.get(peer);
    if (r === undefined) {
      if (this.records.size >= LIARS_TRACKED_MAX) {
        const oldest = this.records.keys().next().value as PeerId;
        this.records.delete(oldest);
      }
      r = { score: 0, atMs: nowMs, flagged: false, lastCheckMs: -Infinity };
    } else this.records.delete(peer); // re-insert: the map's order is recency
    r.score = Math.max(0, r.score - (nowMs - r.atMs) / LIAR_DECAY_MS) + points;
    r.atMs = nowMs;
    this.records.set(peer, r);
    if (r.flagged || r.score < LIAR_SCORE) return false;
    r.flagged = true;
    return true;
  }

  /** True once `peer` was flagged (it stays flagged while tracked). */
  isLiar(peer: PeerId): boolean {
    return this.records.get(peer)?.flagged === true;
  }

  /** For a flagged liar: true (and the slot taken) when one of its accusations may be checked now. */
  mayCheck(peer: PeerId, nowMs: number): boolean {
    const r = this.records.get(peer);
    if (r === undefined || !r.flagged) return true;
    if (nowMs - r.lastCheckMs < LIAR_CHECK_GAP_MS) return false;
    r.lastCheckMs = nowMs;
    return true;
  }

  /** Every flagged peer. */
  flagged(): PeerId[] {
    const out: PeerId[] = [];
    for (const [id, r] of this.records) if (r.flagged) out.push(id);
    return out;
  }
}
