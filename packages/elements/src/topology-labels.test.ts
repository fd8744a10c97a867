import { describe, expect, it } from 'vitest';
import { labelHeightPx, placeLabel, type Disc, type LabelBox } from './topology-labels.js';

const canvas = [600, 300] as const;
const place = (discs: Disc[], self: number, outwardLeft = false, placed: LabelBox[] = []) =>
  placeLabel(discs, self, 100, outwardLeft, placed, ...canvas);
const side = (box: LabelBox, d: Disc) =>
  box.x > d.x ? 'right' : box.x + box.w < d.x ? 'left' : box.y > d.y ? 'below' : 'above';

describe('placeLabel', () => {
  const node = { x: 300, y: 150, r: 10 };

  it('puts a label outwards when nothing is in the way, beside its node, centred on it', () => {
    const right = place([node], 0);
    expect(right).toEqual({ x: 311, y: 150 - labelHeightPx / 2, w: 100, h: labelHeightPx });
    expect(side(place([node], 0, true), node)).toBe('left');
  });

  it("moves it off a node that sits where it would go (a left peer's ring beside the label)", () => {
    const ring = { x: 360, y: 152, r: 10 };
    expect(side(place([node, ring], 0), node)).toBe('left');
    const other = { x: 240, y: 148, r: 10 };
    expect(side(place([node, ring, other], 0), node)).toBe('below');
    const under = { x: 300, y: 185, r: 10 };
    expect(side(place([node, ring, other, under], 0), node)).toBe('above');
  });

  it('keeps clear of labels placed before it and of the canvas edge', () => {
    const taken = { x: 311, y: 142, w: 80, h: labelHeightPx };
    expect(side(place([node], 0, false, [taken]), node)).toBe('left');
    const atEdge = { x: 550, y: 150, r: 10 };
    expect(side(place([atEdge], 0), atEdge)).toBe('left');
  });

  it('when every side is covered, takes the one covering the fewest', () => {
    // Two nodes on the right, two on the left, one below, two above.
    const crowd = [
      node,
      ...[330, 380, 270, 220].map((x) => ({ x, y: 150, r: 10 })),
      { x: 300, y: 175, r: 10 },
      ...[290, 320].map((x) => ({ x, y: 125, r: 10 })),
    ];
    expect(side(place(crowd, 0), node)).toBe('below');
  });
});
