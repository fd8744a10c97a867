/**
 * Dedup memory for gossip about peers this detector does not store (its member table is full, or it
 * never learned them alive). Such updates are still forwarded once each, so dissemination reaches the
 * whole mesh however membership is bounded; this cache stops them from circulating forever.
 */
import { UpdateKind, type Update } from './codec.js';

/** Precedence at equal incarnation (SWIM): suspect overrides alive, failed overrides suspect. */
const RANK: Record<UpdateKind, number> = {
  [UpdateKind.alive]: 0,
  [UpdateKind.suspect]: 1,
  [UpdateKind.failed]: 2,
  [UpdateKind.left]: 3,
};

/**
 * True when `u` supersedes `prev` (about the same peer): a higher incarnation, or the same one with a
 * stronger kind.
 *
 * @example supersedes(suspect@3, alive@3) === true; supersedes(alive@3, suspect@3) === false
 */
export function supersedes(
  u: Pick<Update, 'kind' | 'incarnation'>,
  prev: Pick<Update, 'kind' | 'incarnation'>,
): boolean {
  return (
    u.incarnation > prev.incarnation || (u.incarnation === prev.incarnation && RANK[u.kind] > RANK[prev.kind])
  );
}

interface Seen {
  kind: UpdateKind;
  incarnation: number;
}

/** Bounded map peer → newest rumor seen; the oldest entry is forgotten past `max`. */
export class RumorCache {
  private readonly seen = new Map<string, Seen>();
  constructor(private readonly max: number) {}

  get size(): number {
    return this.seen.size;
  }

  /** Records `u` and returns true when it is newer than anything seen about its peer. */
  admit(u: Update): boolean {
    const prev = this.seen.get(u.peer);
    if (prev !== undefined && !supersedes(u, prev)) return false;
    if (prev !== undefined) this.seen.delete(u.peer);
    else if (this.seen.size >= this.max) {
      const oldest = this.seen.keys().next();
      if (oldest.done !== true) this.seen.delete(oldest.value);
    }
    this.seen.set(u.peer, { kind: u.kind, incarnation: u.incarnation });
    return true;
  }
}
