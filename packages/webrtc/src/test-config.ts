import type { DetectorConfig } from '@pulsemesh/core';

/** Fast detector settings for tests (browser and Node): failures confirmed in about 1-2 s on loopback. */
export const fastConfig = {
  probeIntervalMs: 200,
  probeIntervalMsMin: 100,
  probeIntervalMsMax: 200,
  probeTimeoutMsMin: 20,
  probeTimeoutMsMax: 100,
  suspicionMult: 3,
  suspicionMaxTimeoutMult: 3,
  phiStdMsMin: 50,
} as const satisfies Partial<DetectorConfig>;
