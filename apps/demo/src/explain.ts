/**
 * Numbers for the "what am I looking at" panel, computed from the detector settings with core's
 * own formulas, so the text cannot drift from what the detector does.
 */
import {
  defaultConfig,
  stallToleranceMs,
  suspicionTimeoutMsMax,
  suspicionTimeoutMsMin,
  type DetectorConfig,
} from '@pulsemesh/core';

/** The timing facts the panel shows (ms). */
export interface Timings {
  probeIntervalMs: number;
  probeTimeoutMsMax: number;
  suspicionMinMs: number;
  suspicionMaxMs: number;
  hiddenPatienceMult: number;
  /** The longest silence a live peer may take without being failed (`stallToleranceMs`). */
  stallToleranceMs: number;
}

/** Timing facts for a mesh of `clusterSize` peers running `overrides` on top of the browser default. */
export function timingsFor(overrides: Partial<DetectorConfig>, clusterSize: number): Timings {
  const c = { ...defaultConfig('browser'), ...overrides };
  const suspicionMinMs = suspicionTimeoutMsMin(
    c.suspicionMult,
    clusterSize,
    c.probeIntervalMs,
    c.suspicionTimeoutMsFloor,
  );
  return {
    probeIntervalMs: c.probeIntervalMs,
    probeTimeoutMsMax: c.probeTimeoutMsMax,
    suspicionMinMs,
    suspicionMaxMs: suspicionTimeoutMsMax(c.suspicionMaxTimeoutMult, suspicionMinMs),
    hiddenPatienceMult: c.hiddenPatienceMult,
    stallToleranceMs: stallToleranceMs(c, clusterSize),
  };
}
