import {
  forceCollide,
  forceLink,
  forceManyBody,
  forceSimulation,
  forceX,
  forceY,
  type Simulation,
  type SimulationLinkDatum,
  type SimulationNodeDatum,
} from 'd3-force';
import type { PeerId, PeerSnapshot, PeerState } from '@pulsemesh/core';

/** One peer in the layout; d3-force owns `x`, `y`, `vx`, `vy`. */
export interface TopologyNode extends SimulationNodeDatum {
  id: PeerId;
  local: boolean;
  state: PeerState;
  direct: boolean;
  rttMs: number | undefined;
}

/** A link from the local peer to a peer it probes directly. */
export type TopologyLink = SimulationLinkDatum<TopologyNode> & {
  source: TopologyNode;
  target: TopologyNode;
};

/** Alpha given to the simulation when the peer set changes: small, so old nodes barely move. */
const reheatAlphaMin = 0.05;
const reheatAlphaMax = 0.5;

/**
 * The mesh as a d3-force graph seen from the local peer: the local node is pinned at the origin,
 * links go to every directly probed peer. Nodes are kept by id across updates, so a state change
 * never moves anything and a join or leave only reheats the simulation a little. Ticks run on
 * demand within a time budget ({@link TopologyLayout.step}), never on d3's own timer.
 */
export class TopologyLayout {
  readonly nodes: TopologyNode[] = [];
  private links: TopologyLink[] = [];
  private readonly byId = new Map<PeerId, TopologyNode>();
  private readonly local: TopologyNode;
  private readonly simulation: Simulation<TopologyNode, TopologyLink>;

  constructor(localId: PeerId) {
    this.local = { id: localId, local: true, state: 'healthy', direct: true, rttMs: 0, fx: 0, fy: 0 };
    this.nodes.push(this.local);
    this.byId.set(localId, this.local);
    this.simulation = forceSimulation<TopologyNode, TopologyLink>(this.nodes)
      .stop()
      .alphaDecay(0.03)
      .force('charge', forceManyBody<TopologyNode>().strength(-40).distanceMax(260).theta(0.95))
      .force('link', forceLink<TopologyNode, TopologyLink>([]).distance(70).strength(0.08))
      .force('collide', forceCollide<TopologyNode>(9).iterations(1))
      .force('x', forceX<TopologyNode>(0).strength(0.03))
      .force('y', forceY<TopologyNode>(0).strength(0.03));
  }

  /** Links drawn from the local node (one per direct, not-left peer). */
  get edges(): readonly TopologyLink[] {
    return this.links;
  }

  /** Whether the simulation still moves nodes (call {@link step} until false). */
  get running(): boolean {
    return this.simulation.alpha() >= this.simulation.alphaMin();
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
        node = { id: peer.id, local: false, state: peer.state, direct: peer.direct, rttMs: undefined };
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
      this.simulation.nodes(this.nodes);
      const link = this.simulation.force('link') as ReturnType<typeof forceLink<TopologyNode, TopologyLink>>;
      link.links(this.links);
      const share = changed / Math.max(1, this.nodes.length);
      const alpha = Math.min(reheatAlphaMax, reheatAlphaMin + share);
      if (changed > 0) this.simulation.alpha(Math.max(this.simulation.alpha(), alpha));
    }
    return changed;
  }

  /** Runs simulation ticks for at most `budgetMs` (wall clock). Returns whether it is still running. */
  step(budgetMs: number): boolean {
    const start = performance.now();
    while (this.running && performance.now() - start < budgetMs) this.simulation.tick();
    return this.running;
  }

  /** The node within `radius` of (x, y) in layout coordinates, nearest first. */
  find(x: number, y: number, radius: number): TopologyNode | undefined {
    return this.simulation.find(x, y, radius);
  }

  /** Largest distance of a node from the origin. */
  extent(): number {
    let max = 0;
    for (const n of this.nodes) max = Math.max(max, Math.hypot(n.x ?? 0, n.y ?? 0));
    return max;
  }
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
