/**
 * The strategies the benchmark compares, by key: pulsemesh at its presets (the real core) and the
 * comparison baselines.
 */
import { seedStrategy } from './baselines/seed-heartbeat.js';
import { swimStrategy } from './baselines/swim.js';
import type { Strategy } from './sim-node.js';

/** Strategy keys in the order tables list them. */
export const STRATEGY_KEYS = ['swim', 'seed'] as const;
export type StrategyKey = (typeof STRATEGY_KEYS)[number];

/** The strategy for a key. `n` lets a strategy size itself (e.g. bounded membership at scale). */
export function strategyFor(key: StrategyKey, _n: number): Strategy {
  switch (key) {
    case 'swim':
      return swimStrategy();
    case 'seed':
      return seedStrategy();
  }
}
