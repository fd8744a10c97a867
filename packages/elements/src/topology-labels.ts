/**
 * Where the topology puts a node's label ("id · RTT"): beside the node, on a side where it covers
 * no other node and no label placed before it. A node that left is drawn as a ring with no link
 * holding it, and could sit where a neighbour's label used to be drawn blindly to the right.
 */

/** A node as drawn (CSS px): centre and the radius its shape and rings take. */
export interface Disc {
  x: number;
  y: number;
  r: number;
}

/** A label's background box (CSS px). */
export interface LabelBox {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Height of a label's box (12 px text). */
export const labelHeightPx = 16;

const hits = (b: LabelBox, d: Disc): boolean =>
  Math.hypot(Math.max(b.x, Math.min(d.x, b.x + b.w)) - d.x, Math.max(b.y, Math.min(d.y, b.y + b.h)) - d.y) <
  d.r;

const crosses = (a: LabelBox, b: LabelBox): boolean =>
  a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

/**
 * The box of a label `widthPx` wide for `discs[self]`: outwards first (left of a node left of the
 * local peer, else right), then the other side, then below, then above. The first candidate on the
 * canvas that covers no other disc and no `placed` box wins; if none is free, the one covering the
 * fewest (a candidate off the canvas counts as covering many). Pure.
 */
export function placeLabel(
  discs: readonly Disc[],
  self: number,
  widthPx: number,
  outwardLeft: boolean,
  placed: readonly LabelBox[],
  canvasWidthPx: number,
  canvasHeightPx: number,
): LabelBox {
  const d = discs[self] as Disc;
  const h = labelHeightPx;
  const right = { x: d.x + d.r + 1, y: d.y - h / 2, w: widthPx, h };
  const left = { ...right, x: d.x - d.r - 1 - widthPx };
  const below = { x: d.x - widthPx / 2, y: d.y + d.r + 1, w: widthPx, h };
  const above = { ...below, y: d.y - d.r - 1 - h };
  let best = right;
  let bestCost = Infinity;
  for (const box of outwardLeft ? [left, right, below, above] : [right, left, below, above]) {
    let cost =
      box.x < 2 || box.y < 2 || box.x + box.w > canvasWidthPx - 2 || box.y + h > canvasHeightPx - 2 ? 9 : 0;
    discs.forEach((other, i) => (cost += Number(i !== self && hits(box, other))));
    for (const p of placed) cost += Number(crosses(box, p));
    if (cost < bestCost) [best, bestCost] = [box, cost];
    if (cost === 0) break;
  }
  return best;
}
