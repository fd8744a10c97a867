/**
 * The strategies the benchmark compares, by key: pulsemesh with its default (the browser default,
 * `preset: "default"`) and the named `lan` preset (the real core), and the comparison baselines.
 */
import { seedStrategy } from './baselines/seed-heartbeat.js';
import { swimStrategy } from './baselines/swim.js';
import { pulsemeshStrategy } from './detector-node.js';
import type { Strategy } from './sim-node.js';

/** Strategy keys in the order tables list them. */
export const STRATEGY_KEYS = ['pulsemesh-default', 'pulsemesh-lan', 'swim', 'seed'] as const;
export type StrategyKey = (typeof STRATEGY_KEYS)[number];

/**
 * Above 1,000 peers (the 10,000-node scale run, on a random mesh of degree 16) membership is
 * bounded: each detector keeps at most this many members, so memory stays linear in N.
 */
export const SCALE_MEMBERS_MAX = 64;

/** The scale series' strategy: `pulsemesh:default` with `membersMax` = {@link SCALE_MEMBERS_MAX} at every N. */
export function scaleStrategy(): Strategy {
  return pulsemeshStrategy('default', { membersMax: SCALE_MEMBERS_MAX });
}

/** The strategy for a key. `n` lets a strategy size itself (e.g. bounded membership at scale). */
export function strategyFor(key: StrategyKey, n: number): Strategy {
  switch (key) {
    case 'pulsemesh-default':
      return n > 1000
        ? pulsemeshStrategy('default', { membersMax: SCALE_MEMBERS_MAX })
        : pulsemeshStrategy('default');
    case 'pulsemesh-lan':
      return n > 1000
        ? pulsemeshStrategy('lan', { membersMax: SCALE_MEMBERS_MAX })
        : pulsemeshStrategy('lan');
    case 'swim':
      return swimStrategy();
    case 'seed':
      return seedStrategy();
  }
}
