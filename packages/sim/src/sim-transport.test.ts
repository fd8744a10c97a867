import { describe, it } from 'vitest';
import { perfectNetwork } from './network.js';
import { createSimTransports } from './sim-transport.js';
import { transportContract } from './transport-contract.js';

describe('Transport contract: simulated network', () => {
  const factory = async () => {
    const { sim, transports } = createSimTransports(2, perfectNetwork);
    const [a, b] = transports as [NonNullable<(typeof transports)[0]>, NonNullable<(typeof transports)[1]>];
    return {
      a,
      b,
      settle: async () => void sim.runUntilIdle(),
      disconnect: async () => sim.setLink(0, 1, false),
      close: async () => undefined,
    };
  };
  for (const c of transportContract(factory)) it(c.name, c.run);
});
