/**
 * The simulator's event queue: a 4-ary min-heap ordered by (time, sequence), so two events at the
 * same virtual time always pop in the order they were pushed (determinism). Sequence numbers come
 * from a {@link SequenceCounter} that the node timer heap shares, so both queues order ties alike.
 *
 * Event data lives in pre-allocated parallel typed arrays (structure of arrays) indexed by a slot
 * id, with a free list. The heap keeps each entry's time and sequence inline next to its slot id, so
 * sifting compares contiguous memory instead of chasing slot ids (at 10,000 nodes the pending set
 * is far larger than the CPU caches). Pushing and popping allocate nothing once the arrays have
 * grown to the peak number of pending events.
 */

/** Kind of a queued event (small integers stored in a `Uint8Array`). */
export const EventKind = {
  /** A timer: `a` = node index. (The `Simulator` keeps node timers in a `TimerHeap` instead.) */
  timer: 1,
  /** A message delivery: `a` = destination, `b` = source, payload = bytes. */
  deliver: 2,
  /** A scheduled action (fault, workload): `a` = action index. */
  action: 3,
  /** A signaling-session witness: `a` = destination, `b` = its code (`session-witness.ts`). */
  witness: 4,
} as const;
export type EventKind = (typeof EventKind)[keyof typeof EventKind];

/** Upper bound on pending events; exceeding it is a programmer error (a runaway simulation). */
export const QUEUE_EVENTS_MAX = 1 << 26;

/** Insertion sequence shared by the queues of one simulation (ties at equal times pop in this order). */
export class SequenceCounter {
  value = 0;
  /** The next sequence number. */
  next(): number {
    return this.value++;
  }
}

/** Min-heap of events keyed by (timeMs, sequence). */
export class EventQueue {
  private hTime: Float64Array;
  private hSeq: Float64Array;
  private hSlot: Int32Array;
  private kinds: Uint8Array;
  private as: Int32Array;
  private bs: Int32Array;
  private payloads: (Uint8Array | undefined)[];
  private free: Int32Array;
  private freeCount = 0;
  private slotsUsed = 0;
  private count = 0;
  private lastTime = 0;

  constructor(
    initialCapacity = 1024,
    private readonly seq: SequenceCounter = new SequenceCounter(),
  ) {
    const cap = Math.max(16, initialCapacity);
    this.hTime = new Float64Array(cap);
    this.hSeq = new Float64Array(cap);
    this.hSlot = new Int32Array(cap);
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
    return this.count === 0 ? Infinity : (this.hTime[0] as number);
  }

  /** Sequence number of the earliest pending event, or `Infinity` when empty. */
  peekSeq(): number {
    return this.count === 0 ? Infinity : (this.hSeq[0] as number);
  }

  /** Queues an event. */
  push(timeMs: number, kind: EventKind, a: number, b: number, payload?: Uint8Array): void {
    const slot = this.allocSlot();
    this.kinds[slot] = kind;
    this.as[slot] = a;
    this.bs[slot] = b;
    this.payloads[slot] = payload;
    if (this.count === this.hTime.length) this.growHeap();
    const seq = this.seq.next();
    const hTime = this.hTime;
    const hSeq = this.hSeq;
    const hSlot = this.hSlot;
    let i = this.count++;
    while (i > 0) {
      const parent = (i - 1) >> 2;
      const pt = hTime[parent] as number;
      if (pt < timeMs || (pt === timeMs && (hSeq[parent] as number) < seq)) break;
      hTime[i] = pt;
      hSeq[i] = hSeq[parent] as number;
      hSlot[i] = hSlot[parent] as number;
      i = parent;
    }
    hTime[i] = timeMs;
    hSeq[i] = seq;
    hSlot[i] = slot;
  }

  /**
   * Removes the earliest event and returns its slot id; read it with `timeOf`/`kindOf`/`aOf`/`bOf`/
   * `payloadOf`, then hand it back with `release`. Returns -1 when empty.
   */
  pop(): number {
    if (this.count === 0) return -1;
    const hTime = this.hTime;
    const hSeq = this.hSeq;
    const hSlot = this.hSlot;
    const top = hSlot[0] as number;
    this.lastTime = hTime[0] as number;
    const n = --this.count;
    if (n === 0) return top;
    const t = hTime[n] as number;
    const s = hSeq[n] as number;
    const slot = hSlot[n] as number;
    let i = 0;
    for (;;) {
      const first = 4 * i + 1;
      if (first >= n) break;
      let c = first;
      let ct = hTime[first] as number;
      let cs = hSeq[first] as number;
      const end = first + 4 < n ? first + 4 : n;
      for (let k = first + 1; k < end; k++) {
        const kt = hTime[k] as number;
        if (kt < ct || (kt === ct && (hSeq[k] as number) < cs)) {
          c = k;
          ct = kt;
          cs = hSeq[k] as number;
        }
      }
      if (t < ct || (t === ct && s < cs)) break;
      hTime[i] = ct;
      hSeq[i] = cs;
      hSlot[i] = hSlot[c] as number;
      i = c;
    }
    hTime[i] = t;
    hSeq[i] = s;
    hSlot[i] = slot;
    return top;
  }

  /** Time of a slot just popped (only valid for the last popped slot). */
  timeOf(_slot: number): number {
    return this.lastTime;
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

  private allocSlot(): number {
    if (this.freeCount > 0) return this.free[--this.freeCount] as number;
    if (this.slotsUsed === this.kinds.length) this.growSlots();
    return this.slotsUsed++;
  }

  private growHeap(): void {
    const cap = this.hTime.length * 2;
    if (cap > QUEUE_EVENTS_MAX) throw new RangeError(`event queue over ${QUEUE_EVENTS_MAX} events`);
    this.hTime = growF64(this.hTime, cap);
    this.hSeq = growF64(this.hSeq, cap);
    this.hSlot = growI32(this.hSlot, cap);
  }

  private growSlots(): void {
    const cap = this.kinds.length * 2;
    if (cap > QUEUE_EVENTS_MAX) throw new RangeError(`event queue over ${QUEUE_EVENTS_MAX} events`);
    this.as = growI32(this.as, cap);
    this.bs = growI32(this.bs, cap);
    this.free = growI32(this.free, cap);
    const k = new Uint8Array(cap);
    k.set(this.kinds);
    this.kinds = k;
    this.payloads.length = cap;
    this.payloads.fill(undefined, this.slotsUsed);
  }
}

function growF64(a: Float64Array, cap: number): Float64Array {
  const b = new Float64Array(cap);
  b.set(a);
  return b;
}

function growI32(a: Int32Array, cap: number): Int32Array {
  const b = new Int32Array(cap);
  b.set(a);
  return b;
}
