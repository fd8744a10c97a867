// Helpers of the relay-budget tests (`review-s22-relay.test.ts`, `relay-budget-attacks.test.ts`).
import { encode, MessageType } from './codec.js';
import type { RelayJobBudget } from './relay-budget.js';
import type { TestNetwork } from './test-network.js';
import type { PeerId } from './types.js';

/** One ping-req as `handlePingReq` charges it: 'refused' (requester's budget), 'capped' (target's: nacked) or 'job'. */
export function ask(
  budget: RelayJobBudget,
  requester: PeerId,
  target: PeerId,
  nowMs: number,
): 'refused' | 'capped' | 'job' {
  if (!budget.take(requester, nowMs)) return 'refused';
  return budget.takeAt(target, requester, nowMs) ? 'job' : 'capped';
}

/** Each of `ids[0..k)` sends `to` one ping-req about the next id round the ring, all at `nowMs`. */
export function askRing(
  net: TestNetwork,
  ids: readonly PeerId[],
  k: number,
  nowMs: number,
  to: PeerId = 'victim',
): void {
  const node = net.get(to);
  for (let i = 0; i < k; i++) {
    const target = ids[(i + 1) % k] as PeerId;
    const bytes = encode({
      type: MessageType.pingReq,
      seq: nowMs & 0xffff,
      target,
      updates: [],
      extensions: [],
    });
    net.apply(to, node.receive(ids[i] as PeerId, bytes, nowMs));
  }
}
