import type { PeerId, PeerState } from '@pulsemesh/core';
import type { TopologyLayout, TopologyNode } from './topology-layout.js';
import { formatMs } from './format.js';
import { labelHeightPx, placeLabel, type LabelBox } from './topology-labels.js';

/** Colours read from the element's themed custom properties. */
export interface TopologyPalette {
  bg: string;
  text: string;
  muted: string;
  border: string;
  accent: string;
  states: Record<PeerState, string>;
}

/** Layout → canvas transform (CSS px). */
export interface Viewport {
  scale: number;
  offsetX: number;
  offsetY: number;
  widthPx: number;
  heightPx: number;
}

/** What is highlighted. */
export interface Highlight {
  selected: PeerId | undefined;
  focused: PeerId | undefined;
  hovered: PeerId | undefined;
}

/** Node radius in layout units (the collide force keeps 9 between centres). */
export const nodeRadius = 6;
/** Up to this many peers every node is labelled with its id and RTT. */
const labelPeersMax = 24;

/** The transform that fits every node into the canvas with a margin, at most 2.5× zoom. */
export function fitViewport(layout: TopologyLayout, widthPx: number, heightPx: number): Viewport {
  let minX = -1;
  let maxX = 1;
  let minY = -1;
  let maxY = 1;
  for (const n of layout.nodes) {
    minX = Math.min(minX, n.x ?? 0);
    maxX = Math.max(maxX, n.x ?? 0);
    minY = Math.min(minY, n.y ?? 0);
    maxY = Math.max(maxY, n.y ?? 0);
  }
  // Labelled (small) meshes need room beside the outermost nodes for "id · RTT".
  const labelled = layout.nodes.length <= labelPeersMax;
  const marginXPx = labelled ? Math.min(150, widthPx / 5) : 28;
  const marginYPx = labelled ? 22 : 28;
  const scale = Math.min(
    2.5,
    (widthPx - 2 * marginXPx) / (maxX - minX || 1),
    (heightPx - 2 * marginYPx) / (maxY - minY || 1),
  );
  return {
    scale,
    offsetX: widthPx / 2 - ((minX + maxX) / 2) * scale,
    offsetY: heightPx / 2 - ((minY + maxY) / 2) * scale,
    widthPx,
    heightPx,
  };
}

/**
 * Draws links, then nodes batched by state (one path per state, so a 1,000-peer frame costs a
 * handful of fills), then labels and highlight rings.
 */
export function drawTopology(
  ctx: CanvasRenderingContext2D,
  layout: TopologyLayout,
  view: Viewport,
  palette: TopologyPalette,
  highlight: Highlight,
): void {
  ctx.clearRect(0, 0, view.widthPx, view.heightPx);
  const sx = (n: TopologyNode) => (n.x ?? 0) * view.scale + view.offsetX;
  const sy = (n: TopologyNode) => (n.y ?? 0) * view.scale + view.offsetY;
  const r = Math.max(2.5, nodeRadius * view.scale);

  // Links: faint, thicker and more opaque the lower the RTT (<= 20 ms, <= 80 ms, slower/unknown).
  const linkStyles: readonly [alpha: number, widthPx: number][] = [
    [0.55, 1.4],
    [0.35, 1],
    [0.2, 0.8],
  ];
  const bucketOf = (rttMs: number | undefined) =>
    rttMs === undefined ? 2 : rttMs <= 20 ? 0 : rttMs <= 80 ? 1 : 2;
  // Hundreds of overlapping links would paint a solid disc: fade them as the mesh grows.
  const linkFade = Math.max(0.2, Math.min(1, Math.sqrt(60 / Math.max(1, layout.edges.length))));
  ctx.strokeStyle = palette.muted;
  linkStyles.forEach(([alpha, widthPx], bucket) => {
    ctx.beginPath();
    for (const link of layout.edges) {
      if (bucketOf(link.target.rttMs) !== bucket) continue;
      ctx.moveTo(sx(link.source), sy(link.source));
      ctx.lineTo(sx(link.target), sy(link.target));
    }
    ctx.globalAlpha = alpha * linkFade;
    ctx.lineWidth = widthPx;
    ctx.stroke();
  });
  ctx.globalAlpha = 1;

  for (const state of ['left', 'healthy', 'recovering', 'suspected', 'failed'] as const) {
    ctx.beginPath();
    for (const n of layout.nodes) {
      if (!n.local && n.state === state) shapePath(ctx, state, sx(n), sy(n), r);
    }
    if (state === 'left') {
      ctx.strokeStyle = palette.states.left;
      ctx.lineWidth = 1.5;
      ctx.stroke();
    } else {
      ctx.fillStyle = palette.states[state];
      ctx.fill();
    }
  }

  // Background tabs answer late (hidden) or not at all (frozen): a ring, dashed for hidden.
  ctx.strokeStyle = palette.text;
  ctx.lineWidth = 1;
  for (const lifecycle of ['frozen', 'hidden'] as const) {
    ctx.setLineDash(lifecycle === 'hidden' ? [2, 2] : []);
    ctx.beginPath();
    for (const n of layout.nodes) {
      if (n.lifecycle !== lifecycle || n.state === 'left') continue;
      ctx.moveTo(sx(n) + r + 3, sy(n));
      ctx.arc(sx(n), sy(n), r + 3, 0, Math.PI * 2);
    }
    ctx.stroke();
  }
  ctx.setLineDash([]);

  const local = layout.nodes.find((n) => n.local);
  if (local) {
    ctx.beginPath();
    ctx.arc(sx(local), sy(local), r * 1.6, 0, Math.PI * 2);
    ctx.fillStyle = palette.accent;
    ctx.fill();
    ctx.lineWidth = 3;
    ctx.strokeStyle = palette.bg;
    ctx.stroke();
  }

  ctx.font = '12px system-ui, "Liberation Sans", sans-serif';
  ctx.textBaseline = 'middle';
  const labelled = new Set<PeerId>();
  if (layout.nodes.length <= labelPeersMax) for (const n of layout.nodes) labelled.add(n.id);
  for (const id of [highlight.selected, highlight.focused, highlight.hovered]) if (id) labelled.add(id);
  // What a label must not cover: every node's shape with its rings (the local one is larger).
  const discs = layout.nodes.map((n) => ({ x: sx(n), y: sy(n), r: n.local ? r * 1.6 + 2 : r * 1.2 + 4 }));
  const placed: LabelBox[] = [];
  layout.nodes.forEach((n, i) => {
    if (!labelled.has(n.id)) return;
    const emphasised =
      n.id === highlight.focused || n.id === highlight.hovered || n.id === highlight.selected;
    if (emphasised) {
      ctx.beginPath();
      ctx.arc(sx(n), sy(n), r + 4, 0, Math.PI * 2);
      ctx.strokeStyle = palette.accent;
      ctx.lineWidth = 2;
      ctx.stroke();
    }
    const withRtt = (emphasised || layout.nodes.length <= labelPeersMax) && n.rttMs !== undefined;
    const label = n.local ? 'you' : withRtt ? `${n.id} · ${formatMs(n.rttMs)}` : n.id;
    // Outwards (away from the local peer) unless that covers another node or label.
    const box = placeLabel(
      discs,
      i,
      ctx.measureText(label).width + 6,
      (n.x ?? 0) < 0,
      placed,
      view.widthPx,
      view.heightPx,
    );
    placed.push(box);
    ctx.fillStyle = palette.bg;
    ctx.globalAlpha = 0.8;
    ctx.fillRect(box.x, box.y, box.w, box.h);
    ctx.globalAlpha = 1;
    ctx.fillStyle = emphasised || n.local ? palette.text : palette.muted;
    ctx.fillText(label, box.x + 3, box.y + labelHeightPx / 2);
  });
}

/** Adds one node's shape to the current path: the same shapes as the state icons. */
function shapePath(ctx: CanvasRenderingContext2D, state: PeerState, x: number, y: number, r: number): void {
  switch (state) {
    case 'healthy':
    case 'left':
      ctx.moveTo(x + r, y);
      ctx.arc(x, y, r, 0, Math.PI * 2);
      return;
    case 'suspected':
      ctx.moveTo(x, y - r * 1.15);
      ctx.lineTo(x + r * 1.1, y + r * 0.85);
      ctx.lineTo(x - r * 1.1, y + r * 0.85);
      ctx.closePath();
      return;
    case 'failed':
      ctx.rect(x - r * 0.9, y - r * 0.9, r * 1.8, r * 1.8);
      return;
    case 'recovering':
      ctx.moveTo(x, y - r * 1.2);
      ctx.lineTo(x + r * 1.2, y);
      ctx.lineTo(x, y + r * 1.2);
      ctx.lineTo(x - r * 1.2, y);
      ctx.closePath();
      return;
  }
}
