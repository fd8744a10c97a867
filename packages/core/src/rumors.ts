/**
 * Dedup memory for gossip about peers this detector does not store (its member table is full, or it
 * never learned them alive). Verdicts about such peers are still forwarded, so a failure or a leave
 * reaches every peer that knows the member however membership is bounded and however sparse the
 * mesh; this cache stops them from circulating forever.
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

/** `incarnation × 4 + rank`: one number orders updates exactly like {@link supersedes}. */
function code(u: Pick<Update, 'kind' | 'incarnation'>): number {
  return u.incarnation * 4 + RANK[u.kind];
}

/** FNV-1a over the UTF-16 code units of `s`. */
function hashId(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0 || 1;
}

const WAYS = 4;

/**
 * A 4-way set-associative table: set = hash(peer) mod sets; each way holds (hash, newest code, last
 * use). A miss replaces the least recently used way of its set. 16 bytes a slot, no allocation per
 * rumor. Recently used entries stay, so two rumors cannot evict each other back and forth (which
 * would re-forward both on every arrival: a gossip loop).
 */
export class RumorCache {
  private readonly hashes: Uint32Array;
  private readonly codes: Float64Array;
  private readonly used: Uint32Array;
  private readonly setMask: number;
  private clock = 0;

  /** @param slots table size, rounded up to a power of two (at least 4). */
  constructor(slots: number) {
    let n = WAYS;
    while (n < slots) n *= 2;
    this.hashes = new Uint32Array(n);
    this.codes = new Float64Array(n);
    this.used = new Uint32Array(n);
    this.setMask = n / WAYS - 1;
  }

  /**
   * Whether to forward `u` about a peer not stored here, recording it if so: anything newer than
   * what was last seen about that peer, except a first-join `alive` (incarnation 0, nothing seen
   * before), which only matters to peers that know the member and travels among them.
   */
  admit(u: Update): boolean {
    const h = hashId(u.peer);
    const base = (h & this.setMask) * WAYS;
    this.clock = (this.clock + 1) >>> 0;
    let victim = base;
    for (let i = base; i < base + WAYS; i++) {
      if (this.hashes[i] === h) {
        this.used[i] = this.clock;
        const c = code(u);
        if (c <= (this.codes[i] as number)) return false;
        this.codes[i] = c;
        return true;
      }
      if ((this.used[i] as number) < (this.used[victim] as number)) victim = i;
    }
    if (u.kind === UpdateKind.alive && u.incarnation === 0) return false;
    this.hashes[victim] = h;
    this.codes[victim] = code(u);
    this.used[victim] = this.clock;
    return true;
  }
}
