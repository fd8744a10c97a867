// core's Transport contract suite (from @pulsemesh/sim), run against the real WebRTC transport:
// two Node peers linked over loopback through node-datachannel. Run through scripts/netns.sh.
import { describe, it } from 'vitest';
import { transportContract, type TransportHarness } from '@pulsemesh/sim';
import { livePeerConnectionCount } from './link.js';
import { linkedCount, SignalBus, until } from './test-helpers.js';

async function harness(): Promise<TransportHarness> {
  const bus = new SignalBus();
  const a = bus.add('contract-a', { bindAddress: '127.0.0.1' });
  const b = bus.add('contract-b', { bindAddress: '127.0.0.1' });
  bus.announce();
  await until(() => linkedCount(a) === 1 && linkedCount(b) === 1, 10_000, 'link up');
  return {
    a,
    b,
    settle: () => new Promise((r) => setTimeout(r, 150)),
    disconnect: async () => {
      a.manager.closeLink(b.localId, 'contract disconnect');
      await until(() => linkedCount(b) === 0, 5_000, 'b to see the link down');
    },
    close: async () => {
      bus.closeAll();
      await until(() => livePeerConnectionCount() === 0, 5_000, 'connections closed');
    },
  };
}

describe('Transport contract: WebRTC (Node, node-datachannel)', () => {
  for (const c of transportContract(harness)) it(c.name, c.run);
});
