/**
 * `pulsemesh`: the real `@pulsemesh/core` `Detector` as a {@link SimNode}. A pass-through adapter,
 * not a re-implementation: every call goes straight to the product code.
 */
import {
  Detector,
  defaultConfig,
  type DetectorConfig,
  type PeerId,
  presets,
  SharedStatementTable,
  type StatementCache,
  testTrust,
} from '@pulsemesh/core';
import type { SimNode, SimNodeInit, Strategy } from './sim-node.js';

/**
 * The real detector, driven by the simulator. A subclass, not a wrapper: `Detector`'s own methods
 * are the {@link SimNode} calls, so each simulator call reaches the detector without an extra object
 * in between (at 10,000 nodes every object followed per message is a cache miss).
 */
export class DetectorNode extends Detector implements SimNode {
  constructor(init: SimNodeInit, config: DetectorConfig, trust = false, sharedStatements = true) {
    super({
      id: init.id,
      config,
      random: init.random,
      nowMs: init.nowMs,
      incarnation: init.incarnation,
      roster: init.roster,
      ...(trust ? { trust: testTrust(init.id) } : {}),
      ...(trust && sharedStatements ? { verifiedCache: verifiedCacheFor(init) } : {}),
    });
  }

  /** The detector itself (this node). */
  get detector(): Detector {
    return this;
  }

  /** Whether the member table holds `peer` (a full table evicts gossip-only members silently). */
  holds(peer: PeerId): boolean {
    return this.peer(peer) !== undefined;
  }
}

/**
 * One {@link SharedStatementTable} per simulation (found by its roster, one set per run), a slot
 * per node index: each detector's verified statements answer as its own cache would, held once for
 * all (decision 0074). Real peers keep their own cache.
 */
const statementTables = new WeakMap<ReadonlySet<PeerId>, SharedStatementTable>();

function verifiedCacheFor(init: SimNodeInit): StatementCache {
  let table = statementTables.get(init.roster);
  if (table === undefined) {
    table = new SharedStatementTable(init.n, testTrust(init.id));
    statementTables.set(init.roster, table);
  }
  return table.cacheFor(init.index);
}

/** What the benchmark runs: `default` (the browser default, `defaultConfig('browser')`) or a named preset. */
export type PulsemeshPreset = 'default' | keyof typeof presets;

/** How a `pulsemesh` strategy runs, beyond its detector config. */
export interface PulsemeshStrategyOptions {
  /**
   * Signed membership (decision 0012, trust model), as `createMesh` runs it: every node signs its
   * own updates and accusations and verifies what it admits. Signatures come from core's insecure
   * deterministic stand-in (`testTrust`), which has Ed25519's sizes (32-byte key + 64-byte
   * signature on each signed update): bytes on the wire are real, CPU is not. Default true, as
   * `createMesh` (the benchmark runs what users get); false only to measure what signing costs.
   */
  trust?: boolean;
  /**
   * With trust, the run's detectors keep their verified statements in one shared table, a slot
   * each (`SharedStatementTable`, decision 0074): the same answers as each detector's own cache,
   * without 10,000 copies. Default true; false gives each its own, as real peers have (a test
   * compares the two).
   */
  sharedStatements?: boolean;
}

/**
 * `pulsemesh` at a preset, optionally with overrides (e.g. a smaller `membersMax` at scale), signed
 * as `createMesh` is unless `options.trust` is false (the preset tag then gets `+unsigned`).
 */
export function pulsemeshStrategy(
  preset: PulsemeshPreset,
  overrides: Partial<DetectorConfig> = {},
  options: PulsemeshStrategyOptions = {},
): Strategy {
  const base = preset === 'default' ? defaultConfig('browser') : presets[preset];
  const config: DetectorConfig = { ...base, ...overrides };
  const trust = options.trust !== false;
  const tag =
    (Object.keys(overrides).length
      ? `${preset}+${Object.entries(overrides)
          .map(([k, v]) => `${k}=${String(v)}`)
          .join(',')}`
      : preset) + (trust ? '' : '+unsigned');
  return {
    name: 'pulsemesh',
    preset: tag,
    witness: true,
    create: (init) => new DetectorNode(init, config, trust, options.sharedStatements !== false),
  };
}
