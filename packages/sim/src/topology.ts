/**
 * Who has a direct link to whom. `full`: every pair (a full WebRTC mesh, or UDP). `random`: each
 * node links to about `degree` random others (symmetric), the shape a large browser mesh takes,
 * since a tab cannot hold thousands of peer connections. Memory is O(n · degree).
 */
import type { Random } from '@pulsemesh/core';
import { randomInt } from '@pulsemesh/core';

/** Topology description. */
export type TopologySpec = { kind: 'full' } | { kind: 'random'; degree: number };

/** Adjacency of a simulation. */
export interface Topology {
  readonly spec: TopologySpec;
  adjacent(a: number, b: number): boolean;
  /** Calls `fn` for each neighbour of `i`, in ascending order. */
  forEachNeighbour(i: number, fn: (j: number) => void): void;
  degreeOf(i: number): number;
}

/** Builds a topology over `n` nodes. */
export function buildTopology(spec: TopologySpec, n: number, random: Random): Topology {
  if (spec.kind === 'full') return fullTopology(n);
  return randomTopology(spec, n, random);
}

function fullTopology(n: number): Topology {
  return {
    spec: { kind: 'full' },
    adjacent: (a, b) => a !== b && a < n && b < n,
    forEachNeighbour(i, fn) {
      for (let j = 0; j < n; j++) if (j !== i) fn(j);
    },
    degreeOf: () => n - 1,
  };
}

function randomTopology(spec: { kind: 'random'; degree: number }, n: number, random: Random): Topology {
  const half = Math.max(1, Math.ceil(spec.degree / 2));
  const sets: Set<number>[] = Array.from({ length: n }, () => new Set<number>());
  // A ring first, so the graph is connected; then random chords until each has ~degree links.
  for (let i = 0; i < n && n > 1; i++) {
    const j = (i + 1) % n;
    (sets[i] as Set<number>).add(j);
    (sets[j] as Set<number>).add(i);
  }
  for (let i = 0; i < n; i++) {
    for (let k = 1; k < half && n > 2; k++) {
      const j = randomInt(random, n);
      if (j === i) continue;
      (sets[i] as Set<number>).add(j);
      (sets[j] as Set<number>).add(i);
    }
  }
  const start = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) start[i + 1] = (start[i] as number) + (sets[i] as Set<number>).size;
  const adj = new Int32Array(start[n] as number);
  for (let i = 0; i < n; i++) {
    const sorted = [...(sets[i] as Set<number>)].sort((x, y) => x - y);
    adj.set(sorted, start[i] as number);
  }
  const adjacent = (a: number, b: number): boolean => {
    let lo = start[a] as number;
    let hi = (start[a + 1] as number) - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const v = adj[mid] as number;
      if (v === b) return true;
      if (v < b) lo = mid + 1;
      else hi = mid - 1;
    }
    return false;
  };
  return {
    spec,
    adjacent,
    forEachNeighbour(i, fn) {
      for (let k = start[i] as number; k < (start[i + 1] as number); k++) fn(adj[k] as number);
    },
    degreeOf: (i) => (start[i + 1] as number) - (start[i] as number),
  };
}
