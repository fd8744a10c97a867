/**
 * The simulator's event queue: a binary min-heap ordered by (time, insertion sequence), so two
 * events at the same virtual time always pop in the order they were pushed (determinism).
 *
 * Events live in pre-allocated parallel typed arrays (structure of arrays) indexed by a slot id,
 * with a free list; the heap itself is an `Int32Array` of slot ids. Pushing and popping allocate
 * nothing once the arrays have grown to the peak number of pending events.
 */

/** Kind of a queued event (small integers stored in a `Uint8Array`). */
export const EventKind = {
  /** A node's timer: `a` = node index, `b` = timer generation. */
  timer: 1,
  /** A message delivery: `a` = destination, `b` = source, payload = bytes. */
  deliver: 2,
  /** A scheduled action (fault, workload): `a` = action index. */
  action: 3,
} as const;
export type EventKind = (typeof EventKind)[keyof typeof EventKind];

/** Upper bound on pending events; exceeding it is a programmer error (a runaway simulation). */
export const QUEUE_EVENTS_MAX = 1 << 26;

/** Binary min-heap of events keyed by (timeMs, sequence). */
export class EventQueue {
  private heap: Int32Array;
  private times: Float64Array;
  private seqs: Float64Array;
  private kinds: Uint8Array;
  private as: Int32Array;
  private bs: Int32Array;
  private payloads: (Uint8Array | undefined)[];
  private free: Int32Array;
  private freeCount = 0;
  private slotsUsed = 0;
  private count = 0;
  private nextSeq = 0;

  constructor(initialCapacity = 1024) {
    const cap = Math.max(16, initialCapacity);
    this.heap = new Int32Array(cap);
    this.times = new Float64Array(cap);
    this.seqs = new Float64Array(cap);
    this.kinds = new Uint8Array(cap);
    this.as = new Int32Array(cap);
    this.bs = new Int32Array(cap);
    this.payloads = new Array<Uint8Array | undefined>(cap).fill(undefined);
    this.free = new Int32Array(cap);
  }

  /** Number of pending events. */
  get size(): number {
    return this.count;
  }

  /** Time of the earliest pending event, or `Infinity` when empty. */
  peekTimeMs(): number {
    return this.count === 0 ? Infinity : (this.times[this.heap[0] as number] as number);
  }

  /** Queues an event. */
  push(timeMs: number, kind: EventKind, a: number, b: number, payload?: Uint8Array): void {
    const slot = this.allocSlot();
    this.times[slot] = timeMs;
    this.seqs[slot] = this.nextSeq++;
    this.kinds[slot] = kind;
    this.as[slot] = a;
    this.bs[slot] = b;
    this.payloads[slot] = payload;
    let i = this.count++;
    const heap = this.heap;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent] as number;
      if (!this.less(slot, p)) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = slot;
  }

  /**
   * Removes the earliest event and returns its slot id; read it with `timeOf`/`kindOf`/`aOf`/`bOf`/
   * `payloadOf`, then hand it back with `release`. Returns -1 when empty.
   */
  pop(): number {
    if (this.count === 0) return -1;
    const heap = this.heap;
    const top = heap[0] as number;
    const last = heap[--this.count] as number;
    const n = this.count;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      if (r < n && this.less(heap[r] as number, heap[l] as number)) c = r;
      const cs = heap[c] as number;
      if (!this.less(cs, last)) break;
      heap[i] = cs;
      i = c;
    }
    if (n > 0) heap[i] = last;
    return top;
  }

  timeOf(slot: number): number {
    return this.times[slot] as number;
  }
  kindOf(slot: number): EventKind {
    return this.kinds[slot] as EventKind;
  }
  aOf(slot: number): number {
    return this.as[slot] as number;
  }
  bOf(slot: number): number {
    return this.bs[slot] as number;
  }
  payloadOf(slot: number): Uint8Array | undefined {
    return this.payloads[slot];
  }

  /** Returns a popped slot to the free list. */
  release(slot: number): void {
    this.payloads[slot] = undefined;
    this.free[this.freeCount++] = slot;
  }

  private less(x: number, y: number): boolean {
    const tx = this.times[x] as number;
    const ty = this.times[y] as number;
    return tx < ty || (tx === ty && (this.seqs[x] as number) < (this.seqs[y] as number));
  }

  private allocSlot(): number {
    if (this.freeCount > 0) return this.free[--this.freeCount] as number;
    if (this.slotsUsed === this.times.length) this.grow();
    return this.slotsUsed++;
  }

  private grow(): void {
    const cap = this.times.length * 2;
    if (cap > QUEUE_EVENTS_MAX) throw new RangeError(`event queue over ${QUEUE_EVENTS_MAX} events`);
    const growF = (a: Float64Array): Float64Array => {
      const b = new Float64Array(cap);
      b.set(a);
      return b;
    };
    const growI = (a: Int32Array): Int32Array => {
      const b = new Int32Array(cap);
      b.set(a);
      return b;
    };
    this.times = growF(this.times);
    this.seqs = growF(this.seqs);
    this.heap = growI(this.heap);
    this.as = growI(this.as);
    this.bs = growI(this.bs);
    this.free = growI(this.free);
    const k = new Uint8Array(cap);
    k.set(this.kinds);
    this.kinds = k;
    this.payloads.length = cap;
    this.payloads.fill(undefined, this.slotsUsed);
  }
}
