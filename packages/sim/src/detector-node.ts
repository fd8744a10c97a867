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
  type WitnessKind,
} from '@pulsemesh/core';
import type { SimNode, SimNodeInit, Strategy } from './sim-node.js';

/** The real detector, driven by the simulator. */
export class DetectorNode implements SimNode {
  readonly detector: Detector;

  constructor(init: SimNodeInit, config: DetectorConfig) {
    this.detector = new Detector({
      id: init.id,
      config,
      random: init.random,
      nowMs: init.nowMs,
      incarnation: init.incarnation,
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

/** `pulsemesh` at a preset, optionally with overrides (e.g. a smaller `membersMax` at scale). */
export function pulsemeshStrategy(
  preset: PulsemeshPreset,
  overrides: Partial<DetectorConfig> = {},
): Strategy {
  const base = preset === 'default' ? defaultConfig('browser') : presets[preset];
  const config: DetectorConfig = { ...base, ...overrides };
  const tag = Object.keys(overrides).length
    ? `${preset}+${Object.entries(overrides)
        .map(([k, v]) => `${k}=${String(v)}`)
        .join(',')}`
    : preset;
  return { name: 'pulsemesh', preset: tag, witness: true, create: (init) => new DetectorNode(init, config) };
}
