/**
 * Statements whose signatures verified (trust model, decision 0012): each detector verifies a
 * statement once and remembers it with its key and signature bytes (`admitUpdate`, `trust.ts`).
 * {@link VerifiedCache} is a detector's own; {@link SharedStatementTable} is one table for many
 * detectors of one process (a simulator's), each with a slot, that answers every detector exactly
 * as its own {@link VerifiedCache} would (decision 0074).
 */
import type { Update } from './codec.js';
import { verifyUpdate, type Trust } from './signed-update.js';
import type { PeerId } from './types.js';

/** Verified statements remembered (content keys); cleared when full. */
export const VERIFIED_CACHE_MAX = 8192;

/**
 * What `admitUpdate` asks of a detector's verified statements: {@link has} `u`, then (when not)
 * {@link verify} it and, when it verified, {@link add} it, each call right after the one before
 * for the same `u`. `DetectorState.verified`; `DetectorOptions.verifiedCache` passes another.
 */
export interface StatementCache {
  /** Whether `u` (content, key and signature bytes) was added since the cache was last cleared. */
  has(u: Update): boolean;
  /** Whether `u`'s signature verifies (`verifyUpdate` with `trust`, or the same answer remembered). */
  verify(trust: Trust, u: Update): boolean;
  /** Remembers `u`, which {@link has} did not find and which verified; cleared first when full. */
  add(u: Update): void;
}

/** A verified statement about one peer: its kind, incarnation, accuser (`''` for none), key and signature. */
interface Verified {
  readonly kind: number;
  readonly incarnation: number;
  readonly from: PeerId;
  readonly key: Uint8Array;
  readonly signature: Uint8Array;
}

/** Whether `v` is `u` (accuser `from`): same content, same key and signature bytes. */
function isStatement(v: Verified, u: Update, from: PeerId): boolean {
  return (
    v.kind === u.kind &&
    v.incarnation === u.incarnation &&
    v.from === from &&
    sameBytes(v.signature, u.signature) &&
    sameBytes(v.key, u.key)
  );
}

/**
 * Whether `b` holds the same bytes as `a`. The same array is the usual case (the codec hands out
 * the array it already holds for a repeated key or signature, `RecentBytes`), answered at once.
 */
function sameBytes(a: Uint8Array, b: Uint8Array | undefined): boolean {
  if (a === b) return true;
  if (b === undefined || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
/** Distinct statements held by any cache in this process (records shared); cleared when full. */
export const SHARED_STATEMENTS_MAX = 65_536;
const shared = new Map<PeerId, Verified[]>();
let sharedCount = 0;

/**
 * The one record of `u` (key and signature set) that every {@link VerifiedCache} of this process
 * holds: a statement is relayed to every member, so each detector verifies the same few thousand
 * (10,000 simulated detectors held 10,000 copies of each, one object apiece for every garbage
 * collection to trace). A record is never written after it is made; sharing it changes no answer,
 * since each cache still holds only what it verified itself. Clearing this table forgets no cache's
 * records, only the chance to share them.
 */
function sharedRecord(u: Update, from: PeerId, key: Uint8Array, signature: Uint8Array): Verified {
  const list = shared.get(u.peer);
  if (list !== undefined) for (const v of list) if (isStatement(v, u, from)) return v;
  if (sharedCount >= SHARED_STATEMENTS_MAX) {
    shared.clear();
    sharedCount = 0;
  }
  const v: Verified = { kind: u.kind, incarnation: u.incarnation, from, key, signature };
  const held = shared.get(u.peer);
  if (held === undefined) shared.set(u.peer, [v]);
  else held.push(v);
  sharedCount += 1;
  return v;
}

/**
 * Statements whose signatures verified, keyed by content (kind, incarnation, peer, accuser) and
 * matched on their exact key and signature bytes (Ed25519 signs deterministically: every honest
 * copy carries the same bytes, and a forged copy never hits); see the module comment. Held per peer
 * (one record, or a list for the few peers with more), not as one set of `kind:incarnation:peer:from`
 * strings: building and hashing that string for every received update was a top item of the
 * 10,000-node profile, and a separator inside an id could make two statements share one key.
 */
export class VerifiedCache implements StatementCache {
  private readonly byPeer = new Map<PeerId, Verified | Verified[]>();
  private count = 0;
  has(u: Update): boolean {
    const held = this.byPeer.get(u.peer);
    if (held === undefined) return false;
    const from = u.from ?? '';
    if (!Array.isArray(held)) return isStatement(held, u, from);
    for (const v of held) if (isStatement(v, u, from)) return true;
    return false;
  }
  verify(trust: Trust, u: Update): boolean {
    return verifyUpdate(trust, u);
  }
  /**
   * Remembers `u`, whose signature just verified and which {@link has} just did not find (its one
   * caller, `admitUpdate`): not looked up again here (a second walk of the peer's list per
   * verified update). A duplicate would only take a slot, never admit anything else.
   */
  add(u: Update): void {
    if (this.count >= VERIFIED_CACHE_MAX) {
      this.byPeer.clear();
      this.count = 0;
    }
    if (u.key === undefined || u.signature === undefined) return;
    const v = sharedRecord(u, u.from ?? '', u.key, u.signature);
    const held = this.byPeer.get(u.peer);
    if (held === undefined) this.byPeer.set(u.peer, v);
    else if (Array.isArray(held)) held.push(v);
    else this.byPeer.set(u.peer, [held, v]);
    this.count += 1;
  }
}

/** A statement of a {@link SharedStatementTable}: which slots hold it (a bit each) and how many. */
interface SharedStatement extends Verified {
  readonly peer: PeerId;
  readonly slots: Uint32Array;
  held: number;
  /** Verified with the table's own `verify` and `keyMatches` (so the answer is known for them). */
  checked: boolean;
}

/**
 * One table of verified statements for the detectors of one process, each with a slot (a
 * simulator's node index): a statement is relayed to every member, so 10,000 simulated detectors
 * each kept a map of the same statements (a per-detector map insertion per statement, and a cache
 * miss per lookup, the 10,000-node profile's `VerifiedCache` rows). Here each statement is one
 * record, found by one lookup every slot shares, with a bit per slot; a slot answers {@link has}
 * exactly as a {@link VerifiedCache} given the same calls would (same count, same clearing at
 * {@link VERIFIED_CACHE_MAX}), so `signaturesVerified` counts what it did. A record no slot holds
 * is dropped, so the table holds what its slots hold, no more.
 *
 * It also remembers verification across slots: a record held by some slot verified with the
 * table's `verify` and `keyMatches`, and a signature check is a pure function of the statement's
 * content and bytes, so a slot whose trust has those same functions takes the answer without
 * computing it. The simulator's detectors share this; real peers (one detector a process) do not.
 */
export class SharedStatementTable {
  private readonly byPeer = new Map<PeerId, SharedStatement[]>();
  private readonly words: number;
  private readonly caches: SlotCache[] = [];
  private readonly checker: Pick<Trust, 'verify' | 'keyMatches'>;
  private records = 0;
  /**
   * @param slots - slot numbers are 0 .. slots - 1
   * @param checker - the `verify` and `keyMatches` whose answers the table remembers
   */
  constructor(slots: number, checker: Pick<Trust, 'verify' | 'keyMatches'>) {
    this.words = Math.ceil(slots / 32);
    this.checker = checker;
  }

  /** Records in the table (each held by at least one slot). */
  get size(): number {
    return this.records;
  }

  /** Slot `slot`'s cache, empty (a detector made for a slot that had one starts afresh). */
  cacheFor(slot: number): StatementCache {
    if (!(slot >= 0 && slot < this.words * 32)) throw new RangeError(`slot ${slot} out of range`);
    this.caches[slot]?.clear();
    const c = new SlotCache(this, slot);
    this.caches[slot] = c;
    return c;
  }

  /** @internal The record of `u` (content and bytes), if any slot holds it. */
  find(u: Update): SharedStatement | undefined {
    const list = this.byPeer.get(u.peer);
    if (list === undefined) return undefined;
    const from = u.from ?? '';
    for (let i = 0; i < list.length; i++) {
      const v = list[i] as SharedStatement;
      if (isStatement(v, u, from)) return v;
    }
    return undefined;
  }

  /** @internal A new record of `u` (which has a key and a signature and no record yet). */
  make(u: Update, checked: boolean): SharedStatement {
    const v: SharedStatement = {
      peer: u.peer,
      kind: u.kind,
      incarnation: u.incarnation,
      from: u.from ?? '',
      key: u.key as Uint8Array,
      signature: u.signature as Uint8Array,
      slots: new Uint32Array(this.words),
      held: 0,
      checked,
    };
    const list = this.byPeer.get(u.peer);
    if (list === undefined) this.byPeer.set(u.peer, [v]);
    else list.push(v);
    this.records += 1;
    return v;
  }

  /** @internal Drops `v`, which no slot holds any more. */
  drop(v: SharedStatement): void {
    const list = this.byPeer.get(v.peer);
    if (list === undefined) return;
    const i = list.indexOf(v);
    if (i < 0) return;
    list.splice(i, 1);
    if (list.length === 0) this.byPeer.delete(v.peer);
    this.records -= 1;
  }

  /** @internal Whether `trust` checks signatures with the table's own functions. */
  sameChecker(trust: Trust): boolean {
    return trust.verify === this.checker.verify && trust.keyMatches === this.checker.keyMatches;
  }
}

/** One slot of a {@link SharedStatementTable}: what a detector holds, as its {@link StatementCache}. */
class SlotCache implements StatementCache {
  private readonly table: SharedStatementTable;
  private readonly word: number;
  private readonly bit: number;
  /** The records this slot added since it was cleared, in order (a record again for a repeat). */
  private held: SharedStatement[] = [];
  /** The update {@link has} last looked up and the record it found (held here or not). */
  private lookedUp: Update | undefined = undefined;
  private found: SharedStatement | undefined = undefined;
  /** The update {@link verify} last found valid with the table's own functions. */
  private checkedUpdate: Update | undefined = undefined;

  constructor(table: SharedStatementTable, slot: number) {
    this.table = table;
    this.word = slot >>> 5;
    this.bit = 1 << (slot & 31);
  }

  has(u: Update): boolean {
    const v = this.table.find(u);
    this.lookedUp = u;
    this.found = v;
    return v !== undefined && ((v.slots[this.word] as number) & this.bit) !== 0;
  }

  verify(trust: Trust, u: Update): boolean {
    this.checkedUpdate = undefined;
    const same = this.table.sameChecker(trust);
    const v = this.lookedUp === u ? this.found : this.table.find(u);
    const valid = (same && v !== undefined && v.checked) || verifyUpdate(trust, u);
    if (valid && same) this.checkedUpdate = u;
    return valid;
  }

  /**
   * As {@link VerifiedCache.add}: clears when full, then (with a key and a signature) holds `u`,
   * counted even if already held. The caller verified `u` with its own trust just before.
   */
  add(u: Update): void {
    if (this.held.length >= VERIFIED_CACHE_MAX) {
      this.clear();
      this.lookedUp = undefined;
    }
    if (u.key === undefined || u.signature === undefined) return;
    let v = this.lookedUp === u ? this.found : this.table.find(u);
    const checked = this.checkedUpdate === u;
    this.lookedUp = undefined;
    this.found = undefined;
    this.checkedUpdate = undefined;
    if (v === undefined) v = this.table.make(u, checked);
    else if (checked) v.checked = true;
    const w = v.slots[this.word] as number;
    if ((w & this.bit) === 0) {
      v.slots[this.word] = w | this.bit;
      v.held += 1;
    }
    this.held.push(v);
  }

  /** Empties this slot: its bits cleared, records no slot holds any more dropped. */
  clear(): void {
    const held = this.held;
    for (let i = 0; i < held.length; i++) {
      const v = held[i] as SharedStatement;
      const w = v.slots[this.word] as number;
      if ((w & this.bit) === 0) continue;
      v.slots[this.word] = w & ~this.bit;
      v.held -= 1;
      if (v.held === 0) this.table.drop(v);
    }
    this.held = [];
  }
}
