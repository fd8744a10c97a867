/**
 * `pulsemesh`: the real `@pulsemesh/core` `Detector` as a {@link SimNode}. A pass-through adapter,
 * not a re-implementation: every call goes straight to the product code.
 */
import {
  Detector,
  defaultConfig,
  type DetectorConfig,
  type Lifecycle,
  type PeerId,
  presets,
  type StepResult,
  testTrust,
  type WitnessKind,
} from '@pulsemesh/core';
import type { SimNode, SimNodeInit, Strategy } from './sim-node.js';

/** The real detector, driven by the simulator. */
export class DetectorNode implements SimNode {
  readonly detector: Detector;

  constructor(init: SimNodeInit, config: DetectorConfig, trust = false) {
    this.detector = new Detector({
      id: init.id,
      config,
      random: init.random,
      nowMs: init.nowMs,
      incarnation: init.incarnation,
      ...(trust ? { trust: testTrust(init.id) } : {}),
    });
  }

  linkUp(peer: PeerId, nowMs: number): StepResult {
    return this.detector.linkUp(peer, nowMs);
  }
  linkDown(peer: PeerId, nowMs: number): StepResult {
    return this.detector.linkDown(peer, nowMs);
  }
  tick(nowMs: number): StepResult {
    return this.detector.tick(nowMs);
  }
  receive(from: PeerId, bytes: Uint8Array, nowMs: number): StepResult {
    return this.detector.receive(from, bytes, nowMs);
  }
  leave(nowMs: number): StepResult {
    return this.detector.leave(nowMs);
  }
  nextDeadlineMs(): number {
    return this.detector.nextDeadlineMs();
  }
  reportTimerLateness(lateMs: number, nowMs: number): StepResult {
    return this.detector.reportTimerLateness(lateMs, nowMs);
  }
  witness(peer: PeerId, kind: WitnessKind, nowMs: number): StepResult {
    return this.detector.witness(peer, kind, nowMs);
  }
  setLifecycle(lifecycle: Lifecycle, nowMs: number): StepResult {
    return this.detector.setLifecycle(lifecycle, nowMs);
  }
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
    create: (init) => new DetectorNode(init, config, trust),
  };
}
