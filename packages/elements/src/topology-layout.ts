import {
  forceCollide,
  forceLink,
  forceManyBody,
  forceX,
  forceY,
  type Force,
  type SimulationLinkDatum,
  type SimulationNodeDatum,
} from 'd3-force';
import type { Lifecycle, PeerId, PeerSnapshot, PeerState } from '@pulsemesh/core';

/** One peer in the layout; d3-force owns `x`, `y`, `vx`, `vy`. */
export interface TopologyNode extends SimulationNodeDatum {
  id: PeerId;
  local: boolean;
  state: PeerState;
  direct: boolean;
  rttMs: number | undefined;
  /** The peer's reported runtime lifecycle, if known. */
  lifecycle: Lifecycle | undefined;
}

/** A link from the local peer to a peer it probes directly. */
export type TopologyLink = SimulationLinkDatum<TopologyNode> & {
  source: TopologyNode;
  target: TopologyNode;
};

/** Alpha given to the simulation when the peer set changes: small, so old nodes barely move. */
const reheatAlphaMin = 0.05;
const reheatAlphaMax = 0.5;
/** d3-force's defaults: the simulation stops below `alphaMin`; velocity keeps 60% per tick. */
const alphaMin = 0.001;
const alphaDecay = 0.03;
const velocityKeep = 0.6;
/** Phyllotaxis start positions, as d3's simulation places new nodes. */
const initialRadius = 10;
const initialAngle = Math.PI * (3 - Math.sqrt(5));

/**
 * The mesh as a d3-force graph seen from the local peer: the local node is pinned at the origin,
 * links go to every directly probed peer. Nodes are kept by id across updates, so a state change
 * never moves anything and a join or leave only reheats the simulation a little. Ticks run on
 * demand within a time budget ({@link TopologyLayout.step}). The forces are d3-force's; the
 * few-line integrator below is the one `forceSimulation` runs, without its timer and event
 * dispatcher (which the elements' bundle budget cannot afford and the element does not need).
 */
export class TopologyLayout {
  readonly nodes: TopologyNode[] = [];
  private links: TopologyLink[] = [];
  private readonly byId = new Map<PeerId, TopologyNode>();
  private readonly local: TopologyNode;
  private readonly link = forceLink<TopologyNode, TopologyLink>([]).distance(70).strength(0.08);
  private readonly forces: Force<TopologyNode, TopologyLink>[] = [
    forceManyBody<TopologyNode>().strength(-40).distanceMax(260).theta(0.95),
    this.link,
    forceCollide<TopologyNode>(9).iterations(1),
    forceX<TopologyNode>(0).strength(0.03),
    forceY<TopologyNode>(0).strength(0.03),
  ];
  private alpha = 1;
  private readonly random = lcg();

  constructor(localId: PeerId) {
    this.local = {
      id: localId,
      local: true,
      state: 'healthy',
      direct: true,
      rttMs: 0,
      lifecycle: undefined,
      fx: 0,
      fy: 0,
    };
    this.nodes.push(this.local);
    this.byId.set(localId, this.local);
    this.initialize();
  }

  /** Links drawn from the local node (one per direct, not-left peer). */
  get edges(): readonly TopologyLink[] {
    return this.links;
  }

  /** Whether the simulation still moves nodes (call {@link step} until false). */
  get running(): boolean {
    return this.alpha >= alphaMin;
  }

  /** Position of a node, for tests and tooltips. */
  position(id: PeerId): { x: number; y: number } | undefined {
    const node = this.byId.get(id);
    return node ? { x: node.x ?? 0, y: node.y ?? 0 } : undefined;
  }

  /**
   * Brings the graph in line with `peers`. Returns how many nodes were added or removed; when
   * non-zero the simulation is reheated in proportion to the change.
   */
  sync(peers: readonly PeerSnapshot[]): number {
    const seen = new Set<PeerId>([this.local.id]);
    let added = 0;
    const radius = this.extent();
    for (const peer of peers) {
      seen.add(peer.id);
      let node = this.byId.get(peer.id);
      if (!node) {
        node = {
          id: peer.id,
          local: false,
          state: peer.state,
          direct: peer.direct,
          rttMs: undefined,
          lifecycle: undefined,
        };
        if (this.nodes.length > 1) {
          // A late joiner starts on the rim at an angle derived from its id, not on top of others.
          const angle = (hash(peer.id) / 0xffffffff) * Math.PI * 2;
          node.x = Math.cos(angle) * (radius + 20);
          node.y = Math.sin(angle) * (radius + 20);
        }
        this.byId.set(peer.id, node);
        this.nodes.push(node);
        added++;
      }
      node.state = peer.state;
      node.direct = peer.direct;
      node.rttMs = peer.link.rttMs;
      node.lifecycle = peer.vitals?.lifecycle;
    }
    let removed = 0;
    if (seen.size !== this.nodes.length) {
      for (let i = this.nodes.length - 1; i >= 0; i--) {
        const node = this.nodes[i];
        if (node && !seen.has(node.id)) {
          this.nodes.splice(i, 1);
          this.byId.delete(node.id);
          removed++;
        }
      }
    }
    const links = this.nodes
      .filter((n) => !n.local && n.direct && n.state !== 'left')
      .map((target) => ({ source: this.local, target }));
    const linksChanged = links.length !== this.links.length;
    this.links = links;
    const changed = added + removed;
    if (changed > 0 || linksChanged) {
      this.link.links(this.links);
      this.initialize();
      const share = changed / Math.max(1, this.nodes.length);
      if (changed > 0) this.alpha = Math.max(this.alpha, Math.min(reheatAlphaMax, reheatAlphaMin + share));
    }
    return changed;
  }

  /** Runs simulation ticks for at most `budgetMs` (wall clock). Returns whether it is still running. */
  step(budgetMs: number): boolean {
    const start = performance.now();
    while (this.running && performance.now() - start < budgetMs) this.tick();
    return this.running;
  }

  /** One simulation step, as d3's `simulation.tick()`. */
  tick(): void {
    this.alpha += (0 - this.alpha) * alphaDecay;
    for (const force of this.forces) force(this.alpha);
    for (const n of this.nodes) {
      n.vx = n.fx == null ? (n.vx ?? 0) * velocityKeep : 0;
      n.vy = n.fy == null ? (n.vy ?? 0) * velocityKeep : 0;
      n.x = n.fx ?? (n.x ?? 0) + n.vx;
      n.y = n.fy ?? (n.y ?? 0) + n.vy;
    }
  }

  /** The node nearest to (x, y) within `radius`, in layout coordinates. */
  find(x: number, y: number, radius: number): TopologyNode | undefined {
    let best: TopologyNode | undefined;
    let bestSq = radius * radius;
    for (const n of this.nodes) {
      const dSq = ((n.x ?? 0) - x) ** 2 + ((n.y ?? 0) - y) ** 2;
      if (dSq < bestSq) {
        best = n;
        bestSq = dSq;
      }
    }
    return best;
  }

  /** Indexes nodes, gives new ones d3's phyllotaxis start, and (re)initialises the forces. */
  private initialize(): void {
    this.nodes.forEach((n, i) => {
      n.index = i;
      if (n.x === undefined || n.y === undefined || Number.isNaN(n.x) || Number.isNaN(n.y)) {
        const r = initialRadius * Math.sqrt(0.5 + i);
        n.x = r * Math.cos(i * initialAngle);
        n.y = r * Math.sin(i * initialAngle);
      }
      n.vx ??= 0;
      n.vy ??= 0;
    });
    for (const force of this.forces) force.initialize?.(this.nodes, this.random);
  }

  /** Largest distance of a node from the origin. */
  extent(): number {
    let max = 0;
    for (const n of this.nodes) max = Math.max(max, Math.hypot(n.x ?? 0, n.y ?? 0));
    return max;
  }
}

/** d3's linear congruential generator (same constants), so layouts are reproducible. */
function lcg(): () => number {
  let s = 1;
  return () => (s = (1664525 * s + 1013904223) % 4294967296) / 4294967296;
}

/** FNV-1a, 32 bit: a stable angle per peer id. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}
