/**
 * What each node currently believes about each other node, as one byte per (observer, target)
 * pair: dense (`n²` bytes) for small groups, one sparse map per observer above `DENSE_NODES_MAX`.
 */

/** View codes. `stale`: a failed/suspected view of a target that has since restarted. */
export const View = {
  unknown: 0,
  healthy: 1,
  suspected: 2,
  failed: 3,
  recovering: 4,
  left: 5,
  stale: 6,
} as const;
export type View = (typeof View)[keyof typeof View];

/** Largest group stored densely (2,048² bytes = 4 MiB). */
export const DENSE_NODES_MAX = 2048;

/** Per-pair views. */
export class ViewStore {
  private readonly dense: Uint8Array | undefined;
  private readonly sparse: Map<number, number>[] | undefined;
  /** Per target: how many observers have a non-unknown view of it (lets a column scan skip). */
  private readonly observers: Int32Array;

  constructor(readonly n: number) {
    if (n <= DENSE_NODES_MAX) this.dense = new Uint8Array(n * n);
    else this.sparse = Array.from({ length: n }, () => new Map<number, number>());
    this.observers = new Int32Array(n);
  }

  get(o: number, t: number): View {
    if (this.dense) return this.dense[o * this.n + t] as View;
    return ((this.sparse as Map<number, number>[])[o]?.get(t) ?? 0) as View;
  }

  set(o: number, t: number, v: View): void {
    const prev = this.get(o, t);
    if (prev === v) return;
    if (prev === View.unknown) this.observers[t] = (this.observers[t] as number) + 1;
    else if (v === View.unknown) this.observers[t] = (this.observers[t] as number) - 1;
    if (this.dense) this.dense[o * this.n + t] = v;
    else {
      const row = (this.sparse as Map<number, number>[])[o] as Map<number, number>;
      if (v === View.unknown) row.delete(t);
      else row.set(t, v);
    }
  }

  /** Calls `fn` for each target `o` has a non-unknown view of. */
  forEachTarget(o: number, fn: (t: number, v: View) => void): void {
    if (this.dense) {
      const base = o * this.n;
      for (let t = 0; t < this.n; t++) {
        const v = this.dense[base + t] as View;
        if (v !== View.unknown) fn(t, v);
      }
    } else
      for (const [t, v] of (this.sparse as Map<number, number>[])[o] as Map<number, number>) fn(t, v as View);
  }

  /** Calls `fn` for each observer with a non-unknown view of `t`. */
  forEachObserver(t: number, fn: (o: number, v: View) => void): void {
    if (this.observers[t] === 0) return;
    for (let o = 0; o < this.n; o++) {
      const v = this.get(o, t);
      if (v !== View.unknown) fn(o, v);
    }
  }

  /** Forgets everything `o` believed (a restarted node starts blank). */
  clearRow(o: number): void {
    this.forEachTarget(o, (t) => {
      this.observers[t] = (this.observers[t] as number) - 1;
    });
    if (this.dense) this.dense.fill(0, o * this.n, (o + 1) * this.n);
    else (this.sparse as Map<number, number>[])[o]?.clear();
  }
}
